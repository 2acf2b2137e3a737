"""Layers with state (buffers, their training update, evaluation equations) and the built-in batchnorm.

The batch norm is compared in float64 with ``torch.nn.functional.batch_norm`` in both modes — output,
gradients and running statistics — through the generated modules of both backends, through
``symcnn.torch`` and through the runtime; its derived gradients against central differences at sizes
where it normalises. No exhaustive oracle proof runs here.
"""

from __future__ import annotations

import dataclasses

import gradcheck
import numpy as np
import pytest
from runtime_helpers import GENERATED, batch

from symcnn.derive import derive
from symcnn.derive.cache import spec_hash
from symcnn.errors import ShapeError, SpecError
from symcnn.model import Buffer, Equation, Layer, array, builtin_layers, indices, sizes
from symcnn.model.builtins import batchnorm
from symcnn.model.validate import validate
from symcnn.runtime.checkpoint import load_npz
from symcnn.runtime.layers import Flatten
from symcnn.runtime.layers import Layer as RuntimeLayer
from symcnn.runtime.loader import load_layer_module
from symcnn.runtime.netfile import read_network_file
from symcnn.runtime.netspec import build_from_file, network_from_net_meta
from symcnn.runtime.network import Network

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = 1e-12
SHAPE = (4, 3, 5, 6)


def _case(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 2.0, SHAPE)
    return x, rng.normal(size=3), rng.normal(size=3), rng.normal(size=SHAPE)


def _close(a, b) -> None:
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL * max(1.0, float(np.max(np.abs(b)))))


# -- the spec -----------------------------------------------------------------------------------


def test_batchnorm_is_a_builtin_with_two_buffers_and_evaluation():
    layer = builtin_layers()["batchnorm"]
    assert [str(b.array.label) for b in layer.buffers] == ["RM", "RV"]
    assert [b.init for b in layer.buffers] == [0.0, 1.0]
    assert [str(e.array.label) for e in layer.evaluation] == ["Y"]
    assert {str(g.target.label) for g in derive(layer).gradients} == {"dX", "dG", "dBt", "dMean", "dVar"}


def test_spec_hash_covers_buffers_and_evaluation():
    base = batchnorm()
    assert spec_hash(batchnorm(momentum=0.2)) != spec_hash(base)  # only the update reads the momentum
    assert spec_hash(dataclasses.replace(base, evaluation=())) != spec_hash(base)
    var = dataclasses.replace(base.buffers[1], init=2.0)
    again = dataclasses.replace(base, buffers=(base.buffers[0], var))
    assert spec_hash(again) != spec_hash(base)
    assert spec_hash(batchnorm()) == spec_hash(base)
    assert spec_hash(dataclasses.replace(base, init={"G": 2.0})) != spec_hash(base)  # the module's PARAM_INIT


def test_a_batchnorm_declares_its_scale_starts_at_one():
    assert batchnorm().init == (("G", 1.0),)
    assert builtin_layers()["resblock"].init == (("G1", 1.0), ("G2", 1.0))
    assert _scaled(init={"S": 2}).init == (("S", 2),)  # a dict, as a spec writes it, kept as pairs
    validate(_scaled(init={"S": 2}))
    for backend in ("numpy", "numba"):
        assert load_layer_module("batchnorm_relu", backend, GENERATED).PARAM_INIT == {"G": 1.0}
    assert load_layer_module("fc_identity", "numpy", GENERATED).PARAM_INIT == {}


