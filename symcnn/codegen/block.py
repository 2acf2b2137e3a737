"""The register-blocked outer product, as passes over the loop tree [B7], [B12].

A convolution whose contraction is short (a 3×3 'same' one over 16 or 32
maps: 144–288 products a point) spends its time loading operands, not
multiplying them, when each point sums on its own. Blocked, ``maps`` output
maps × ``positions`` consecutive output positions are summed at once into
``maps·positions`` named scalars that LLVM keeps in vector registers: a step
of the contraction loads ``maps`` weights (one vector, packed contiguous) and
``positions`` inputs (each broadcast), and does ``maps·positions``
multiply-adds. Each pass below is a ``Kernel → Kernel`` function that reads
the tree's loops and affine accesses and refuses (``ValueError``) a tree not
of the shape it needs; :func:`outer_product` composes them:

1. :func:`pad` copies the input's slice of one image into a zero-filled
   buffer with a border and its rows flattened (``width`` elements a row);
   the sum's loops, clipped to keep the read inside the input, run over
   their whole range, reading zeros outside (the border holds them).
2. :func:`flatten` fuses the two position loops ``y < H``, ``x < W`` into one
   over ``f = width·y + x < H·width``: the reads of the flattened buffer
   become ``… + f``, unit stride; the ``width - W`` positions past a row's
   end read the border and are computed but never stored.
   :func:`stage` stores the points into a flat buffer at ``[j, f]`` instead, with
   no guard, and copies its rows into the target after the map loop: a block's
   points then go to memory a vector at a time, not one guarded scalar each.
3. :func:`register_block` strip-mines the map loop by ``maps`` and the
   position loop by ``positions`` and jams the copies: one accumulator and
   one store per copy, each distinct array read once a step into a scalar.
   Map blocks left over run the unblocked nest.
4. :func:`pack` gathers the weights of each block of ``maps`` maps so that
   the ``maps`` a step reads are contiguous: ``K[i, j + u, a, b]`` is read as
   ``_kp[j // maps, i, a, b, u]``.
5. :func:`parallel` runs the image loop across threads.
6. :func:`unsigned` marks the buffer's index non-negative (as :func:`pad`
   made it), so that Numba reads it with no wrap-around test, which would
   keep LLVM from loading a block's positions as one vector.

Numba compiles the result with LLVM's SLP vectoriser on
(:mod:`symcnn.support.vector`), which packs the named scalars into vector
registers and fused multiply-adds.

Additions into each output point run in the order the plain nest runs them,
so the block differs from ``--schedule plain`` by round-off only where the
compiler contracts a multiply and an add into one FMA.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import loops as L
from .passes import Pass, fresh

__all__ = ["BUFFER", "PACKED", "STAGE", "WIDTH", "extreme", "flatten", "pack", "pad", "parallel", "products",
           "register_block", "stage", "stored"]

#: The padded, flattened input buffer; its row length; the packed weights; the flat output buffer.
BUFFER, WIDTH, PACKED, STAGE = "_xp", "_wp", "_kp", "_up"


# ---- integer linear forms: the bounds and pads of a padded read, simplified -------------------------


def linear(e: L.Expr) -> dict[str, int] | None:
    """``e`` as ``{name: coefficient, "": constant}`` where it is an integer linear form of names."""
    if isinstance(e, L.Int):
        return {"": e.value}
    if isinstance(e, L.Var):
        return {e.name: 1}
    if isinstance(e, L.Add):
        out: dict[str, int] = {}
        for t in e.terms:
            part = linear(t)
            if part is None:
                return None
            for k, v in part.items():
                out[k] = out.get(k, 0) + v
        return out
    if isinstance(e, L.Mul) and len(e.factors) == 2 and isinstance(e.factors[0], L.Int):
        part = linear(e.factors[1])
        return None if part is None else {k: e.factors[0].value * v for k, v in part.items()}
    return None


def expr(form: Mapping[str, int]) -> L.Expr:
    """The expression of a linear form (names in sorted order, the constant last)."""
    terms: list[L.Expr] = [L.times(L.Int(c), L.Var(n)) for n, c in sorted(form.items()) if n and c]
    if form.get(""):
        terms.append(L.Int(form[""]))
    return L.Int(0) if not terms else terms[0] if len(terms) == 1 else L.Add(tuple(terms))


def simplified(e: L.Expr) -> L.Expr:
    """``e`` with like terms combined where it is an integer linear form, else as it is."""
    form = linear(e)
    return e if form is None else expr(form)


def extreme(e: L.Expr, ranges: Mapping[str, tuple[L.Expr, L.Expr]], low: bool) -> dict[str, int]:
    """The least (``low``) or greatest value of ``e`` over ``ranges`` (``index: (start, stop)``), as a
    linear form of the sizes; ``e`` must be linear in the indices with integer coefficients."""
    form = linear(e)
    if form is None:
        raise ValueError(f"{e} is not an integer linear form")
    out: dict[str, int] = {k: v for k, v in form.items() if k not in ranges}
    for index, c in form.items():
        if index not in ranges or c == 0:
            continue
        start, stop = ranges[index]
        end = linear(start if (c > 0) == low else L.minus(stop, L.Int(1)))
        if end is None:
            raise ValueError(f"the range of {index} is not linear in the sizes")
        for k, v in end.items():
            out[k] = out.get(k, 0) + c * v
    return {k: v for k, v in out.items() if v}


# ---- tree helpers -----------------------------------------------------------------------------------


def stored(tree: L.Node) -> list[L.Assign]:
    """Every store into an array in ``tree``."""
    return [n for n in L.walk(tree) if isinstance(n, L.Assign) and isinstance(n.target, L.Load)]


def products(tree: L.Node) -> list[L.Accumulate]:
    """Every sum of a product in ``tree``: the contraction's updates."""
    return [n for n in L.walk(tree) if isinstance(n, L.Accumulate) and isinstance(n.value, L.Mul)]


