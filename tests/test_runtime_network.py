"""Whole networks: gradients against finite differences, backends against each other, boundaries."""

from __future__ import annotations

import numpy as np
import pytest
from runtime_helpers import GENERATED, batch, directional_check

from symcnn.errors import CheckpointError, GeneratedCodeError, ShapeError
from symcnn.runtime import SGD, build_network
from symcnn.runtime.layers import Flatten
from symcnn.runtime.optim import scheduled_lr

PRESETS = ["dlt", "bouvrie", "lenet5", "combo"]


def net_of(name, backend="numpy", dtype="float64", convention="xcorr", seed=3):
    return build_network(name, backend=backend, dtype=dtype, convention=convention,
                         generated=GENERATED, seed=seed)


def perturb_fixed_params(net, rng):
    """Move biases, β and c off their initial constants so every path carries signal."""
    for name, p in net.parameters().items():
        if not name.endswith(".K") and not name.endswith(".W"):
            p += rng.normal(0.0, 0.3, p.shape)


# The combination layer [B14a] is defined in the cross-correlation convention only.
CASES = [
    (name, conv) for name in PRESETS for conv in ("xcorr", "matlab") if (name, conv) != ("combo", "matlab")
]


@pytest.mark.parametrize("name, convention", CASES)
def test_preset_gradients_match_finite_differences(name, convention):
    rng = np.random.default_rng(11)
    net = net_of(name, convention=convention)
    perturb_fixed_params(net, rng)
    x, t = batch(rng, 3)
    for pname, analytic, numeric in directional_check(net, x, t, rng):
        assert abs(analytic) > 1e-8, pname
        np.testing.assert_allclose(analytic, numeric, rtol=2e-6, atol=0, err_msg=pname)


@pytest.mark.parametrize("name", [n if n == "dlt" else pytest.param(n, marks=pytest.mark.slow)
                                  for n in PRESETS])
def test_backends_agree_on_whole_presets(name):
    rng = np.random.default_rng(5)
    nets = [net_of(name, backend) for backend in ("numba", "numpy")]
    for net in nets:
        perturb_fixed_params(net, np.random.default_rng(1))
    x, t = batch(rng, 4)
    losses = [net.loss(x, t) for net in nets]
    for net in nets:
        net.backward()
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-12, atol=0)
    g_numba, g_numpy = nets[0].gradients(), nets[1].gradients()
    for key in g_numpy:
        np.testing.assert_allclose(g_numba[key], g_numpy[key], rtol=1e-9, atol=1e-14, err_msg=key)


def test_float32_follows_float64():
    rng = np.random.default_rng(2)
    x, t = batch(rng, 5)
    n64, n32 = net_of("dlt"), net_of("dlt", dtype="float32")
    l64, l32 = n64.loss(x, t), n32.loss(x.astype(np.float32), t.astype(np.float32))
    n64.backward()
    n32.backward()
    assert abs(l64 - l32) < 1e-5 * abs(l64)
    for key, g in n32.gradients().items():
        assert g.dtype == np.float32, key
        np.testing.assert_allclose(g, n64.gradients()[key], rtol=2e-3, atol=1e-6, err_msg=key)


def test_buffers_are_reused_without_leaking_state():
    rng = np.random.default_rng(4)
    net = net_of("lenet5")
    x1, t1 = batch(rng, 6)
    x2, t2 = batch(rng, 6)
    net.loss(x1, t1)
    net.backward()
    first = {k: v.copy() for k, v in net.gradients().items()}
    out_buffer = net.layers[0].arrays["Y"]
    net.loss(x2, t2)
    net.backward()
    assert net.layers[0].arrays["Y"] is out_buffer  # the same buffer, refilled
    net.loss(x1, t1)
    net.backward()
    for key, g in net.gradients().items():
        np.testing.assert_array_equal(g, first[key], err_msg=key)
    x3, t3 = batch(rng, 2)  # a different batch size gets its own buffers
    fresh = net_of("lenet5")
    fresh.set_parameters(net.parameters())
    assert net.loss(x3, t3) == fresh.loss(x3, t3)