def test_the_report_and_show_print_the_buffer_updates_and_the_evaluation_equations():
    from symcnn.derive.show import show
    from symcnn.verify.report import _state_section

    section = "\n".join(_state_section(batchnorm("relu")))
    assert "### Buffer updates" in section and "### Evaluation" in section
    assert "{RM}_{c} \\leftarrow 0.1 {Mean}_{c} + 0.9 {RM}_{c}" in section
    assert "{RV}_{c} \\leftarrow" in section and "{Var}_{c}" in section
    assert "{RM}_{c}" in section.split("### Evaluation")[1]  # evaluation normalises with the running mean
    assert "`G` = 1.0" in section
    assert _state_section(_scaled(buffers=(), evaluation=())) == []
    text = show(derive(batchnorm()))
    assert "RV[c] ← 0.1*H*N*W*Var[c]/(H*N*W - 1) + 0.9*RV[c]    (initially 1.0)" in text
    assert "Y[n, c, y, x] = (-RM[c] + X[n, c, y, x])*G[c]/sqrt(RV[c] + 1.0e-5) + Bt[c]" in text
    report = (GENERATED / "DERIVATIONS.md").read_text()  # what `symcnn derive` wrote
    block = report.split("## `resblock`")[1].split("\n## ")[0]
    assert "### Buffer updates" in block and "{RV_{2}}_{c} \\leftarrow" in block
    assert "{EU_{1}}_{n,c,y,x} =" in block.split("### Evaluation")[1]


def _scaled(**change) -> Layer:
    """``Y = X·S``, a running mean ``R`` of ``Y``, evaluation ``Y = X·R``: the smallest stateful layer."""
    (N,) = sizes("N")
    (n,) = indices("n")
    X, S, Y, R = array("X", (N,)), array("S", (N,)), array("Y", (N,)), array("R", (N,))
    fields = dict(name="scaled", sizes=(N,), inputs=(X,), params=(S,), outputs=(Y,),
                  equations=(Equation(Y[n], X[n] * S[n]),),
                  buffers=(Buffer(Equation(R[n], R[n] / 2 + Y[n] / 2)),),
                  evaluation=(Equation(Y[n], X[n] * R[n]),))
    return Layer(**{**fields, **change})


def test_a_minimal_stateful_layer_validates():
    validate(_scaled())


@pytest.mark.parametrize("change, message", [
    (lambda X, S, Y, R, n: {"buffers": (Buffer(Equation(R[n], R[n] + array("Q", X.shape)[n])),)},
     "used before it is defined"),
    (lambda X, S, Y, R, n: {"buffers": (Buffer(Equation(S[n], S[n])),)}, "buffer's name is taken"),
    (lambda X, S, Y, R, n: {"buffers": (Buffer(Equation(R[n], R[n])), Buffer(Equation(R[n], Y[n])))},
     "buffer's name is taken"),
    (lambda X, S, Y, R, n: {"evaluation": (Equation(array("Z", X.shape)[n], X[n] * R[n]),)},
     "must define every output"),
    (lambda X, S, Y, R, n: {"evaluation": (Equation(Y[n], X[n] * S[n] * Y[n]),)},
     "used before it is defined"),
    (lambda X, S, Y, R, n: {"equations": (Equation(Y[n], X[n] * R[n]),)}, "used before it is defined"),
    (lambda X, S, Y, R, n: {"buffers": (Buffer(Equation(R[n], R[n]), init="zero"),)},
     "init must be a finite number"),
    (lambda X, S, Y, R, n: {"buffers": (Buffer(Equation(R[n], R[n]), init=float("nan")),)},
     "init must be a finite number"),
    (lambda X, S, Y, R, n: {"buffers": ("R",)}, "buffers must be a tuple of Buffer"),
    (lambda X, S, Y, R, n: {"evaluation": (Equation(R[n], X[n]), Equation(Y[n], X[n]))},
     "defines an output or a new array"),
    (lambda X, S, Y, R, n: {"init": {"R": 1.0}}, "'R', which is not a parameter"),
    (lambda X, S, Y, R, n: {"init": {"S": "one"}}, "init of 'S' must be a finite number"),
    (lambda X, S, Y, R, n: {"init": {"S": True}}, "init of 'S' must be a finite number"),
    (lambda X, S, Y, R, n: {"init": ("S",)}, "init must map parameter names to numbers"),
])
def test_bad_state_is_a_spec_error(change, message):
    base = _scaled()
    X, S = base.inputs[0], base.params[0]
    Y, R = base.outputs[0], base.buffers[0].array
    with pytest.raises(SpecError, match=message):
        validate(_scaled(**change(X, S, Y, R, indices("n")[0])))


