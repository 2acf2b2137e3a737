"""Numba's threads, chosen so that they never lose to one thread on a busy machine.

A ``parallel=True`` kernel is a fork-join region: Numba cuts its outer loop
into one equal share a thread and the region ends when the last share does.
A training step runs 16 (dlt) to 28 (lenet5) such regions of a fraction of a
millisecond each. When another process is busy on one of the cores, the
thread on that core gets the CPU only in the scheduler's time slices
(milliseconds) and every region waits for it; OpenMP's default wait policy
makes it worse: the thread that has finished its share spins (libgomp:
``GOMP_SPINCOUNT``) and takes CPU from the very core the late thread waits
for. Beside one busy process on this project's 2-core machine, dlt's step
ran 16× slower on two threads than on one. Yet on a machine crowded with
many runnable threads the scheduler shares the CPU per thread, and two
threads that wait passively got twice the CPU of one and ran 1.4× faster.
No load figure says which of the two a machine is in; a measurement does.

So, at the cause:

* :func:`prepare` sets OpenMP's wait policy to ``passive`` before Numba starts
  its pool (libgomp reads it when it is loaded, at the first parallel kernel),
  unless the user set one; the kernel-compiling child processes
  (:mod:`.warmup`) inherit it through the environment;
* :class:`ThreadGovernor` runs more than one thread only while that
  measurably beats one: a trial every few seconds times a few steps on one
  thread against as many on more, alternately, and the faster median keeps
  the count until the next trial. A trial whose steps on more threads lose
  by far ends at once, and trials that keep losing come less and less often
  (the wait doubles after each, up to :data:`TRIAL_MOST` seconds), so a
  machine that stays busy pays for almost none. The count tried is one a free core, at
  least two: before each step it looks, at most every :data:`INTERVAL`
  seconds, at the CPU time other processes used on this process's CPUs
  (``/proc/stat`` minus this process's own CPU time); down at once, up after
  two free looks in a row.

A fixed ``--threads N`` turns the governor off. The count a step runs is given
to the BLAS pool behind NumPy's products too (:mod:`.blas`): the NumPy
backend's threads are OpenBLAS's, and they spin alike.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from dataclasses import dataclass

from ..backends import BACKENDS
from .blas import set_blas_threads

__all__ = [
    "INTERVAL", "QUIET", "ThreadGovernor", "check_threads", "free_threads", "governor", "prepare", "settings",
]

#: Seconds between two looks at the machine's load.
INTERVAL = 0.25
#: A core counts as free while other processes use at most this fraction of it.
QUIET = 0.2
#: Seconds between two trials of more threads against one.
TRIAL_EVERY = 5.0
#: Steps on one thread, and as many on the free cores, in a trial.
TRIAL_PAIRS = 3
#: More threads win a trial only with a median step at most this fraction of one thread's: a wrong
#: win costs seconds of a losing pool, a wrong loss a few per cent.
MARGIN = 0.95
#: A trial ends at once, lost, when a step on more threads takes this many times the slowest step on
#: one: beside a busy process a step on two threads can take ten times one thread's, and two more
#: such steps would cost more than the trial could win back.
EARLY_LOSS = 2.0
#: Seconds between trials grow twice as long after each lost trial, up to this; a won trial, or a
#: load that drops, brings them back to :data:`TRIAL_EVERY`.
TRIAL_MOST = 80.0
#: OpenMP's wait policy unless the user chose one: threads that wait sleep instead of spinning.
WAIT_POLICY = "passive"


def prepare() -> None:
    """Set the threading environment before Numba starts its thread pool.

    Only variables the user has not set are set (their choice wins); child processes inherit them.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)


def check_threads(threads: int) -> None:
    """Refuse a thread count Numba's pool cannot run, in one line."""
    import numba

    from symcnn.errors import SymcnnError

    most = int(numba.config.NUMBA_NUM_THREADS)
    if not 1 <= threads <= most:
        raise SymcnnError(f"--threads {threads}: Numba's pool allows 1 to {most} on this machine")