def loads(node: L.Node | tuple[L.Node, ...], array: str) -> list[L.Load]:
    """Every read of ``array`` in ``node``."""
    nodes = node if isinstance(node, tuple) else (node,)
    return [n for s in nodes for n in L.walk(s) if isinstance(n, L.Load) and n.array == array]


def _loops(node: L.Node) -> list[L.Loop]:
    return [n for n in L.walk(node) if isinstance(n, L.Loop)]


def _unclipped(loop: L.Loop, indices: frozenset[str]) -> tuple[L.Expr, L.Expr] | None:
    """The range of a loop clipped by ``max(lo, …)`` and ``min(hi, …) + 1`` with the parts that
    depend on other loops' indices dropped; ``None`` for a loop that is not clipped."""
    start, stop = loop.start, loop.stop
    if isinstance(start, L.Call) and start.fn == "max":
        kept = [a for a in start.args if not L.names(a) & indices]
        start = kept[0] if len(kept) == 1 else start
    if isinstance(stop, L.Add) and len(stop.terms) == 2 and stop.terms[1] == L.Int(1) \
            and isinstance(stop.terms[0], L.Call) and stop.terms[0].fn == "min":
        kept = [a for a in stop.terms[0].args if not L.names(a) & indices]
        stop = L.plus(kept[0], L.Int(1)) if len(kept) == 1 else stop
    return None if (start, stop) == (loop.start, loop.stop) else (start, stop)


def _integral(e: L.Expr) -> bool:
    """Whether ``e`` is an index expression: integers and names under sums, products, floor divisions."""
    return all(isinstance(n, (L.Int, L.Var, L.Add, L.Mul, L.FloorDiv)) for n in L.walk(e))


def joined(n: L.Node) -> L.Node:
    """An integer sum (product) with its inner sums' terms (products' factors) joined in
    (``a + (b + 1)`` → ``a + b + 1``); a float sum keeps its grouping, which fixes its order of additions."""
    for kind, parts in ((L.Add, "terms"), (L.Mul, "factors")):
        if isinstance(n, kind) and _integral(n) and any(isinstance(t, kind) for t in getattr(n, parts)):
            inner = tuple(u for t in getattr(n, parts)
                          for u in (getattr(t, parts) if isinstance(t, kind) else (t,)))
            return L.fold_constants(kind(inner))
    return n


def only_loop(kernel: L.Kernel, index: str) -> L.Loop:
    """The one loop over ``index`` in ``kernel``; ``ValueError`` where there is none or more than one."""
    found = [n for n in L.walk(kernel) if isinstance(n, L.Loop) and n.index == index]
    if len(found) != 1:
        raise ValueError(f"{kernel.name}: {len(found)} loops over {index}, not one")
    return found[0]


def replaced(body: tuple[L.Stmt, ...], old: L.Stmt, new: L.Stmt) -> tuple[L.Stmt, ...]:
    """``body`` with the statement ``old`` (by identity, at any depth) replaced by ``new``."""
    return L.splice(body, lambda s: (new,) if s is old else None)


def _outer(kernel: L.Kernel) -> L.Loop:
    if len(kernel.body) != 1 or not isinstance(kernel.body[0], L.Loop):
        raise ValueError(f"{kernel.name}: not one loop nest")
    return kernel.body[0]


# ---- 1. pad -------------------------------------------------------------------------------------------


