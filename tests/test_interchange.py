"""Loop interchange keeps the iteration space: the same points, each once, in the new order."""

from __future__ import annotations

import itertools
from pathlib import Path

import gradcheck
import interpret
import pytest

from symcnn.codegen.interchange import free_loops, reorder
from symcnn.derive import derive
from symcnn.model import builtin_layers
from symcnn.model.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {**builtin_layers(), **{x.name: x for x in load_spec(ROOT / "examples" / "custom_layers.py")}}


def points(nest, env):
    """Every point of a loop nest, enumerated by running it."""
    out = []

    def run(k, at):
        if k == len(nest):
            out.append(tuple(sorted((str(s), v) for s, v in at.items())))
            return
        b = nest[k]
        lo = max(interpret.ev(e, {**env, **at}, {}) for e in b.lower)
        hi = min(interpret.ev(e, {**env, **at}, {}) for e in b.upper)
        for v in range(int(lo), int(hi) + 1):
            run(k + 1, {**at, b.index: v})

    run(0, {})
    return out


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
    ranges = {b.index: b.declared for b in nest}
    order = [g.free[0]] + [b.index for b in term.sums] + list(g.free[1:])
    env = gradcheck.draw_sizes(d.layer, seed)
    before = points(nest, env)
    after = points(reorder(nest, order, ranges), env)
    assert len(after) == len(set(after)) and sorted(before) == sorted(after)


def test_many_orders_of_the_full_convolution():
    d = derive(LAYERS["conv_xcorr_identity"])
    g = d.gradient("X")
    (term,) = g.terms
    nest = free_loops(g.free, g.target.shape) + list(term.sums)
    ranges = {b.index: b.declared for b in nest}
    env = gradcheck.draw_sizes(d.layer, 5)
    want = sorted(points(nest, env))
    orders = list(itertools.permutations([b.index for b in nest]))
    for k in range(0, len(orders), 211):  # a spread of the 5040 orders
        order = orders[k]
        assert sorted(points(reorder(nest, list(order), ranges), env)) == want