def settings() -> dict[str, str | None]:
    """The threading layer Numba runs (or will choose) and OpenMP's wait policy, for reports."""
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet: the configured choice
        layer = numba.config.THREADING_LAYER
    return {"threading_layer": layer, "wait_policy": os.environ.get("OMP_WAIT_POLICY") or "unset",
            "spin_count": os.environ.get("GOMP_SPINCOUNT")}


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _cpus() -> set[int] | None:
    try:
        return set(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return None


def _busy_seconds(cpus: set[int] | None = None) -> float | None:
    """CPU-seconds the CPUs ``cpus`` (default: all) spent busy since boot (user, nice, system, irq,
    softirq; ``/proc/stat``), or None where there is no ``/proc/stat``."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            lines = [line.split() for line in f if line.startswith("cpu")]
    except OSError:
        return None
    ticks = 0
    for fields in lines:
        name = fields[0]
        if (name == "cpu") if cpus is None else (name[3:].isdigit() and int(name[3:]) in cpus):
            user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[1:8])
            ticks += user + nice + system + irq + softirq
    return ticks / os.sysconf("SC_CLK_TCK") if lines else None


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system


def free_threads(others: float, cores: int, most: int) -> int:
    """Threads for ``cores`` CPUs of which other processes used ``others`` cores: one per free core
    (a core is free while others take at most :data:`QUIET` of it), from 1 to ``most``."""
    return max(1, min(most, int(cores - others + QUIET)))


@dataclass
class _Look:
    wall: float
    busy: float
    own: float


class ThreadGovernor:
    """Numba's thread count for each step: ``threads`` if given, else chosen as the steps run.

    Call :meth:`tick` before each step and :meth:`tock` after it. Unfixed, more than one thread
    runs only while it measurably beats one: a *trial* every :data:`TRIAL_EVERY` seconds runs
    :data:`TRIAL_PAIRS` steps on one thread and as many on ``allowed`` threads, alternately, and
    the faster median (more threads by :data:`MARGIN`) keeps the count until the next. A step on
    more threads slower than :data:`EARLY_LOSS` times one thread's ends the trial there, lost; each
    lost trial doubles the wait to the next (up to :data:`TRIAL_MOST` s), a won one or two looks
    at an idle machine bring it back.
    ``allowed`` is one a free core, at least
    two (a look at ``/proc/stat`` every :data:`INTERVAL` seconds; down at once, up after two free
    looks in a row); where ``/proc/stat`` is missing, every core.
    """

    def __init__(self, threads: int | None = None, interval: float = INTERVAL,
                 trial_every: float = TRIAL_EVERY) -> None:
        import numba

        self._numba = numba
        self.most = int(numba.config.NUMBA_NUM_THREADS)
        self.fixed = threads
        self.interval, self.trial_every = interval, trial_every
        self.cpus = _cpus()
        self.cores = len(self.cpus) if self.cpus else cpu_count()
        self._last = self._look()
        if threads is not None:
            check_threads(threads)
        self.least = min(2, self.most, self.cores)  # always tried against one thread, where there are two
        # the count tried against one thread: one a free core (all where no load can be read), at least two
        self.allowed = min(self.most, self.cores) if self._last is None else self.least
        self.threads = threads if threads is not None else 1
        self.best: int | None = None  # the count the last trial chose, for ``self._tried`` allowed
        self._tried = 0
        self._trial: list[int] = []  # counts still to run in the trial under way
        self._trial_step = False  # the step under way is a trial's
        self._samples: dict[int, list[float]] = {}
        self._trial_at = -math.inf
        self._wait = trial_every  # seconds from one trial to the next: doubled by each lost trial
        self._idle_looks = 0  # looks in a row that found every core free
        self._free = 0  # free looks in a row
        self._start: float | None = None
        self.steps: dict[int, int] = {}  # steps run at each thread count
        self.trials = self.trials_won = 0
        self._apply()

    def _apply(self) -> None:
        """Numba's pool (a per-thread setting) and the BLAS pool (process-wide) on ``self.threads``."""
        self._numba.set_num_threads(self.threads)
        set_blas_threads(self.threads)

    @property
    def mode(self) -> str:
        return "fixed" if self.fixed is not None else "auto"

    def _look(self) -> _Look | None:
        busy = _busy_seconds(self.cpus)
        return None if busy is None else _Look(time.perf_counter(), busy, _own_seconds())

    def tick(self) -> int:
        """Set Numba's and the BLAS pool's thread count for the step about to run; return it."""
        now = time.perf_counter()
        if self.fixed is None:
            if self._last is not None and now - self._last.wall >= self.interval:
                self._update()
            self.threads = self._choose(now)
        self._apply()
        self.steps[self.threads] = self.steps.get(self.threads, 0) + 1
        self._start = time.perf_counter()
        return self.threads

    def tock(self) -> None:
        """The step :meth:`tick` began has ended: its time counts in a trial under way."""
        if self._start is None:
            return
        took, self._start = time.perf_counter() - self._start, None
        if not self._trial_step:
            return
        self._samples.setdefault(self.threads, []).append(took)
        if self.threads > 1 and took > EARLY_LOSS * max(self._samples.get(1) or [math.inf]):
            self._trial = []  # lost by far: the rest of the trial would only cost
        if not self._trial:  # the trial's last step: the faster median wins, one thread on a near tie
            one, more = (statistics.median(self._samples.get(k) or [math.inf]) for k in (1, self._tried))
            self.best = self._tried if more <= MARGIN * one else 1
            self.trials_won += self.best > 1
            self._wait = self.trial_every if self.best > 1 else min(TRIAL_MOST, 2 * self._wait)
            self._trial_step = False

    def _choose(self, now: float) -> int:
        if self.allowed <= 1:  # no core to spare: one thread, and any trial is off
            self._trial, self._trial_step = [], False
            return 1
        if not self._trial and (self.best is None or self._tried != self.allowed
                                or now - self._trial_at >= self._wait):
            self._tried, self._trial_at, self._samples = self.allowed, now, {}
            self._trial = [1, self.allowed] * TRIAL_PAIRS
            self.trials += 1
        if self._trial:
            self._trial_step = True
            return self._trial.pop(0)
        self._trial_step = False
        return min(self.best or 1, self.allowed)

    def report(self) -> dict:
        """The mode (auto or fixed), the count now, the steps run at each count, the trials."""
        return {"mode": self.mode, "threads": self.threads, "most": min(self.most, self.cores),
                "steps_at": {str(k): v for k, v in sorted(self.steps.items())},
                "trials": self.trials, "trials_won": self.trials_won}

    def _update(self) -> None:
        look = self._look()
        if look is None:
            return
        wall = max(look.wall - self._last.wall, 1e-9)
        others = max(0.0, (look.busy - self._last.busy) - (look.own - self._last.own)) / wall
        self._last = look
        free = free_threads(others, self.cores, self.most)
        self._idle_looks = self._idle_looks + 1 if free >= min(self.cores, self.most) else 0
        if self._idle_looks == 2:  # the load has gone: trials at their first cadence again
            self._wait = self.trial_every
        want = max(self.least, free)
        if want < self.allowed:  # a thread too many: down at once
            self._free, self.allowed = 0, want
        elif want > self.allowed:  # up only after two free looks in a row
            self._free += 1
            if self._free >= 2:
                self._free, self.allowed = 0, want
        else:
            self._free = 0


def governor(backend: str | None, threads: int | None = None) -> ThreadGovernor | None:
    """A :class:`ThreadGovernor` for a ``backend`` network (``threads`` fixed, else chosen as it
    runs): Numba's pool, or NumPy's BLAS pool; ``None`` for a backend with no thread pool."""
    if backend not in BACKENDS:
        return None
    return ThreadGovernor(threads)