def pad(array: str, extents: Sequence[L.Expr], like: str, slack: int, loop: str | None = None) -> Pass:
    """The pass reading ``array`` (of shape ``extents``; its first index the outermost loop's, or that
    of the loop over ``loop`` where given) from a zero-bordered copy of one iteration's slice, rows
    flattened, instead of through clipped loops.

    The copy, :data:`BUFFER`, holds ``array[n, …, y, x]`` at ``[…, WIDTH·(y + top) + x + left]``,
    zeros around it: ``WIDTH`` is a row and one band of zeros that ends it and starts the next row
    (``left`` wide where ``left`` and ``right`` are the same, else both), the border read off the
    extremes of the reads over the loops' unclipped ranges, then a row of zeros and ``slack`` more
    (so that a block of ``slack`` positions may run past the last row: :func:`register_block`); it
    has ``like``'s dtype. Every
    loop whose clip keeps a read of ``array`` in bounds runs over its whole range: the reads it adds
    are zeros.
    """

    def run(kernel: L.Kernel) -> L.Kernel:
        outer = _outer(kernel) if loop is None else only_loop(kernel, loop)
        reads = loads(outer, array)
        if not reads or any(r.index[0] != L.Var(outer.index) or len(r.index) != len(extents) for r in reads):
            raise ValueError(f"{kernel.name}: {array} is not read per iteration of the outer loop")
        indices = frozenset(lp.index for lp in _loops(outer))
        ranges = {lp.index: (lp.start, lp.stop) for lp in _loops(outer)}
        clipped = {}
        for lp in _loops(outer):
            full = _unclipped(lp, indices)
            if full is not None and any(lp.index in L.names(i) for r in reads for i in r.index[-2:]):
                clipped[lp.index], ranges[lp.index] = full, full
        if not clipped:
            raise ValueError(f"{kernel.name}: no loop is clipped to {array}'s bounds")
        border = set()
        for r in reads:
            b = []
            for e, extent in zip(r.index[-2:], extents[-2:], strict=True):
                low = extreme(e, ranges, low=True)
                high = extreme(L.minus(e, L.minus(extent, L.Int(1))), ranges, low=False)
                b.append((expr({k: -v for k, v in low.items()}), expr(high)))
            border.add(tuple(b))
        if len(border) != 1:
            raise ValueError(f"{kernel.name}: the reads of {array} need different borders")
        ((top, bottom), (left, right)), = border
        band = left if left == right else L.Add((left, right))  # one band of zeros ends a row, starts one
        width = simplified(L.Add((extents[-1], band)))
        rows = simplified(L.Add((extents[-2], top, bottom)))

        def flat(y: L.Expr, x: L.Expr) -> L.Expr:
            row, column = simplified(L.Add((y, top))), simplified(L.Add((x, left)))
            return joined(L.Add((L.Mul((L.Var(WIDTH), row)), column)))

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Loop) and n.index in clipped:
                return dataclasses.replace(n, start=clipped[n.index][0], stop=clipped[n.index][1])
            if isinstance(n, L.Load) and n.array == array:
                return L.Load(BUFFER, (*n.index[1:-2], flat(*n.index[-2:])))
            return n

        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        copy = [fresh(f"_c{d}", taken) for d in range(len(extents) - 1)]
        fill: L.Stmt = L.Assign(
            L.Load(BUFFER, (*map(L.Var, copy[:-2]), flat(L.Var(copy[-2]), L.Var(copy[-1])))),
            L.Load(array, (L.Var(outer.index), *map(L.Var, copy))))
        for name, extent in reversed(tuple(zip(copy, extents[1:], strict=True))):
            fill = L.Loop(name, L.Int(0), extent, (fill,))
        size = L.Add((L.Mul((simplified(L.plus(rows, L.Int(1))), L.Var(WIDTH))), L.Int(slack)))
        buffer = L.Local(BUFFER, (*extents[1:-2], size), like)
        body = (buffer, fill, *L.rewrite(outer.body, visit))
        rest = replaced(kernel.body, outer, L.with_body(outer, body))
        return dataclasses.replace(kernel, body=(L.Assign(L.Var(WIDTH), width), *rest))

    return run


# ---- 2. flatten ---------------------------------------------------------------------------------------


def flatten(buffer: str | tuple[str, ...] = BUFFER, width: str = WIDTH) -> Pass:
    """The pass fusing the two perfectly nested loops ``y``, ``x`` (both from 0) whose indices the reads
    of ``buffer`` (or of each of several) take as ``width·y + x`` into one loop over
    ``f = width·y + x``, ``f < Y·width``.

    ``y`` and ``x`` become locals of ``f`` (where anything still reads them); the reads of ``buffer``
    read at ``f``; a store into an array is guarded by ``x < X``, so the positions past a row's end are
    computed and dropped. Refused where another array's read depends on ``y`` or ``x`` (it could run
    out of bounds there).
    """
    buffers = (buffer,) if isinstance(buffer, str) else buffer

    def visit_all(kernel: L.Kernel) -> L.Kernel:
        done = []

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Loop) and _fusable(n, buffers, width):
                done.append(n.index)
                return _fused(n, buffers, width, taken)
            return n

        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        out = L.rewrite(kernel, visit)
        if not done:
            raise ValueError(f"{kernel.name}: no two loops read {', '.join(buffers)} as {width}·y + x")
        return out

    return visit_all


