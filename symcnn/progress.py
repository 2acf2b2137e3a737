"""Counted progress on stderr — ``derive 3/25 conv_xcorr_sigmoid`` — redrawn in place.

Drawn only on a terminal: when stderr is piped or redirected, or a command
prints ``--json``, a :class:`Counter` writes nothing at all, so logs and
machine-read output stay as they were. Only the standard library is used.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from typing import TextIO

__all__ = ["Counter", "EpochBar", "Heartbeat", "Ticker", "columns"]


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
        self, done: int, total: int, name: str = "", eta: bool = False, share: float | None = None,
        after: str = "",
    ) -> str:
        """The line for ``done`` of ``total`` (``total`` 0: no count yet), without drawing it.

        With ``eta``, the time left is extrapolated from the time since counting began and
        ``share``, the fraction of the work done (default ``done / total``). ``after`` ends the
        line (what is being worked on now, say), cut to the terminal's width.
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
        line = " ".join(parts)
        if after:
            room = columns(self.stream) - 1 - len(line) - 2
            line += "; " + (after if len(after) <= room else after[: max(room - 1, 0)] + "…")
        return line

    def show(
        self, done: int, total: int, name: str = "", eta: bool = False, share: float | None = None,
        after: str = "",
    ) -> None:
        """Redraw the line (a no-op when not live, or when the text is unchanged)."""
        if not self.live:
            return
        line = self.text(done, total, name, eta, share, after)
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


class Ticker:
    """A :class:`Counter` whose line also shows the seconds its current step has taken, redrawn
    every ``every`` seconds from a thread while the ticker is open (``with Ticker(...) as t``):
    a step that takes long is never a silent one. Draws only where the counter would."""

    def __init__(self, what: str, *, stream: TextIO | None = None, enabled: bool | None = None,
                 every: float = 0.5) -> None:
        self.counter = Counter(what, stream=stream, enabled=enabled)
        self.every = every
        self._step: tuple[int, int, str, float] | None = None  # done, total, name, since when
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Ticker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Ticker:
        """Begin redrawing (on a terminal); :meth:`stop` ends it and erases the line."""
        if self.counter.live and self._thread is None:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            self._step = None
            self.counter.close()

    def show(self, done: int, total: int, name: str = "", what: str | None = None) -> None:
        """Begin step ``done`` of ``total`` on ``name`` (``what`` renames the counted work)."""
        with self._lock:
            if what is not None:
                self.counter.what = what
            self._step = (done, total, name, time.perf_counter())
            self._draw()

    def _draw(self) -> None:
        if self._step is not None:
            done, total, name, since = self._step
            self.counter.show(done, total, name, after=f"{time.perf_counter() - since:.0f} s")

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                self._draw()


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


class Heartbeat(Ticker):
    """A :class:`Ticker` of one long step whose status changes, timed from its start.

    ``with Heartbeat("verify") as beat: beat.say("batchnorm: size 2/5")`` — the
    thread redraws ``verify batchnorm: size 2/5 (12 s)`` while the step runs, so a
    proof that takes a minute is never silent. Drawn only where a :class:`Counter` is.
    """

    def __init__(self, what: str, *, stream: TextIO | None = None, enabled: bool | None = None,
                 period: float = 1.0) -> None:
        super().__init__(what, stream=stream, enabled=enabled, every=period)
        self.begun = time.perf_counter()

    @property
    def live(self) -> bool:
        return self.counter.live

    def __enter__(self) -> Heartbeat:
        self.begun = time.perf_counter()
        super().__enter__()
        return self

    def say(self, status: str) -> None:
        """What is being done now; drawn at once, then kept fresh by the thread."""
        self.show(0, 0, status)

    def _draw(self) -> None:
        if self._step is not None:
            self.counter.show(0, 0, f"{self._step[2]} ({time.perf_counter() - self.begun:.0f} s)")


def columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to (80 when it has none)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return 80


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-less stream
        return False
