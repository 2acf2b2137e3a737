"""Generated modules, both backends: gradients against finite differences, agreement, shapes.

Every built-in layer and both layers of examples/custom_layers.py (generated
through ``symcnn derive --spec``) are checked: backward against central
differences of the generated forward (float64, relative error, no absolute
tolerance), NumPy against Numba to 1e-12, on hypothesis-drawn shapes, and
with kernels corrupted on purpose to show the checks catch them.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symcnn.codegen.checks import gradient_errors, random_arrays, relative_difference, run_backward, seeds
from symcnn.errors import ShapeError
from symcnn.model import builtin_layers
from symcnn.model.spec import load_spec
from symcnn.pipeline import run_derive
from symcnn.runtime.loader import load_layer_module
from symcnn.support import numpy_ops

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
EXAMPLES = ROOT / "examples" / "custom_layers.py"
BUILTINS = list(builtin_layers())
CUSTOM = ["dilated_conv", "strided_conv", "padded_conv"]
BACKENDS = ("numba", "numpy")
GRAD_TOL = 1e-6
AGREE_TOL = 1e-12
DEFAULT = dict(N=2, C=2, M=3, Ho=4, Wo=5, KH=2, KW=3, I=4, O=3, s=2, d=2, H=5, W=4, RH=1, RW=2, R=2, P=1)
#: The layers whose Numba modules the default run compiles: one of each kind the presets train
#: with (a cold compile takes 1-170 s a layer on the loaded 2-core machine: MATLAB convolutions,
#: connection-table combinations and the custom layers the longest); ``-m slow`` checks every layer.
REPRESENTATIVE = {"conv_xcorr_sigmoid", "pool_mean_plain", "loss_softmax_ce", "penalty_entropy"}


def numba_layers(layers: list[str]) -> list:
    """``layers`` as parameters, those outside :data:`REPRESENTATIVE` marked slow."""
    return [n if n in REPRESENTATIVE else pytest.param(n, marks=pytest.mark.slow) for n in layers]


@pytest.fixture(scope="session")
def user_dir(request) -> Path:
    """examples/custom_layers.py generated into a folder that persists, so Numba's cache does too."""
    out = Path(request.config.cache.mkdir("symcnn_custom_layers"))
    run_derive(load_spec(EXAMPLES), out, report=False)
    return out


def module(layer: str, backend: str, folder: Path):
    return load_layer_module(layer, backend, folder)


def folder_of(layer: str, user_dir: Path) -> Path:
    return user_dir if layer in CUSTOM else GENERATED


def case(mod, sizes: dict, seed: int = 0):
    z = {k: sizes[k] for k in mod.SIZES}
    hyper = {h: z[h] for h in mod.HYPER}
    return random_arrays(mod, z, np.random.default_rng(seed)), hyper


def assert_gradients(mod, arrays: dict, hyper: dict, seed: int = 1) -> None:
    errors = gradient_errors(mod, arrays, hyper, np.random.default_rng(seed))
    bad = {k: v for k, v in errors.items() if not v < GRAD_TOL}
    assert not bad, f"{mod.LAYER} ({mod.BACKEND}): relative gradient errors {bad}"


def assert_agree(a, b, arrays: dict, hyper: dict, seed: int = 2) -> None:
    fa, fb = a.forward(arrays, hyper), b.forward(arrays, hyper)
    assert set(fa) == set(fb)
    sizes = a.sizes_of(arrays, hyper)
    w = seeds(a, sizes, np.random.default_rng(seed))
    data = max(float(np.max(np.abs(v))) for v in (*arrays.values(), *fa.values(), *w.values()))
    floor = 64 * np.finfo(np.float64).eps * data  # below this a value is rounding of the data
    for name in fa:
        assert relative_difference(fa[name], fb[name], floor) <= AGREE_TOL, name
    ga, gb = run_backward(a, arrays, hyper, w), run_backward(b, arrays, hyper, w)
    assert tuple(ga) == a.GRADIENTS == tuple(gb)
    for name in ga:
        assert relative_difference(ga[name], gb[name], floor) <= AGREE_TOL, f"{a.LAYER}: {name}"


# -- every layer, default shapes ------------------------------------------------------------------


@pytest.mark.parametrize("layer,backend", [
    *((n, "numpy") for n in BUILTINS + CUSTOM),
    *((n, "numba") if n in REPRESENTATIVE else pytest.param(n, "numba", marks=pytest.mark.slow)
      for n in BUILTINS + CUSTOM),
])
def test_backward_matches_finite_differences(layer, backend, user_dir):
    mod = module(layer, backend, folder_of(layer, user_dir))
    arrays, hyper = case(mod, DEFAULT)
    assert_gradients(mod, arrays, hyper)