def _fusable(loop: L.Loop, buffers: tuple[str, ...], width: str) -> bool:
    if len(loop.body) != 1 or not isinstance(loop.body[0], L.Loop):
        return False
    inner = loop.body[0]
    if loop.start != L.Int(0) or inner.start != L.Int(0) or loop.step != L.Int(1) or inner.step != L.Int(1):
        return False
    y, x = loop.index, inner.index
    reads = [r for b in buffers for r in loads(inner.body, b)]
    if not reads or not all(loads(inner.body, b) for b in buffers):
        return False
    for r in reads:
        form = L.affine(r.index[-1], {y, x})
        if form is None or form.coeff(y) != L.Var(width) or form.coeff(x) != L.Int(1):
            return False
    nodes = [n for s in inner.body for n in L.walk(s)]
    stored = {id(n.target) for n in nodes if isinstance(n, (L.Assign, L.Accumulate))}
    return not any(isinstance(n, L.Load) and n.array not in buffers and id(n) not in stored
                   and L.names(n) & {y, x} for n in nodes)


def _fused(loop: L.Loop, buffers: tuple[str, ...], width: str, taken: set[str]) -> L.Loop:
    inner = loop.body[0]
    y, x, f = loop.index, inner.index, fresh("_f", taken)
    at = {y: L.Int(0), x: L.Var(f)}

    def visit(n: L.Node) -> L.Node:
        if isinstance(n, L.Load) and n.array in buffers:
            return L.Load(n.array, (*n.index[:-1], L.fold(L.substitute(n.index[-1], at))))
        if isinstance(n, (L.Assign, L.Accumulate)) and isinstance(n.target, L.Load):
            return L.If((L.Cmp("<", L.Var(x), inner.stop),), (n,))
        return n

    body = L.rewrite(inner.body, visit)
    used = frozenset().union(*(L.names(s) for s in body))
    head = (L.Assign(L.Var(y), L.FloorDiv(L.Var(f), L.Var(width))),
            L.Assign(L.Var(x), L.minus(L.Var(f), L.times(L.Var(width), L.Var(y)))))
    head = head if used & {y, x} else ()  # no guard and no other read needs the row or column
    stop = L.Mul((simplified(loop.stop), L.Var(width)))
    return L.Loop(f, L.Int(0), stop, (*head, *body))


# ---- 2b. stage ----------------------------------------------------------------------------------------


def stage(array: str, like: str, slack: int, width: str = WIDTH) -> Pass:
    """The pass storing the points of ``array`` that a loop fused by :func:`flatten` computes into a
    flat buffer, :data:`STAGE`, at ``[j, f]`` (``j`` the enclosing loop's index), with no guard, and
    copying its rows into ``array`` after that loop, ``X`` points a row.

    Stored where :func:`flatten` left them, a block's points go one scalar at a time, each behind a
    test of its column (and its row and column computed by a division); stored side by side, they
    go a vector at a time. The buffer holds ``slack`` points past the last row, so that a block of
    ``slack`` positions (:func:`register_block`) may store past it; ``like``'s dtype, not zeroed
    (every point the copy reads is stored first). Refused where ``array`` is not stored, alone and
    guarded by its column, in a loop over ``f = width·y + x`` that is the whole body of a loop from 0.
    """

    def run(kernel: L.Kernel) -> L.Kernel:
        found = [n for n in L.walk(kernel) if isinstance(n, L.Loop) and len(n.body) == 1
                 and isinstance(n.body[0], L.Loop) and _staged_store(n.body[0], array, width)]
        if len(found) != 1 or found[0].start != L.Int(0):
            raise ValueError(f"{kernel.name}: {array} is not stored once from a loop over {width}·y + x")
        maps = found[0]
        positions = maps.body[0]
        guard = _staged_store(positions, array, width)
        rows = _rows(positions.stop, width)
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        j, y, x = maps.index, *(s.target.name for s in positions.body[:2])
        (column,), (store,) = guard.conds, guard.body
        flat = L.Load(STAGE, (L.Var(j), L.Var(positions.index)))
        body = L.splice(positions.body, lambda s: (L.Assign(flat, store.value),) if s is guard else None)
        if not frozenset().union(*(L.names(s) for s in body[2:])) & {y, x}:
            body = body[2:]  # the row and column were read only by the store's index and guard
        c = [fresh(f"_s{k}", taken) for k in range(3)]
        at = {j: L.Var(c[0]), y: L.Var(c[1]), x: L.Var(c[2])}
        copy: L.Stmt = L.Assign(
            L.rewrite(store.target, lambda n: at.get(n.name, n) if isinstance(n, L.Var) else n),
            L.Load(STAGE, (L.Var(c[0]), joined(L.Add((L.Mul((L.Var(width), L.Var(c[1]))), L.Var(c[2])))))))
        for index, stop in reversed(tuple(zip(c, (maps.stop, rows, column.right), strict=True))):
            copy = L.Loop(index, L.Int(0), stop, (copy,))
        size = L.Add((L.Mul((rows, L.Var(width))), L.Int(slack)))
        new = (L.Local(STAGE, (maps.stop, size), like, zeroed=False),
               L.with_body(maps, (L.with_body(positions, body),)), copy)
        return dataclasses.replace(kernel, body=L.splice(kernel.body, lambda s: new if s is maps else None))

    return run


