"""Stride and dilation together: the input sensitivity runs as a scatter (codegen/scatter.py).

The engine derives ``dX[n, i, p, q] = Σ [p = s·y + d·a - P][q = s·x + d·b - P] K·dU``; run as derived,
each point scans the sums for the steps that hit it. The Numba kernel instead runs the sums and adds
into the point the guards name, the guards solved into loop bounds: no branch in the loop nest.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from test_generated import case
from user_layers import strided_dilated_padded

from symcnn.codegen import loops as L
from symcnn.codegen.checks import relative_difference
from symcnn.codegen.emit import source
from symcnn.codegen.freeze import frozen
from symcnn.codegen.lower import lower
from symcnn.codegen.scatter import scattered
from symcnn.derive.cache import cached_derive, spec_hash
from symcnn.derive.terms import Bound, Term
from symcnn.pipeline import run_derive
from symcnn.runtime.loader import load_layer_module


@pytest.fixture(scope="module")
def layer():
    return strided_dilated_padded()


@pytest.fixture(scope="module")
def dx(layer):
    module = lower(cached_derive(layer), spec_hash(layer))
    return next(k for k in module.backward if k.name == "backward_dX")


def test_the_derived_gradient_has_guards_the_kernel_has_none(layer, dx):
    (g,) = [g for g in cached_derive(layer).gradients if str(g.target.label) == "dX"]
    assert all(t.guards and all(isinstance(c, sp.Eq) for c in t.guards) for t in g.terms)
    (t,) = dx.terms
    assert t.guards == () and source(t.lhs) == "dX[n, i, -P + a*d + s*y, -P + b*d + s*x]"
    assert dx.outer == ("n", "i") and dx.inner == ("p", "q")  # zeroed, then added into
    assert [lp.index for lp in t.nest] == ["j", "a", "b", "y", "x"]
    y = t.nest[3]  # 0 ≤ s·y + d·a - P ≤ Hp - 1, solved for y
    assert tuple(map(source, y.lower)) == ("0", "(P - a*d - 1) // s + 1") and len(y.stop) == 2, y


def _scattered(term: Term):
    """The scatter schedule of ``target[n, p] = term``, read off the frozen term."""
    shape = (L.Var("N"), L.Var("H"))
    return scattered(("n", "p"), shape, (frozen(term),), set(), {"N", "H", "K"})


def test_other_guards_keep_the_kernel_as_derived():
    n, p, a = sp.symbols("n p a", integer=True)
    X = sp.IndexedBase("X")
    bound = Bound(a, (sp.S.Zero,), (sp.Symbol("K") - 1,), (sp.S.Zero, sp.Symbol("K") - 1))
    assert _scattered(Term((bound,), X[n, a], (sp.Lt(p, 2 * a),))) is None
    assert _scattered(Term((bound,), X[n, a], (sp.Eq(p, n),))) is None  # fixed by another free index
    assert _scattered(Term((bound,), X[n, a], ())) is None
    fixed = _scattered(Term((bound,), X[n, a], (sp.Eq(p, 2 * a + 1),)))  # p = 2a + 1 < H: a < H/2
    assert fixed.inner == ("p",) and [source(e) for e in fixed.targets[0]] == ["n", "2*a + 1"]
    ((a_loop,),) = fixed.sums
    assert [source(e) for e in a_loop.stop] == ["K", "H // 2"]


@pytest.mark.parametrize("s,d,P", [(2, 2, 1), (3, 2, 0), (2, 4, 3)], ids=["s2d2", "s3d2", "s2d4"])
def test_the_scatter_adds_what_numpy_sums(layer, tmp_path_factory, s, d, P):
    """The Numba kernel run as Python (its ``py_func``: no compile) against the NumPy backend's masks."""
    folder = tmp_path_factory.mktemp(f"scatter_{s}{d}{P}")
    run_derive([layer], folder, report=False)
    ref, fast = (load_layer_module("conv_sdp", backend, folder) for backend in ("numpy", "numba"))
    sizes = dict(N=2, C=2, M=3, Ho=3, Wo=2, KH=3, KW=2, s=s, d=d, P=P)
    arrays, _ = case(ref, sizes, seed=3)
    dU = np.random.default_rng(4).standard_normal((2, 3, 3, 2))
    args = (2, 2, 3, 3, 2, 3, 2, s, d, P)
    want, got = np.full(arrays["X"].shape, np.nan), np.full(arrays["X"].shape, np.nan)
    ref.backward_dX(arrays["K"], dU, want, *args)
    fast.backward_dX.py_func(arrays["K"], dU, got, *args)
    assert np.isfinite(got).all() and relative_difference(got, want, 1e-14) <= 1e-12
