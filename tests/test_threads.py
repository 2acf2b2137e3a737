"""Numba's threads: one a free core, the wait policy set before the pool, the bench's busy process,
and evaluation in bounded batches [runtime.threads, bench.busy, runtime.train]."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from symcnn.bench.busy import busy_process
from symcnn.cli.main import main
from symcnn.errors import SymcnnError
from symcnn.runtime import threads
from symcnn.runtime.threads import ThreadGovernor, _Look, free_threads, prepare, settings
from symcnn.runtime.train import confusion_matrix, evaluate


@pytest.fixture(autouse=True)
def _numba_threads_restored():
    before = numba.get_num_threads()
    yield
    numba.set_num_threads(before)


def test_one_thread_a_free_core():
    assert free_threads(0.0, 2, 2) == 2
    assert free_threads(0.15, 2, 2) == 2  # a core counts as free while others take at most QUIET of it
    assert free_threads(0.5, 2, 2) == 1
    assert free_threads(1.0, 2, 2) == 1
    assert free_threads(3.0, 2, 2) == 1  # never fewer than one
    assert free_threads(0.0, 16, 8) == 8  # never more than the pool
    assert free_threads(3.5, 16, 16) == 12


def _scripted(gov: ThreadGovernor, others: list[float], monkeypatch) -> list[int]:
    """Tick ``gov`` once a simulated second, other processes using ``others[k]`` cores in second ``k``."""
    looks = iter(_Look(float(k + 1), busy, 0.0) for k, busy in enumerate(np.cumsum(others)))
    monkeypatch.setattr(gov, "_look", lambda: next(looks))
    gov._last = _Look(0.0, 0.0, 0.0)
    return [gov.tick() for _ in others]


def test_the_governor_goes_down_at_once_and_up_after_two_free_intervals(monkeypatch):
    gov = ThreadGovernor(interval=0.0)
    if gov._last is None:
        pytest.skip("no /proc/stat: the governor keeps Numba's default")
    if min(gov.most, gov.cores) < 2:
        pytest.skip("one CPU: nothing to choose")
    gov.cores = gov.most = 2
    seen = _scripted(gov, [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0], monkeypatch)
    assert seen == [1, 2, 1, 1, 1, 1, 2, 2]
    assert numba.get_num_threads() == 2 and gov.changes == 3
    assert gov.report()["steps_at"] == {"1": 5, "2": 3} and gov.report()["mode"] == "auto"


def test_a_fixed_count_is_kept_whatever_the_load(monkeypatch):
    gov = ThreadGovernor(1, interval=0.0)
    monkeypatch.setattr(gov, "_look", lambda: pytest.fail("a fixed count never looks at the load"))
    assert [gov.tick() for _ in range(3)] == [1, 1, 1] and numba.get_num_threads() == 1
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
    pytest.importorskip("torch")
    args = ["bench", "--backend", "none", "--compare", "torch", "--contended", "--steps", "2",
            "--windows", "1", "--warmup", "0", "--json", "--no-peak"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    pid = result["contended"]["pid"]
    assert result["contended"]["exit"] is not None and _gone(pid)
    assert result["machine"]["threading"]["wait_policy"] and result["results"]["torch"]["steps"] == 2


class _Net:
    """A network whose forward pass records the batch sizes it was given."""

    def __init__(self):
        self.batches = []

    def forward(self, x):
        self.batches.append(len(x))
        return np.eye(10)[(x.reshape(len(x), -1).sum(axis=1) % 10).astype(int)]


def test_evaluate_runs_in_batches_and_counts_every_image():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 10, (23, 1, 2, 2)).astype(np.float32)
    labels = rng.integers(0, 10, 23)
    net, ticks = _Net(), []
    error, matrix = evaluate(net, images, labels, batch_size=5, before_batch=lambda: ticks.append(1))
    predicted = (images.reshape(23, -1).sum(axis=1) % 10).astype(int)
    np.testing.assert_array_equal(matrix, confusion_matrix(labels, predicted, 10))
    assert error == np.mean(predicted != labels)
    assert net.batches == [5, 5, 5, 5, 3] and len(ticks) == 5
    assert evaluate(_Net(), images[:0], labels[:0])[0] == 0.0


def test_governor_is_for_numba_only():
    assert threads.governor("numpy", 1) is None
    tick = threads.governor("numba", 1)
    assert tick() == 1 and numba.get_num_threads() == 1