def test_gradients_match_central_differences_where_it_normalises():
    """[test_derive draws 1-2 values per map, where a batch norm's output does not depend on X.]"""
    d = derive(batchnorm())
    for seed, env in enumerate(({"N": 3, "C": 2, "H": 2, "W": 3}, {"N": 2, "C": 1, "H": 3, "W": 2})):
        env = {s: env[str(s)] for s in d.layer.sizes}
        errors = gradcheck.check(d, env, seed)
        assert set(errors) == {"X", "G", "Bt"}
        assert max(errors.values()) < 1e-7, errors


# -- generated modules --------------------------------------------------------------------------


@pytest.mark.parametrize("layer, backend", [("batchnorm", "numpy"), ("batchnorm", "numba"),
                                            ("batchnorm_relu", "numpy")])
def test_generated_batchnorm_agrees_with_torch(layer, backend):
    mod = load_layer_module(layer, backend, GENERATED)
    act = F.relu if layer == "batchnorm_relu" else (lambda t: t)
    assert mod.BUFFERS == ("RM", "RV") and mod.EVALUATION == ("Y",)
    x, g, bt, dy = _case()
    given = {"X": x, "G": g, "Bt": bt}
    state = mod.initial_buffers(mod.sizes_of(given))
    rm, rv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for step in range(3):
        given["X"] = x + step
        made = mod.forward(given)
        mod.update_buffers({**given, **made, **state})
        xt, gt, bt_t = (torch.tensor(a, requires_grad=True) for a in (given["X"], g, bt))
        want = act(F.batch_norm(xt, rm, rv, gt, bt_t, training=True, momentum=0.1, eps=1e-5))
        want.backward(torch.tensor(dy))
        grads = mod.backward({**given, **made, "dY": dy})
        _close(made["Y"], want)
        for name, t in (("dX", xt), ("dG", gt), ("dBt", bt_t)):
            _close(grads[name], t.grad)
        _close(state["RM"], rm)
        _close(state["RV"], rv)
    out = mod.forward_eval({**given, "X": x, **state})
    _close(out["Y"], act(F.batch_norm(torch.tensor(x), rm, rv, torch.tensor(g), torch.tensor(bt),
                                      training=False, eps=1e-5)))


def _torch_block(t: dict, state: dict, training: bool):
    """He et al.'s basic block in PyTorch: conv → bn → relu → conv → bn → + x → relu."""
    u1 = F.conv2d(t["X"], t["K1"].transpose(0, 1), padding=1)  # K is (in, out, 3, 3)
    h1 = F.relu(F.batch_norm(u1, state["RM1"], state["RV1"], t["G1"], t["B1"], training=training))
    u2 = F.conv2d(h1, t["K2"].transpose(0, 1), padding=1)
    return F.relu(F.batch_norm(u2, state["RM2"], state["RV2"], t["G2"], t["B2"], training=training) + t["X"])


def test_generated_residual_block_agrees_with_torch():
    mod = load_layer_module("resblock", "numpy", GENERATED)
    rng = np.random.default_rng(4)
    c = 3
    given = {"X": rng.normal(size=(3, c, 6, 5)), "K1": rng.normal(0, 0.3, (c, c, 3, 3)),
             "K2": rng.normal(0, 0.3, (c, c, 3, 3))}
    given.update({p: rng.normal(size=c) for p in ("G1", "B1", "G2", "B2")})
    state = mod.initial_buffers(mod.sizes_of(given))
    theirs = {k: torch.tensor(v) for k, v in state.items()}
    made = mod.forward(given)
    mod.update_buffers({**given, **made, **state})
    t = {k: torch.tensor(v, requires_grad=True) for k, v in given.items()}
    want = _torch_block(t, theirs, True)
    dy = rng.normal(size=want.shape)
    want.backward(torch.tensor(dy))
    _close(made["Y"], want)
    grads = mod.backward({**given, **made, "dY": dy})
    for name in given:
        _close(grads["d" + name], t[name].grad)
    for name in state:
        _close(state[name], theirs[name])
    _close(mod.forward_eval({**given, **state})["Y"], _torch_block(t, theirs, False))