def _staged_store(loop: L.Loop, array: str, width: str) -> L.If | None:
    """The one guarded store of ``array`` at the end of a loop :func:`flatten` fused (its row and
    column computed first), or ``None``."""
    body = loop.body
    if len(body) < 3 or not all(isinstance(s, L.Assign) and isinstance(s.target, L.Var) for s in body[:2]):
        return None
    y, x = body[0].target.name, body[1].target.name
    if body[0].value != L.FloorDiv(L.Var(loop.index), L.Var(width)):
        return None
    last = body[-1]
    if not (isinstance(last, L.If) and len(last.conds) == 1 and len(last.body) == 1
            and last.conds[0] == L.Cmp("<", L.Var(x), last.conds[0].right)):
        return None
    store = last.body[0]
    if not (isinstance(store, L.Assign) and isinstance(store.target, L.Load) and store.target.array == array
            and store.target.index[-2:] == (L.Var(y), L.Var(x))):
        return None
    others = [n for s in body[2:-1] for n in L.walk(s)
              if isinstance(n, (L.Assign, L.Accumulate)) and isinstance(n.target, L.Load)]
    return None if others else last


def _rows(stop: L.Expr, width: str) -> L.Expr:
    """The rows of a fused loop's ``rows·width`` stop."""
    if isinstance(stop, L.Mul) and L.Var(width) in stop.factors:
        rest = list(stop.factors)
        rest.remove(L.Var(width))
        return rest[0] if len(rest) == 1 else L.Mul(tuple(rest))
    raise ValueError(f"the fused loop's stop {stop} is not rows·{width}")


# ---- 3. register block --------------------------------------------------------------------------------


def register_block(outer: str, maps: int, inner: str, positions: int, like: str,
                   slack: tuple[str, ...] = (), leftover: bool = False) -> Pass:
    """The pass blocking ``for outer: for inner: body`` by ``maps × positions`` into scalars.

    The ``outer`` loop steps by ``maps`` over its whole blocks (the rest run the nest as it was); the
    ``inner`` loop steps by ``positions`` and may run past its end: a store of a copy past it is
    guarded, a read is not (the buffer it reads must hold the slack, as :func:`pad` leaves). Each
    local of ``body`` (accumulators and the locals of ``inner``) gets one copy per block element it
    depends on, named ``<local>_<u>_<v>``, ``like``'s dtype; statements around the contraction run
    once per copy; in the contraction's innermost loop every distinct array read of the copies is
    loaded once into a scalar, then each copy's update runs. A store into an array of ``slack``
    (which holds ``positions`` points past the inner loop's end: :func:`stage`) is not guarded. With
    ``leftover`` only the loop over ``outer`` that does not start at 0 is blocked: the maps an earlier
    block of more left over.
    """

    def run(kernel: L.Kernel) -> L.Kernel:
        done = []

        def replace(n: L.Stmt) -> tuple[L.Stmt, ...] | None:
            if isinstance(n, L.Loop) and n.index == outer and len(n.body) == 1 \
                    and isinstance(n.body[0], L.Loop) and n.body[0].index == inner \
                    and (n.start != L.Int(0) or not leftover):
                done.append(n)
                return _Blocker(n, maps, positions, like, taken, slack).blocked()
            return None

        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        out = dataclasses.replace(kernel, body=L.splice(kernel.body, replace))
        if not done:
            raise ValueError(f"{kernel.name}: no loop over {inner} is the whole body of one over {outer}")
        return out

    return run


