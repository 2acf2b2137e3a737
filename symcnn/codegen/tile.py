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

A pass over the frozen terms (:class:`~.ir.Frozen`), no SymPy: it reads the
body's factors and reads (:class:`~.loops.Load`), substitutes the block's
starts into them and builds the block's statements as loop-tree nodes
(:attr:`.ir.Tile.whole`), ordered as SymPy orders a product or a sum of
integer multiples of names (:func:`.loops.product`, :func:`.loops.linear`).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import loops as L
from .copies import at, loaded, shared, split
from .ir import Frozen, Tile

#: The local holding the target's dtype, and zero as one.
_DT = "_dt"
_ZERO = L.Typed(L.Int(0), _DT)


def tiled(
    target: str, free: tuple[str, ...], shape: tuple[L.Expr, ...], terms: tuple[Frozen, ...],
    outer: tuple[str, ...], inner: tuple[str, ...], width: int,
) -> Tile | None:
    """The blocked schedule of a kernel ``target[free] = Σ terms`` (see the module doc), ``width``
    targets (and sum steps) along each blocked index, or ``None`` where it does not apply."""
    summed = [t for t in terms if t.sums]
    plain = [t for t in terms if not t.sums]
    if len(free) != 2 or len(summed) != 1 or len(summed[0].sums) != 1 or len(plain) > 1:
        return None
    t = summed[0]
    if any(u.guards for u in terms):
        return None
    (bound,) = t.sums
    r, extent = bound.index, bound.extent
    if extent is None or bound.declared[0] != L.Int(0) or L.names(extent) & {r, *free}:
        return None
    size = dict(zip(free, shape, strict=True))
    lhs = L.Load(target, tuple(L.Var(f) for f in free))
    start = plain[0].body if plain else L.Int(0)
    if not inner and tuple(outer) == tuple(free):
        return _dot(lhs, free, size, t.body, r, extent, start, width)
    if len(outer) == 1 and len(inner) == 1:
        return _axpy(lhs, outer[0], inner[0], size, t.body, r, extent, start, width)
    return None


def _sum(terms: Iterable[L.Expr]) -> L.Expr:
    out = [u for t in terms for u in (t.terms if isinstance(t, L.Add) else (t,)) if u != L.Int(0)]
    return L.Int(0) if not out else out[0] if len(out) == 1 else L.Add(tuple(out))


def _sets(pairs: Iterable[tuple[str, L.Expr]]) -> tuple[L.Stmt, ...]:
    return tuple(L.Assign(L.Var(n), e) for n, e in pairs)


def _edge(index: str, base: L.Var, extent: L.Expr, width: int) -> L.Loop:
    """``for index in range(base, min(base + width, extent))`` (body empty): the kernel's own loop over
    one block."""
    return L.Loop(index, base, L.Call("min", (L.plus(base, L.Int(width)), extent)), ())


def _dot(lhs: L.Load, free: tuple[str, ...], size: dict, body: L.Expr, r: str, extent: L.Expr,
         start: L.Expr, width: int) -> Tile | None:
    p, q = free
    inner, outer = split(body, r)
    if any({p, q} <= L.names(a) for a in L.walk(inner) if isinstance(a, L.Load)):
        return None  # a read holding both blocked indices: nothing to share
    base = L.Var("_p0"), L.Var("_q0")
    points = [{p: L.plus(base[0], L.Int(m)), q: L.plus(base[1], L.Int(n))}
              for m in range(width) for n in range(width)]
    sums = [L.Var(f"_s{k}") for k in range(len(points))]
    temps, values = loaded([at(inner, s) for s in points], every=True)
    stores = tuple(L.Assign(at(lhs, s), _sum((L.product((at(outer, s), acc)), at(start, s))))
                   for s, acc in zip(points, sums))
    steps = (L.Accumulate(acc, v) for acc, v in zip(sums, values, strict=True))
    run = L.Loop(r, L.Int(0), extent, (*_sets(temps), *steps))
    return Tile(
        blocked=((p, size[p]), (q, size[q])),
        width=width,
        whole=(*(L.Assign(acc, _ZERO) for acc in sums), run, *stores),
        edges=(_edge(p, base[0], size[p], width), _edge(q, base[1], size[q], width)),
    )


def _axpy(lhs: L.Load, p: str, v: str, size: dict, body: L.Expr, r: str, extent: L.Expr,
          start: L.Expr, width: int) -> Tile | None:
    row, coeff = split(body, v)
    if p in L.names(row) or r not in L.names(row):
        return None  # the rows would not share their loads
    base, rr = L.Var("_p0"), L.Var("_rr")
    rows = [{p: L.plus(base, L.Int(m))} for m in range(width)]

    def over_v(stmts: tuple[L.Stmt, ...]) -> L.Loop:
        return L.Loop(v, L.Int(0), size[v], stmts)

    whole: list[L.Stmt] = [L.Assign(rr, L.Mul((L.FloorDiv(extent, L.Int(width)), L.Int(width)))),
                           over_v(tuple(L.Assign(at(lhs, s), L.Typed(at(start, s), _DT)) for s in rows))]
    for across, lo, hi in ((width, L.Int(0), rr), (1, rr, extent)):
        steps = [{r: L.plus(L.Var(r), L.Int(n))} for n in range(across)]
        coeffs = [[L.Var(f"_c{m}{n}") for n in range(across)] for m in range(width)]
        points = [{**rows[m], **steps[n]} for m in range(width) for n in range(across)]
        pre, cvalues = shared([at(coeff, s) for s in points], "_u")
        pre += [(c.name, L.Typed(e, _DT)) for c, e in zip([c for cs in coeffs for c in cs], cvalues)]
        temps, rows_at = loaded([at(row, s) for s in steps], every=True)
        updates = tuple(L.Accumulate(at(lhs, rows[m]),
                                     _sum(L.product((coeffs[m][n], rows_at[n])) for n in range(across)))
                        for m in range(width))
        whole.append(L.Loop(r, lo, hi, (*_sets(pre), over_v((*_sets(temps), *updates))), L.Int(across)))
    return Tile(blocked=((p, size[p]),), width=width, whole=tuple(whole),
                edges=(_edge(p, base, size[p], width),))


__all__ = ["tiled"]
