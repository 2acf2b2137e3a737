"""Loop interchange keeps the iteration space: the same points, each once, in the new order."""

from __future__ import annotations

import itertools
from pathlib import Path

import gradcheck
import pytest
import sympy as sp

from symcnn.codegen import loops as L
from symcnn.codegen.emit import source
from symcnn.codegen.freeze import frozen_sum
from symcnn.codegen.interchange import reorder
from symcnn.codegen.ir import Sum
from symcnn.derive import derive
from symcnn.derive.terms import Bound
from symcnn.model import builtin_layers
from symcnn.model.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {**builtin_layers(), **{x.name: x for x in load_spec(ROOT / "examples" / "custom_layers.py")}}


def free_loops(free, shape):
    """The loops over a gradient's free indices, as derived bounds ``0 .. extent-1``."""
    return [Bound(f, (sp.S.Zero,), (e - 1,), (sp.S.Zero, e - 1)) for f, e in zip(free, shape)]


def points(nest, env):
    """Every point of a nest of frozen sums, enumerated by running it (its ends read as Python)."""
    out = []
    names = {str(s): v for s, v in env.items()}

    def run(k, at):
        if k == len(nest):
            out.append(tuple(sorted(at.items())))
            return
        s = nest[k]
        scope = {**names, **at}
        lo = max(eval(source(e), {}, scope) for e in s.lower)
        stop = min(eval(source(e), {}, scope) for e in s.stop)
        for v in range(lo, stop):
            run(k + 1, {**at, s.index: v})

    run(0, {})
    return out


def frozen(nest):
    return [frozen_sum(b) for b in nest]


def positive(layer):
    return {str(s) for s in layer.sizes if s.is_integer and s.is_positive}


CASES = [
    ("conv_xcorr_sigmoid", "X"),
    ("conv_matlab_sigmoid", "X"),
    ("conv_xcorr_sigmoid", "K"),
    ("dilated_conv", "X"),
    ("strided_conv", "X"),
    ("pool_mean_sigmoid", "beta"),
]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("name, wrt", CASES)
def test_reduction_outside_output_inside(name, wrt, seed):
    d = derive(LAYERS[name])
    g = d.gradient(wrt)
    (term,) = g.terms
    nest = free_loops(g.free, g.target.shape) + list(term.sums)
    order = [g.free[0]] + [b.index for b in term.sums] + list(g.free[1:])
    env = gradcheck.draw_sizes(d.layer, seed)
    before = points(frozen(nest), env)
    after = points(reorder(frozen(nest), [str(i) for i in order], positive(d.layer)), env)
    assert len(after) == len(set(after)) and sorted(before) == sorted(after)


def test_many_orders_of_the_full_convolution():
    d = derive(LAYERS["conv_xcorr_identity"])
    g = d.gradient("X")
    (term,) = g.terms
    nest = free_loops(g.free, g.target.shape) + list(term.sums)
    env = gradcheck.draw_sizes(d.layer, 5)
    want = sorted(points(frozen(nest), env))
    orders = list(itertools.permutations([str(b.index) for b in nest]))
    for k in range(0, len(orders), 211):  # a spread of the 5040 orders
        order = orders[k]
        assert sorted(points(reorder(frozen(nest), list(order), positive(d.layer)), env)) == want


def _ranges(nest):
    return [(s.index, [source(e) for e in s.lower], [source(e) for e in s.stop]) for s in nest]


def test_a_full_correlation_window_runs_its_tap_outside():
    """``Σ_{a=max(0, p-Ho+1)}^{min(KH-1, p)}`` inside ``p``: with ``a`` outside, ``p ∈ [a, a+Ho-1]``;
    read off frozen sums, no SymPy."""
    Ho, KH, p, a = (L.Var(n) for n in ("Ho", "KH", "p", "a"))
    nest = [Sum("p", (L.Int(0),), (L.Add((Ho, KH, L.Int(-1))),), (L.Int(0), L.Add((Ho, KH, L.Int(-1))))),
            Sum("a", (L.Int(0), L.Add((p, L.Mul((L.Int(-1), Ho)), L.Int(1)))), (KH, L.Add((p, L.Int(1)))),
                (L.Int(0), KH))]
    out = reorder(nest, ["a", "p"], {"Ho", "KH"})
    assert _ranges(out) == [("a", ["0"], ["KH"]), ("p", ["a"], ["Ho + a"])]
    assert [s.declared for s in out] == [nest[1].declared, nest[0].declared]


def test_a_strided_bound_is_eliminated_through_its_floor():
    """``y ≤ floor((p + P)/s)`` with ``p`` outside becomes ``p ≥ s·y - P`` with ``y`` outside."""
    p, y, s, P, H, Y = (L.Var(n) for n in ("p", "y", "s", "P", "H", "Y"))
    nest = [Sum("p", (L.Int(0),), (H,), (L.Int(0), H)),
            Sum("y", (L.Int(0),), (L.Add((L.FloorDiv(L.Add((p, P)), s), L.Int(1))), Y), (L.Int(0), Y))]
    out = reorder(nest, ["y", "p"], {"s", "P", "H", "Y"})
    (y_loop, p_loop) = out
    assert y_loop.index == "y" and p_loop.index == "p"
    assert [source(e) for e in p_loop.lower] == ["0", "-P + s*y"] and p_loop.stop == (H,)
    assert source(y_loop.stop[-1]) == "(H + P - 1) // s + 1"  # y ≤ floor((H - 1 + P)/s)
    with pytest.raises(ValueError, match="sign"):
        reorder(nest, ["y", "p"], {"P", "H", "Y"})  # a stride not known positive
