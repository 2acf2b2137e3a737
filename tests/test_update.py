"""The fused SGD update is the NumPy rule bit for bit, in place [B6]."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from symcnn.runtime.optim import SGD
from symcnn.runtime.update import PARALLEL, fusable, update


def numpy_rule(p, g, s, v, mu):
    """``v ← μ·v − s·g; p ← p + v`` (μ = 0: ``p ← p − s·g``) as four NumPy passes."""
    step = s * g
    if v is None:
        p -= step
        return
    v *= mu
    v -= step
    p += v


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("per_weight", [False, True], ids=["one rate", "a rate per weight"])
def test_fused_update_is_the_numpy_rule(dtype, momentum, per_weight):
    rng = np.random.default_rng(3)
    params = {"K": rng.standard_normal((3, 4, 5)).astype(dtype), "b": rng.standard_normal(7).astype(dtype)}
    rates = {"K": rng.uniform(0, 2, (3, 4, 5))} if per_weight else None
    ref = {k: v.copy() for k, v in params.items()}
    live = params["K"]
    opt = SGD(params, lr=0.37, momentum=momentum, rates=rates)
    assert all(fusable(p, p, opt.step_size[k], opt.velocity.get(k)) for k, p in params.items())
    velocity = {k: np.zeros_like(v) for k, v in ref.items()}
    for _ in range(3):
        grads = {k: rng.standard_normal(v.shape).astype(dtype) for k, v in ref.items()}
        opt.step(grads)
        for k in ref:
            numpy_rule(ref[k], grads[k], opt.step_size[k], velocity[k] if momentum else None,
                       np.dtype(dtype).type(momentum))
    assert params["K"] is live  # in place
    for k in ref:
        np.testing.assert_array_equal(params[k], ref[k], err_msg=k)
        if momentum:
            np.testing.assert_array_equal(opt.velocity[k], velocity[k], err_msg=k)


def test_the_fused_pass_runs_where_it_applies(monkeypatch):
    from symcnn.runtime import update

    calls = []
    monkeypatch.setattr(update, "update", lambda *args: calls.append(args[0].shape))
    p = {"w": np.ones((4, 6), np.float32), "b": np.ones(3, np.float32)}
    SGD(p, lr=0.5, momentum=0.5).step({"w": np.ones((4, 6), np.float32), "b": np.ones(3, np.float32)})
    assert calls == [(4, 6), (3,)]  # every array, and nothing else changed them
    assert (p["w"] == 1).all()


def test_a_strided_gradient_takes_the_numpy_rule():
    p = np.ones((4, 6))
    g = np.arange(48.0).reshape(4, 12)[:, ::2]  # every other column: not contiguous
    assert not fusable(p, g, np.ones(()))
    SGD({"w": p}, lr=0.5).step({"w": g})
    np.testing.assert_array_equal(p, 1 - 0.5 * g)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("per_weight", [False, True], ids=["one rate", "a rate per weight"])
@pytest.mark.parametrize("size", [7, PARALLEL - 1, PARALLEL, 3 * PARALLEL + 5],
                         ids=["tiny", "below", "at", "above"])
def test_serial_and_parallel_kernels_are_the_numpy_rule(dtype, momentum, per_weight, size):
    rng = np.random.default_rng(size)
    p = rng.standard_normal(size).astype(dtype)
    v = rng.standard_normal(size).astype(dtype) if momentum else None
    s = rng.uniform(0, 2, size if per_weight else ()).astype(dtype)
    ref_p, ref_v = p.copy(), None if v is None else v.copy()
    for _ in range(2):
        g = rng.standard_normal(size).astype(dtype)
        update(p, g, s, v, momentum)
        numpy_rule(ref_p, g, s, ref_v, np.dtype(dtype).type(momentum))
        assert p.tobytes() == ref_p.tobytes()  # bit for bit, signed zeros and all
        if momentum:
            assert v.tobytes() == ref_v.tobytes()


@pytest.mark.parametrize("size, kernel", [(PARALLEL - 1, "serial"), (PARALLEL, "parallel")])
def test_arrays_from_the_threshold_on_take_the_parallel_kernels(monkeypatch, size, kernel):
    from symcnn.runtime import update as module

    calls = []
    for name in ("sgd_step", "sgd_parallel", "momentum_step", "momentum_parallel"):
        monkeypatch.setattr(module, name, lambda *args, _name=name: calls.append(_name))
    p = np.ones(size, np.float32)
    update(p, p, np.ones(1, np.float32), None, 0.0)
    update(p, p, np.ones(1, np.float32), np.zeros_like(p), 0.5)
    suffix = "step" if kernel == "serial" else "parallel"
    assert calls == [f"sgd_{suffix}", f"momentum_{suffix}"]


LOADS = textwrap.dedent("""
    import numpy as np
    from symcnn.runtime import update

    for dtype in ("float32", "float64"):
        for size in (update.PARALLEL - 1, update.PARALLEL):
            p = np.ones(size, dtype)
            for s in (np.ones((), dtype), np.ones(size, dtype)):
                update.update(p, p.copy(), s, None, 0.0)
                update.update(p, p.copy(), s, np.zeros_like(p), 0.9)
    kernels = [update.sgd_step, update.momentum_step, update.sgd_parallel, update.momentum_parallel]
    print(*[sum(k.stats.cache_hits.values()) for k in kernels])
    print(*[sum(k.stats.cache_misses.values()) for k in kernels])
""")


def test_the_warm_up_compiles_the_kernels_the_update_calls(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # a cold cache: only the warm-up fills it
    for dtype in ("float32", "float64"):
        warm = f"from symcnn.runtime.warmup import _update_kernels; _update_kernels({dtype!r})"
        subprocess.run([sys.executable, "-c", warm], env=env, check=True, timeout=600)
    done = subprocess.run([sys.executable, "-c", LOADS], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    counts = list(map(int, done.stdout.split()))
    assert all(hits > 0 for hits in counts[:4]) and counts[4:] == [0, 0, 0, 0]
