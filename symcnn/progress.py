"""Counted progress on stderr — ``derive 3/25 conv_xcorr_sigmoid`` — redrawn in place.

Drawn only on a terminal: when stderr is piped or redirected, or a command
prints ``--json``, a :class:`Counter` writes nothing at all, so logs and
machine-read output stay as they were. Only the standard library is used.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["Counter", "EpochBar", "Heartbeat"]


class Counter:
    """One line counting ``done`` of ``total`` steps, with the current step's name and an ETA.

    ``enabled`` forces the line on or off; by default it is on exactly when
    ``stream`` (stderr) is a terminal.
    """

    def __init__(self, what: str, *, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.live = _isatty(self.stream) if enabled is None else enabled
        self.start: float | None = None  # when counting began: the first count shown
        self.width = 0
        self.last = ""

    def text(
        self, done: int, total: int, name: str = "", eta: bool = False, share: float | None = None
    ) -> str:
        """The line for ``done`` of ``total`` (``total`` 0: no count yet), without drawing it.

        With ``eta``, the time left is extrapolated from the time since counting began and
        ``share``, the fraction of the work done (default ``done / total``).
        """
        parts = [self.what]
        if total:
            parts.append(f"{done}/{total}")
        if name:
            parts.append(name)
        if total and self.start is None:
            self.start = time.perf_counter()
        share = done / total if share is None and total else share
        if eta and total and done < total and share and 0 < share < 1 and self.start is not None:
            left = (time.perf_counter() - self.start) * (1 - share) / share
            parts.append(f"(ETA {left:.0f} s)")
        return " ".join(parts)

    def show(
        self, done: int, total: int, name: str = "", eta: bool = False, share: float | None = None
    ) -> None:
        """Redraw the line (a no-op when not live, or when the text is unchanged)."""
        if not self.live:
            return
        line = self.text(done, total, name, eta, share)
        if line == self.last:
            return
        self.last = line
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        """Erase the line, leaving the cursor where it was before the first :meth:`show`."""
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
        self.width, self.last = 0, ""


class EpochBar:
    """A one-line bar of a training epoch on stderr: images done, images/s, running loss.

    Redrawn in place while ``live`` (by default: on a terminal); :meth:`close`
    always writes the final line.
    """

    def __init__(self, epoch: int, epochs: int, total: int, stream: TextIO | None = None,
                 live: bool | None = None) -> None:
        self.epoch, self.epochs, self.total = epoch, epochs, total
        self.stream = stream if stream is not None else sys.stderr
        self.live = _isatty(self.stream) if live is None else live
        self.start = self.last = time.perf_counter()
        self.done, self.loss = 0, float("nan")

    def line(self) -> str:
        width = 30
        fill = int(width * self.done / max(self.total, 1))
        rate = self.done / max(time.perf_counter() - self.start, 1e-9)
        epoch = f"{self.epoch}/{self.epochs}" if self.epochs else str(self.epoch)
        return (f"epoch {epoch} [{'#' * fill}{'.' * (width - fill)}] "
                f"{self.done}/{self.total}  {rate:7.0f} img/s  loss {self.loss:.4f}")

    def update(self, batch: int, done: int, loss: float) -> None:
        self.done, self.loss = done, loss
        now = time.perf_counter()
        if self.live and now - self.last > 0.2:
            self.last = now
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def close(self) -> None:
        self.stream.write(("\r" if self.live else "") + self.line() + "\n")
        self.stream.flush()


class Heartbeat:
    """A line saying what a long step is doing and for how long, redrawn every ``period`` seconds.

    ``with Heartbeat("verify") as beat: beat.say("batchnorm: size 2/5")`` — a
    background thread redraws ``verify batchnorm: size 2/5 (12 s)`` while the
    step runs, so a proof that takes a minute is never silent. Like
    :class:`Counter`, drawn only on a terminal unless ``enabled`` says otherwise.
    """

    def __init__(self, what: str, *, stream: TextIO | None = None, enabled: bool | None = None,
                 period: float = 1.0) -> None:
        self.counter = Counter(what, stream=stream, enabled=enabled)
        self.period = period
        self.status = ""
        self.start = time.perf_counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def live(self) -> bool:
        return self.counter.live

    def line(self) -> str:
        return f"{self.status} ({time.perf_counter() - self.start:.0f} s)"

    def say(self, status: str) -> None:
        """What is being done now; drawn at once, then kept fresh by the thread."""
        self.status = status
        self._draw()

    def _draw(self) -> None:
        with self._lock:
            self.counter.show(0, 0, self.line())

    def _beat(self) -> None:
        while not self._stop.wait(self.period):
            self._draw()

    def __enter__(self) -> Heartbeat:
        self.start = time.perf_counter()
        if self.live:
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self.counter.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-less stream
        return False