class _Blocker:
    """One ``outer × inner`` nest, blocked: copies named by the block indices each depends on."""

    def __init__(self, loop: L.Loop, maps: int, positions: int, like: str, taken: set[str],
                 slack: tuple[str, ...] = ()):
        self.loop, self.inner, self.slack = loop, loop.body[0], slack
        self.o, self.i = loop.index, self.inner.index
        self.maps, self.positions, self.like, self.taken = maps, positions, like, taken
        body = self.inner.body
        self.locals = {s.name for s in body if isinstance(s, L.Local)} | {
            s.target.name for s in body if isinstance(s, L.Assign) and isinstance(s.target, L.Var)}
        self.deps: dict[str, frozenset[str]] = dict.fromkeys(self.locals, frozenset())
        updates = [n for b in body for n in L.walk(b) if isinstance(n, (L.Assign, L.Accumulate))
                   and isinstance(n.target, L.Var) and n.target.name in self.locals]
        changed = True
        while changed:  # which block indices each local depends on, to a fixed point
            changed = False
            for s in updates:
                new = self.deps[s.target.name] | self._uses(s.value) | self._enclosing(body, s)
                if new != self.deps[s.target.name]:
                    self.deps[s.target.name], changed = new, True

    def _uses(self, e: L.Node) -> frozenset[str]:
        found = L.names(e)
        out = frozenset({self.o, self.i} & found)
        for name in found & set(self.deps):
            out |= self.deps[name]
        return out

    def _enclosing(self, body: tuple[L.Stmt, ...], s: L.Stmt) -> frozenset[str]:
        """The block indices the bounds and guards around statement ``s`` read."""
        out: frozenset[str] = frozenset()
        for b in body:
            for n in L.walk(b):
                if isinstance(n, (L.Loop, L.If)) and any(m is s for m in L.walk(n)) and n is not s:
                    parts = (n.start, n.stop, n.step) if isinstance(n, L.Loop) else n.conds
                    out |= frozenset().union(*(self._uses(p) for p in parts))
        return out

    def copies(self, deps: frozenset[str]) -> list[tuple[int, int]]:
        us = range(self.maps) if self.o in deps else (0,)
        vs = range(self.positions) if self.i in deps else (0,)
        return [(u, v) for u in us for v in vs]

    def rename(self, node, u: int, v: int):
        """``node`` as block copy ``(u, v)``: the block indices shifted, each local renamed."""
        values: dict[str, L.Expr] = {self.o: L.plus(L.Var(self.o), L.Int(u)),
                                     self.i: L.plus(L.Var(self.i), L.Int(v))}
        for name, deps in self.deps.items():
            values[name] = L.Var(self._name(name, deps, u, v))

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Local) and n.name in self.deps:
                return L.Local(self._name(n.name, self.deps[n.name], u, v), n.shape, self.like)
            if isinstance(n, L.Var) and n.name in values:
                return values[n.name]
            return n

        return L.fold(L.rewrite(L.rewrite(node, visit), joined))

    def _name(self, name: str, deps: frozenset[str], u: int, v: int) -> str:
        suffix = (f"_{u}" if self.o in deps else "") + (f"_{v}" if self.i in deps else "")
        return f"{name}{suffix}" if suffix else name

    def blocked(self) -> tuple[L.Stmt, ...]:
        lp, inner = self.loop, self.inner
        trips = L.minus(lp.stop, lp.start)
        split_value = L.plus(lp.start, L.times(L.FloorDiv(trips, L.Int(self.maps)), L.Int(self.maps)))
        split = fresh(f"_{self.o}_split", self.taken)
        out: list[L.Stmt] = []
        for s in inner.body:
            out += self._statement(s)
        block = L.Loop(self.i, inner.start, inner.stop, tuple(out), step=L.Int(self.positions))
        main = L.Loop(self.o, lp.start, L.Var(split), (block,), step=L.Int(self.maps), kind=lp.kind)
        rest = L.Loop(self.o, L.Var(split), lp.stop, lp.body, kind=lp.kind)
        return (L.Assign(L.Var(split), split_value), main, rest)

    def _statement(self, s: L.Stmt) -> list[L.Stmt]:
        if isinstance(s, L.Loop) and not self._stores(s):  # the contraction: one nest, jammed inside
            return [self._jammed(s)]
        deps = self._deps_of(s)
        out = []
        for u, v in self.copies(deps):
            copy = self.rename(s, u, v)
            if self._stores(s, self.slack) and v:  # a copy past the inner loop's end stores nothing
                within = L.Cmp("<", L.plus(L.Var(self.i), L.Int(v)), self.inner.stop)
                copy = L.If((within, *copy.conds), copy.body) if isinstance(copy, L.If) \
                    else L.If((within,), (copy,))
            out.append(copy)
        return out

    def _deps_of(self, s: L.Stmt) -> frozenset[str]:
        if isinstance(s, L.Local):
            return self.deps.get(s.name, frozenset())
        out = self._uses(s)
        for n in L.walk(s):
            if isinstance(n, (L.Assign, L.Accumulate)) and isinstance(n.target, L.Var) \
                    and n.target.name in self.deps:
                out |= self.deps[n.target.name]
        return out

    @staticmethod
    def _stores(s: L.Stmt, slack: tuple[str, ...] = ()) -> bool:
        """Whether ``s`` stores into an array (one not of ``slack``)."""
        return any(isinstance(n, (L.Assign, L.Accumulate)) and isinstance(n.target, L.Load)
                   and n.target.array not in slack for n in L.walk(s))

    def _jammed(self, nest: L.Loop) -> L.Loop:
        """The contraction nest once, its innermost body the copies' updates, each read loaded once."""
        if len(nest.body) == 1 and isinstance(nest.body[0], L.Loop):
            return L.with_body(nest, (self._jammed(nest.body[0]),))
        if not all(isinstance(s, L.Accumulate) and isinstance(s.target, L.Var) for s in nest.body):
            raise ValueError(f"the contraction over {nest.index} is not a perfect nest of sums into locals")
        deps = frozenset().union(*(self._deps_of(s) for s in nest.body))
        updates = [self.rename(s, u, v) for u, v in self.copies(deps) for s in nest.body]
        named: dict[L.Load, L.Var] = {}
        for s in updates:
            for n in L.walk(s.value):
                if isinstance(n, L.Load):
                    named.setdefault(n, L.Var(""))
        arrays = list(dict.fromkeys(load.array for load in named))  # each array's reads together
        order = sorted(named, key=lambda r: arrays.index(r.array))
        named = {load: L.Var(fresh("_r", self.taken)) for load in order}
        head = [L.Assign(var, load) for load, var in named.items()]
        body = [L.rewrite(s, lambda n: named.get(n, n) if isinstance(n, L.Load) else n) for s in updates]
        return L.with_body(nest, (*head, *body))


