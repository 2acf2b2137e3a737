"""Fully connected kernels unrolled over 4 × 4 blocks and jammed [B1], [B3]."""

from __future__ import annotations

import pytest
import sympy as sp
from test_generated import GENERATED, assert_agree, assert_gradients, case
from test_pack import kernel

from symcnn.codegen.target import BASELINE
from symcnn.codegen.tile import tiled
from symcnn.derive.terms import Bound, Term
from symcnn.runtime.loader import load_layer_module

FC = ["fc_relu", "fc_identity", "fc_sigmoid", "fc_tanh"]


def test_forward_sums_a_block_of_sixteen_from_eight_loads():
    tile = kernel("fc_relu", "forward_U").tile
    assert tile.blocked == (("n", "N"), ("k", "O")) and tile.width == BASELINE.block == 4
    (block,) = tile.blocks
    assert block.inner.index == "i"
    loads = [value for name, value in block.temps if name.startswith("_w")]
    assert sorted(loads) == sorted([f"W[_q0{o}, i]" for o in ("", " + 1", " + 2", " + 3")]
                                   + [f"X[_p0{o}, i]" for o in ("", " + 1", " + 2", " + 3")])
    assert len(block.updates) == 16 and all(op == "+=" for _, op, _ in block.updates)
    assert tile.stores[5] == "U[_p0 + 1, _q0 + 1] = _s5 + b[_q0 + 1]"  # the bias added once, at the end


@pytest.mark.parametrize("name,blocked,row", [
    ("backward_dX", "n", "W[k, i]"),  # dX[n, i] += dU[n, k]·W[k, i]: four images share each row of W
    ("backward_dW", "k", "X[n, i]"),  # dW[k, i] += dU[n, k]·X[n, i]: four units share each image row
])
def test_gradients_add_four_sum_steps_into_four_rows(name, blocked, row):
    tile = kernel("fc_sigmoid", name).tile
    assert tile.blocked[0][0] == blocked
    init, main, rest = tile.blocks
    assert all(op == "=" for _, op, _ in init.updates) and len(init.updates) == 4
    assert main.loop.endswith("in range(0, _rr, 4):") and rest.loop.endswith("in range(_rr, " + ("O):" if
                                                                              blocked == "n" else "N):"))
    assert [value for _, value in main.temps][0] == row  # loaded once, shared by the four rows
    assert len(main.pre) == 16 and len(main.updates) == 4
    assert all(value.count("_c") == 4 for _, _, value in main.updates)


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


def test_a_read_holding_both_blocked_indices_is_not_tiled():
    plain = Term((SUM,), W[k, i] * X[n, i])
    shared = tiled(sp.IndexedBase("U"), (n, k), (N, NO), (plain,), ("n", "k"), (), 4)
    assert shared is not None
    both = Term((SUM,), V[n, k, i] * X[n, i])  # nothing for the block to share
    assert tiled(sp.IndexedBase("U"), (n, k), (N, NO), (both,), ("n", "k"), (), 4) is None


def test_a_bounded_sum_is_not_tiled():
    tri = Term((Bound(i, (sp.S.Zero,), (k,), (sp.S.Zero, NI - 1)),), W[k, i] * X[n, i])
    assert tiled(sp.IndexedBase("U"), (n, k), (N, NO), (tri,), ("n", "k"), (), 4) is None


@pytest.mark.slow  # each blocked variant compiles afresh
@pytest.mark.parametrize("layer", FC)
@pytest.mark.parametrize("sizes", [dict(N=8, I=12, O=4), dict(N=9, I=7, O=6), dict(N=3, I=5, O=2)],
                         ids=["whole blocks", "blocks and edges", "edges only"])
def test_blocked_kernels_agree_with_numpy_and_finite_differences(layer, sizes):
    a, b = (load_layer_module(layer, backend, GENERATED) for backend in ("numpy", "numba"))
    arrays, hyper = case(a, sizes, seed=5)
    assert_agree(a, b, arrays, hyper)
    assert_gradients(b, arrays, hyper)
