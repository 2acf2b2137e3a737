"""The kernel gradient of a 'valid' convolution, register-blocked, as passes over the loop tree [B10].

``dK[i, j, a, b] = Σ_n Σ_y Σ_x T[i, j]·X[n, i, a + y, b + x]·δ[n, j, y, x]`` sums
every position of every image into a small target. The lane sums of
:mod:`.gradblock` ('same' convolutions) read the input through its padded
rows; here the input is read through :func:`.validblock.shifted`'s copies,
rows exactly ``Wo`` wide, so that the positions of a map are one run with no
dead column. The passes, each ``Kernel → Kernel``:

1. :func:`.gradblock.split` sums the images in slices across threads;
   :func:`factored` then multiplies the factor of the target's indices alone
   (the connection table ``T[i, j]``) into the final sum of the slices,
   once a point, instead of into every product.
2. :func:`.validblock.shifted` copies an image's input once per column of
   taps, :func:`.gradblock.widen` its δ into rows of the same width (the
   same rows: no zeros but the ``lanes`` past the last), and
   :func:`.gradblock.hoist` allocates both once a slice.
3. :func:`.block.flatten` fuses the positions into one loop, which
   :func:`.gradblock.lanes` splits into ``lanes`` interleaved sums.
4. :func:`.passes.interchange` brings the taps outside the output maps and
   :func:`.gradblock.jam` blocks ``maps`` output maps × ``lanes`` into named
   scalars, then the maps left over one at a time: a step loads ``maps``
   vectors of δ and one of the input and does ``maps`` multiply-adds.
5. :func:`.block.unsigned` marks the buffers' indices non-negative.

The sum runs in another order than the plain nest's (slices of images,
interleaved positions, the table multiplied last), so it differs from
``--schedule plain`` by round-off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from . import loops as L
from .block import BUFFER, Blocked, flatten, products, stored, unsigned
from .gradblock import DELTA, PARTS, POOL, TARGET, free_nest, hoist, jam, lanes, loop_indices, split, widen
from .passes import Pass, interchange, typed_locals
from .validblock import LIMIT, MIN_DEPTH, shifted

__all__ = ["NOTE", "TARGET", "factored", "threaded", "valid_kernel_gradient"]

# On the project's AMD EPYC (Zen 4), one thread, 8 maps × 8 lanes ran LeNet-5's conv2 kernel gradient
# (20 maps × 5×5 taps into 50 maps, 8×8 positions) in 2.84-2.89 ms against 3.37-3.58 ms for the packed
# windows; over few input maps it lost to them (its conv1, 1 map into 20 at 24×24: 0.81 ms against
# 0.44; dlt's conv2, 6 maps into 12: 0.33 against 0.31), so it runs where the forward pass's
# contraction is long (:data:`.validblock.MIN_DEPTH`), as the valid outer product does. 10 maps ran
# slower (3.38 ms); 4 maps × 5 taps × 8 lanes faster (2.49 ms) but took Numba 102 s to compile.

#: What the dispatch says of the variant.
NOTE = "blocked lane sums"


def factored(factor: str, target: str) -> Pass:
    """The pass taking ``factor`` (read at indices of the store into ``target`` alone) out of every
    product it is a factor of, and multiplying it into that store instead: ``Σ f·g = f·Σ g`` where
    ``f`` does not change over the sum. The kernel must store ``target`` once, as a local's value."""

    def run(kernel: L.Kernel) -> L.Kernel:
        stores = [n for n in L.walk(kernel) if isinstance(n, L.Assign) and isinstance(n.target, L.Load)
                  and n.target.array == target]
        if len(stores) != 1 or not isinstance(stores[0].value, L.Var):
            raise ValueError(f"{kernel.name}: {target} is not stored once, as a local")
        (store,) = stores
        free = frozenset(e.name for e in store.target.index if isinstance(e, L.Var))
        reads: set[L.Load] = set()

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Accumulate) and isinstance(n.value, L.Mul):
                fs = [f for f in n.value.factors if not (isinstance(f, L.Load) and f.array == factor)]
                reads.update(f for f in n.value.factors if isinstance(f, L.Load) and f.array == factor)
                if len(fs) < len(n.value.factors):
                    return L.Accumulate(n.target, fs[0] if len(fs) == 1 else L.Mul(tuple(fs)))
            return n

        body = L.rewrite(kernel.body, visit)
        if len(reads) != 1 or not L.names(next(iter(reads))) <= free:
            raise ValueError(f"{kernel.name}: {factor} is not one read at {target}'s indices")
        if any(isinstance(n, L.Load) and n.array == factor for n in L.walk(L.Kernel("", (), body))):
            raise ValueError(f"{kernel.name}: {factor} is read other than as a factor of a sum")
        (read,) = reads
        out = L.splice(body, lambda s: (L.Assign(s.target, L.Mul((read, s.value))),)
                       if isinstance(s, L.Assign) and s.target == store.target else None)
        return dataclasses.replace(kernel, body=out)

    return run


