"""One busy process beside a measurement: ``symcnn bench --contended``.

A user trains beside a browser, a test run, a notebook server; the bench
reproduces that with a process of its own that keeps one core busy with
Python arithmetic (no threads, no BLAS, no I/O), started before the timed
rounds and stopped, and waited for, after them, also when they fail or are
interrupted; it stops by itself if the bench is killed outright.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SPIN", "busy_process"]

#: What the busy process runs: integer arithmetic on one core, until its parent is gone (so a bench
#: killed outright leaves no process spinning behind it).
SPIN = """import os, sys
parent = int(sys.argv[1])
x = 1
while os.getppid() == parent:
    for _ in range(100000):
        x = (x * 1103515245 + 12345) % 2147483648
"""


@contextmanager
def busy_process(settle: float = 0.2) -> Iterator[subprocess.Popen]:
    """A process spinning on one core for the duration of the ``with`` block; killed and reaped after."""
    proc = subprocess.Popen([sys.executable, "-c", SPIN, str(os.getpid())], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(settle)  # it is running, and the scheduler has seen it
        yield proc
    finally:
        proc.kill()
        proc.wait()