@pytest.mark.parametrize("layer", numba_layers(BUILTINS + CUSTOM))
def test_numpy_and_numba_agree(layer, user_dir):
    folder = folder_of(layer, user_dir)
    a, b = module(layer, "numpy", folder), module(layer, "numba", folder)
    arrays, hyper = case(a, DEFAULT, seed=3)
    assert_agree(a, b, arrays, hyper)


def window_sums(layer: str, folder: Path) -> bool:
    """Does some kernel of the layer's NumPy module sum over a window (``_ops.window_sum``)?"""
    return " = _ops.window_sum(" in Path(module(layer, "numpy", folder).__file__).read_text()


WINDOWED = [n for n in BUILTINS if window_sums(n, GENERATED)]


def test_products_come_first_only_where_the_window_sums_short_indices(user_dir):
    """A window read ``W[…, p - a]`` may be contracted first and summed over ``a`` after ('full' and
    strided input sensitivities: the window moves along taps or the kernel's short axis); a 'same'
    kernel gradient, ``Σ_y X[…, a + y - R]·dU[…, y]``, is one product of its windows instead: contracted
    first, every row of X would meet every row of dU."""
    def kernel_text(layer: str, name: str, folder: Path) -> str:
        text = Path(module(layer, "numpy", folder).__file__).read_text()
        return text[text.index(f"def {name}("):].split("\ndef ", 1)[0]

    assert "_ops.window_sum(" not in kernel_text("conv_xcorr_relu_same", "backward_dK", GENERATED)
    assert "_ops.window_product(" in kernel_text("conv_xcorr_relu_same", "backward_dK", GENERATED)
    assert "_ops.window_sum(" in kernel_text("conv_xcorr_relu", "backward_dX", GENERATED)
    strided = folder_of("strided_conv", user_dir)
    assert "_ops.window_sum(" in kernel_text("strided_conv", "backward_dX", strided)


# padded_conv's strided, dilated dX is guarded, not windowed
@pytest.mark.parametrize("layer", numba_layers(WINDOWED + CUSTOM[:2]))
def test_window_sums_agree_on_both_paths(layer, user_dir, monkeypatch):
    """Sums over a window take one slice per tap or copy the window: both must give numba's result."""
    folder = folder_of(layer, user_dir)
    assert window_sums(layer, folder)
    a, b = module(layer, "numpy", folder), module(layer, "numba", folder)
    for work in (0, 10**12):  # every window sum by slices; every one by copying
        monkeypatch.setattr(numpy_ops, "TAP_WORK", work)
        larger = {**DEFAULT, "N": 3, "Ho": 7, "Wo": 6, "KH": 4, "s": 3, "d": 3}
        for seed, sizes in enumerate((DEFAULT, larger)):
            arrays, hyper = case(a, sizes, seed=seed)
            assert_agree(a, b, arrays, hyper, seed)


def test_convolutions_and_poolings_sum_windows():
    assert {n for n in BUILTINS if n.startswith(("conv_", "pool_sum", "pool_mean"))} <= set(WINDOWED)


# -- hypothesis-drawn shapes ----------------------------------------------------------------------

GROUPS = {
    "fc": [n for n in BUILTINS if n.startswith("fc_")],
    "conv": [n for n in BUILTINS if n.startswith("conv_")],
    "pool": [n for n in BUILTINS if n.startswith("pool_")],
    "combo": [n for n in BUILTINS if n.startswith(("combo_", "penalty_", "loss_"))],
    "lrn": ["lrn"],
    "custom": CUSTOM,
}


@st.composite
def shapes(draw) -> dict:
    """Batch 1–8, maps 1–4, kernels 1–5, factors 2–3 (dilation/stride 1–3), extents up to 16."""
    z = dict(
        N=draw(st.integers(1, 8)),
        C=draw(st.integers(1, 4)),
        M=draw(st.integers(1, 4)),
        I=draw(st.integers(1, 16)),
        O=draw(st.integers(1, 16)),
        KH=draw(st.integers(1, 5)),
        KW=draw(st.integers(1, 5)),
        s=draw(st.integers(2, 3)),
        d=draw(st.integers(1, 3)),
        Ho=draw(st.integers(1, 16)),
        Wo=draw(st.integers(1, 16)),
        H=draw(st.integers(1, 16)),
        W=draw(st.integers(1, 16)),
        RH=draw(st.integers(1, 2)),
        RW=draw(st.integers(1, 2)),
        R=draw(st.integers(1, 3)),
        P=draw(st.integers(1, 2)),
    )
    return z


