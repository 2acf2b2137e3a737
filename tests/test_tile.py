"""Fully connected kernels unrolled over 4 × 4 blocks and jammed [B1], [B3]."""

from __future__ import annotations

import pytest
import sympy as sp
from test_generated import GENERATED, assert_agree, assert_gradients, case
from test_pack import kernel

from symcnn.codegen import loops as L
from symcnn.codegen.emit import source
from symcnn.codegen.freeze import frozen
from symcnn.codegen.target import BASELINE
from symcnn.codegen.tile import tiled
from symcnn.derive.terms import Bound, Term
from symcnn.runtime.loader import load_layer_module

FC = ["fc_relu", "fc_identity", "fc_sigmoid", "fc_tanh"]


def test_forward_sums_a_block_of_sixteen_from_eight_loads():
    tile = kernel("fc_relu", "forward_U").tile
    assert tile.blocked == (("n", L.Var("N")), ("k", L.Var("O"))) and tile.width == BASELINE.block == 4
    (run,) = [s for s in tile.whole if isinstance(s, L.Loop)]
    assert run.index == "i"
    loads = [source(s.value) for s in run.body if isinstance(s, L.Assign) and s.target.name.startswith("_w")]
    assert sorted(loads) == sorted([f"W[_q0{o}, i]" for o in ("", " + 1", " + 2", " + 3")]
                                   + [f"X[_p0{o}, i]" for o in ("", " + 1", " + 2", " + 3")])
    sums = [s for s in run.body if isinstance(s, L.Accumulate)]
    assert len(sums) == 16 and all(isinstance(s.target, L.Var) for s in sums)
    stores = [s for s in tile.whole if isinstance(s, L.Assign) and isinstance(s.target, L.Load)]
    assert source(stores[5]) == "U[_p0 + 1, _q0 + 1] = _s5 + b[_q0 + 1]"  # the bias added once, at the end
    assert [lp.index for lp in tile.edges] == ["n", "k"] and all(not lp.body for lp in tile.edges)


@pytest.mark.parametrize("name,blocked,row", [
    ("backward_dX", "n", "W[k, i]"),  # dX[n, i] += dU[n, k]·W[k, i]: four images share each row of W
    ("backward_dW", "k", "X[n, i]"),  # dW[k, i] += dU[n, k]·X[n, i]: four units share each image row
])
def test_gradients_add_four_sum_steps_into_four_rows(name, blocked, row):
    tile = kernel("fc_sigmoid", name).tile
    assert tile.blocked[0][0] == blocked
    head, init, main, rest = tile.whole
    extent = "O" if blocked == "n" else "N"  # the sum's
    assert source(head) == f"_rr = ({extent} // 4)*4"
    assert all(isinstance(s, L.Assign) for s in init.body) and len(init.body) == 4
    assert source(main).splitlines()[0].endswith("in range(0, _rr, 4):")
    assert source(rest).splitlines()[0].endswith(f"in range(_rr, {extent}):")
    *pre, inner = main.body
    assert source(inner.body[0].value) == row  # loaded once, shared by the four rows
    assert len(pre) == 16
    updates = [s for s in inner.body if isinstance(s, L.Accumulate)]
    assert len(updates) == 4 and all(source(s.value).count("_c") == 4 for s in updates)


@pytest.mark.parametrize("layer,name", [
    ("conv_xcorr_relu", "forward_U"),  # three free indices: the window schedule's
    ("conv_xcorr_relu", "backward_dK"),
    ("fc_relu", "backward_db"),  # one free index
    ("pool_mean_plain", "backward_dX"),  # no sums
    ("loss_softmax_ce", "forward_Z"),  # one free index too
])
def test_other_kernels_keep_their_schedule(layer, name):
    assert kernel(layer, name).tile is None


n, k, i = sp.symbols("n k i", integer=True)
N, NI, NO = sp.symbols("N I O", integer=True, positive=True)
W, X, V = sp.IndexedBase("W"), sp.IndexedBase("X"), sp.IndexedBase("V")
SUM = Bound(i, (sp.S.Zero,), (NI - 1,), (sp.S.Zero, NI - 1))


SHAPE = (L.Var("N"), L.Var("O"))


def _tiled(term: Term):
    return tiled("U", ("n", "k"), SHAPE, (frozen(term),), ("n", "k"), (), 4)


def test_a_read_holding_both_blocked_indices_is_not_tiled():
    shared = _tiled(Term((SUM,), W[k, i] * X[n, i]))
    assert shared is not None
    assert _tiled(Term((SUM,), V[n, k, i] * X[n, i])) is None  # nothing for the block to share


def test_a_bounded_sum_is_not_tiled():
    assert _tiled(Term((Bound(i, (sp.S.Zero,), (k,), (sp.S.Zero, NI - 1)),), W[k, i] * X[n, i])) is None


def test_the_block_starts_are_summed_into_each_read():
    """A read ``X[2*n + 1, i]`` of block row ``_p0 + 1`` reads ``X[2*_p0 + 3, i]``, as SymPy would sum it."""
    tile = _tiled(Term((SUM,), W[k, i] * X[2 * n + 1, i]))
    (run,) = [s for s in tile.whole if isinstance(s, L.Loop)]
    loads = {source(s.value) for s in run.body if isinstance(s, L.Assign)}
    assert {"X[2*_p0 + 1, i]", "X[2*_p0 + 3, i]", "W[_q0 + 3, i]"} <= loads


@pytest.mark.slow  # each blocked variant compiles afresh
@pytest.mark.parametrize("layer", FC)
@pytest.mark.parametrize("sizes", [dict(N=8, I=12, O=4), dict(N=9, I=7, O=6), dict(N=3, I=5, O=2)],
                         ids=["whole blocks", "blocks and edges", "edges only"])
def test_blocked_kernels_agree_with_numpy_and_finite_differences(layer, sizes):
    a, b = (load_layer_module(layer, backend, GENERATED) for backend in ("numpy", "numba"))
    arrays, hyper = case(a, sizes, seed=5)
    assert_agree(a, b, arrays, hyper)
    assert_gradients(b, arrays, hyper)
