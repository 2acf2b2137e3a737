"""The module contract's sizes, each solved once with SymPy as an expression in the given arrays'
shapes (a hyper-parameter's from ``hyper``) [B7]."""

from __future__ import annotations

import sympy as sp

from ..errors import SpecError
from ..model.layer import Layer
from .ir import SizeRule
from .printer import scalar_code

__all__ = ["solve_sizes"]


def solve_sizes(layer: Layer) -> tuple[SizeRule, ...]:
    """Each size as an expression in the given arrays' shapes (``hyper`` sizes from ``hyper``)."""
    rules = [SizeRule(str(h), f'int(hyper["{h}"])', True) for h in layer.hyper]
    known = set(layer.hyper)
    given = layer.inputs + layer.params + layer.constants
    progress = True
    while progress and known != set(layer.sizes):
        progress = False
        for a in given:
            for k, e in enumerate(a.shape):
                unknown = e.free_symbols - known
                if len(unknown) != 1:
                    continue
                (u,) = unknown
                if sp.degree(e, u) != 1:
                    continue
                extent = sp.Symbol(f'arrays["{a.label}"].shape[{k}]')
                (sol,) = sp.solve(sp.Eq(e, extent), u)
                num, den = sp.fraction(sp.together(sol))
                expr = scalar_code(num) if den == 1 else f"({scalar_code(num)}) // ({scalar_code(den)})"
                rules.append(SizeRule(str(u), expr, False))
                known.add(u)
                progress = True
    missing = [str(s) for s in layer.sizes if s not in known]
    if missing:
        raise SpecError(
            layer.name,
            f"size {missing[0]} cannot be read off any input, parameter or constant shape; "
            "make it a hyper-parameter",
        )
    return tuple(rules)
