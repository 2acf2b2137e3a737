"""Timed windows: wall time, our own CPU time, and what everyone else used meanwhile.

Shared machines make single timings meaningless (±30 % run to run), so a
measurement is several *windows* of the same work, summarised as median, min
and max. Each window also records how busy the machine was: the CPU time all
processes used (``/proc/stat``, Linux only) minus the CPU time of this process
(``os.times``, every thread included) is what other processes took, reported
in cores (CPU-seconds per wall-second; 2.0 means two cores fully taken).
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

__all__ = ["LoadMeter", "Window", "cpu_count", "machine_busy", "summarize", "time_windows"]

_STAT = "/proc/stat"


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine_busy() -> tuple[float, float] | None:
    """(busy, steal) CPU-seconds of the whole machine since boot, or None without ``/proc/stat``.

    Busy is user + nice + system + irq + softirq time of all CPUs (guest time
    is already inside user); steal is time the hypervisor gave to other guests.
    """
    try:
        with open(_STAT, encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(v) for v in fields[1:]] + [0] * 10
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
    hz = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / hz, steal / hz


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


@dataclass
class Window:
    """One timed window of ``steps`` repetitions."""

    steps: int
    seconds: float
    own_cpu_cores: float  # our CPU-seconds per wall-second
    other_cpu_cores: float | None  # everyone else's, None where /proc/stat is missing
    steal_cores: float | None

    def as_dict(self) -> dict:
        return asdict(self)


class LoadMeter:
    """Wall time, our CPU and other processes' CPU between :meth:`start` and :meth:`stop`."""

    def start(self) -> LoadMeter:
        self.busy0, self.own0, self.t0 = machine_busy(), _own_cpu(), time.perf_counter()
        return self

    def stop(self) -> tuple[float, float, float | None, float | None]:
        """(wall s, own CPU cores, other processes' CPU cores, steal cores); cores = CPU-s per wall-s."""
        t1, own1, busy1 = time.perf_counter(), _own_cpu(), machine_busy()
        wall = max(t1 - self.t0, 1e-9)
        own = own1 - self.own0
        other = steal = None
        if self.busy0 is not None and busy1 is not None:
            # /proc/stat counts in clock ticks (10 ms): short windows are noisy, never negative
            other = max(0.0, (busy1[0] - self.busy0[0]) - own) / wall
            steal = (busy1[1] - self.busy0[1]) / wall
        return wall, own / wall, other, steal


def time_windows(step: Callable[[], object], steps: int, windows: int) -> list[Window]:
    """Run ``step`` ``steps`` times in total, split over ``windows`` timed windows.

    Every window gets at least one step. The garbage collector runs before
    each window, not inside one.
    """
    windows = max(1, min(windows, steps))
    sizes = [steps // windows + (1 if i < steps % windows else 0) for i in range(windows)]
    result = []
    for size in sizes:
        gc.collect()
        meter = LoadMeter().start()
        for _ in range(size):
            step()
        result.append(Window(size, *meter.stop()))
    return result


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


#: A window is *quiet* when other processes used at most this many cores during it.
QUIET_CORES = 0.2


def summarize(windows: list[Window], images_per_step: int) -> dict:
    """Images/s and ms/step as median, min and max over windows, and the machine's load.

    ``quiet`` is the median images/s over the windows during which other
    processes used at most :data:`QUIET_CORES` cores (None if there were none).
    """
    rates = [w.steps * images_per_step / w.seconds for w in windows]
    quiet = [r for r, w in zip(rates, windows)
             if w.other_cpu_cores is not None and w.other_cpu_cores <= QUIET_CORES]
    step_ms = [1e3 * w.seconds / w.steps for w in windows]
    others = [w.other_cpu_cores for w in windows if w.other_cpu_cores is not None]
    steals = [w.steal_cores for w in windows if w.steal_cores is not None]
    return {
        "images_per_s": _stats(rates),
        "step_ms": _stats(step_ms),
        "own_cpu_cores": statistics.mean(w.own_cpu_cores for w in windows),
        "other_cpu_cores": (
            {"mean": statistics.mean(others), "max": max(others)} if others else None
        ),
        "steal_cores": statistics.mean(steals) if steals else None,
        "quiet": {"windows": len(quiet), "images_per_s": statistics.median(quiet)} if quiet else None,
        "steps": sum(w.steps for w in windows),
        "seconds": sum(w.seconds for w in windows),
        "windows": [w.as_dict() for w in windows],
    }
