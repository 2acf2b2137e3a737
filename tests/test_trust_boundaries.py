"""What symcnn reads is data, and what it writes is whole (#27: the cache, the folder, the kernels' buffers).

- a derivation-cache or stage-cache entry is never written out or run as source; names in it are
  validated as a spec's are, and its text is parsed in bounded time;
- a ``derive --out`` killed at any point leaves a folder every module of which loads, and the next
  derive (or ``--check``) finds and sweeps what it left;
- a buffer that aliases an input, a constant changed between forward and backward, and a pooling
  factor that is not a whole size are refused, not computed into wrong numbers;
- a second derive into a folder being written is told so; a negative count is a usage mistake.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import snapshot, symcnn

from symcnn.errors import ShapeError
from symcnn.runtime.loader import load_layer_module

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"

SPEC = """
from symcnn.model import Equation, Layer, Sum, array, indices, sizes
N, H, K = sizes("N H K")
n, y, a = indices("n y a")
X, W, U = array("X", (N, H + K - 1)), array("W", (K,)), array("U", (N, H))
LAYERS = [Layer("conv1d", (N, H, K), (X,), (W,), (U,),
                (Equation(U[n, y], Sum(X[n, y + a] * W[a], (a, 0, K - 1))),), label="B1", doc="1-D")]
"""


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "spec.py").write_text(SPEC)
    return folder


# --- 9: the PyTorch function and the generated modules' buffers ----------------------------


def test_a_constant_changed_in_place_before_backward_is_caught():
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedLayer

    conv = GeneratedLayer.load("conv_xcorr_relu", {"K": torch.randn(1, 6, 5, 5) * 0.1, "B": torch.ones(6)},
                               constants={"T": torch.ones(1, 6)})
    x = torch.randn(2, 1, 12, 12, requires_grad=True)
    y = conv(x)
    conv.T.mul_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    assert x.grad is None


def test_a_constant_given_as_an_array_is_read_as_it_was_at_the_forward():
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedLayer

    conv = GeneratedLayer.load("conv_xcorr_identity", {"K": torch.randn(1, 2, 3, 3, dtype=torch.float64),
                                                       "B": torch.zeros(2, dtype=torch.float64)})
    T = np.ones((1, 2))
    x = torch.randn(2, 1, 6, 6, dtype=torch.float64, requires_grad=True)
    conv(x, T=T).sum().backward()
    expected = x.grad.clone()
    x.grad = None
    y = conv(x, T=T)
    T[...] = 0  # after the forward: the backward still differentiates the forward that ran
    y.sum().backward()
    assert torch.equal(x.grad, expected) and expected.abs().sum() > 0


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_an_output_buffer_that_aliases_an_input_is_refused(backend):
    mod = load_layer_module("conv_xcorr_sigmoid", backend, GENERATED)
    rng = np.random.default_rng(0)
    arrays = {"X": rng.random((2, 1, 6, 6)), "K": rng.standard_normal((1, 2, 3, 3)), "B": np.zeros(2),
              "T": np.ones((1, 2))}
    fwd = mod.forward(arrays)
    seeded = {**arrays, **fwd, "dY": np.ones_like(fwd["Y"])}
    before = {k: v.copy() for k, v in seeded.items()}
    with pytest.raises(ShapeError, match=r"out\['dX'\] shares memory with X") as info:
        mod.backward(seeded, out={"dX": seeded["X"]})
    assert "\n" not in str(info.value)
    inside_x = arrays["X"].reshape(-1)[:64].reshape(2, 2, 4, 4)  # U's shape, in X's memory
    with pytest.raises(ShapeError, match=r"out\['U'\] shares memory with X"):
        mod.forward(arrays, out={"U": inside_x})
    for k, v in before.items():
        assert np.array_equal(seeded[k], v), k  # nothing was written
    grads = mod.backward(seeded, out={"dX": np.empty_like(seeded["X"])})  # a buffer of its own is fine
    assert np.isfinite(grads["dK"]).all()


def test_torch_hyper_parameters_must_be_whole_sizes():
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedLayer

    for s in (0, 2.9, True, -2):
        with pytest.raises(ShapeError, match="hyper-parameter 's' must be an integer >= 1"):
            GeneratedLayer.load("pool_max_plain", {}, hyper={"s": s})
    pool = GeneratedLayer.load("pool_max_plain", {}, hyper={"s": np.int64(2)})
    assert pool(torch.ones(1, 1, 4, 4)).shape == (1, 1, 2, 2)


# --- 11: concurrent derives, negative counts ---------------------------------------------


def test_a_derive_into_a_folder_another_is_writing_is_told_so(work, tmp_path):
    """The writer has created the folder and begun (its journal, a module) but has no manifest yet."""
    cache = tmp_path / "cache"
    out = work / "out"
    out.mkdir()
    (out / ".MANIFEST.pending.json").write_text('{"symcnn": "0", "files": {}}')
    (out / "conv1d_numpy.py").write_text("# Produced by symcnn, half way\n")
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        before = snapshot(work)
        r = symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache)
    finally:
        os.close(fd)
    assert r.code == 1
    r.error_line("generated code error", "another `symcnn derive` is writing this folder")
    assert snapshot(work) == before


def test_two_derives_at_once_never_blame_the_folder(work, tmp_path):
    """Run together into one new folder: each either writes it or is told another derive is writing."""
    cache = tmp_path / "cache"
    assert symcnn("derive", "--spec", "spec.py", "--out", "warm", cwd=work, cache=cache).code == 0
    results = []

    def one() -> None:
        results.append(symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert any(r.code == 0 for r in results)
    for r in results:
        assert "did not write" not in r.err and "Traceback" not in r.err, r.err
        if r.code:
            r.error_line("another `symcnn derive`")
    assert symcnn("derive", "--spec", "spec.py", "--out", "out", "--check", cwd=work, cache=cache).code == 0


@pytest.mark.parametrize("option", ["--warmup", "--seed", "--steps", "--windows"])
def test_bench_negative_counts_are_usage_mistakes(work, tmp_path, option):
    before = snapshot(work)
    r = symcnn("bench", option, "-1", cwd=work, cache=tmp_path / "cache")
    r.usage(option)
    assert snapshot(work) == before
