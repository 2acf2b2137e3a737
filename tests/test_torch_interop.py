"""symcnn.torch: generated layers inside PyTorch models, against PyTorch's own layers."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from symcnn.cli.main import main  # noqa: E402
from symcnn.torch import GeneratedFunction, GeneratedLayer, load_module  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
D = torch.float64


def rel(a, b) -> float:
    """Largest difference relative to the reference's largest entry."""
    return float((a - b).abs().max() / b.abs().max())


def conv_layer(act: str, c: int, m: int, k: int, backend: str = "numpy") -> GeneratedLayer:
    g = torch.Generator().manual_seed(1)
    return GeneratedLayer.load(
        f"conv_xcorr_{act}",
        {"K": torch.randn(c, m, k, k, generator=g, dtype=D) * 0.3, "B": torch.randn(m, generator=g, dtype=D)},
        constants={"T": torch.ones(c, m, dtype=D)}, backend=backend)


def fc_layer(act: str, i: int, o: int, backend: str = "numpy") -> GeneratedLayer:
    g = torch.Generator().manual_seed(2)
    return GeneratedLayer.load(
        f"fc_{act}",
        {"W": torch.randn(o, i, generator=g, dtype=D) * 0.2, "b": torch.randn(o, generator=g, dtype=D)},
        backend=backend)


ACTS = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh, "identity": lambda u: u}


@pytest.mark.parametrize("act", ["sigmoid", "relu"])
def test_conv_and_fc_in_a_model_match_pytorch_gradients(act):
    """conv → max-pool (PyTorch's) → fc → cross-entropy: every gradient as F.conv2d/F.linear give it."""
    conv, fc = conv_layer(act, 2, 4, 3), fc_layer("tanh", 4 * 3 * 3, 5)
    x = torch.rand(6, 2, 8, 8, dtype=D, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 3, 4, 0])

    def model(x, K, B, W, b, conv_fn, fc_fn):
        h = F.max_pool2d(conv_fn(x, K, B), 2).flatten(1)
        return F.cross_entropy(fc_fn(h, W, b), labels)

    ours = model(x, conv.K, conv.B, fc.W, fc.b, lambda x, K, B: conv(x), lambda h, W, b: fc(h))
    ours.backward()
    ref_params = [p.detach().clone().requires_grad_() for p in (conv.K, conv.B, fc.W, fc.b)]
    x_ref = x.detach().clone().requires_grad_()
    ref = model(x_ref, *ref_params,
                lambda x, K, B: ACTS[act](F.conv2d(x, K.transpose(0, 1), B)),
                lambda h, W, b: torch.tanh(F.linear(h, W, b)))
    ref.backward()
    assert abs(ours.item() - ref.item()) <= 1e-12 * abs(ref.item())
    assert rel(x.grad, x_ref.grad) <= 1e-12
    for p, r in zip((conv.K, conv.B, fc.W, fc.b), ref_params):
        assert rel(p.grad, r.grad) <= 1e-12


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_fc_matches_linear(backend):
    fc = fc_layer("sigmoid", 7, 3, backend)
    x = torch.randn(5, 7, dtype=D, requires_grad=True)
    seed = torch.randn(5, 3, dtype=D)
    fc(x).backward(seed)
    W, b, xr = (t.detach().clone().requires_grad_() for t in (fc.W, fc.b, x))
    torch.sigmoid(F.linear(xr, W, b)).backward(seed)
    for got, want in ((x.grad, xr.grad), (fc.W.grad, W.grad), (fc.b.grad, b.grad)):
        assert rel(got, want) <= 1e-12


