"""The register-blocked outer product of a 'valid' convolution, as passes over the loop tree [B7].

LeNet-5's second convolution sums 20 maps × 5×5 taps (500 products a point)
into 50 maps of 8×8 positions, through a connection table:
``U[n, j, y, x] = B[j] + Σ_{i, a, b} K[i, j, a, b]·T[i, j]·X[n, i, a + y, b + x]``.
The outer product of :mod:`.block` needs its input read through clipped
loops (a 'same' convolution's zero border) and a body of two factors; it
flattens the rows of the padded input, so a valid convolution's would carry
``KW - 1`` dead columns a row (a third of LeNet-5's 12-wide rows). Here:

1. :func:`premultiply` multiplies the factor that holds only weight indices
   (the table ``T``) into a copy of the weights (``_kt``), once a call: the
   body is two factors again, in the order the plain nest multiplies them.
2. :func:`shifted` copies one image's input into :data:`.block.BUFFER` once
   for each column shift ``b`` of the kernel, each row exactly ``Wo`` wide:
   ``_xp[i, b, Wo·r + x] = X[n, i, r, b + x]``. The window of tap ``(a, b)`` at
   position ``(y, x)`` is then ``_xp[i, b, Wo·(a + y) + x]``: the positions of
   a map are one run, with no dead columns, and the tap row ``a`` an offset.
3. :func:`.block.flatten` fuses the positions into one loop, :func:`.block.stage` stores
   them side by side into a flat buffer copied into the target after; :func:`.block.register_block`
   blocks ``maps × positions`` (sized by :attr:`.target.Target.outer`), and
   blocks the maps left over one at a time (``1 × positions``: their reads
   are vectors still); :func:`.block.pack` packs the weights of whole blocks;
   :func:`.block.parallel` runs the images on threads and :func:`.block.unsigned`
   marks the buffer's indices non-negative.

On the project's AMD EPYC (Zen 4, AVX-512), one thread, LeNet-5's conv2
forward ran the 8 maps × 16 positions block at 87 GFLOP/s against 51 for the
inner products of :mod:`.dot` (whose window fill was a quarter of its time),
and the 8 × 8 block at 55: the schedule is carried for 512-bit vectors only
(:func:`valid_outer_product`'s caller, :mod:`.variants`).

Additions into each output point run in the plain nest's order (``K·T``
first, then times the input), so the block differs from ``--schedule plain``
by round-off only where the compiler fuses a multiply and an add.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from . import loops as L
from .block import (
    BUFFER,
    STAGE,
    WIDTH,
    Blocked,
    extreme,
    flatten,
    loads,
    only_loop,
    pack,
    parallel,
    products,
    register_block,
    replaced,
    stage,
    stored,
    unsigned,
)
from .passes import Pass, fresh

__all__ = ["LIMIT", "MIN_DEPTH", "WEIGHTS", "first", "premultiply", "shifted", "valid_outer_product"]

#: The weights with the table multiplied in.
WEIGHTS = "_kt"
#: The fewest products a point's contraction must have (:data:`.dot.MIN_DEPTH_UNPADDED`, where the
#: inner products take over from the packed windows). Below it the block measured no faster, one thread,
#: Zen 4: dlt's conv2 (6 maps × 5×5 into 12, 150 products) 0.345 ms against 0.364; LeNet-5's conv1
#: (one map into 20 at 24×24, 25 products) 1.27 ms against 0.58.
MIN_DEPTH = 256
#: The most elements the shifted copies of one image may have: 1 MiB of float32, an L2 cache.
LIMIT = 262144


# ---- 1. premultiply ---------------------------------------------------------------------------------


def premultiply(array: str, factor: str, extents: Sequence[L.Expr], like: str) -> Pass:
    """The pass reading each product ``array[k…]·factor[s…]`` (every index of ``factor`` one of
    ``array``'s indices, a loop index) as ``_kt[k…]``, a copy of ``array`` (of shape ``extents``,
    ``like``'s dtype) with ``factor`` multiplied in, filled once before the kernel's loops."""

    def run(kernel: L.Kernel) -> L.Kernel:
        where: set[tuple[int, ...]] = set()

        def visit(n: L.Node) -> L.Node:
            if not isinstance(n, L.Mul):
                return n
            fs = list(n.factors)
            ours = [k for k, f in enumerate(fs) if isinstance(f, L.Load) and f.array == array]
            theirs = [k for k, f in enumerate(fs) if isinstance(f, L.Load) and f.array == factor]
            if len(ours) != 1 or len(theirs) != 1:
                return n
            mine, other = fs[ours[0]], fs[theirs[0]]
            if not all(isinstance(e, L.Var) and e in mine.index for e in other.index):
                raise ValueError(f"{kernel.name}: {factor} is read at an index {array} is not")
            where.add(tuple(mine.index.index(e) for e in other.index))
            fs[ours[0]] = L.Load(WEIGHTS, mine.index)
            del fs[theirs[0]]
            return fs[0] if len(fs) == 1 else L.Mul(tuple(fs))

        body = L.rewrite(kernel.body, visit)
        if len(where) != 1:
            raise ValueError(f"{kernel.name}: no product of {array} and {factor} (or several kinds)")
        (axes,) = where
        if any(isinstance(n, L.Load) and n.array in (array, factor) for n in L.walk(L.Kernel("", (), body))):
            raise ValueError(f"{kernel.name}: {array} or {factor} is read outside the products")
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        at = [L.Var(fresh(f"_k{k}", taken)) for k in range(len(extents))]
        fill: L.Stmt = L.Assign(L.Load(WEIGHTS, tuple(at)),
                                L.Mul((L.Load(array, tuple(at)), L.Load(factor, tuple(at[k] for k in axes)))))
        for k in reversed(range(len(extents))):
            fill = L.Loop(at[k].name, L.Int(0), extents[k], (fill,))
        local = L.Local(WEIGHTS, tuple(extents), like, zeroed=False)
        return dataclasses.replace(kernel, body=(local, fill, *body))

    return run


# ---- 2. shifted ---------------------------------------------------------------------------------------


def shifted(array: str, extents: Sequence[L.Expr], like: str, slack: int, loop: str, position: str) -> Pass:
    """The pass reading ``array[n, …, r, b + x]`` (``n`` the index of ``loop``; ``x`` the loop over
    ``position``, from 0, a row's positions; ``b`` another loop from 0, a column of taps) from one copy
    of the iteration's slice per value of ``b``, rows ``WIDTH`` = the trips of ``x`` wide:
    ``_xp[…, b, WIDTH·r + x]``, ``slack`` zeros past the last row (a block of positions may read
    past it: :func:`.block.register_block`). Refused where ``b + x`` could leave the array's row."""

    def run(kernel: L.Kernel) -> L.Kernel:
        outer = only_loop(kernel, loop)
        reads = loads(outer, array)
        if not reads or any(r.index[0] != L.Var(loop) or len(r.index) != len(extents) for r in reads):
            raise ValueError(f"{kernel.name}: {array} is not read per iteration of {loop}")
        nest = {n.index: n for n in L.walk(outer) if isinstance(n, L.Loop)}
        pairs = {_pair(r.index[-1], nest, position) for r in reads}
        if len(pairs) != 1 or None in pairs:
            raise ValueError(f"{kernel.name}: {array}'s last index is not one column of taps plus positions")
        ((x, b),) = pairs
        if any(set(L.names(r.index[-2])) & {x, b} for r in reads):
            raise ValueError(f"{kernel.name}: {array}'s row depends on its column's loops")
        for lp in (nest[x], nest[b]):
            if lp.start != L.Int(0) or lp.step != L.Int(1) or L.names(lp.stop) & set(nest):
                raise ValueError(f"{kernel.name}: the loop over {lp.index} does not run from 0 over a "
                                 "fixed range")
        ranges = {x: (L.Int(0), nest[x].stop), b: (L.Int(0), nest[b].stop)}
        last = L.minus(extents[-1], L.Int(1))
        past = extreme(L.minus(L.Add((L.Var(b), L.Var(x))), last), ranges, low=False)
        if past and (set(past) != {""} or past[""] > 0):
            raise ValueError(f"{kernel.name}: {b} + {x} may leave {array}'s rows")
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        copy = [L.Var(fresh(f"_c{d}", taken)) for d in range(len(extents))]
        *middle, shift, row, column = copy

        def flat(r: L.Expr, c: L.Expr) -> L.Expr:
            return L.Add((L.Mul((L.Var(WIDTH), r)), c))

        fill: L.Stmt = L.Assign(L.Load(BUFFER, (*middle, shift, flat(row, column))),
                                L.Load(array, (L.Var(loop), *middle, row, L.Add((shift, column)))))
        for var, stop in reversed(tuple(zip(copy, (*extents[1:-2], nest[b].stop, extents[-2], L.Var(WIDTH)),
                                            strict=True))):
            fill = L.Loop(var.name, L.Int(0), stop, (fill,))
        size = L.Add((L.Mul((extents[-2], L.Var(WIDTH))), L.Int(slack)))
        buffer = L.Local(BUFFER, (*extents[1:-2], nest[b].stop, size), like)

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Load) and n.array == array:
                return L.Load(BUFFER, (*n.index[1:-2], L.Var(b), flat(n.index[-2], L.Var(x))))
            return n

        body = (buffer, fill, *L.rewrite(outer.body, visit))
        rest = replaced(kernel.body, outer, L.with_body(outer, body))
        return dataclasses.replace(kernel, body=(L.Assign(L.Var(WIDTH), nest[x].stop), *rest))

    return run


def _pair(e: L.Expr, nest: Mapping[str, L.Loop], position: str) -> tuple[str, str] | None:
    """``(position, b)`` where ``e`` is ``b + position``, both loop indices; else ``None``."""
    form = L.affine(e, frozenset(nest))
    if form is None or form.offset != L.Int(0) or len(form.coeffs) != 2 \
            or any(c != L.Int(1) for _, c in form.coeffs) or position not in dict(form.coeffs):
        return None
    (other,) = set(dict(form.coeffs)) - {position}
    return position, other


def first(local: str) -> Pass:
    """The pass moving the allocation of ``local`` and the loop that fills it (statements of the
    kernel's body) to its start: :func:`premultiply`'s copy, which :func:`.block.pack` reads."""

    def run(kernel: L.Kernel) -> L.Kernel:
        moved = [s for s in kernel.body if (isinstance(s, L.Local) and s.name == local)
                 or (isinstance(s, L.Loop) and L.written(s) == {local})]
        if len(moved) != 2:
            raise ValueError(f"{kernel.name}: no allocation and fill of {local} at its top level")
        return dataclasses.replace(kernel, body=(*moved, *(s for s in kernel.body if s not in moved)))

    return run


# ---- the schedule -------------------------------------------------------------------------------------


def valid_outer_product(tree: L.Kernel, shapes: Mapping[str, Sequence[L.Expr]], maps: int, positions: int,
                        name: str) -> Blocked | None:
    """The plain nest ``tree`` of ``target[n, j, y, x] = c + Σ_{i, a, b} w·t·X[n, i, a + y, b + x]``
    (``t`` a factor of weight indices, ``X`` read without clipping) blocked by ``maps × positions`` as
    kernel ``name``: :func:`premultiply`, :func:`shifted`, :func:`.block.flatten`,
    :func:`.block.register_block` (twice: the blocks, then the maps left over), :func:`.block.pack`,
    :func:`.block.parallel`, :func:`.block.unsigned` in turn; ``None`` where the tree is not of that
    shape (a pass refuses it)."""
    try:
        outer = tree.body[0] if len(tree.body) == 1 else None
        if not isinstance(outer, L.Loop) or len(outer.body) != 1 or not isinstance(outer.body[0], L.Loop):
            return None
        maps_loop = outer.body[0]
        stores = stored(tree)
        sums = products(tree)
        if len(stores) != 1 or len(sums) != 1 or len(sums[0].value.factors) != 3 \
                or not all(isinstance(f, L.Load) for f in sums[0].value.factors):
            return None
        target = stores[0].target.array
        inp = next((f for f in sums[0].value.factors if f.index[0] == L.Var(outer.index)), None)
        rest = [f for f in sums[0].value.factors if f is not inp]
        if inp is None or len(rest) != 2:
            return None
        weights, table = sorted(rest, key=lambda f: -len(f.index))
        kernel = premultiply(weights.array, table.array, shapes[weights.array], target)(tree)
        column = stores[0].target.index[-1]
        if not isinstance(column, L.Var):
            return None
        kernel = shifted(inp.array, shapes[inp.array], target, positions, outer.index, column.name)(kernel)
        kernel = stage(target, target, positions)(flatten()(kernel))
        position = next(n.body[0].index for n in L.walk(kernel)
                        if isinstance(n, L.Loop) and n.index == maps_loop.index)
        for step in (register_block(maps_loop.index, maps, position, positions, target, (STAGE,)),
                     register_block(maps_loop.index, 1, position, positions, target, (STAGE,), leftover=True),
                     pack(WEIGHTS, shapes[weights.array], maps_loop.index, maps, target),
                     parallel(outer.index), unsigned(BUFFER), unsigned(STAGE), first(WEIGHTS)):
            kernel = step(kernel)
        nest = {n.index: n for n in L.walk(tree) if isinstance(n, L.Loop)}
        free = L.names(stores[0].target)
        stops = tuple(lp.stop for index, lp in nest.items() if index not in free)
        depth = L.Mul(stops) if len(stops) > 1 else stops[0]  # the products a point
        x, b = _pair(inp.index[-1], nest, column.name)  # one image's copies: maps, taps, rows, width
        copies = L.Mul((*shapes[inp.array][1:-1], nest[b].stop, nest[x].stop))
        conds = (L.Cmp(">=", maps_loop.stop, L.Int(maps)), L.Cmp(">=", depth, L.Int(MIN_DEPTH)),
                 L.Cmp("<=", copies, L.Int(LIMIT)))
        return Blocked(dataclasses.replace(kernel, name=name), conds,
                       "a valid convolution's long contraction: register-blocked outer products")
    except (ValueError, KeyError, StopIteration, TypeError):
        return None
