"""Which loops are long, read off frozen extents; and the steps every schedule shares [B7].

:func:`is_long` asks a frozen extent (:func:`.freeze.freeze`) which sizes it
holds. The lowering and the schedule stages (:mod:`.window`, :mod:`.dot`,
:mod:`.pack`, :mod:`.jam`) build their loops the same way: :func:`loop_of`
(a derived bound as an :class:`.ir.Loop`) and :func:`hoisted` (a term's body
printed as the statements of its nest) are the freezer's (:mod:`.freeze`),
named here for them, not handed from stage to stage.
"""

from __future__ import annotations

from collections.abc import Set

from . import loops as L
from .freeze import depends, hoisted, loop_of

__all__ = ["depends", "hoisted", "is_long", "loop_of"]


def is_long(extent: L.Expr, short: Set[str]) -> bool:
    """Does a loop of this extent (frozen) run over a size not in ``short`` (the parameters' and
    hyper-parameters' sizes, by name): the batch, map rows and columns, rather than kernel taps and map
    counts?"""
    return bool(L.names(extent) - short)
