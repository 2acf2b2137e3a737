"""The plain schedule is the reference: every fast kernel equals its plain twin, both backends.

``symcnn derive --schedule plain`` writes each kernel as its derived bounded
sum, one loop per index (:mod:`symcnn.codegen.plain`). Here every built-in
layer and the example custom layers run forward and backward in the plain
module and in the Numba and NumPy modules on the same float64 arrays; every
output and every gradient must agree to 1e-12 (relative to its largest entry).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from symcnn.cli.main import main
from symcnn.codegen import loops
from symcnn.codegen.checks import random_arrays, relative_difference, run_backward, seeds
from symcnn.codegen.emit import source
from symcnn.codegen.layout import wrap_long_lines
from symcnn.codegen.lower import lower
from symcnn.codegen.plain import kernel_trees, plain_module
from symcnn.codegen.text import LINE_LIMIT
from symcnn.derive.cache import spec_hash
from symcnn.model import builtin_layers
from symcnn.model.spec import load_spec
from symcnn.pipeline import cached_derive, run_derive
from symcnn.runtime.loader import load_layer_module
from symcnn.support import numpy_ops

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
EXAMPLES = ROOT / "examples" / "custom_layers.py"
BUILTINS = list(builtin_layers())
CUSTOM = [layer.name for layer in load_spec(EXAMPLES)]
SIZES = dict(N=2, C=2, M=3, Ho=4, Wo=5, KH=2, KW=3, I=4, O=3, s=2, d=2, H=5, W=4, RH=1, RW=2, R=2, P=1)
TOL = 1e-12


@pytest.fixture(scope="session")
def plain_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plain")
    report, _ = run_derive([*builtin_layers().values(), *load_spec(EXAMPLES)], out, schedule="plain")
    assert report.missing or report.written
    return out


@pytest.fixture(scope="session")
def user_dir(request) -> Path:
    """The example layers' fast modules, in a folder that persists (as Numba's cache does)."""
    out = Path(request.config.cache.mkdir("symcnn_custom_layers"))
    run_derive(load_spec(EXAMPLES), out, report=False)
    return out


def plain(layer: str, folder: Path):
    path = folder / f"{layer}_plain.py"
    spec = importlib.util.spec_from_file_location(f"_plain_{layer}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fast(layer: str, backend: str, user_dir: Path):
    return load_layer_module(layer, backend, user_dir if layer in CUSTOM else GENERATED)


def differences(a, b, seed: int = 0, sizes: dict[str, int] = SIZES) -> dict[str, float]:
    """Relative difference of every forward array and every gradient of modules ``a`` and ``b``."""
    z = {k: sizes[k] for k in a.SIZES}
    hyper = {h: z[h] for h in a.HYPER}
    rng = np.random.default_rng(seed)
    arrays = random_arrays(a, z, rng)
    weights = seeds(a, z, rng)
    fa, fb = a.forward(arrays, hyper), b.forward(arrays, hyper)
    ga, gb = run_backward(a, arrays, hyper, weights), run_backward(b, arrays, hyper, weights)
    assert set(fa) == set(fb) and tuple(ga) == tuple(gb) == a.GRADIENTS
    data = max(float(np.max(np.abs(v))) for v in (*arrays.values(), *fa.values(), *weights.values()))
    floor = 64 * np.finfo(np.float64).eps * data  # below this a value is rounding of the data
    both = {**{k: (fa[k], fb[k]) for k in fa}, **{k: (ga[k], gb[k]) for k in ga}}
    if a.BUFFERS:  # a layer with state: its evaluation mode, and a training step's update of the buffers
        state = {k: v + rng.random(v.shape) for k, v in a.initial_buffers(z).items()}
        ea, eb = a.forward_eval({**arrays, **state}, hyper), b.forward_eval({**arrays, **state}, hyper)
        both.update({f"evaluation {k}": (ea[k], eb[k]) for k in a.EVALUATION})
        na, nb = ({**arrays, **f, **{k: v.copy() for k, v in state.items()}} for f in (fa, fb))
        a.update_buffers(na, hyper)
        b.update_buffers(nb, hyper)
        both.update({f"updated {k}": (na[k], nb[k]) for k in a.BUFFERS})
    return {k: relative_difference(x, y, floor) for k, (x, y) in both.items()}


@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.slow), "numpy"])
@pytest.mark.parametrize("layer", BUILTINS + CUSTOM)
def test_fast_kernels_equal_their_plain_twins(layer, backend, plain_dir, user_dir):
    ref, mod = plain(layer, plain_dir), fast(layer, backend, user_dir)
    assert ref.GRADIENTS == mod.GRADIENTS and ref.SPEC_HASH == mod.SPEC_HASH
    bad = {k: v for k, v in differences(mod, ref).items() if not v <= TOL}
    assert not bad, f"{layer} ({backend}) against plain: {bad}"


@pytest.mark.slow
@pytest.mark.parametrize("layer", ["pool_max_plain", "pool_mean_plain", "pool_sum_plain"])
def test_pooling_by_other_factors_equals_the_plain_twin(layer, plain_dir, user_dir):
    """The Numba pooling kernels carry a body for a factor of 2 (codegen/passes.py, specialized); at 3
    the other body runs, at 2 (above) the specialised one: both equal the plain nest."""
    ref, mod = plain(layer, plain_dir), fast(layer, "numba", user_dir)
    assert "if s == 2:" in Path(mod.__file__).read_text()
    sizes = {**SIZES, "s": 3}
    bad = {k: v for k, v in differences(mod, ref, sizes=sizes).items() if not v <= TOL}
    assert not bad, f"{layer} (numba, s = 3) against plain: {bad}"


def two_plans(layer: str, user_dir: Path) -> bool:
    """Does some kernel of the layer's NumPy module pick between two plans at run time?"""
    return "_ops.windows_first(" in Path(fast(layer, "numpy", user_dir).__file__).read_text()