# ---- 4. pack ------------------------------------------------------------------------------------------


def pack(array: str, extents: Sequence[L.Expr], index: str, width: int, like: str) -> Pass:
    """The pass reading ``array`` in each loop over ``index`` stepping by ``width`` from a packed copy,
    :data:`PACKED`: ``array[…, index + u, …]`` (``0 ≤ u < width``) as ``_kp[index // width, …, u]``,
    so the ``width`` elements a step reads lie side by side. The copy (``like``'s dtype) is filled
    once, before the kernel's loops, for every whole block of ``width``."""

    def run(kernel: L.Kernel) -> L.Kernel:
        dims: set[int] = set()

        def packed(n: L.Node) -> L.Node:
            if not (isinstance(n, L.Load) and n.array == array):
                return n
            for d, e in enumerate(n.index):
                form = L.affine(e, {index})
                if form is not None and form.coeff(index) == L.Int(1) and isinstance(form.offset, L.Int) \
                        and 0 <= form.offset.value < width:
                    dims.add(d)
                    rest = tuple(i for k, i in enumerate(n.index) if k != d)
                    return L.Load(PACKED, (L.FloorDiv(L.Var(index), L.Int(width)), *rest, form.offset))
            raise ValueError(f"{kernel.name}: {array} is read at no {index} + u")

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Loop) and n.index == index and n.step == L.Int(width):
                return L.rewrite(n, packed)
            return n

        body = L.rewrite(kernel.body, visit)
        if len(dims) != 1:
            raise ValueError(f"{kernel.name}: no loop over {index} by {width} reads {array} along one index")
        (d,) = dims
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        copy = [fresh(f"_k{k}", taken) for k in range(len(extents))]
        at = [L.Var(c) for c in copy]
        block = L.FloorDiv(at[d], L.Int(width))
        fill: L.Stmt = L.Assign(
            L.Load(PACKED, (block, *(a for k, a in enumerate(at) if k != d),
                            L.minus(at[d], L.times(L.Int(width), block)))),
            L.Load(array, tuple(at)))
        for k in reversed(range(len(extents))):
            stop = L.times(L.FloorDiv(extents[k], L.Int(width)), L.Int(width)) if k == d else extents[k]
            fill = L.Loop(copy[k], L.Int(0), stop, (fill,))
        shape = (L.FloorDiv(extents[d], L.Int(width)), *(e for k, e in enumerate(extents) if k != d),
                 L.Int(width))
        return dataclasses.replace(kernel, body=(L.Local(PACKED, shape, like), fill, *body))

    return run


