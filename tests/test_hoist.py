"""A frozen body hoisted into a nest (symcnn/codegen/hoist.py) is recorded as hoisting the SymPy term did
before the schedules were frozen (:func:`sympy_hoisted`, kept here as the reference): the same hoists at
the same depths, temporaries and body, each printing as the same Python syntax tree as SymPy's printer
wrote; a frozen sum prints the bounds its SymPy bound did; and a sum expanded as an integer form is
written as SymPy writes it (forms.Form.expr)."""

from __future__ import annotations

import ast

import pytest
import sympy as sp

from symcnn.codegen import forms as F
from symcnn.codegen import hoist, ir
from symcnn.codegen.emit import source
from symcnn.codegen.freeze import freeze, frozen_sum
from symcnn.codegen.printer import argument_code, code, scalar_code
from symcnn.derive.terms import Bound

i, j, a, b, f = sp.symbols("i j a b _f", integer=True)
N, M, H, KH = sp.symbols("N M H KH", integer=True, positive=True)
K, P, X, A, B = (sp.IndexedBase(n) for n in ("K", "_pk", "X", "A", "B"))


def printed_bounds(b: Bound) -> tuple:
    """A derived bound's lower ends, stops and declared start and extent, as SymPy's printer writes them."""
    lo, hi = b.declared
    return (tuple(code(e) for e in b.lower), tuple(code(sp.expand(e + 1)) for e in b.upper),
            (code(lo), code(sp.expand(hi - lo + 1))))


def sympy_hoisted(nest: tuple[str, ...], body: sp.Expr) -> tuple:
    """Each factor of ``body`` right inside the deepest loop of ``nest`` it depends on, cast to ``_dt``;
    the rest through SymPy's ``cse``: the hoisting of SymPy terms the frozen one replaces, as source."""
    depth_of: dict[int, list[sp.Expr]] = {}
    for f in sp.Mul.make_args(body):
        used = {str(s) for s in f.free_symbols} & set(nest)
        depth_of.setdefault(max((nest.index(u) + 1 for u in used), default=0), []).append(f)
    hoists, carried = [], None
    for d in sorted(depth_of):
        if d == len(nest):
            break
        value = sp.Mul(*depth_of[d]) * (carried if carried is not None else 1)
        carried = sp.Symbol(f"_h{d}")
        hoists.append((d, str(carried), f"_dt({argument_code(value)})"))
    rest = sp.Mul(*depth_of.get(len(nest), [])) * (carried if carried is not None else 1)
    temps, reduced = sp.cse(rest, symbols=sp.numbered_symbols("_t"), optimizations=None)
    return (tuple(hoists), tuple((str(s), scalar_code(e)) for s, e in temps), scalar_code(reduced[0]))


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


def _tree(text: str) -> str:
    """The Python syntax tree of an expression's source."""
    return ast.dump(ast.parse(text, mode="eval"))


def _trees(hoists, temps, body) -> tuple:
    return (tuple((d, n, _tree(v)) for d, n, v in hoists), tuple((n, _tree(v)) for n, v in temps),
            _tree(body))


@pytest.mark.parametrize("body", BODIES, ids=str)
def test_frozen_hoisting_records_what_sympys_does(body):
    r = hoist.hoisted(ir.Reduction((), (), (), (), nest=tuple(frozen_sum(bd) for bd in NEST)), freeze(body))
    printed = (tuple((h.depth, h.name, source(h.value)) for h in r.hoists),
               tuple((n, source(v)) for n, v in r.temps), source(r.body))
    assert _trees(*printed) == _trees(*sympy_hoisted(tuple(str(bd.index) for bd in NEST), body))


def test_a_frozen_sum_prints_the_bounds_sympys_bound_does():
    bound = Bound(a, (sp.S.Zero, 1 - b), (KH - 1, H - b), (sp.S.Zero, KH - 1))
    s = frozen_sum(bound)
    assert (tuple(map(source, s.lower)), tuple(map(source, s.stop)), tuple(map(source, s.declared))) \
        == printed_bounds(bound)


@pytest.mark.parametrize("e", [1 - a, 2 - a - b, H - a + 1, 1 - 2 * a, 3 - a * KH, 1 - H, 1 - a**2, a - 1,
                               (1 - a) * (KH + 1)], ids=str)
def test_an_expanded_form_is_written_as_sympy_writes_it(e):
    assert source(F.of(freeze(e)).expr()) == source(freeze(sp.expand(e)))