#: The built-ins whose NumPy module picks a plan at run time (read from generated/), and the examples'
#: layers (derived by the test session: one with a single plan is checked with each setting all the same).
PLANNED = [layer for layer in BUILTINS if two_plans(layer, GENERATED)] + CUSTOM


@pytest.mark.parametrize("plan", ["windows", "products"])
@pytest.mark.parametrize("layer", PLANNED)
def test_both_plans_of_a_numpy_kernel_equal_the_plain_twin(layer, plan, plain_dir, user_dir, monkeypatch):
    """A term that can be contracted products first also has its windows unfolded; the sizes pick one
    at run time, so each is proved here, forced, on the same arrays as above."""
    monkeypatch.setattr(numpy_ops, "PLAN", plan)
    ref, mod = plain(layer, plain_dir), fast(layer, "numpy", user_dir)
    bad = {k: v for k, v in differences(mod, ref).items() if not v <= TOL}
    assert not bad, f"{layer} (numpy, {plan} first) against plain: {bad}"


def window_products(layer: str, user_dir: Path) -> bool:
    """Does some kernel of the layer's NumPy module multiply a window view by an array?"""
    return "_ops.window_product(" in Path(fast(layer, "numpy", user_dir).__file__).read_text()


#: The built-ins whose NumPy module multiplies windows (read from generated/).
FLAT = [layer for layer in BUILTINS if window_products(layer, GENERATED)]


@pytest.mark.parametrize("layer", FLAT)
def test_windows_on_flat_rows_equal_the_plain_twin(layer, plain_dir, user_dir, monkeypatch):
    """A correlation's windows read a few images at a time on flat rows (``numpy_ops.window_product``,
    float32 by default) are proved here in float64, forced on, with every plan unfolding its windows."""
    monkeypatch.setattr(numpy_ops, "FLAT_ROWS", True)
    monkeypatch.setattr(numpy_ops, "PLAN", "windows")
    ref, mod = plain(layer, plain_dir), fast(layer, "numpy", user_dir)
    bad = {k: v for k, v in differences(mod, ref).items() if not v <= TOL}
    assert not bad, f"{layer} (numpy, flat rows) against plain: {bad}"