def fit(mod, z: dict, limit: int = 16) -> dict:
    """Shrink output extents until every given array's extents are at most ``limit``."""
    z = dict(z)
    while True:
        sizes = {k: z[k] for k in mod.SIZES}
        shape = mod.shapes(sizes)
        given = [n for a in mod.INPUTS + mod.PARAMS + mod.CONSTANTS for n in shape[a]]
        if min(given) < 1:  # padding larger than what the kernel and stride span: widen the output
            z["Ho"], z["Wo"] = z["Ho"] + 1, z["Wo"] + 1
            continue
        if max(given) <= limit:
            return z
        key = max(("Ho", "Wo"), key=lambda k: z[k])
        if z[key] > 1:
            z[key] -= 1
        else:
            z["KH"], z["KW"] = max(1, z["KH"] - 1), max(1, z["KW"] - 1)


#: The slow run checks every layer at drawn shapes, one test a layer, so that ``-k`` can leave some
#: layers' Numba compiles out as it does for the other tests (.ci/run).
@pytest.mark.parametrize("group,only", [
    *(pytest.param(g, None, id=f"{g}-representative")
      for g in sorted(GROUPS) if REPRESENTATIVE & {*GROUPS[g]}),
    *(pytest.param(g, n, id=f"{g}-{n}", marks=pytest.mark.slow)
      for g in sorted(GROUPS) for n in GROUPS[g] if n not in REPRESENTATIVE),
])
def test_drawn_shapes(group, only, user_dir):
    layers = [only] if only else [n for n in GROUPS[group] if n in REPRESENTATIVE]
    mods = {(n, b): module(n, b, folder_of(n, user_dir)) for n in layers for b in BACKENDS}

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(z=shapes(), seed=st.integers(0, 2**16))
    def check(z, seed):
        for n in layers:
            a, b = mods[n, "numpy"], mods[n, "numba"]
            arrays, hyper = case(a, fit(a, z), seed)
            assert_agree(a, b, arrays, hyper, seed)
            for m in (a, b):
                assert_gradients(m, arrays, hyper, seed)

    check()


# -- float32, buffers, shape errors ---------------------------------------------------------------


@pytest.mark.parametrize("layer", ["conv_xcorr_sigmoid", "pool_max_relu", "combo_sigmoid", "loss_softmax_ce"])
@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.slow), "numpy"])
def test_float32_follows_float64(layer, backend):
    mod = module(layer, backend, GENERATED)
    arrays, hyper = case(mod, DEFAULT)
    single = {k: v.astype(np.float32) for k, v in arrays.items()}
    w = seeds(mod, mod.sizes_of(arrays, hyper), np.random.default_rng(5))
    g64 = run_backward(mod, arrays, hyper, w)
    g32 = run_backward(mod, single, hyper, {k: v.astype(np.float32) for k, v in w.items()})
    for name in g64:
        assert g32[name].dtype == np.float32
        assert relative_difference(g32[name], g64[name]) < 1e-4, name


@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.slow), "numpy"])
def test_forward_writes_into_given_buffers(backend):
    mod = module("conv_xcorr_tanh", backend, GENERATED)
    arrays, hyper = case(mod, DEFAULT)
    shapes_ = mod.shapes(mod.sizes_of(arrays, hyper))
    out = {name: np.empty(shapes_[name]) for name in mod.INTERMEDIATES + mod.OUTPUTS}
    got = mod.forward(arrays, hyper, out=out)
    for name in out:
        assert got[name] is out[name]
    assert set(got) == set(mod.RECORDS + mod.INTERMEDIATES + mod.OUTPUTS)


