"""examples/ddp_train.py: symcnn's generated layers under PyTorch's DistributedDataParallel.

``torchrun --nproc_per_node 2`` on the CPU (gloo): each process trains on its own half of the
data, so only the all-reduce of the derived gradients can keep their parameters equal.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the DDP example needs PyTorch (pip install -e '.[torch]')")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "ddp_train.py"
#: A worker that dies this way (a C++ thread torn down mid-run, SIGABRT) is run once more: it happened in
#: 2 of 10 runs here, never twice in a row, and not yet traced to symcnn; any other failure fails at once.
ABORT = "terminate called without an active exception"


def _initial() -> dict[str, np.ndarray]:
    """The network's parameters before training, as rank 0 makes them (DDP broadcasts rank 0's)."""
    spec = importlib.util.spec_from_file_location("ddp_train", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {k: v.detach().numpy().copy() for k, v in module.network("numpy", seed=0).named_parameters()}


@pytest.mark.slow  # two processes start PyTorch and train 30 steps: ~20 s on 2 cores
def test_two_processes_train_one_set_of_parameters(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(SCRIPT), "--out", str(tmp_path), "--steps", "30"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and ABORT in done.stderr:  # seen twice in ten runs on a loaded machine
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    ranks = [np.load(tmp_path / f"rank{k}.npz") for k in (0, 1)]
    names = [k for k in ranks[0].files if k != "losses"]
    initial = _initial()
    assert sorted(names) == sorted(initial) == ["0.B", "0.K", "3.W", "3.b"]
    for name in names:  # trained, and the same in both processes, to the bit
        assert np.array_equal(ranks[0][name], ranks[1][name]), name
        assert not np.allclose(ranks[0][name], initial[name]), name
    losses = [r["losses"] for r in ranks]
    assert not np.array_equal(*losses)  # each process saw its own images
    for loss in losses:
        assert len(loss) == 30 and loss[-10:].mean() < 0.75 * loss[:5].mean()