def test_every_convolution_multiplies_windows():
    assert {n for n in BUILTINS if n.startswith("conv_")} <= set(FLAT)


def test_convolutions_have_two_plans():
    assert {n for n in BUILTINS if n.startswith("conv_")} <= {n for n in BUILTINS if two_plans(n, GENERATED)}


def test_the_sizes_pick_the_plan_that_moves_fewer_elements(monkeypatch):
    """LeNet-5's conv2 input sensitivity (5×5, 50 channels into 20): products first; a 3×3 'same'
    convolution of 16 channels into 16 (the vgg preset's conv2): its windows unfolded, both ways."""
    picked = []

    def spy(products: int, windows: int) -> bool:
        picked.append(first(products, windows))
        return picked[-1]

    first = numpy_ops.windows_first
    monkeypatch.setattr(numpy_ops, "windows_first", spy)
    for layer, sizes, expected in (
        ("conv_xcorr_relu", dict(N=1, C=20, M=50, Ho=8, Wo=8, KH=5, KW=5), [False]),
        ("conv_xcorr_relu_same", dict(N=1, C=16, M=16, H=28, W=28, RH=1, RW=1), [True, True]),
    ):
        mod = fast(layer, "numpy", GENERATED)
        picked.clear()
        z, rng = {k: v for k, v in {**SIZES, **sizes}.items() if k in mod.SIZES}, np.random.default_rng(0)
        run_backward(mod, random_arrays(mod, z, rng), {}, seeds(mod, z, rng))  # forward, then backward
        assert picked == expected, layer
    assert numpy_ops.windows_first(10, 9) and not numpy_ops.windows_first(9, 10)
    monkeypatch.setattr(numpy_ops, "PLAN", "products")
    assert not first(10, 1)


#: Sizes at which a 'same' convolution's forward pass and input gradient take their register-blocked
#: schedule (codegen/block.py), and its kernel gradient its lane sums (codegen/gradblock.py): 9 and 10
#: maps (a block of 8 or 4 and a rest), rows the position blocks and lanes do not divide.
BLOCKED = {**SIZES, "C": 9, "M": 10, "H": 5, "W": 3, "RH": 1, "RW": 1}


@pytest.mark.slow
@pytest.mark.parametrize("bits, suffix", [(256, "_block"), (512, "_block512")])
def test_register_blocked_kernels_equal_their_plain_twins(plain_dir, user_dir, monkeypatch, bits, suffix):
    """The blocks sized for AVX2 and those for AVX-512, each picked as on a machine of that width
    (any x86 runs both: only their speed depends on the width)."""
    layer = "conv_xcorr_relu_same"
    ref, mod = plain(layer, plain_dir), fast(layer, "numba", user_dir)
    monkeypatch.setitem(mod.forward_U.__globals__, "_VECTOR_BITS", bits)
    bad = {k: v for k, v in differences(mod, ref, sizes=BLOCKED).items() if not v <= TOL}
    assert not bad, f"{layer} (register-blocked, {bits}-bit) against plain: {bad}"
    for kernel in ("forward_U" + suffix, "backward_dX" + suffix, "backward_dK_block"):
        assert getattr(mod, kernel).signatures, kernel  # it ran


#: Sizes at which a valid convolution's forward pass and kernel gradient take their register-blocked
#: schedules (codegen/validblock.py, codegen/validgrad.py): 275 products a point, 10 maps (a block of 8
#: and two left over one at a time), 15 positions (no whole block of 16 nor of 8 lanes).
VALID = {**SIZES, "C": 11, "M": 10, "Ho": 3, "Wo": 5, "KH": 5, "KW": 5}