@pytest.mark.parametrize("backend", [pytest.param("numba", marks=pytest.mark.slow), "numpy"])
def test_wrong_arrays_are_shape_errors(backend):
    mod = module("pool_max_sigmoid", backend, GENERATED)
    arrays, hyper = case(mod, DEFAULT)
    rank3 = arrays["X"][0]
    with pytest.raises(ShapeError, match=re.escape(f"rank 4, got an array of rank 3, shape {rank3.shape}")):
        mod.forward({**arrays, "X": rank3}, hyper)
    with pytest.raises(ShapeError, match="rank 4, got a list"):
        mod.forward({**arrays, "X": rank3.tolist()}, hyper)
    with pytest.raises(ShapeError, match="expected"):
        mod.forward({**arrays, "beta": np.ones(7)}, hyper)
    with pytest.raises(ShapeError, match="float32"):
        mod.forward({k: v.astype(np.int64) for k, v in arrays.items()}, hyper)
    with pytest.raises(ShapeError, match="contiguous"):
        mod.forward({**arrays, "X": np.asfortranarray(arrays["X"])}, hyper)
    with pytest.raises(ShapeError, match="hyper"):
        mod.forward(arrays, {})
    with pytest.raises(ShapeError, match="missing"):
        mod.backward({**arrays, **mod.forward(arrays, hyper)}, hyper)


# -- corrupted kernels are caught -----------------------------------------------------------------


def corrupted(layer: str, backend: str, old: str, new: str, tmp_path: Path):
    """The generated module with one edit, imported from ``tmp_path``."""
    text = (GENERATED / f"{layer}_{backend}.py").read_text()
    assert text.count(old) == 1, f"corruption target {old!r} not unique"
    path = tmp_path / f"{layer}_{backend}.py"
    path.write_text(text.replace(old, new))
    name = f"corrupt_{layer}_{backend}_{abs(hash(new))}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


CORRUPTIONS = [  # (layer, backend, text in the generated module, what replaces it)
    # an index shifted by one: the input patch of ∂E/∂k [B10]
    ("conv_xcorr_sigmoid", "numpy", "(0, ((2, 1), (5, 1)), 1)),", "(1, ((2, 1), (5, 1)), 1)),"),
    # the sensitivity read one row off in the 'full' correlation [B12]
    ("conv_xcorr_tanh", "numpy", "(0, ((0, -1), (4, 1)), 1)", "(1, ((0, -1), (4, 1)), 1)"),
    # a term dropped: the bias of the forward equation
    ("fc_sigmoid", "numpy", "    U[...] = b\n", "    U[...] = 0.0\n"),
    # a term dropped from the softmax derivative [B14d]
    ("combo_sigmoid", "numpy", "dc[...] = alpha*dalpha + dZ*np.exp(c)", "dc[...] = dZ*np.exp(c)"),
    # up-sampling without the 1/n² of mean pooling
    ("pool_mean_plain", "numpy", "np.multiply(_v0, s**(-2.0), out=dX)", "np.positive(_v0, out=dX)"),
    # a 'full' bound cut short in the loop version of [B12]
    ("conv_xcorr_identity", "numba", "for _p in range(Ho):", "for _p in range(Ho - 1):"),
    # the activation derivative without its factor Y
    ("fc_sigmoid", "numba", "_dU_r[_f] = (1 - _Y_r[_f])*_Y_r[_f]*", "_dU_r[_f] = (1 - _Y_r[_f])*"),
]


@pytest.mark.parametrize("layer,backend,old,new", [  # a corrupted Numba module compiles afresh: slow
    pytest.param(*c, marks=pytest.mark.slow) if c[1] == "numba" else c for c in CORRUPTIONS])
def test_corrupted_kernel_is_caught(layer, backend, old, new, tmp_path):
    honest = module(layer, backend, GENERATED)
    arrays, hyper = case(honest, DEFAULT)
    assert_gradients(honest, arrays, hyper)
    bad = corrupted(layer, backend, old, new, tmp_path)
    errors = gradient_errors(bad, arrays, hyper, np.random.default_rng(1))
    assert max(errors.values()) > 1e-3, errors


@pytest.mark.parametrize("layer", numba_layers([n for n in BUILTINS if n.startswith("pool_max")]))
def test_max_pooling_breaks_ties_alike_on_both_backends(layer):
    """ReLU outputs tie at 0 all the time: both backends must pick the same (first) maximum."""
    a, b = module(layer, "numpy", GENERATED), module(layer, "numba", GENERATED)
    arrays, hyper = case(a, {**DEFAULT, "Ho": 5, "Wo": 4, "s": 3})
    arrays["X"][...] = np.random.default_rng(4).integers(0, 2, arrays["X"].shape)  # many ties
    ra, rb = a.forward(arrays, hyper), b.forward(arrays, hyper)
    np.testing.assert_array_equal(ra["S"], rb["S"])
    assert np.all(ra["S"].reshape(-1).sum() == np.prod(ra["D"].shape))  # one position per block