def test_a_layer_without_state_has_the_same_contract():
    mod = load_layer_module("fc_relu", "numpy", GENERATED)
    rng = np.random.default_rng(1)
    arrays = {"X": rng.normal(size=(2, 3)), "W": rng.normal(size=(4, 3)), "b": rng.normal(size=4)}
    assert mod.BUFFERS == () and mod.EVALUATION == () and mod.initial_buffers(mod.sizes_of(arrays)) == {}
    assert np.array_equal(mod.forward_eval(arrays)["Y"], mod.forward(arrays)["Y"])
    assert mod.update_buffers(arrays) is None


def test_update_needs_the_forward_arrays():
    mod = load_layer_module("batchnorm", "numpy", GENERATED)
    x, g, bt, _ = _case()
    given = {"X": x, "G": g, "Bt": bt}
    with pytest.raises(ShapeError, match="Mean"):
        mod.update_buffers({**given, **mod.initial_buffers(mod.sizes_of(given))})


# -- symcnn.torch -------------------------------------------------------------------------------


def test_torch_layer_trains_and_evaluates_like_batchnorm2d():
    from symcnn.torch import GeneratedLayer

    x, g, bt, dy = _case(2)
    params = {"G": torch.tensor(g), "Bt": torch.tensor(bt)}
    ours = GeneratedLayer.load("batchnorm", params, generated=GENERATED)
    ref = torch.nn.BatchNorm2d(3, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(g))
        ref.bias.copy_(torch.tensor(bt))
    assert ours.RM is None  # sized by the first input
    for step in range(3):
        xs = [torch.tensor(x * (step + 1), requires_grad=True) for _ in range(2)]
        y, want = ours(xs[0]), ref(xs[1])
        _close(y.detach().numpy(), want)
        y.backward(torch.tensor(dy))
        want.backward(torch.tensor(dy))
        _close(xs[0].grad.numpy(), xs[1].grad)
        _close(ours.G.grad.numpy(), ref.weight.grad)
        _close(ours.Bt.grad.numpy(), ref.bias.grad)
        _close(ours.RM.numpy(), ref.running_mean)
        _close(ours.RV.numpy(), ref.running_var)
    assert set(ours.state_dict()) == {"G", "Bt", "RM", "RV"}
    ours.eval()
    ref.eval()
    kept = ours.RM.clone()
    y = ours(torch.tensor(x))
    _close(y.numpy(), ref(torch.tensor(x)))
    assert not y.requires_grad and torch.equal(ours.RM, kept)  # evaluation reads the buffers only
    again = GeneratedLayer.load("batchnorm", {"G": g, "Bt": bt}, generated=GENERATED,
                                buffers={"RM": ours.RM, "RV": ours.RV}).eval()
    _close(again(torch.tensor(x)).numpy(), ref(torch.tensor(x)))


def test_torch_layer_refuses_an_unknown_buffer():
    from symcnn.torch import GeneratedLayer

    with pytest.raises(ShapeError, match="not a buffer"):
        GeneratedLayer.load("batchnorm", {"G": np.ones(2), "Bt": np.zeros(2)}, generated=GENERATED,
                            buffers={"R": np.zeros(2)})


# -- runtime: networks, training steps, checkpoints ---------------------------------------------