# ---- 5. parallel --------------------------------------------------------------------------------------


def parallel(index: str) -> Pass:
    """The pass running the outermost loop over ``index`` across threads (Numba's ``prange``)."""

    def run(kernel: L.Kernel) -> L.Kernel:
        body = list(kernel.body)
        for k, s in enumerate(body):
            if isinstance(s, L.Loop) and s.index == index:
                body[k] = dataclasses.replace(s, kind="parallel")
                return dataclasses.replace(kernel, body=tuple(body))
        raise ValueError(f"{kernel.name}: no outermost loop over {index}")

    return run


# ---- 6. unsigned reads --------------------------------------------------------------------------------


def unsigned(array: str) -> Pass:
    """The pass marking the last index of every access to ``array`` :class:`~.loops.Call` ``unsigned``:
    for the buffer :func:`pad` fills, whose accesses it made in bounds, so never negative. Numba
    indexes with an unsigned integer without testing it for a negative (wrap-around) index, a test
    that would keep LLVM from loading the positions of a block as one vector."""

    def visit(n: L.Node) -> L.Node:
        if isinstance(n, L.Load) and n.array == array:
            return L.Load(array, (*n.index[:-1], L.Call("unsigned", (n.index[-1],))))
        return n

    def run(kernel: L.Kernel) -> L.Kernel:
        if not loads(kernel, array):
            raise ValueError(f"{kernel.name}: reads no {array}")
        return L.rewrite(kernel, visit)

    return run


# ---- the schedule -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocked:
    """A kernel's register-blocked variant, the conditions on the sizes under which it runs, what the
    dispatch's comment says of it, and the kernel its parallel loop's body is (:func:`.passes.outlined`:
    the block itself, compiled on its own with LLVM's SLP vectoriser), if it was outlined."""

    kernel: L.Kernel
    conds: tuple[L.Expr, ...]
    note: str = "a short contraction: register-blocked outer products"
    body: L.Kernel | None = None


#: The longest contraction (products a point) the block takes: beyond it, the inner products of
#: :mod:`.dot` keep more of the work in cache.
DEPTH = 512


def outer_product(tree: L.Kernel, shapes: Mapping[str, Sequence[L.Expr]], maps: int, positions: int,
                  name: str) -> Blocked | None:
    """The plain nest ``tree`` of ``target[n, j, y, x] = Σ_{i, a, b} w·input`` (the input read through
    loops clipped to its bounds, the weights along ``j``) blocked by ``maps × positions`` as kernel
    ``name``: :func:`pad`, :func:`flatten`, :func:`register_block`, :func:`pack`, :func:`parallel` in
    turn; ``None`` where the tree is not of that shape (a pass refuses it)."""
    try:
        outer = _outer(tree)
        inner = outer.body[0]
        if len(outer.body) != 1 or not isinstance(inner, L.Loop):
            return None
        stores = stored(tree)
        sums = products(tree)
        if len(stores) != 1 or len(sums) != 1 or len(sums[0].value.factors) != 2:
            return None
        target = stores[0].target.array
        for inp, weights in (sums[0].value.factors, reversed(sums[0].value.factors)):
            if not (isinstance(inp, L.Load) and isinstance(weights, L.Load)):
                return None
            try:
                padded = pad(inp.array, shapes[inp.array], target, positions)(tree)
            except (ValueError, KeyError):
                continue
            flat = stage(target, target, positions)(flatten()(padded))
            fused = next(n for n in L.walk(flat) if isinstance(n, L.Loop) and n.index == inner.index)
            steps = (register_block(inner.index, maps, fused.body[0].index, positions, target, (STAGE,)),
                     pack(weights.array, shapes[weights.array], inner.index, maps, target),
                     parallel(outer.index), unsigned(BUFFER), unsigned(STAGE))
            kernel = flat
            for step in steps:
                kernel = step(kernel)
            depth: L.Expr = L.Int(1)  # the products a point: the trips of the loops inside the positions'
            positions_ = inner.body[0].body[0] if isinstance(inner.body[0], L.Loop) else None
            if not isinstance(positions_, L.Loop):
                return None
            every = frozenset(n.index for n in L.walk(tree) if isinstance(n, L.Loop))
            for lp in (n for s in positions_.body for n in L.walk(s) if isinstance(n, L.Loop)):
                start, stop = _unclipped(lp, every) or (lp.start, lp.stop)
                depth = L.times(depth, simplified(L.minus(stop, start)))
            conds = (L.Cmp(">=", inner.stop, L.Int(maps)),
                     L.Cmp("<=", L.rewrite(depth, joined), L.Int(DEPTH)))
            return Blocked(dataclasses.replace(kernel, name=name), conds)
    except ValueError:
        return None
    return None