def test_loss_and_penalty_layers_match_pytorch():
    """Layers without parameters (a loss, given its targets) and without inputs (a penalty) work too."""
    g = torch.Generator().manual_seed(5)
    y = torch.randn(6, 4, generator=g, dtype=D, requires_grad=True)
    labels = torch.tensor([0, 3, 1, 1, 2, 0])
    loss = GeneratedLayer.load("loss_softmax_ce", {})(y, T=F.one_hot(labels, 4).to(D)).mean()
    loss.backward()
    yr = y.detach().clone().requires_grad_()
    ref = F.cross_entropy(yr, labels)
    ref.backward()
    assert abs(loss.item() - ref.item()) <= 1e-12 * ref.item() and rel(y.grad, yr.grad) <= 1e-12

    c = torch.randn(3, 5, generator=g, dtype=D)
    lam = torch.tensor([0.1], dtype=D)
    penalty = GeneratedLayer.load("penalty_entropy", {"c": c}, constants={"lam": lam})
    p = penalty()
    p.sum().backward()
    cr = c.clone().requires_grad_()
    alpha = torch.softmax(cr, dim=0)  # α_ij = softmax over the inputs i of c_ij [B14]
    pr = -0.1 * (alpha * alpha.log()).sum()
    pr.backward()
    assert abs(p.item() - pr.item()) <= 1e-12 * abs(pr.item()) and rel(penalty.c.grad, cr.grad) <= 1e-12


@pytest.mark.parametrize("layer", ["conv_xcorr_tanh", "pool_mean_plain", "pool_sum_sigmoid", "fc_relu"])
def test_gradcheck(layer):
    g = torch.Generator().manual_seed(3)
    module = load_module(layer)
    if layer.startswith("conv"):
        tensors, hyper, constants = [(2, 2, 5, 5), (2, 3, 2, 2), (3,)], {}, {"T": torch.ones(2, 3, dtype=D)}
    elif layer.startswith("pool"):
        tensors, hyper, constants = [(2, 2, 4, 4), (2,), (2,)], {"s": 2}, {}
    else:
        tensors, hyper, constants = [(3, 4), (2, 4), (2,)], {}, {}
    names = module.INPUTS + module.PARAMS
    args = [torch.randn(*s, generator=g, dtype=D, requires_grad=True) for s in tensors[: len(names)]]
    if layer == "fc_relu":  # keep off the kink of the ReLU, where the finite difference is not the gradient
        args[2] = (args[2].detach() + 5.0).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda *t: GeneratedFunction.apply(module, hyper, constants, *t), tuple(args))


def test_only_the_gradients_autograd_asks_for_are_computed():
    """Sub-sampling [B11] with β and b frozen: dX as PyTorch's sum pooling gives it, no dβ, no db."""
    module = load_module("pool_sum_sigmoid")
    asked = []
    fake = types.SimpleNamespace(**vars(module))
    fake.backward = lambda arrays, hyper, out=None, wanted=None: asked.append(wanted) or module.backward(
        arrays, hyper, out, wanted)
    x = torch.rand(2, 3, 4, 4, dtype=D, requires_grad=True)
    beta, b = torch.rand(3, dtype=D) + 0.5, torch.randn(3, dtype=D)
    seed = torch.randn(2, 3, 2, 2, dtype=D)
    GeneratedFunction.apply(fake, {"s": 2}, {}, x, beta, b).backward(seed)
    xr = x.detach().clone().requires_grad_()
    torch.sigmoid(beta[:, None, None] * 4 * F.avg_pool2d(xr, 2) + b[:, None, None]).backward(seed)
    assert asked == [["dX"]]
    assert rel(x.grad, xr.grad) <= 1e-12 and beta.grad is None and b.grad is None


def test_kernels_run_on_the_tensors_memory():
    """The generated forward sees the input tensor's memory; its result is returned without a copy."""
    real = load_module("fc_identity")
    seen = {}

    def forward(arrays, hyper=None, out=None):
        seen["X"] = arrays["X"].ctypes.data
        made = real.forward(arrays, hyper, out)
        seen["U"] = made["U"].ctypes.data  # fc_identity's output
        return made

    fake = types.SimpleNamespace(**vars(real))
    fake.forward = forward
    x = torch.randn(4, 3, dtype=D)
    y = GeneratedLayer(fake, {"W": torch.randn(2, 3, dtype=D), "b": torch.zeros(2, dtype=D)})(x)
    assert seen["X"] == x.data_ptr() and seen["U"] == y.data_ptr()


