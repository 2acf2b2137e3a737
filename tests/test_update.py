"""The fused SGD update is the NumPy rule bit for bit, in place [B6]."""

from __future__ import annotations

import numpy as np
import pytest

from symcnn.runtime.optim import SGD
from symcnn.runtime.update import fusable


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