def test_wrong_inputs_are_shape_errors_saying_what_was_expected():
    net = net_of("dlt")
    x, t = batch(np.random.default_rng(0), 2)
    with pytest.raises(ShapeError, match=r"shape \(2, 28, 28\), expected \(N, 1, 28, 28\)"):
        net.forward(x[:, 0])
    with pytest.raises(ShapeError, match=r"shape \(2, 1, 32, 32\), expected \(N, 1, 28, 28\)"):
        net.forward(np.zeros((2, 1, 32, 32)))
    with pytest.raises(ShapeError, match="dtype float32, expected float64"):
        net.forward(x.astype(np.float32))
    with pytest.raises(ShapeError, match="not C-contiguous"):
        net.forward(np.asfortranarray(x))
    with pytest.raises(ShapeError, match="is a list"):
        net.forward(x.tolist())
    with pytest.raises(ShapeError, match=r"targets has shape \(2, 9\), expected \(2, 10\)"):
        net.loss(x, t[:, :9])
    conv = net.layers[0]
    with pytest.raises(ShapeError):
        conv.forward(np.zeros((2, 3, 28, 28)))  # 3 channels into a 1-channel kernel: sizes_of says so


def test_flatten_orders_round_trip():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    for order in ("C", "F"):
        f = Flatten(order=order)
        y = f.forward(x)
        assert y.shape == (2, 60)
        np.testing.assert_array_equal(f.backward(y), x)
    f = Flatten(order="F")
    np.testing.assert_array_equal(f.forward(x)[0, :4], x[0, 0, :, 0])  # column-major within a map


def test_checkpoints_are_validated_against_the_network(tmp_path):
    net = net_of("dlt")
    path = tmp_path / "dlt.npz"
    net.save(path, epoch=1)
    other = net_of("dlt", seed=9)
    assert other.load(path)["net"] == "dlt"
    for key, p in other.parameters().items():
        np.testing.assert_array_equal(p, net.parameters()[key])
    with pytest.raises(CheckpointError, match="missing array 'pool1.b'"):
        net_of("bouvrie").load(path)
    with pytest.raises(CheckpointError, match="dtype float64, expected float32"):
        net_of("dlt", dtype="float32").load(path)
    with pytest.raises(CheckpointError, match=r"expected float64\(20,\)"):
        net_of("lenet5").set_parameters(net.parameters())


def test_sgd_plain_momentum_and_per_parameter_rates():
    p = {"w": np.array([1.0, 2.0]), "v": np.array([1.0])}
    g = {"w": np.array([0.5, -1.0]), "v": np.array([2.0])}
    opt = SGD(p, lr=0.1, rates={"w": np.array([1.0, 0.0])})  # [B6]: a rate per weight
    opt.step(g)
    np.testing.assert_allclose(p["w"], [0.95, 2.0], rtol=1e-15)
    np.testing.assert_allclose(p["v"], [0.8], rtol=1e-15)
    q = {"w": np.array([0.0], dtype=np.float32)}
    mom = SGD(q, lr=1.0, momentum=0.5)
    for _ in range(2):
        mom.step({"w": np.array([1.0], dtype=np.float32)})
    assert q["w"].dtype == np.float32 and q["w"][0] == -2.5  # v: -1, then -1.5
    with pytest.raises(ShapeError, match="unknown parameter 'x'"):
        SGD(p, lr=0.1, rates={"x": 1.0})
    with pytest.raises(ShapeError, match="rate for 'w' has shape"):
        SGD(p, lr=0.1, rates={"w": np.ones(3)})


def test_set_lr_keeps_per_parameter_rates():
    p = {"w": np.array([1.0, 1.0])}
    opt = SGD(p, lr=1.0, rates={"w": np.array([1.0, 0.5])})
    opt.set_lr(0.2)
    opt.step({"w": np.array([1.0, 1.0])})
    np.testing.assert_allclose(p["w"], [0.8, 0.9], rtol=1e-15)
    with pytest.raises(ValueError, match="must be positive"):
        opt.set_lr(0.0)


def test_cosine_schedule_anneals_from_lr_towards_zero():
    total = 10
    rates = [scheduled_lr("cosine", 0.1, step, total) for step in range(total)]
    assert rates[0] == 0.1 and 0 < rates[-1] < 0.003
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert scheduled_lr("cosine", 0.1, total // 2, total) == pytest.approx(0.05, rel=1e-12)
    assert scheduled_lr("constant", 0.1, 7, total) == 0.1
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        scheduled_lr("step", 0.1, 0, total)


def test_bad_preset_options_are_clear():
    with pytest.raises(GeneratedCodeError, match="unknown network"):
        net_of("alexnet")
    with pytest.raises(GeneratedCodeError, match="no matlab-convention layer"):
        net_of("combo", convention="matlab")
