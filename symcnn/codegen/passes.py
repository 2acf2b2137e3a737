"""Schedule passes: each a function from one loop tree (:mod:`.loops`) to another that computes the same.

A pass reads and rebuilds the tree; it never sees SymPy or source text. The
plain nest (:mod:`.freeze`) with no pass is ``--schedule plain``; a schedule
is a list of passes applied in order.

:func:`unroll_innermost` is unroll-by-``k`` with a remainder: every innermost
serial loop ``for i in range(a, b)`` becomes a loop stepping by ``k`` over
the first ``⌊(b - a)/k⌋·k`` iterations, each running ``k`` copies of the body
(``i``, ``i + 1``, …, an ``unrolled`` loop the printer writes out), then a
loop over the rest. Iterations run in the same order as before, so every
sum adds the same numbers in the same order: the result is bit for bit the
unpassed kernel's.

:func:`interchange` swaps two perfectly nested loops (a reorder, as Halide
and TVM call it) where that only changes the order of additions; the loop
order a fast schedule wants is a list of such swaps.
"""

from __future__ import annotations

from collections.abc import Callable

from . import loops as L

Pass = Callable[[L.Kernel], L.Kernel]


def unroll_innermost(k: int) -> Pass:
    """The pass unrolling each innermost serial unit-step loop by ``k`` (at least 2), with a remainder."""
    if k < 2:
        raise ValueError(f"unroll by {k}: the factor must be at least 2")

    def run(kernel: L.Kernel) -> L.Kernel:
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        return L.Kernel(kernel.name, kernel.params, _unroll_block(kernel.body, k, taken), kernel.doc)

    return run


def _innermost(s: L.Stmt) -> bool:
    return isinstance(s, L.Loop) and not any(isinstance(n, L.Loop) for n in L.walk(s) if n is not s)


def _unroll_block(body: tuple[L.Stmt, ...], k: int, taken: set[str]) -> tuple[L.Stmt, ...]:
    out: list[L.Stmt] = []
    for s in body:
        if _innermost(s) and s.kind == "serial" and s.step == L.Int(1):
            out += unroll(s, k, taken)
        elif isinstance(s, (L.Loop, L.If, L.Variant)):
            out.append(L.with_body(s, _unroll_block(s.body, k, taken)))
        elif isinstance(s, L.Dispatch):
            variants = tuple(L.Variant(v.conds, _unroll_block(v.body, k, taken)) for v in s.variants)
            out.append(L.Dispatch(variants, _unroll_block(s.default, k, taken)))
        else:
            out.append(s)
    return tuple(out)


def fresh(base: str, taken: set[str]) -> str:
    """A name starting ``base`` that is not in ``taken``, which it joins."""
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def unroll(loop: L.Loop, k: int, taken: set[str]) -> tuple[L.Stmt, ...]:
    """``loop`` (serial, unit step) as a main loop of ``k`` unrolled copies and a remainder loop."""
    i, u = loop.index, fresh(f"_{loop.index}_u", taken)
    trips = L.minus(loop.stop, loop.start)
    if not isinstance(trips, L.Int):
        trips = L.Call("max", (L.Int(0), trips))  # an empty range (stop below start) runs no iteration
    split = L.plus(loop.start, L.times(L.FloorDiv(trips, L.Int(k)), L.Int(k)))
    copies = L.Loop(u, L.Int(0), L.Int(k), L.substitute(loop.body, {i: L.plus(L.Var(i), L.Var(u))}),
                    kind="unrolled")
    head: tuple[L.Stmt, ...] = ()
    if not isinstance(split, L.Int):
        end = fresh(f"_{i}_split", taken)
        head, split = (L.Assign(L.Var(end), split),), L.Var(end)
    main = L.Loop(i, loop.start, split, (copies,), step=L.Int(k))
    rest = L.Loop(i, split, loop.stop, loop.body)
    return (*head, main, rest)


def interchange(outer: str, inner: str) -> Pass:
    """The pass swapping the loops over ``outer`` and ``inner`` wherever the one over ``inner`` is the
    whole body of the one over ``outer`` (:func:`swap`); other loops are left as they are."""

    def visit(node: L.Node) -> L.Node:
        if isinstance(node, L.Loop) and node.index == outer and _nested(node, inner):
            return swap(node)
        return node

    def run(kernel: L.Kernel) -> L.Kernel:
        return L.rewrite(kernel, visit)

    return run


def _nested(loop: L.Loop, inner: str) -> bool:
    return len(loop.body) == 1 and isinstance(loop.body[0], L.Loop) and loop.body[0].index == inner


def swap(loop: L.Loop) -> L.Loop:
    """``for i: for j: body`` as ``for j: for i: body``; each loop keeps its bounds and kind.

    Refused (``ValueError``) unless it computes the same up to the order of additions: the inner loop's
    bounds must not depend on the outer index, and the body may only set its own locals, add into a
    reduction it does not otherwise read, or set an array it does not read at an element indexed by
    both loop indices (so no two iterations write the same element).
    """
    if len(loop.body) != 1 or not isinstance(loop.body[0], L.Loop):
        raise ValueError(f"the loop over {loop.index} is not perfectly nested around another")
    inner = loop.body[0]
    if loop.index in L.names(inner.start) | L.names(inner.stop) | L.names(inner.step):
        raise ValueError(f"the bounds of {inner.index} depend on {loop.index}")
    reason = _conflict(inner.body, loop.index, inner.index)
    if reason:
        raise ValueError(f"{loop.index} and {inner.index} cannot swap: {reason}")
    return L.with_body(inner, (L.with_body(loop, inner.body),))


def _conflict(body: tuple[L.Stmt, ...], i: str, j: str) -> str | None:
    """Why iterations of the body over ``(i, j)`` could not run in another order, or ``None``."""
    nodes = [n for s in body for n in L.walk(s)]
    private = {n.name for n in nodes if isinstance(n, L.Local)}
    read = {r for s in body for r in reads(s)}
    for s in (n for n in nodes if isinstance(n, (L.Assign, L.Accumulate))):
        name = s.target.name if isinstance(s.target, L.Var) else s.target.array
        if name in private:
            continue
        if name in read:
            return f"{name} is read where it is written"
        if isinstance(s, L.Assign) and not (isinstance(s.target, L.Load)
                                            and {L.Var(i), L.Var(j)} <= set(s.target.index)):
            return f"{name} is set at an element not indexed by both"
    return None


def reads(s: L.Stmt) -> frozenset[str]:
    """The scalars and arrays statement ``s`` reads: all but the local or array each store writes."""
    if isinstance(s, (L.Assign, L.Accumulate)):
        exprs = (s.value, *(s.target.index if isinstance(s.target, L.Load) else ()))
        return frozenset().union(*(_read(e) for e in exprs))
    if isinstance(s, L.Loop):
        inside = frozenset().union(*(reads(b) for b in s.body))
        return _read(s.start) | _read(s.stop) | _read(s.step) | inside
    if isinstance(s, (L.If, L.Variant)):
        return frozenset().union(*(_read(c) for c in s.conds), *(reads(b) for b in s.body))
    if isinstance(s, L.Dispatch):
        return frozenset().union(*(reads(v) for v in s.variants), *(reads(b) for b in s.default))
    return frozenset().union(*(_read(x) for x in s.shape))  # a Local


def _read(e: L.Expr) -> frozenset[str]:
    return frozenset(n.name if isinstance(n, L.Var) else n.array
                     for n in L.walk(e) if isinstance(n, (L.Var, L.Load)))
