"""Every derived gradient of every built-in, checked against central differences.

The derivation is evaluated by a plain interpreter (tests/interpret.py) at
three concrete size configurations per layer — non-square maps, kernels 1–5,
pooling factors 2 and 3 — and compared with finite differences of the forward
equation, float64, relative error with no absolute tolerance.
"""

from __future__ import annotations

from pathlib import Path

import gradcheck
import interpret
import pytest
import sympy as sp

from symcnn.derive import derive, grad_array
from symcnn.derive.show import gradient_text
from symcnn.model import builtin_layers
from symcnn.model.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
LAYERS = builtin_layers()
CUSTOM = {layer.name: layer for layer in load_spec(ROOT / "examples" / "custom_layers.py")}
ALL = {**LAYERS, **CUSTOM}
TOL = 1e-6


def arr(layer, name: str) -> sp.IndexedBase:
    """An array as ``layer`` declares it (shape and assumptions included); ``dX`` for gradients."""
    arrays = layer.arrays()
    return arrays[name] if name in arrays else grad_array(arrays[name[1:]])


def size(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


@pytest.fixture(scope="module")
def derivations():
    return {name: derive(layer) for name, layer in ALL.items()}


# Σ|α| is constant under the softmax, so its gradient is zero: checked on its own below. A batch norm over
# 1 or 2 values per map (sizes drawn here) puts out ±G or Bt whatever X is, so central differences of it
# measure rounding: tests/test_batchnorm.py checks the batch-normalising layers at sizes where they normalise.
NONZERO = sorted(set(ALL) - {"penalty_l1", "batchnorm", "batchnorm_relu", "resblock"})


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", NONZERO)
def test_gradients_match_finite_differences(derivations, name, seed):
    d = derivations[name]
    env = gradcheck.draw_sizes(d.layer, seed)
    errors = gradcheck.check(d, env, seed)
    assert errors, f"{name} has no gradient to check"
    for array, err in errors.items():
        assert err < TOL, f"{name} d{array} at {gradcheck.env_text(env)}: relative error {err:.2e}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l1_penalty_gradient_vanishes(derivations, seed):
    """[B14e] as written: ``λ Σ|α|`` is constant under the softmax, so ∂Ω/∂c is zero."""
    d = derivations["penalty_l1"]
    env = gradcheck.draw_sizes(d.layer, seed)
    arrays = gradcheck.draw_arrays(d.layer, env, seed)
    fwd = interpret.forward(d.layer, env, {**arrays, "lam": arrays["lam"] * 0 + 1.0})
    back = interpret.backward(d, env, {**fwd, "dP": fwd["P"] * 0 + 1.0})
    assert abs(back["dalpha"]).min() > 0.5  # the α-gradient is λ·sign(α), far from zero
    assert abs(back["dc"]).max() < 1e-12 * abs(back["dalpha"]).max()


def test_convolution_input_gradient_is_the_full_convolution(derivations):
    """``dX[i,p,q] = Σ_j Σ_a Σ_b δ[j, p−a, q−b] K[i,j,a,b]`` over ``a ∈ [max(0, p−Ho+1), min(KH−1, p)]``."""
    d = derivations["conv_xcorr_identity"]
    g = d.gradient("X")
    (term,) = g.terms
    n, i, p, q = g.free
    a_bound, b_bound = term.sums[1], term.sums[2]
    a, b = a_bound.index, b_bound.index
    Ho, KH = size("Ho"), size("KH")
    assert str(term.sums[0].index) == "j"
    assert set(a_bound.lower) == {sp.S.Zero, p - Ho + 1}
    assert set(a_bound.upper) == {KH - 1, p}
    dU, K, T = (arr(d.layer, s) for s in ("dU", "K", "T"))
    j = term.sums[0].index
    assert sp.simplify(term.body - dU[n, j, p - a, q - b] * K[i, j, a, b] * T[i, j]) == 0
    assert "Σ_{a=max(0, -Ho + p + 1)}^{min(KH - 1, p)}" in gradient_text(g)


@pytest.mark.parametrize("down, factor", [("sum", 1), ("mean", "1/s**2"), ("max", "S")])
def test_pooling_sensitivity_is_upsampled(derivations, down, factor):
    """``dX[p, q] = β·δ[floor(p/n), floor(q/n)]`` (× 1/n² for mean, × selector for max): no sums left."""
    d = derivations[f"pool_{down}_plain"]
    g = d.gradient("X")
    (term,) = g.terms
    assert term.sums == () and term.guards == ()
    n, c, p, q = g.free
    s = size("s")
    up = arr(d.layer, "dD")[n, c, sp.floor(p / s), sp.floor(q / s)]
    if down == "max":
        up = arr(d.layer, "S")[n, c, p, q] * up
    expected = up / s**2 if down == "mean" else up
    assert sp.simplify(term.body - expected) == 0


# --- deliberately wrong variants must be rejected -----------------------------------------


def _mutant_errors(d, wrt, fn, seed=1):
    env = gradcheck.draw_sizes(d.layer, seed)
    for s in d.layer.sizes:  # sizes where a flip or a shift is visible
        if str(s) in ("KH", "KW", "Ho", "Wo"):
            env[s] = max(env[s], 2)
    interpret.LENIENT = True
    try:
        return gradcheck.check(d, env, seed, gradients=gradcheck.replace_body(d, wrt, fn))[wrt]
    finally:
        interpret.LENIENT = False


def _rewrite(body, base, fn):
    return body.replace(lambda e: isinstance(e, sp.Indexed) and e.base == base, fn)


def test_flipped_kernel_is_rejected(derivations):
    """Drop [B12]'s rot180 (or put it where the convention does not want it)."""
    d = derivations["conv_xcorr_sigmoid"]
    KH, KW = size("KH"), size("KW")
    K = arr(d.layer, "K")

    def flip(body, g, t):
        return _rewrite(body, K, lambda e: K[e.indices[:2] + (KH - 1 - e.indices[2], KW - 1 - e.indices[3])])

    assert _mutant_errors(d, "X", flip) > 1e-3


def test_shifted_sensitivity_is_rejected(derivations):
    """Read δ one pixel off in the 'full' convolution."""
    d = derivations["conv_xcorr_sigmoid"]
    dU = arr(d.layer, "dU")

    def shift(body, g, t):
        return _rewrite(body, dU, lambda e: dU[e.indices[:3] + (e.indices[3] + 1,)])

    assert _mutant_errors(d, "X", shift) > 1e-3


def test_shifted_kernel_gradient_is_rejected(derivations):
    d = derivations["conv_xcorr_sigmoid"]
    X = arr(d.layer, "X")

    def shift(body, g, t):
        return _rewrite(body, X, lambda e: X[e.indices[:2] + (e.indices[2] + 1, e.indices[3])])

    assert _mutant_errors(d, "K", shift) > 1e-3


def test_constant_factor_is_rejected(derivations):
    d = derivations["pool_mean_sigmoid"]
    assert _mutant_errors(d, "X", lambda body, g, t: body * 2) > 1e-3


def test_missing_mean_factor_is_rejected(derivations):
    d = derivations["pool_mean_sigmoid"]
    assert _mutant_errors(d, "X", lambda body, g, t: body * size("s") ** 2) > 1e-3
