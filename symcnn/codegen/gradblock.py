"""The kernel gradient of a 'same' convolution, register-blocked, as passes over the loop tree [B10].

``dK[i, j, a, b] = Σ_n Σ_y Σ_x X[n, i, y + a - RH, x + b - RW]·δ[n, j, y, x]``
has a long contraction (every position of every image) and a small target
(``C·M`` maps of taps). The forward pass's outer product (:mod:`.block`)
vectorises along output positions, which this sum does not have; here the
positions themselves are split into ``lanes`` interleaved partial sums, so
that ``lanes`` consecutive positions load as one vector from each operand
and each update is one vector multiply-add. The passes, each ``Kernel →
Kernel`` and each refusing (``ValueError``) a tree not of its shape, are:

1. :func:`split` sums the images in slices across threads, one a thread of
   Numba's pool (at most :data:`PARTS`), each into its own partial target
   ``_part[t, …]``, which a nest after the parallel loop adds up (the window
   schedule's split of a reduction).
2. :func:`.block.pad` copies an image's input into a zero-bordered buffer
   with rows of ``_wp`` elements; :func:`widen` copies its δ into rows of the
   same length, zeros past each row's end; :func:`hoist` allocates both once
   a slice, not once an image (only the interior is written, the same
   elements every time, so the border stays zero).
3. :func:`.block.flatten` fuses the position loops into one over
   ``f = _wp·y + x``: the columns past a row's end read δ's zeros.
4. :func:`lanes` splits that loop into ``lanes`` interleaved sums, each into
   its own element of a new last index of the partial target: ``f =
   lanes·g + l``; the steps past the end read the zeros ``widen`` leaves.
5. :func:`.passes.interchange` moves the taps ``a``, ``b`` outside the maps
   ``i``, ``j``, and :func:`jam` blocks ``i × j × l`` (input maps × output
   maps × lanes) into named scalars, each distinct read loaded once a step:
   one vector of each input map at the tap's shift and one of each output
   map's δ, no shuffles. The input maps left over (fewer than a block) are
   jammed by :data:`REST` output maps × lanes.
6. :func:`.block.unsigned` marks the buffers' indices non-negative.

:func:`kernel_gradient` composes them, sized by :attr:`.target.Target.gradient`
(4 input maps × 2 output maps × 8 lanes: 64 scalars), and the dispatch runs it
where the output maps come in whole blocks and the partial targets (at most
:data:`PARTS` slices × 8 lanes of ``C·M·taps``) stay small; any kernel size.
Numba compiles it with LLVM's SLP vectoriser on and without
``reassoc``, as the forward block. The sum runs in another order than the
plain nest's (slices of images, interleaved positions), so it differs from
``--schedule plain`` by round-off.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence

from . import loops as L
from .block import (
    BUFFER,
    WIDTH,
    Blocked,
    flatten,
    joined,
    only_loop,
    pad,
    products,
    replaced,
    stored,
    unsigned,
)
from .passes import Pass, fresh, interchange

__all__ = ["DELTA", "PART", "PARTS", "POOL", "free_nest", "hoist", "jam", "kernel_gradient", "lanes",
           "loop_indices", "split", "widen"]

#: The partial target of each slice of images; the buffer of δ in rows of ``_wp``.
PART, DELTA = "_part", "_dp"
#: The most slices of images the threads share: one a thread of Numba's pool (:data:`POOL`, so that
#: the slices and the order of the sums do not change with the threads running now), each adding into its
#: own partial target, ``slices·C·M·taps·lanes`` elements read once by the final sum. On two threads
#: two slices rather than eight made vgg's kernel gradients 7-25 % faster (the final sum is serial).
PARTS = 8
#: The parameter the dispatch passes the size of Numba's thread pool in.
POOL = "_threads"
#: The largest ``C·M·taps`` the block takes: its partial targets stay under a few megabytes.
TARGET = 36864
#: What the dispatch says of the variant.
NOTE = "a small target: blocked lane sums"
#: The output maps a block of the input maps left over (fewer than a block) sums at once.
REST = 4


# ---- 1. split -------------------------------------------------------------------------------------


def free_nest(kernel: L.Kernel) -> tuple[list[L.Loop], tuple[L.Stmt, ...]]:
    """The perfectly nested loops the kernel's body is, outermost first, and the innermost one's body."""
    if len(kernel.body) != 1 or not isinstance(kernel.body[0], L.Loop):
        raise ValueError(f"{kernel.name}: not one loop nest")
    nest = [kernel.body[0]]
    while len(nest[-1].body) == 1 and isinstance(nest[-1].body[0], L.Loop):
        nest.append(nest[-1].body[0])
    return nest, nest[-1].body


def split(index: str, parts: int, like: str, pool: str | None = None) -> Pass:
    """The pass summing the reduction loop over ``index`` in at most ``parts`` slices across threads.

    The tree must be ``for free…: _acc = 0; for index: …; T[free…] = _acc`` (the plain nest of a
    gradient summed over images). It becomes: ``_np = min(trips, parts)`` slices (``min(trips, pool,
    parts)`` with ``pool`` a new last parameter, the threads to share them), each (a ``prange``
    iteration) adding its images' sums into ``_part[t, free…]`` (zero-filled, ``like``'s dtype), then
    ``T[free…] = Σ_t _part[t, free…]``.
    """

    def run(kernel: L.Kernel) -> L.Kernel:
        nest, body = free_nest(kernel)
        free = [lp.index for lp in nest]
        if len(body) != 3 or not isinstance(body[0], L.Local) or not isinstance(body[1], L.Loop) \
                or body[1].index != index or not isinstance(body[2], L.Assign):
            raise ValueError(f"{kernel.name}: the free loops hold no sum over {index} into a local")
        acc, reduction, store = body
        if store.value != L.Var(acc.name) or not isinstance(store.target, L.Load) \
                or store.target.index != tuple(L.Var(f) for f in free):
            raise ValueError(f"{kernel.name}: the sum is not stored at the free loops' indices")
        bounds = frozenset().union(*(L.names(e) for lp in nest for e in (lp.start, lp.stop, lp.step)))
        if any(lp.start != L.Int(0) or lp.step != L.Int(1) for lp in (*nest, reduction)) \
                or index in bounds or L.names(reduction.stop) & set(free):
            raise ValueError(f"{kernel.name}: the loops do not run from 0 by 1 over fixed ranges")
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        t, count = fresh("_t", taken), fresh("_np", taken)
        slot = L.Load(PART, (L.Var(t), *(L.Var(f) for f in free)))
        trips = reduction.stop

        def edge(k: L.Expr) -> L.Expr:
            return L.FloorDiv(L.Mul((k, trips)), L.Var(count))

        images = L.Loop(index, edge(L.Var(t)), edge(L.Add((L.Var(t), L.Int(1)))),
                        L.inside(nest, (acc, *reduction.body, L.Accumulate(slot, L.Var(acc.name)))))
        total = (acc, L.Loop(t, L.Int(0), L.Var(count), (L.Accumulate(L.Var(acc.name), slot),)), store)
        most = (trips, *((L.Var(pool),) if pool else ()), L.Int(parts))
        body = (L.Assign(L.Var(count), L.Call("min", most)),
                L.Local(PART, (L.Var(count), *(lp.stop for lp in nest)), like),
                L.Loop(t, L.Int(0), L.Var(count), (images,), kind="parallel"),
                *L.inside(nest, total))
        params = (*kernel.params, pool) if pool else kernel.params
        return dataclasses.replace(kernel, params=params, body=body)

    return run


# ---- 2. widen, hoist ------------------------------------------------------------------------------


def widen(array: str, extents: Sequence[L.Expr], like: str, slack: int, loop: str) -> Pass:
    """The pass reading ``array[n, …, y, x]`` (``n`` the index of ``loop``; ``y``, ``x`` loop indices)
    from a zero-filled copy of one iteration's slice, :data:`DELTA`, with rows of :data:`.block.WIDTH`
    (which :func:`.block.pad` sets), as ``[…, WIDTH·y + x]``, and ``slack`` zeros past its last row."""

    def run(kernel: L.Kernel) -> L.Kernel:
        if not any(isinstance(n, L.Assign) and n.target == L.Var(WIDTH) for n in kernel.body):
            raise ValueError(f"{kernel.name}: sets no row length {WIDTH}")
        outer = only_loop(kernel, loop)
        indices = {n.index for n in L.walk(outer) if isinstance(n, L.Loop)}
        reads = [n for n in L.walk(outer) if isinstance(n, L.Load) and n.array == array]
        if not reads or any(len(r.index) != len(extents) or r.index[0] != L.Var(loop)
                            or not all(isinstance(e, L.Var) and e.name in indices for e in r.index[-2:])
                            for r in reads):
            raise ValueError(f"{kernel.name}: {array} is not read at loop indices of each {loop}")
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        copy = [fresh(f"_d{d}", taken) for d in range(len(extents) - 1)]

        def flat(y: L.Expr, x: L.Expr) -> L.Expr:
            return L.Add((L.Mul((L.Var(WIDTH), y)), x))

        fill: L.Stmt = L.Assign(
            L.Load(DELTA, (*map(L.Var, copy[:-2]), flat(L.Var(copy[-2]), L.Var(copy[-1])))),
            L.Load(array, (L.Var(loop), *map(L.Var, copy))))
        for name, extent in reversed(tuple(zip(copy, extents[1:], strict=True))):
            fill = L.Loop(name, L.Int(0), extent, (fill,))
        size = L.Add((L.Mul((extents[-2], L.Var(WIDTH))), L.Int(slack)))
        buffer = L.Local(DELTA, (*extents[1:-2], size), like)

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Load) and n.array == array:
                return L.Load(DELTA, (*n.index[1:-2], flat(*n.index[-2:])))
            return n

        body = (buffer, fill, *L.rewrite(outer.body, visit))
        return dataclasses.replace(kernel, body=replaced(kernel.body, outer, L.with_body(outer, body)))

    return run


def hoist(buffer: str, loop: str) -> Pass:
    """The pass allocating the zero-filled local ``buffer`` once before ``loop`` rather than once an
    iteration: allowed where the loop's body stores into it only by plain assignments at indices free
    of the loop's index (so each iteration writes the same elements before reading them, the rest
    staying zero), and its shape does not depend on that index."""

    def run(kernel: L.Kernel) -> L.Kernel:
        outer = only_loop(kernel, loop)
        local = [s for s in outer.body if isinstance(s, L.Local) and s.name == buffer]
        if len(local) != 1 or loop in L.names(local[0]):
            raise ValueError(f"{kernel.name}: the loop over {loop} allocates no {buffer} of fixed shape")
        stores = [n for n in L.walk(outer) if isinstance(n, (L.Assign, L.Accumulate))
                  and isinstance(n.target, L.Load) and n.target.array == buffer]
        if any(isinstance(s, L.Accumulate) or loop in L.names(s.target) for s in stores):
            raise ValueError(f"{kernel.name}: {buffer} is not set at the same elements each {loop}")
        inner = L.with_body(outer, tuple(s for s in outer.body if s is not local[0]))
        return dataclasses.replace(kernel, body=_spliced_before(kernel.body, outer, (local[0], inner)))

    return run


def _spliced_before(body: tuple[L.Stmt, ...], old: L.Stmt, new: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    """``body`` with the statement ``old`` (by identity, at any depth) replaced by the statements ``new``."""
    return L.splice(body, lambda s: new if s is old else None)


# ---- 4. lanes -------------------------------------------------------------------------------------


def lanes(index: str, width: int, zero: str, part: str = PART) -> Pass:
    """The pass splitting the sum over ``index`` (from 0 by 1) into ``width`` interleaved lane sums.

    The loop must sit as ``_acc = 0; for index: _acc += …; part[…] += _acc``, ``part`` a local array
    that is otherwise only read into sums. It becomes ``for l < width: _acc = 0; for g <
    ⌈trips/width⌉: _acc += …(index = width·g + l); part[…, l] += _acc``; ``part`` gains a last index
    of ``width`` and each sum of it adds its lanes. The last ``width - 1`` steps may run past the loop's
    end: every product must have a factor read from ``zero`` at ``index`` plus an offset, a buffer
    with at least ``width - 1`` zeros past the positions the loop reads (as :func:`widen` leaves).
    """

    def run(kernel: L.Kernel) -> L.Kernel:
        found = []
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)

        def block(body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
            out: list[L.Stmt] = []
            k = 0
            while k < len(body):
                s = body[k]
                if isinstance(s, L.Loop) and s.index == index:
                    if k == 0 or k + 1 >= len(body):
                        raise ValueError(f"{kernel.name}: the loop over {index} is not between a local "
                                         "and its store")
                    out[-1:] = [_laned(kernel.name, body[k - 1], s, body[k + 1], index, width, zero, part,
                                       taken)]
                    found.append(s)
                    k += 2
                    continue
                out.append(L.with_body(s, block(s.body)) if isinstance(s, (L.Loop, L.If)) else s)
                k += 1
            return tuple(out)

        body = block(kernel.body)
        if not found:
            raise ValueError(f"{kernel.name}: no loop over {index}")
        lane = fresh("_l", taken)

        def widened(n: L.Node) -> L.Node:
            if isinstance(n, L.Local) and n.name == part:
                return L.Local(part, (*n.shape, L.Int(width)), n.like)
            if isinstance(n, L.Accumulate) and isinstance(n.target, L.Var) and isinstance(n.value, L.Load) \
                    and n.value.array == part:
                return L.Loop(lane, L.Int(0), L.Int(width),
                              (L.Accumulate(n.target, L.Load(part, (*n.value.index, L.Var(lane)))),))
            return n

        out = dataclasses.replace(kernel, body=L.rewrite(body, widened))
        local = [n for n in L.walk(out) if isinstance(n, L.Local) and n.name == part]
        if len(local) != 1:
            raise ValueError(f"{kernel.name}: no local {part}")
        if any(isinstance(n, L.Load) and n.array == part and len(n.index) != len(local[0].shape)
               for n in L.walk(out)):
            raise ValueError(f"{kernel.name}: {part} is read other than into a sum")
        return out

    return run


def _laned(name: str, acc: L.Stmt, loop: L.Loop, store: L.Stmt, index: str, width: int, zero: str,
           part: str, taken: set[str]) -> L.Loop:
    if not (isinstance(acc, L.Local) and not acc.shape and isinstance(store, L.Accumulate)
            and store.value == L.Var(acc.name) and isinstance(store.target, L.Load)
            and store.target.array == part):
        raise ValueError(f"{name}: the loop over {index} is not between a local and its store into {part}")
    if loop.start != L.Int(0) or loop.step != L.Int(1) or loop.kind != "serial":
        raise ValueError(f"{name}: the loop over {index} does not run from 0 by 1")
    for s in loop.body:
        if not (isinstance(s, L.Accumulate) and s.target == L.Var(acc.name) and isinstance(s.value, L.Mul)
                and any(isinstance(f, L.Load) and f.array == zero
                        and (form := L.affine(f.index[-1], {index})) is not None
                        and form.coeff(index) == L.Int(1) for f in s.value.factors)):
            raise ValueError(f"{name}: a product over {index} reads no factor from {zero} at {index}")
    lane, step = fresh("_l", taken), fresh("_g", taken)
    at = {index: L.Add((L.Mul((L.Int(width), L.Var(step))), L.Var(lane)))}
    trips = L.FloorDiv(L.plus(loop.stop, L.Int(width - 1)), L.Int(width))
    body = L.fold(L.rewrite(L.substitute(loop.body, at), joined))
    target = L.Load(part, (*store.target.index, L.Var(lane)))
    return L.Loop(lane, L.Int(0), L.Int(width),
                  (acc, L.Loop(step, L.Int(0), trips, body), L.Accumulate(target, store.value)))


# ---- 5. jam ---------------------------------------------------------------------------------------


def jam(blocks: Sequence[tuple[str, int]], like: str) -> Pass:
    """The pass blocking perfectly nested loops ``[(index, size), …]`` (outermost first) into named
    scalars, their copies jammed into one sum.

    The first loop steps by its size over its whole blocks, the rest of its range running the nest as
    it was; every other loop steps by its size and must run a multiple of it (the schedule's dispatch
    asks it of the sizes); one whose range is exactly its size is no loop at all. The innermost body
    must be locals, a perfect nest of sums into them (the contraction), and statements after it; each
    gets one copy per block element it depends on, named ``<local>_<u>_<v>…`` with ``like``'s dtype,
    the contraction's innermost loop first loading each distinct array read of the copies once into
    a scalar.
    """

    def run(kernel: L.Kernel) -> L.Kernel:
        nests = [nest for n in L.walk(kernel) if (nest := _chain(n, [index for index, _ in blocks]))]
        if len(nests) != 1:
            raise ValueError(f"{kernel.name}: {len(nests)} nests of loops over "
                             f"{', '.join(index for index, _ in blocks)}, not one")
        nest = nests[0]
        first = nest[0]
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        out = _Jam(nest, [size for _, size in blocks], like, taken).blocked()
        return dataclasses.replace(kernel, body=_spliced_before(kernel.body, first, out))

    return run


def _chain(node: L.Node, indices: Sequence[str]) -> list[L.Loop] | None:
    """The loops over ``indices`` from ``node`` in, each the whole body of the one before; else ``None``."""
    nest = []
    for index in indices:
        if not (isinstance(node, L.Loop) and node.index == index):
            return None
        nest.append(node)
        node = node.body[0] if len(node.body) == 1 else None
    return nest


def constant_last(n: L.Node) -> L.Node:
    """An integer sum with its constant term last, so that one element read by two copies is one read."""
    if isinstance(n, L.Add) and any(isinstance(t, L.Int) for t in n.terms) \
            and all(isinstance(m, (L.Int, L.Var, L.Add, L.Mul, L.FloorDiv)) for m in L.walk(n)):
        return L.Add((*(t for t in n.terms if not isinstance(t, L.Int)),
                      *(t for t in n.terms if isinstance(t, L.Int))))
    return n


class _Jam:
    """Loops ``nest`` blocked by ``sizes``: copies named by the block offsets each statement depends on."""

    def __init__(self, nest: list[L.Loop], sizes: list[int], like: str, taken: set[str]):
        self.nest, self.sizes, self.like, self.taken = nest, sizes, like, taken
        self.indices = [lp.index for lp in nest]
        body = nest[-1].body
        if any(lp.step != L.Int(1) for lp in nest):
            raise ValueError("a blocked loop does not step by 1")
        self.locals = {s.name for s in body if isinstance(s, L.Local)}
        self.deps: dict[str, frozenset[str]] = dict.fromkeys(self.locals, frozenset())
        updates = [n for b in body for n in L.walk(b) if isinstance(n, L.Accumulate)
                   and isinstance(n.target, L.Var) and n.target.name in self.locals]
        for s in updates:
            self.deps[s.target.name] |= L.names(s.value) & set(self.indices)

    def _deps_of(self, s: L.Stmt) -> frozenset[str]:
        if isinstance(s, L.Local):
            return self.deps.get(s.name, frozenset())
        out = L.names(s) & set(self.indices)
        for n in L.walk(s):
            if isinstance(n, L.Var) and n.name in self.deps:
                out |= self.deps[n.name]
        return out

    def copies(self, deps: frozenset[str]) -> list[tuple[int, ...]]:
        ranges = [range(size) if index in deps else (0,) for index, size in zip(self.indices, self.sizes,
                                                                                 strict=True)]
        return list(itertools.product(*ranges))

    def rename(self, node, offsets: tuple[int, ...], fixed: Mapping[str, L.Expr]):
        values: dict[str, L.Expr] = {i: L.plus(fixed.get(i, L.Var(i)), L.Int(u))
                                     for i, u in zip(self.indices, offsets, strict=True)}
        for name, deps in self.deps.items():
            suffix = "".join(f"_{u}" for i, u in zip(self.indices, offsets, strict=True) if i in deps)
            values[name] = L.Var(f"{name}{suffix}")

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Local) and n.name in self.deps:
                return L.Local(values[n.name].name, n.shape, self.like)
            if isinstance(n, L.Var) and n.name in values:
                return values[n.name]
            return n

        return L.rewrite(L.fold(L.rewrite(L.rewrite(node, visit), joined)), constant_last)

    def blocked(self) -> tuple[L.Stmt, ...]:
        first, size = self.nest[0], self.sizes[0]
        fixed = {lp.index: lp.start for lp, s in zip(self.nest[1:], self.sizes[1:], strict=True)
                 if isinstance(trips := L.minus(lp.stop, lp.start), L.Int) and trips.value == s}
        body: list[L.Stmt] = []
        for s in self.nest[-1].body:
            if isinstance(s, L.Loop):
                body.append(self._jammed(s, fixed))
            else:
                body += [self.rename(s, o, fixed) for o in self.copies(self._deps_of(s))]
        inner: tuple[L.Stmt, ...] = tuple(body)
        for lp, s in reversed(tuple(zip(self.nest[1:], self.sizes[1:], strict=True))):
            if lp.index not in fixed:
                inner = (L.Loop(lp.index, lp.start, lp.stop, inner, step=L.Int(s), kind=lp.kind),)
        trips = L.minus(first.stop, first.start)
        split = fresh(f"_{first.index}_split", self.taken)
        value = L.plus(first.start, L.times(L.FloorDiv(trips, L.Int(size)), L.Int(size)))
        main = L.Loop(first.index, first.start, L.Var(split), inner, step=L.Int(size), kind=first.kind)
        rest = L.Loop(first.index, L.Var(split), first.stop, first.body, kind=first.kind)
        return (L.Assign(L.Var(split), value), main, rest)

    def _jammed(self, nest: L.Loop, fixed: Mapping[str, L.Expr]) -> L.Loop:
        if len(nest.body) == 1 and isinstance(nest.body[0], L.Loop):
            return L.with_body(nest, (self._jammed(nest.body[0], fixed),))
        if not all(isinstance(s, L.Accumulate) and isinstance(s.target, L.Var) for s in nest.body):
            raise ValueError(f"the contraction over {nest.index} is not a perfect nest of sums into locals")
        deps = frozenset().union(*(self._deps_of(s) for s in nest.body))
        updates = [self.rename(s, o, fixed) for o in self.copies(deps) for s in nest.body]
        named: dict[L.Load, L.Var] = {}
        for s in updates:
            for n in L.walk(s.value):
                if isinstance(n, L.Load):
                    named.setdefault(n, L.Var(""))
        arrays = list(dict.fromkeys(load.array for load in named))
        order = sorted(named, key=lambda r: arrays.index(r.array))
        named = {load: L.Var(fresh("_r", self.taken)) for load in order}
        head = [L.Assign(var, load) for load, var in named.items()]
        body = [L.rewrite(s, lambda n: named.get(n, n) if isinstance(n, L.Load) else n) for s in updates]
        return L.with_body(nest, (*head, *body))


# ---- the schedule ---------------------------------------------------------------------------------


def loop_indices(kernel: L.Kernel) -> frozenset[str]:
    return frozenset(n.index for n in L.walk(kernel) if isinstance(n, L.Loop))


def kernel_gradient(tree: L.Kernel, shapes: Mapping[str, Sequence[L.Expr]], inputs: int, outputs: int,
                    width: int, name: str) -> Blocked | None:
    """The plain nest ``tree`` of ``T[i, j, a, b] = Σ_n Σ_y Σ_x X[n, i, …]·δ[n, j, y, x]`` (the input read
    through loops clipped to its bounds) blocked by ``inputs × outputs`` maps and ``width`` lanes as
    kernel ``name``: :func:`split`, :func:`.block.pad`, :func:`widen`, :func:`hoist`,
    :func:`.block.flatten`, :func:`lanes`, :func:`.passes.interchange` (the taps outermost), :func:`jam`
    (the input maps left over jammed by :data:`REST` output maps), :func:`.block.unsigned` in turn;
    ``None`` where the tree is not of that shape (a pass refuses it)."""
    try:
        nest, body = free_nest(tree)
        sums = products(tree)
        stores = stored(tree)
        if len(nest) != 4 or len(body) != 3 or not isinstance(body[1], L.Loop) or len(sums) != 1 \
                or len(stores) != 1 or len(sums[0].value.factors) != 2:
            return None
        i, j, a, b = (lp.index for lp in nest)
        images, target = body[1].index, stores[0].target.array
        factors = sums[0].value.factors
        if not all(isinstance(f, L.Load) for f in factors):
            return None
        for inp, delta in (factors, tuple(reversed(factors))):
            if inp.index[1] != L.Var(i) or delta.index[1] != L.Var(j):
                continue
            kernel = split(images, PARTS, target, POOL)(tree)
            kernel = pad(inp.array, shapes[inp.array], target, width, loop=images)(kernel)
            for step in (widen(delta.array, shapes[delta.array], target, width, images),
                         hoist(BUFFER, images), hoist(DELTA, images)):
                kernel = step(kernel)
            before, kernel = loop_indices(kernel), flatten((BUFFER, DELTA))(kernel)
            (position,) = loop_indices(kernel) - before  # the fused loop over positions
            kernel = lanes(position, width, DELTA)(kernel)
            for outer, inner in ((j, a), (i, a), (j, b), (i, b)):  # i, j, a, b → a, b, i, j
                kernel = interchange(outer, inner)(kernel)
            (lane,) = {n.body[0].index for n in L.walk(kernel) if isinstance(n, L.Loop) and n.index == j
                       and len(n.body) == 1 and isinstance(n.body[0], L.Loop)}  # the lanes, inside the maps
            for step in (jam([(i, inputs), (j, outputs), (lane, width)], target),
                         jam([(j, REST), (lane, width)], target), unsigned(BUFFER), unsigned(DELTA)):
                kernel = step(kernel)
            size = L.Mul(tuple(lp.stop for lp in nest))
            conds = (L.Cmp("==", L.Mod(nest[1].stop, L.Int(outputs)), L.Int(0)),
                     L.Cmp("<=", size, L.Int(TARGET)))
            return Blocked(dataclasses.replace(kernel, name=name), conds, NOTE)
    except (ValueError, KeyError):  # a pass refused it, or an array has no known shape
        return None
    return None