@pytest.mark.slow
def test_a_valid_convolutions_register_block_equals_its_plain_twin(plain_dir, user_dir, monkeypatch):
    """LeNet-5's conv2 shape of block, picked as on a machine with 512-bit vectors."""
    layer = "conv_xcorr_relu"
    ref, mod = plain(layer, plain_dir), fast(layer, "numba", user_dir)
    monkeypatch.setitem(mod.forward_U.__globals__, "_VECTOR_BITS", 512)
    bad = {k: v for k, v in differences(mod, ref, sizes=VALID).items() if not v <= TOL}
    assert not bad, f"{layer} (valid register block) against plain: {bad}"
    assert mod.forward_U_block512.signatures and mod.backward_dK_block.signatures  # they ran


def test_a_wrong_bound_in_the_plain_twin_is_caught(plain_dir, tmp_path):
    """The comparison sees a bound off by one: dX of a convolution that stops one tap short."""
    text = (plain_dir / "conv_xcorr_sigmoid_plain.py").read_text()
    assert text.count("min(p, KH - 1) + 1") == 1
    short = text.replace("min(p, KH - 1) + 1", "min(p, KH - 1)")
    (tmp_path / "conv_xcorr_sigmoid_plain.py").write_text(short)
    wrong = differences(fast("conv_xcorr_sigmoid", "numpy", GENERATED), plain("conv_xcorr_sigmoid", tmp_path))
    assert wrong["dX"] > 1e-3 and wrong["dK"] <= TOL


@pytest.mark.parametrize("layer", ["conv_xcorr_sigmoid", "pool_max_relu", "padded_conv"])
def test_plain_kernels_are_the_lowered_loop_trees_printed(layer, plain_dir):
    """``--schedule plain`` is the loop tree lowering builds, with no pass: each kernel is that tree printed,
    and rendering again gives the same bytes. (Lines over the limit are wrapped, as in every module.)"""
    spec = {x.name: x for x in [*builtin_layers().values(), *load_spec(EXAMPLES)]}[layer]
    d = cached_derive(spec)
    text = (plain_dir / f"{layer}_plain.py").read_text()
    trees = [k for k in kernel_trees(d, lower(d, spec_hash(spec))) if isinstance(k, loops.Kernel)]
    assert len(trees) >= 3 and all(f"\n\n{wrap_long_lines(source(t))}\n" in text for t in trees)
    assert plain_module(d) == text


def test_plain_kernels_state_their_equation_and_the_paper(plain_dir):
    conv = plain("conv_xcorr_sigmoid", plain_dir)
    assert "dK[i, j, a, b] = Σ_{n=0}^{N - 1}" in conv.backward_dK.__doc__
    assert "[B10] ∂E/∂k_ij^ℓ" in conv.backward_dK.__doc__
    assert "U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1}" in conv.forward_U.__doc__
    user = plain("dilated_conv", plain_dir)
    assert "user layer" in user.backward_dX.__doc__ and "[]" not in user.__doc__
    for layer in BUILTINS + CUSTOM:
        mod = plain(layer, plain_dir)
        for g in mod.GRADIENTS:
            doc = getattr(mod, f"backward_{g}").__doc__
            assert f"{g}[" in doc and " = " in doc and "Sum(" not in doc, (layer, g)


def test_plain_modules_keep_to_the_line_limit(plain_dir):
    for path in sorted(plain_dir.glob("*.py")):
        long = [n + 1 for n, ln in enumerate(path.read_text().splitlines()) if len(ln) > LINE_LIMIT]
        assert not long, f"{path.name}: lines {long[:10]}"


def test_plain_schedule_is_refused_for_the_fast_folder(capsys):
    assert main(["derive", "--schedule", "plain"]) == 2
    assert "--out DIR" in capsys.readouterr().err
