"""A frozen body hoisted into a nest (symcnn/codegen/hoist.py) is recorded as hoisting the SymPy term did
before the schedules were frozen (:func:`sympy_hoisted`, kept here as the reference): the same hoists at
the same depths, temporaries and body, each read back as the same tree; a frozen sum is the loop its
SymPy bound was; and a sum expanded as an integer form is written as SymPy writes it (forms.Form.expr)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp

from symcnn.codegen import forms as F
from symcnn.codegen import hoist, ir
from symcnn.codegen.emit import source
from symcnn.codegen.freeze import freeze, frozen_sum
from symcnn.codegen.parse import expr
from symcnn.codegen.printer import argument_code, code, scalar_code
from symcnn.derive.terms import Bound

i, j, a, b, f = sp.symbols("i j a b _f", integer=True)
N, M, H, KH = sp.symbols("N M H KH", integer=True, positive=True)
K, P, X, A, B = (sp.IndexedBase(n) for n in ("K", "_pk", "X", "A", "B"))


def loop_of(b: Bound) -> ir.Loop:
    """The IR loop of a derived bound, printed by SymPy: ``max`` of its lower ends, ``min`` of its upper
    ones."""
    lo, hi = b.declared
    return ir.Loop(index=str(b.index), lower=tuple(code(e) for e in b.lower),
                   stop=tuple(code(sp.expand(e + 1)) for e in b.upper),
                   declared=(code(lo), code(sp.expand(hi - lo + 1))),
                   depends=tuple(sorted({str(s) for e in (*b.lower, *b.upper) for s in e.free_symbols})))


def sympy_hoisted(r: ir.Reduction, body: sp.Expr) -> ir.Reduction:
    """Each factor of ``body`` right inside the deepest loop of ``r.nest`` it depends on, cast to ``_dt``;
    the rest through SymPy's ``cse``: the hoisting of SymPy terms the frozen one replaces."""
    names = [lp.index for lp in r.nest]
    depth_of: dict[int, list[sp.Expr]] = {}
    for f in sp.Mul.make_args(body):
        used = {str(s) for s in f.free_symbols} & set(names)
        depth_of.setdefault(max((names.index(u) + 1 for u in used), default=0), []).append(f)
    hoists, carried = [], None
    for d in sorted(depth_of):
        if d == len(names):
            break
        value = sp.Mul(*depth_of[d]) * (carried if carried is not None else 1)
        carried = sp.Symbol(f"_h{d}")
        hoists.append(ir.Hoist(d, str(carried), f"_dt({argument_code(value)})"))
    rest = sp.Mul(*depth_of.get(len(names), [])) * (carried if carried is not None else 1)
    temps, reduced = sp.cse(rest, symbols=sp.numbered_symbols("_t"), optimizations=None)
    return replace(r, hoists=tuple(hoists), temps=tuple((str(s), scalar_code(e)) for s, e in temps),
                   body=scalar_code(reduced[0]))


NEST = tuple(Bound(s, (sp.S.Zero,), (N - 1,), (sp.S.Zero, N - 1)) for s in (i, j, a, b, f))
BODIES = [
    K[i, j, a, b] * P[a, b, f],
    -2 * A[i, j] * K[i, j, a, b] * P[a, b, f],
    X[i, f] * P[a, b, f] * K[i, j, a, b] * sp.exp(X[i, f]),
    P[a, b, f] ** 2 * X[i, f] * A[i, j],
    B[j],
    sp.S.Zero,
    -sp.Rational(1, 2) * B[j] * X[i, f] * (2 + X[i, f] / (10000 * (2 * H + 1))) ** sp.Rational(-3, 4),
    (X[i, f] + 1) ** 2 * sp.exp(X[i, f] + 1) * P[a, b, f],
]


def _parsed(r: ir.Reduction) -> tuple:
    return (tuple((h.depth, h.name, expr(h.value)) for h in r.hoists),
            tuple((n, expr(v)) for n, v in r.temps), expr(r.body))


@pytest.mark.parametrize("body", BODIES, ids=str)
def test_frozen_hoisting_records_what_sympys_does(body):
    r = ir.Reduction((), (), (), (), (), "", nest=tuple(loop_of(bd) for bd in NEST))
    assert _parsed(hoist.hoisted(r, freeze(body))) == _parsed(sympy_hoisted(r, body))


def test_a_frozen_sum_is_the_loop_sympys_bound_is():
    bound = Bound(a, (sp.S.Zero, 1 - b), (KH - 1, H - b), (sp.S.Zero, KH - 1))
    assert hoist.loop(frozen_sum(bound)) == loop_of(bound)


@pytest.mark.parametrize("e", [1 - a, 2 - a - b, H - a + 1, 1 - 2 * a, 3 - a * KH, 1 - H, 1 - a**2, a - 1,
                               (1 - a) * (KH + 1)], ids=str)
def test_an_expanded_form_is_written_as_sympy_writes_it(e):
    assert source(F.of(freeze(e)).expr()) == source(freeze(sp.expand(e)))
