"""Blocks of targets unrolled and jammed over a sum: the Numba schedule of fully connected layers [B1], [B3].

A fully connected layer's forward equation and gradients are matrix
products. Scheduled point by point, each innermost step loads two operands,
or loads, adds into and stores back a target row, for one multiply-add: the
loop runs at the speed of the load and store ports, a third of what the
multipliers could do. Unrolled over a block of ``WIDTH`` × ``WIDTH`` and
jammed, each step loads ``2·WIDTH`` values and does ``WIDTH²`` multiply-adds
(2.5-2.7× on LeNet-5's first fully connected layer). ``WIDTH`` is the
target's register block (:attr:`.target.Target.block`: 4 on AVX2, 5 on
AVX-512), passed in as ``width``. Two forms, after the
schedule :func:`~.order.plan` chose:

*dot* — the sum ``r`` runs innermost into a scalar, ``U[n, k] = Σ_i W[k, i]·X[n, i]``
[B1]. The two free indices ``p``, ``q`` are blocked; ``WIDTH²`` sums run
side by side, each factor of the body holding at most one of ``p``, ``q``::

    _s01 += W[_q0 + 1, i] · X[_p0, i]          (for every p0 + m, q0 + l)

*axpy* — a free index ``v`` runs innermost, each term adding into the
target's row, ``dX[n, i] += W[k, i]·dU[n, k]`` [B3]. The parallel free index
``p`` and the sum ``r`` are blocked; the factors free of ``v`` become
``WIDTH²`` coefficients, the factors holding ``v`` (and not ``p``) are loaded
once per ``r`` and shared by the ``WIDTH`` rows::

    dX[_p0 + m, i] += _c<m>0·W[k, i] + _c<m>1·W[k + 1, i] + …

The block's edges (sizes that are not multiples of ``WIDTH``) run the
kernel's own schedule. Applies to kernels with two free indices and one term
with one rectangular sum (at most one term without sums: the bias), no
guards; convolutions take the window schedule (:mod:`.window`) instead.
"""

from __future__ import annotations

import sympy as sp

from ..derive.terms import Term
from .ir import Block, Loop, Tile, name, number
from .jam import loaded, split
from .pack import extent_of
from .printer import code, factor_code, scalar_code


def tiled(
    target: sp.IndexedBase, free: tuple[sp.Symbol, ...], shape: tuple[sp.Expr, ...],
    terms: tuple[Term, ...], outer: tuple[str, ...], inner: tuple[str, ...], width: int,
) -> Tile | None:
    """The blocked schedule of a kernel (see the module doc), ``width`` targets (and sum steps) along
    each blocked index, or ``None`` where it does not apply."""
    summed = [t for t in terms if t.sums]
    plain = [t for t in terms if not t.sums]
    if len(free) != 2 or len(summed) != 1 or len(summed[0].sums) != 1 or len(plain) > 1:
        return None
    t = summed[0]
    if any(u.guards for u in terms):
        return None
    (bound,) = t.sums
    r, extent = bound.index, extent_of(bound)
    if extent is None or bound.declared[0] != 0 or extent.free_symbols & ({r} | set(free)):
        return None
    size = dict(zip(free, shape))
    names = [str(f) for f in free]
    if not inner and list(outer) == names:
        return _dot(target[free], free, size, t, r, extent, plain, width)
    if len(outer) == 1 and len(inner) == 1:
        p = free[names.index(outer[0])]
        v = free[names.index(inner[0])]
        return _axpy(target[free], p, v, size, t, r, extent, plain, width)
    return None


def _code(pairs) -> tuple[tuple[str, str], ...]:
    return tuple((str(n), scalar_code(e)) for n, e in pairs)


def _whole(index: sp.Symbol, extent: sp.Expr) -> Loop:
    """``for index in range(extent)``."""
    return Loop(str(index), (number(0),), (code(extent),), (number(0), code(extent)))