def threaded(step: Pass) -> Pass:
    """``step`` applied to the kernel's parallel loop alone: the final sum of the slices after it keeps
    its loops in the target's order, so that it reads the partial targets in runs."""

    def run(kernel: L.Kernel) -> L.Kernel:
        loop = next(s for s in kernel.body if isinstance(s, L.Loop) and s.kind == "parallel")
        (new,) = step(L.Kernel(kernel.name, kernel.params, (loop,))).body
        return dataclasses.replace(kernel, body=tuple(new if s is loop else s for s in kernel.body))

    return run


def valid_kernel_gradient(tree: L.Kernel, shapes: Mapping[str, Sequence[L.Expr]], maps: int, width: int,
                          name: str) -> Blocked | None:
    """The plain nest ``tree`` of ``T[i, j, a, b] = Σ_n Σ_y Σ_x t·X[n, i, a + y, b + x]·δ[n, j, y, x]``
    (``t`` a factor of the target's indices, or none) blocked by ``maps × width`` lanes as kernel
    ``name``; ``None`` where the tree is not of that shape (a pass refuses it)."""
    try:
        nest, body = free_nest(tree)
        stores = stored(tree)
        sums = products(tree)
        if len(nest) != 4 or len(body) != 3 or not isinstance(body[1], L.Loop) or len(sums) != 1 \
                or len(stores) != 1 or not all(isinstance(f, L.Load) for f in sums[0].value.factors):
            return None
        i, j, a, b = (lp.index for lp in nest)
        images, target = body[1].index, stores[0].target.array
        factors = sums[0].value.factors
        inp = [f for f in factors if f.index[:2] == (L.Var(images), L.Var(i))]
        delta = [f for f in factors if f.index[:2] == (L.Var(images), L.Var(j))]
        table = [f for f in factors if L.names(f) <= {i, j}]
        if len(inp) != 1 or len(delta) != 1 or len(table) + 2 != len(factors) or len(table) > 1:
            return None
        (inp,), (delta,) = inp, delta
        position = delta.index[-1]
        if not isinstance(position, L.Var):
            return None
        kernel = split(images, PARTS, target, POOL)(tree)
        if table:
            kernel = factored(table[0].array, target)(kernel)
        kernel = shifted(inp.array, shapes[inp.array], target, width, images, position.name)(kernel)
        for step in (widen(delta.array, shapes[delta.array], target, width, images), hoist(BUFFER, images),
                     hoist(DELTA, images)):
            kernel = step(kernel)
        before = loop_indices(kernel)
        kernel = flatten((BUFFER, DELTA))(kernel)
        (flat,) = loop_indices(kernel) - before
        before = loop_indices(kernel)
        kernel = threaded(interchange(j, a))(lanes(flat, width, DELTA)(kernel))
        lane = next(n.index for n in L.walk(kernel) if isinstance(n, L.Loop) and n.index not in before
                    and n.stop == L.Int(width))  # the loop over the lanes (the other steps through them)
        kernel = threaded(interchange(j, b))(kernel)
        for step in (jam([(j, maps), (lane, width)], target), jam([(j, 1), (lane, width)], target),
                     unsigned(BUFFER), unsigned(DELTA), typed_locals(target)):
            kernel = step(kernel)
        size = L.Mul(tuple(lp.stop for lp in nest))
        copies = L.Mul((*shapes[inp.array][1:-1], nest[3].stop, shapes[delta.array][-1]))
        depth = L.Mul((nest[0].stop, nest[2].stop, nest[3].stop))  # the forward's products a point
        conds = (L.Cmp(">=", nest[1].stop, L.Int(maps)), L.Cmp(">=", depth, L.Int(MIN_DEPTH)),
                 L.Cmp("<=", size, L.Int(TARGET)),
                 L.Cmp("<=", copies, L.Int(LIMIT)))
        return Blocked(dataclasses.replace(kernel, name=name), conds, NOTE)
    except (ValueError, KeyError, StopIteration):  # a pass refused it, or an array has no known shape
        return None
