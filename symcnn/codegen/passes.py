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