def _edge(index: sp.Symbol, base: sp.Symbol, extent: sp.Expr, width: int) -> Loop:
    """``for index in range(base, min(base + width, extent))``: the kernel's own loop over one block."""
    stop = (code(base + width), code(extent))
    return Loop(str(index), (name(str(base)),), stop, (name(str(base)), number(width)))


def _dot(lhs, free, size, t: Term, r, extent, plain, width: int) -> Tile | None:
    p, q = free
    inner, outer = split(t.body, r)
    if any({p, q} <= a.free_symbols for a in inner.atoms(sp.Indexed)):
        return None  # a read holding both blocked indices: nothing to share
    base = sp.Symbol("_p0"), sp.Symbol("_q0")
    at = [{p: base[0] + m, q: base[1] + n} for m in range(width) for n in range(width)]
    sums = [sp.Symbol(f"_s{k}") for k in range(len(at))]
    temps, values = loaded([inner.xreplace(s) for s in at], every=True)
    start = sp.Add(*[u.body for u in plain])
    stores = tuple(f"{scalar_code(lhs.xreplace(s))} = {scalar_code((start + outer * acc).xreplace(s))}"
                   for s, acc in zip(at, sums))
    block = Block("", (), _whole(r, extent), _code(temps), tuple((str(acc), "+=", scalar_code(e))
                                                  for acc, e in zip(sums, values)))
    return Tile(
        blocked=((str(p), scalar_code(size[p])), (str(q), scalar_code(size[q]))),
        width=width,
        head=tuple((str(acc), "_dt(0)") for acc in sums),
        blocks=(block,),
        stores=stores,
        edges=(_edge(p, base[0], size[p], width), _edge(q, base[1], size[q], width)),
    )


def _axpy(lhs, p, v, size, t: Term, r, extent, plain, width: int) -> Tile | None:
    row, coeff = split(t.body, v)
    if p in row.free_symbols or r not in row.free_symbols:
        return None  # the rows would not share their loads
    base, rr = sp.Symbol("_p0"), sp.Symbol("_rr")
    rows = [{p: base + m} for m in range(width)]
    vloop = _whole(v, size[v])
    start = plain[0].body if plain else sp.S.Zero
    zeros = tuple((scalar_code(lhs.xreplace(s)), "=", f"_dt({scalar_code(start.xreplace(s))})") for s in rows)
    init = Block("", (), vloop, (), zeros)
    blocks = [init]
    for across, head in ((width, f"for {r} in range(0, {rr}, {width}):"), (1, f"for {r} in range({rr}, "
                                                                           f"{scalar_code(extent)}):")):
        steps = [{r: r + n} for n in range(across)]
        coeffs = [[sp.Symbol(f"_c{m}{n}") for n in range(across)] for m in range(width)]
        at = [{**rows[m], **steps[n]} for m in range(width) for n in range(across)]
        pre, cvalues = sp.cse([coeff.xreplace(s) for s in at], symbols=sp.numbered_symbols("_u"),
                              optimizations=None)
        pre = _code(pre) + tuple((str(c), f"_dt({scalar_code(e)})")
                                 for c, e in zip([c for cs in coeffs for c in cs], cvalues))
        temps, rows_at = loaded([row.xreplace(s) for s in steps], every=True)
        updates = tuple((scalar_code(lhs.xreplace(rows[m])), "+=",
                         scalar_code(sp.Add(*[coeffs[m][n] * rows_at[n] for n in range(across)])))
                        for m in range(width))
        blocks.append(Block(head, pre, vloop, _code(temps), updates))
    return Tile(
        blocked=((str(p), scalar_code(size[p])),),
        width=width,
        head=((str(rr), f"{factor_code(extent)} // {width} * {width}"),),
        blocks=tuple(blocks),
        stores=(),
        edges=(_edge(p, base, size[p], width),),
    )


__all__ = ["tiled"]