def _net(backend: str = "numpy") -> Network:
    conv = load_layer_module("conv_xcorr_relu_same", backend, GENERATED)
    bn = load_layer_module("batchnorm", backend, GENERATED)
    rng = np.random.default_rng(0)
    layers = [
        RuntimeLayer(conv, "conv", {"K": rng.normal(0, 0.3, (1, 2, 3, 3)), "B": np.zeros(2)}),
        RuntimeLayer(bn, "bn", {"G": np.ones(2), "Bt": np.zeros(2)}, buffers=bn.initial_buffers({"C": 2})),
        Flatten("flatten"),
        RuntimeLayer(load_layer_module("fc_identity", backend, GENERATED), "fc",
                     {"W": rng.normal(0, 0.05, (10, 2 * 28 * 28)), "b": np.zeros(10)}),
    ]
    loss = RuntimeLayer(load_layer_module("loss_softmax_ce", backend, GENERATED), "loss", {})
    return Network(layers, loss, meta={"net": "test"})


def test_training_steps_update_buffers_and_predict_reads_them(tmp_path):
    net = _net()
    x, t = batch(np.random.default_rng(1), 5)
    net.loss(x, t)
    bn = net.layers[1]
    assert set(net.buffers()) == {"bn.RM", "bn.RV"} and not bn.buffers["RM"].any()
    net.backward()
    net.update_buffers()
    h = net.layers[0].arrays["Y"]
    m = h.shape[0] * h.shape[2] * h.shape[3]
    np.testing.assert_allclose(bn.buffers["RM"], 0.1 * h.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(bn.buffers["RV"], 0.9 + 0.1 * h.var(axis=(0, 2, 3)) * m / (m - 1), rtol=1e-12)
    scores = net.forward(x, training=False)  # the running statistics, not this batch's
    rm, rv = bn.buffers["RM"], bn.buffers["RV"]
    normed = (h - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5)
    fc = net.layers[3]
    np.testing.assert_allclose(scores, normed.reshape(5, -1) @ fc.params["W"].T + fc.params["b"], rtol=1e-10)
    assert np.array_equal(net.predict(x), np.argmax(scores, axis=1))
    path = tmp_path / "bn.npz"
    net.save(path)
    arrays, _ = load_npz(path)
    assert np.array_equal(arrays["bn.RV"], rv)
    fresh = _net()
    fresh.load(path)
    assert fresh.buffers().keys() == net.buffers().keys()
    for name, value in net.buffers().items():
        assert np.array_equal(fresh.buffers()[name], value)
    assert np.array_equal(fresh.forward(x, training=False), scores)


def test_the_test_error_reads_the_running_statistics():
    """``evaluate`` (train's test error and ``symcnn evaluate``) runs the evaluation equations: the
    labels are the running statistics' predictions, which this batch's own statistics do not give."""
    from symcnn.runtime.train import evaluate

    net = _net()
    bn = net.layers[1]
    bn.buffers["RM"][...], bn.buffers["RV"][...] = 0.5, 0.01  # far from any batch's statistics
    x, _ = batch(np.random.default_rng(3), 40)
    labels = net.predict(x)
    assert (np.argmax(net.forward(x), axis=1) != labels).any()  # training mode would score otherwise
    error, matrix = evaluate(net, x, labels, batch_size=16)
    assert error == 0.0 and matrix.trace() == 40


def test_a_network_file_starts_each_batchnorm_scale_at_one_unless_told(tmp_path):
    path = tmp_path / "net.py"
    path.write_text("""
NETWORK = [
    {"name": "conv", "layer": "conv_xcorr_relu_same", "M": 2, "RH": 1, "RW": 1},
    {"name": "bn", "layer": "batchnorm"},
    {"name": "block", "layer": "resblock", "init": {"G2": 0.5}},
    {"name": "bn2", "layer": "batchnorm", "init": {"G": "he", "Bt": 0.25}},
    {"layer": "flatten"},
    {"name": "fc", "layer": "fc_identity", "O": 10},
]
""")
    net = build_from_file(read_network_file(path), backend="numpy", generated=GENERATED)
    p = net.parameters()
    assert np.array_equal(p["bn.G"], np.ones(2)) and np.array_equal(p["bn.Bt"], np.zeros(2))
    assert np.array_equal(p["block.G1"], np.ones(2)) and np.array_equal(p["block.G2"], np.full(2, 0.5))
    assert not np.array_equal(p["bn2.G"], np.ones(2)) and np.array_equal(p["bn2.Bt"], np.full(2, 0.25))


def test_a_runtime_layer_needs_its_buffers():
    bn = load_layer_module("batchnorm", "numpy", GENERATED)
    with pytest.raises(ShapeError, match="missing buffer 'RM'"):
        RuntimeLayer(bn, "bn", {"G": np.ones(2), "Bt": np.ones(2)})


def test_update_without_a_training_pass_is_refused():
    net = _net()
    x, _ = batch(np.random.default_rng(1), 2)
    net.forward(x, training=False)
    with pytest.raises(ShapeError, match="training forward pass"):
        net.update_buffers()


def test_a_network_file_trains_a_batchnorm_and_its_checkpoint_restores_the_buffers(tmp_path):
    path = tmp_path / "net.py"
    path.write_text("""
NETWORK = [
    {"name": "conv", "layer": "conv_xcorr_relu_same", "M": 2, "RH": 1, "RW": 1},
    {"name": "bn", "layer": "batchnorm", "init": {"G": 1.0}},
    {"layer": "flatten"},
    {"name": "fc", "layer": "fc_identity", "O": 10},
]
""")
    net = build_from_file(read_network_file(path), backend="numpy", generated=GENERATED)
    assert np.array_equal(net.layers[1].buffers["RV"], np.ones(2))  # made with the layer, before any pass
    x, t = batch(np.random.default_rng(2), 4)
    net.loss(x, t)
    net.backward()
    net.update_buffers()
    net.save(tmp_path / "net.npz")
    _, meta = load_npz(tmp_path / "net.npz")
    again = network_from_net_meta(meta, generated=GENERATED)
    again.load(tmp_path / "net.npz")
    assert net.buffers()["bn.RM"].any()  # moved off its initial zeros
    for name, value in net.buffers().items():
        assert np.array_equal(again.buffers()[name], value)
    assert np.array_equal(again.forward(x, training=False), net.forward(x, training=False))



def test_resnet_preset_learns_and_its_checkpoint_keeps_the_running_statistics(tmp_path):
    from symcnn.runtime import build_network, network_from_meta
    from symcnn.runtime.optim import SGD

    net = build_network("resnet", backend="numpy", dtype="float64", generated=GENERATED)
    assert {"bn.RM", "bn2.RV", "block1.RM1", "block3.RV2"} <= set(net.buffers())
    from symcnn.runtime.presets import RESNET_STAGES

    (first, _), (second, _) = RESNET_STAGES
    assert net.buffers()["block1.RV1"].shape == (first,) and net.buffers()["block3.RV2"].shape == (second,)
    x, t = batch(np.random.default_rng(5), 8)
    opt = SGD(net.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(6):
        losses.append(net.loss(x, t))
        net.backward()
        net.update_buffers()
        opt.step(net.gradients())
    assert losses[-1] < 0.6 * losses[0]  # it fits one small batch
    assert not np.array_equal(net.buffers()["block2.RV1"], np.ones(48))
    net.save(tmp_path / "resnet.npz")
    _, meta = load_npz(tmp_path / "resnet.npz")
    again = network_from_meta(meta, generated=GENERATED)
    again.load(tmp_path / "resnet.npz")
    assert np.array_equal(again.forward(x, training=False), net.forward(x, training=False))
    assert not np.allclose(net.forward(x, training=False), net.forward(x))  # running, not batch, statistics


@pytest.mark.slow
def test_resnet_gradients_match_central_differences():
    from runtime_helpers import directional_check

    from symcnn.runtime import build_network

    net = build_network("resnet", backend="numpy", dtype="float64", generated=GENERATED, seed=1)
    x, t = batch(np.random.default_rng(6), 3)
    for name, derived, numeric in directional_check(net, x, t, np.random.default_rng(7)):
        assert abs(derived - numeric) <= 1e-6 * max(1.0, abs(numeric)), name