def test_float32_and_wrong_inputs():
    fc = fc_layer("identity", 3, 2)
    fc32 = GeneratedLayer(fc.module, {"W": fc.W.float(), "b": fc.b.float()})
    y = fc32(torch.ones(2, 3))
    assert y.dtype == torch.float32
    assert torch.allclose(y, F.linear(torch.ones(2, 3), fc.W.float(), fc.b.float()))
    from symcnn.errors import ShapeError

    with pytest.raises(ShapeError, match="dtype"):
        fc(torch.ones(2, 3, dtype=torch.int64))
    with pytest.raises(ShapeError, match=r"W has shape \(2, 3\), expected \(2, 4\)"):
        fc(torch.ones(2, 4, dtype=D))
    with pytest.raises(ShapeError, match="missing parameter 'b'"):
        GeneratedLayer(fc.module, {"W": fc.W})
    with pytest.raises(ShapeError, match="hyper"):
        GeneratedLayer.load("pool_mean_plain", {"beta": torch.ones(1), "b": torch.zeros(1)})


def test_a_small_model_trains():
    torch.manual_seed(0)
    conv, fc = conv_layer("relu", 1, 4, 3), fc_layer("identity", 4 * 3 * 3, 3)
    model = torch.nn.Sequential(conv, torch.nn.MaxPool2d(2), torch.nn.Flatten(), fc)
    assert {n for n, _ in model.named_parameters()} == {"0.K", "0.B", "3.W", "3.b"}
    x = torch.rand(12, 1, 8, 8, dtype=D)
    labels = torch.arange(12) % 3
    x[labels == 1, :, :4] += 1.0  # a learnable difference between the classes
    x[labels == 2, :, :, :4] += 1.0
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]
    assert all(np.isfinite(losses))


@pytest.fixture(scope="module")
def custom_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("custom")
    assert main(["derive", "--spec", str(ROOT / "examples" / "custom_layers.py"), "--out", str(out)]) == 0
    return out


def test_spec_layers_match_dilated_and_strided_conv2d(custom_folder):
    g = torch.Generator().manual_seed(4)
    K, B = torch.randn(2, 3, 3, 3, generator=g, dtype=D), torch.randn(3, generator=g, dtype=D)
    for layer, hyper, x_shape, ref in [
        ("dilated_conv", {"d": 2}, (2, 2, 9, 9), lambda x, K, B: torch.tanh(F.conv2d(x, K, B, dilation=2))),
        ("strided_conv", {"s": 2}, (2, 2, 9, 9), lambda x, K, B: F.conv2d(x, K, B, stride=2)),
    ]:
        ours = GeneratedLayer.load(layer, {"K": K, "B": B}, hyper=hyper, generated=custom_folder)
        x = torch.randn(*x_shape, generator=g, dtype=D, requires_grad=True)
        seed = torch.randn(ours(x).shape, generator=g, dtype=D)
        ours(x).backward(seed)
        Kr, Br, xr = (t.detach().clone().requires_grad_() for t in (K, B, x))
        ref(xr, Kr.transpose(0, 1), Br).backward(seed)
        for got, want in ((x.grad, xr.grad), (ours.K.grad, Kr.grad), (ours.B.grad, Br.grad)):
            assert rel(got, want) <= 1e-12, layer
        module = load_module(layer, generated=custom_folder)
        small = [t.detach()[:1, :, :7, :7].clone().requires_grad_() if t.dim() == 4 and t is x else
                 t.detach().clone().requires_grad_() for t in (x, K, B)]
        assert torch.autograd.gradcheck(lambda *t, m=module, h=hyper: GeneratedFunction.apply(m, h, {}, *t),
                                        tuple(small))


def test_importing_symcnn_does_not_import_torch():
    code = "import sys, symcnn, symcnn.runtime, symcnn.cli.main; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_output_changed_in_place_is_caught_not_differentiated_wrongly():
    """The backward reads the forward's output (relu'): PyTorch's version check must see changes to it."""
    fc = fc_layer("relu", 4, 3)
    x = torch.randn(2, 4, dtype=D, requires_grad=True)
    y = fc(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    with torch.no_grad():
        assert not fc(x).requires_grad
