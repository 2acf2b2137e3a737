"""Which loops are long, read off frozen extents [B7].

:func:`is_long` asks a frozen extent (:func:`.freeze.freeze`) which sizes it
holds: the lowering, the loop order (:mod:`.order`) and the scatter schedule
(:mod:`.scatter`) ask it. No SymPy: the schedules that read frozen terms import it.
"""

from __future__ import annotations

from collections.abc import Set

from . import loops as L

__all__ = ["is_long"]


def is_long(extent: L.Expr, short: Set[str]) -> bool:
    """Does a loop of this extent (frozen) run over a size not in ``short`` (the parameters' and
    hyper-parameters' sizes, by name): the batch, map rows and columns, rather than kernel taps and map
    counts?"""
    return bool(L.names(extent) - short)
