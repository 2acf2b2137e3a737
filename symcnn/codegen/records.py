"""Forward records as loop trees (:mod:`.loops`): the block arg-max selector and the row maximum [B11].

A record is an array the forward pass computes with a primitive rather than an
equation (:class:`symcnn.model.Record`), held constant when differentiating.
:func:`record_tree` builds its kernel ``record_<A>(source, target, sizes…)``:
the leading axes of the source are loops over its shape (the first of four or
more runs in parallel: a batch of feature maps), around

- ``block_argmax``: the target zeroed, then a 1 at each ``f×f`` block's first
  maximum in row-major order, a NaN counting as the maximum (NumPy's
  ``argmax``; PyTorch's ``max_pool2d`` propagates NaN too): a later element
  takes the 1 when it is greater than the best so far, or is a NaN while the
  best is not, so the first NaN keeps it. :func:`scan` is that rule over the
  block's loops, with a branch. For a factor of 2 (every preset's pooling),
  :func:`unrolled_scan` is the same scan with its loops written out and each
  step a select (:class:`~.loops.Select`, no data-dependent branch): half the
  time of the loop; other sizes branch, which measured faster there than
  selects. A factor only known at run time dispatches between the two.
  Writing each block's 0s and 1s in one pass instead of zeroing was slower: a
  scalar store of a 0 or 1 compiles to a branch on x86.
- ``row_max``: the maximum along the last axis.

No SymPy here: the factor comes frozen (:func:`.freeze.freeze`).
"""

from __future__ import annotations

from . import loops as L

__all__ = ["parallel", "record_tree", "scan", "unrolled_scan"]

_BEST, _V, _T, _R, _Q = (L.Var(n) for n in ("_best", "_v", "_t", "_r", "_q"))


def parallel(rank: int) -> bool:
    """Whether a record over arrays of ``rank`` axes runs its first loop in parallel (a batch of maps)."""
    return rank >= 4


def record_tree(op: str, name: str, params: tuple[str, ...], source: str, target: str, rank: int,
                factor: L.Expr, doc: tuple[str, ...] = ()) -> L.Kernel:
    """The kernel computing record ``target = op(source, factor)`` over arrays of ``rank`` axes."""
    if op == "block_argmax":
        return _kernel(name, params, source, rank, 2, doc, _block_argmax(source, target, rank, factor))
    if op == "row_max":
        return _kernel(name, params, source, rank, 1, doc, _row_max(source, target, rank))
    raise ValueError(f"record {target}: unknown primitive {op!r}")


def _kernel(name: str, params: tuple[str, ...], source: str, rank: int, inner: int, doc: tuple[str, ...],
            body: tuple[L.Stmt, ...]) -> L.Kernel:
    """``body`` inside loops over the leading ``rank - inner`` axes of ``source``."""
    for a in reversed(range(rank - inner)):
        kind = "parallel" if a == 0 and parallel(rank) else "serial"
        body = (L.Loop(f"_i{a}", L.Int(0), L.Shape(source, a), body, kind=kind),)
    return L.Kernel(name, params, body, doc)


def _lead(rank: int, inner: int) -> tuple[L.Expr, ...]:
    return tuple(L.Var(f"_i{a}") for a in range(rank - inner))


def _block_argmax(source: str, target: str, rank: int, factor: L.Expr) -> tuple[L.Stmt, ...]:
    zero = L.Assign(L.Load(target, _lead(rank, 2)), L.Real(0.0))
    if factor == L.Int(2):
        return zero, _blocks(source, target, rank, factor, unrolled_scan)
    if isinstance(factor, L.Int):
        return zero, _blocks(source, target, rank, factor, scan)
    two = _blocks(source, target, rank, L.Int(2), unrolled_scan)
    two = L.Variant((L.Cmp("==", factor, L.Int(2)),), (two,))
    return zero, L.Dispatch((two,), (_blocks(source, target, rank, factor, scan),))


def _at(array: str, rank: int, f: L.Expr, dr: L.Expr, dq: L.Expr) -> L.Load:
    """``array[lead…, f*_y + dr, f*_x + dq]``."""
    rows = L.plus(L.times(f, L.Var("_y")), dr)
    cols = L.plus(L.times(f, L.Var("_x")), dq)
    return L.Load(array, (*_lead(rank, 2), rows, cols))


def _blocks(source: str, target: str, rank: int, f: L.Expr, body) -> L.Loop:
    """The loops over a map's ``f×f`` blocks around one block's ``body(source, rank, f)``, which leaves
    the block's first maximum at ``(_r, _q)``; a 1 is stored there."""
    mark = L.Assign(_at(target, rank, f, _R, _Q), L.Real(1.0))
    inner = (L.Assign(_BEST, _at(source, rank, f, L.Int(0), L.Int(0))), L.Assign(_R, L.Int(0)),
             L.Assign(_Q, L.Int(0)), *body(source, rank, f), mark)
    x = L.Loop("_x", L.Int(0), L.FloorDiv(L.Shape(source, rank - 1), f), inner)
    return L.Loop("_y", L.Int(0), L.FloorDiv(L.Shape(source, rank - 2), f), (x,))


def _takes(v: L.Expr, best: L.Expr, op: str) -> L.Expr:
    """Whether ``v`` takes the 1 from ``best``: greater, or a NaN while ``best`` is not (``op`` joins)."""
    nan = L.Logic("&" if op == "|" else "and", (L.Cmp("!=", v, v), L.Cmp("==", best, best)))
    return L.Logic(op, (L.Cmp(">", v, best), nan))


def scan(source: str, rank: int, f: L.Expr) -> tuple[L.Stmt, ...]:
    """The block's elements in row-major order, each taking the best place where :func:`_takes` says."""
    dr, dq = L.Var("_dr"), L.Var("_dq")
    take = L.If((_takes(_V, _BEST, "or"),), (L.Assign(_BEST, _V), L.Assign(_R, dr), L.Assign(_Q, dq)))
    cols = L.Loop("_dq", L.Int(0), f, (L.Assign(_V, _at(source, rank, f, dr, dq)), take))
    return (L.Loop("_dr", L.Int(0), f, (cols,)),)


def unrolled_scan(source: str, rank: int, f: L.Int) -> tuple[L.Stmt, ...]:
    """:func:`scan` for a constant factor, written out: the first element is the start, so the steps
    are the rest, and each one selects instead of branching."""
    out: list[L.Stmt] = []
    for k in range(1, f.value * f.value):
        dr, dq = L.Int(k // f.value), L.Int(k % f.value)
        out += [L.Assign(_V, _at(source, rank, f, dr, dq)),
                L.Assign(_T, _takes(_V, _BEST, "|")),
                L.Assign(_BEST, L.Select(_T, _V, _BEST)),
                L.Assign(_R, L.Select(_T, dr, _R)),
                L.Assign(_Q, L.Select(_T, dq, _Q))]
    return tuple(out)


def _row_max(source: str, target: str, rank: int) -> tuple[L.Stmt, ...]:
    lead = _lead(rank, 1)
    m = L.Var("_m")
    k = L.Loop("_k", L.Int(1), L.Shape(source, rank - 1),
               (L.Assign(m, L.Call("max", (m, L.Load(source, (*lead, L.Var("_k")))))),))
    return L.Assign(m, L.Load(source, (*lead, L.Int(0)))), k, L.Assign(L.Load(target, lead), m)
