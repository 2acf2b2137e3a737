"""A time budget for a proof: checked between steps, and enforced inside a long SymPy call by a timer.

``with limit(seconds) as tick:`` — call ``tick()`` between steps (it raises
:class:`OutOfTime` once the time is spent); on the main thread of a POSIX
process a ``SIGALRM`` timer also interrupts a single SymPy call that runs past
the end (``expand`` of a large expression), so a proof never hangs silently.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator


class OutOfTime(Exception):
    """The proof's time budget ran out."""


@contextlib.contextmanager
def limit(seconds: float, on_tick: Callable[[], None] = lambda: None) -> Iterator[Callable[[], None]]:
    """A ``tick`` that raises :class:`OutOfTime` after ``seconds`` (and calls ``on_tick`` each time)."""
    end = time.monotonic() + max(seconds, 0.0)

    def tick() -> None:
        on_tick()
        if time.monotonic() > end:
            raise OutOfTime(f"{seconds:.0f} s")

    timer = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() and seconds > 0
    )
    if not timer:
        yield tick
        return

    def alarm(signum, frame) -> None:
        # raised where the program is: should that be a finalizer, which drops it, the timer fires again
        signal.setitimer(signal.ITIMER_REAL, 0.25)
        raise OutOfTime(f"{seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield tick
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
