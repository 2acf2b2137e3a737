"""Numba's threads (and the BLAS pool's): one a free core, the wait policy set before the pool, the
bench's busy process, and evaluation in bounded batches [runtime.threads, bench.busy, runtime.train]."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numba
import numpy as np
import pytest

from symcnn.bench.busy import busy_process
from symcnn.bench.report import render
from symcnn.cli.main import main
from symcnn.errors import SymcnnError
from symcnn.runtime import threads
from symcnn.runtime.blas import blas_threads, set_blas_threads
from symcnn.runtime.threads import ThreadGovernor, _Look, free_threads, prepare, settings
from symcnn.runtime.train import confusion_matrix, evaluate


@pytest.fixture(autouse=True)
def _numba_threads_restored():
    before, blas_before = numba.get_num_threads(), blas_threads()
    yield
    numba.set_num_threads(before)
    if blas_before is not None:
        set_blas_threads(blas_before)


def test_one_thread_a_free_core():
    assert free_threads(0.0, 2, 2) == 2
    assert free_threads(0.15, 2, 2) == 2  # a core counts as free while others take at most QUIET of it
    assert free_threads(0.5, 2, 2) == 1
    assert free_threads(1.0, 2, 2) == 1
    assert free_threads(3.0, 2, 2) == 1  # never fewer than one
    assert free_threads(0.0, 16, 8) == 8  # never more than the pool
    assert free_threads(3.5, 16, 16) == 12


def _scripted(gov: ThreadGovernor, others: list[float], monkeypatch) -> list[int]:
    """The threads the load allows, looking once a simulated second, other processes using ``others[k]``
    cores in second ``k``."""
    looks = iter(_Look(float(k + 1), busy, 0.0) for k, busy in enumerate(np.cumsum(others)))
    monkeypatch.setattr(gov, "_look", lambda: next(looks))
    gov._last = _Look(0.0, 0.0, 0.0)
    allowed = []
    for _ in others:
        gov.tick()
        gov.tock()
        allowed.append(gov.allowed)
    return allowed


def test_the_count_tried_goes_down_at_once_and_up_after_two_free_looks(monkeypatch):
    gov = ThreadGovernor(interval=0.0)
    gov.cores = gov.most = 4
    gov.least = gov.allowed = 2
    monkeypatch.setattr(gov, "_numba", type("Pool", (), {"set_num_threads": staticmethod(lambda n: None)}))
    others = [0.0, 0.0, 3.0, 0.0, 3.0, 0.0, 0.0, 0.0]  # cores other processes used, second by second
    assert _scripted(gov, others, monkeypatch) == [2, 4, 2, 2, 2, 2, 4, 4]  # never fewer than two tried
    assert gov.report()["mode"] == "auto"


class _Clock:
    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        return self.now


def _trial(gov: ThreadGovernor, clock: _Clock, seconds: dict[int, float], steps: int) -> list[int]:
    """Run ``steps`` steps taking ``seconds[threads]`` each; the thread counts they ran with."""
    ran = []
    for _ in range(steps):
        ran.append(gov.tick())
        assert numba.get_num_threads() == ran[-1]
        clock.now += seconds[ran[-1]]
        gov.tock()
    return ran


def test_more_threads_only_while_a_trial_finds_them_faster(monkeypatch):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("a pool of one thread: nothing to choose")
    clock = _Clock()
    monkeypatch.setattr(threads, "time", clock)
    gov = ThreadGovernor(trial_every=1.0)
    gov._last, gov.allowed = None, 2  # every core free, no load to read
    # two threads faster: a trial of 3 + 3 alternate steps, then two threads
    assert _trial(gov, clock, {1: 0.010, 2: 0.006}, 10) == [1, 2, 1, 2, 1, 2, 2, 2, 2, 2]
    assert gov.best == 2 and gov.trials == gov.trials_won == 1
    # a second later the pool loses, narrowly (say, wake-ups as costly as the work): one thread
    clock.now += 1.0
    assert _trial(gov, clock, {1: 0.010, 2: 0.0099}, 10) == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1]
    assert gov.best == 1 and gov.trials == 2 and gov.trials_won == 1
    assert gov.report()["steps_at"] == {"1": 10, "2": 10}
    gov.allowed = 1  # a machine of one core: one thread, no trial
    assert _trial(gov, clock, {1: 0.010, 2: 0.050}, 3) == [1, 1, 1] and gov.trials == 2


def test_a_trial_lost_by_far_ends_at_once_and_the_next_comes_later(monkeypatch):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("a pool of one thread: nothing to choose")
    clock = _Clock()
    monkeypatch.setattr(threads, "time", clock)
    gov = ThreadGovernor(trial_every=1.0)
    gov._last, gov.allowed = None, 2
    busy = {1: 0.010, 2: 0.100}  # beside a busy process: two threads wait on the scheduler
    assert _trial(gov, clock, busy, 4) == [1, 2, 1, 1]  # one step on two threads, and the trial is lost
    starts = [gov._trial_at]
    for _ in range(40):  # 40 simulated seconds, a step a second
        clock.now += 1.0
        _trial(gov, clock, busy, 2)
        if gov._trial_at != starts[-1]:
            starts.append(gov._trial_at)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(gaps) == 4 and all(w <= g < w + 1.5 for g, w in zip(gaps, (2, 4, 8, 16)))  # doubling waits
    assert gov.steps[2] == 5 and gov.trials == 5 and gov.trials_won == 0
    gov._idle_looks = 1  # a second look at an idle machine: trials at their first cadence again
    monkeypatch.setattr(gov, "_look", lambda: _Look(clock.now, 0.0, 0.0))
    gov._last = _Look(clock.now - 1.0, 0.0, 0.0)
    gov._update()
    assert gov._wait == gov.trial_every


def test_a_fixed_count_is_kept_whatever_the_load(monkeypatch):
    gov = ThreadGovernor(1, interval=0.0)
    monkeypatch.setattr(gov, "_look", lambda: pytest.fail("a fixed count never looks at the load"))
    ran = []
    for _ in range(3):
        ran.append(gov.tick())
        gov.tock()
    assert ran == [1, 1, 1] and numba.get_num_threads() == 1 and gov.trials == 0
    assert gov.report()["mode"] == "fixed"


def test_a_thread_count_beyond_the_pool_is_one_error():
    with pytest.raises(SymcnnError, match="--threads"):
        ThreadGovernor(numba.config.NUMBA_NUM_THREADS + 1)


def test_the_wait_policy_is_passive_unless_the_user_chose_one(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    prepare()
    assert os.environ["OMP_WAIT_POLICY"] == "passive" == settings()["wait_policy"]
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    prepare()
    assert os.environ["OMP_WAIT_POLICY"] == "active"


def test_child_processes_start_with_the_same_policy(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    prepare()
    code = "import os; print(os.environ.get('OMP_WAIT_POLICY'))"  # as runtime.warmup starts its children
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert child.stdout.strip() == "passive"


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_busy_process_runs_inside_the_block_and_is_reaped_after():
    with busy_process(settle=0.05) as proc:
        assert proc.poll() is None and not _gone(proc.pid)
    assert proc.returncode is not None and _gone(proc.pid)  # killed and waited for: no orphan, no zombie
    with pytest.raises(RuntimeError), busy_process(settle=0.0) as proc:
        raise RuntimeError("the measurement failed")
    assert proc.returncode is not None and _gone(proc.pid)


def test_bench_contended_starts_and_stops_its_busy_process(capsys):
    args = ["bench", "--backend", "numpy", "--contended", "--steps", "2", "--windows", "1", "--warmup", "0",
            "--json", "--no-peak", "--no-layers"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    pid = result["contended"]["pid"]
    assert result["contended"]["exit"] is not None and _gone(pid)
    assert result["machine"]["threading"]["wait_policy"] and result["results"]["numpy"]["steps"] == 2


class _Net:
    """A network whose forward pass records the batch sizes it was given, and in which mode."""

    def __init__(self):
        self.batches, self.training = [], []

    def forward(self, x, training=True):
        self.batches.append(len(x))
        self.training.append(training)
        return np.eye(10)[(x.reshape(len(x), -1).sum(axis=1) % 10).astype(int)]


def test_evaluate_runs_in_batches_and_counts_every_image():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 10, (23, 1, 2, 2)).astype(np.float32)
    labels = rng.integers(0, 10, 23)
    net = _Net()
    gov = ThreadGovernor(1)
    error, matrix = evaluate(net, images, labels, batch_size=5, threads=gov)
    predicted = (images.reshape(23, -1).sum(axis=1) % 10).astype(int)
    np.testing.assert_array_equal(matrix, confusion_matrix(labels, predicted, 10))
    assert error == np.mean(predicted != labels)
    assert net.batches == [5, 5, 5, 5, 3] and gov.report()["steps_at"] == {"1": 5}
    assert net.training == [False] * 5  # evaluation equations: a batch norm's running statistics
    assert evaluate(_Net(), images[:0], labels[:0])[0] == 0.0


def test_governor_is_for_the_backends_with_a_thread_pool():
    assert threads.governor("torch", 1) is None
    gov = threads.governor("numba", 1)
    assert gov.tick() == 1 and numba.get_num_threads() == 1


def test_the_blas_pool_runs_the_count_the_governor_chose():
    if blas_threads() is None:
        pytest.skip("no BLAS library found in this process")
    gov = threads.governor("numpy", 1)
    assert gov.tick() == 1 and blas_threads() == 1
    set_blas_threads(2)
    gov.tick()  # set again before every step, whoever changed it
    assert blas_threads() == 1


def test_evaluate_keeps_no_unfolded_windows_between_batches():
    from symcnn.runtime.presets import build_network
    from symcnn.support import numpy_ops

    net = build_network("dlt", backend="numpy", dtype="float32")
    images = np.random.default_rng(1).random((12, 1, 28, 28)).astype(np.float32)
    net.forward(images[:4])
    assert numpy_ops._WINDOWS.__dict__  # a forward pass keeps its windows for the backward pass
    evaluate(net, images, np.zeros(12, dtype=int), batch_size=4)
    assert not numpy_ops._WINDOWS.__dict__


def test_the_busy_process_stops_when_the_bench_is_killed_outright():
    code = ("import sys, time; from symcnn.bench.busy import busy_process\n"
            "with busy_process(settle=0.0) as p:\n    print(p.pid, flush=True); time.sleep(60)\n")
    bench = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(bench.stdout.readline())
    finally:
        bench.kill()  # SIGKILL: no finally block runs in the bench
        bench.wait()
    for _ in range(100):
        if _gone(pid) or _zombie(pid):
            break
        time.sleep(0.05)
    assert _gone(pid) or _zombie(pid)  # exited (a zombie until init reaps it)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.slow  # compiles (or loads) and times the numba backend twice
def test_bench_one_thread_times_numba_on_one_thread_beside_the_default(capsys):
    args = ["bench", "--backend", "numba", "--one-thread", "--steps", "4", "--windows", "2", "--warmup", "0",
            "--no-peak", "--no-layers", "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    default, one = result["results"]["numba"]["threading"], result["results"]["numba@1"]["threading"]
    steps = 1 + 2 * (2 + 2)  # the first step; 2 untimed and 2 timed steps in each of 2 windows
    assert default["mode"] == "auto" and sum(default["steps_at"].values()) == steps
    assert one["mode"] == "fixed" and one["steps_at"] == {"1": steps}
    assert one["threading_layer"] in ("omp", "tbb", "workqueue") and one["wait_policy"]
    assert result["vs_one_thread"]["numba"]["ratio"] > 0 and "contended" not in result
    assert "numba/numba@1" in render(result) and "OMP_WAIT_POLICY" in render(result)


def test_train_refuses_more_threads_than_the_pool_before_any_work(capsys):
    too_many = str(numba.config.NUMBA_NUM_THREADS + 1)
    assert main(["train", "--threads", too_many, "--limit", "10"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--threads {too_many}" in err[0] and "compiling" not in err[0]


def test_gradients_do_not_depend_on_the_threads_that_computed_them():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("a pool of one thread")
    from symcnn.runtime.arch import synthetic_batch
    from symcnn.runtime.presets import build_network

    net = build_network("dlt", backend="numba", dtype="float32")
    x, t = synthetic_batch(10, "float32", seed=2)
    grads = []
    for count in (1, 2):  # the kernel gradient splits the images into blocks by the pool, not the threads
        numba.set_num_threads(count)
        loss = net.loss(x, t)
        net.backward()
        grads.append((loss, {k: v.copy() for k, v in net.gradients().items()}))
    assert grads[0][0] == grads[1][0]
    for name, g in grads[0][1].items():
        np.testing.assert_array_equal(g, grads[1][1][name], err_msg=name)
