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

from collections.abc import Callable, Mapping, Sequence

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
    return L.splice(body, lambda s: unroll(s, k, taken)
                    if _innermost(s) and s.kind == "serial" and s.step == L.Int(1) else None)


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


def parallel(collapse: int) -> Pass:
    """The pass running a kernel's outermost loops over threads: the first loop (``collapse`` 1), or the
    first two fused into one loop over their product (``collapse`` 2: an index ``_o`` split back into
    both by ``//`` and ``%``, so a small first extent still fills the threads); 0 leaves it serial.

    Refused (``ValueError``) unless the loops start at 0 with unit steps, the second's bounds do not
    depend on the first, and no two iterations touch one element (:func:`_shared`)."""
    if collapse not in (0, 1, 2):
        raise ValueError(f"parallel over {collapse} loops: 0, 1 or 2")

    def run(kernel: L.Kernel) -> L.Kernel:
        if not collapse:
            return kernel
        if len(kernel.body) != 1 or not isinstance(kernel.body[0], L.Loop):
            raise ValueError(f"{kernel.name}: no outermost loop to run in parallel")
        outer = kernel.body[0]
        loops = [outer]
        if collapse == 2:
            if len(outer.body) != 1 or not isinstance(outer.body[0], L.Loop):
                raise ValueError(f"{kernel.name}: the loop over {outer.index} is not around another")
            loops.append(outer.body[0])
        for lp in loops:
            if lp.start != L.Int(0) or lp.step != L.Int(1) or lp.kind != "serial":
                raise ValueError(f"{kernel.name}: the loop over {lp.index} is not a plain range from 0")
        reason = _shared(loops[-1].body, {lp.index for lp in loops})
        if reason:
            raise ValueError(f"{kernel.name}: its iterations cannot run in parallel: {reason}")
        if collapse == 1:
            return L.Kernel(kernel.name, kernel.params, (_kind(outer, "parallel"),), kernel.doc)
        inner = loops[1]
        if outer.index in L.names(inner.stop):
            raise ValueError(f"{kernel.name}: the extent of {inner.index} depends on {outer.index}")
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        o = L.Var(fresh("_o", taken))
        split = (L.Assign(L.Var(outer.index), L.FloorDiv(o, inner.stop)),
                 L.Assign(L.Var(inner.index), L.Mod(o, inner.stop)))
        extent = L.times(outer.stop, inner.stop)
        fused = L.Loop(o.name, L.Int(0), extent, (*split, *inner.body), kind="parallel")
        return L.Kernel(kernel.name, kernel.params, (fused,), kernel.doc)

    return run


def specialized(size: str, value: int) -> Pass:
    """The pass giving a kernel that loops ``range(size)`` a second body, run where ``size == value``:
    the same body with ``size`` that constant (:func:`~.loops.fold` ed), so that LLVM unrolls those
    loops and reads with constant strides (a ``Dispatch`` on the size, like the blocks'). Both bodies
    add the same numbers in the same order. A kernel with no such loop is left as it is.

    Pooling by 2 (the factor of every preset, and the one the arg-max record unrolls): one thread,
    AMD EPYC, float32, LeNet-5's 20 maps of 24×24, the pooled sum 0.41 -> 0.10 ms and the
    up-sampled sensitivity 0.45 -> 0.14 ms."""

    def run(kernel: L.Kernel) -> L.Kernel:
        if not any(isinstance(n, L.Loop) and n.stop == L.Var(size) for n in L.walk(kernel)):
            return kernel
        fixed = L.fold(L.substitute(kernel.body, {size: L.Int(value)}))
        branch = L.Variant((L.Cmp("==", L.Var(size), L.Int(value)),), fixed, "a constant factor")
        return L.Kernel(kernel.name, kernel.params, (L.Dispatch((branch,), kernel.body),), kernel.doc)

    return run


def merged_rows(shapes: Mapping[str, Sequence[L.Expr]]) -> Pass:
    """The pass running each two perfectly nested serial loops ``y < Y``, ``x < X`` (from 0 by 1) as
    one loop over ``f < Y·X``, where the body reads ``y`` and ``x`` only as the last two indices of
    arrays whose last axis is ``X`` long (``shapes``: each array's extents): each such array is read
    through a view with its last two axes merged, ``_<array>_r``, at ``f = X·y + x``.

    One loop walks a map's rows as one contiguous run, which LLVM vectorises whole: a row of 28, 14 or
    8 positions is too short. Every element is visited in the same order as before, so each sum adds
    the same numbers in the same order: the result is bit for bit the unpassed kernel's. On one
    thread (AMD EPYC, float32, vgg's 16 maps of 28×28 and 32 of 14×14) a bias gradient summed in
    0.035 ms instead of 0.22, a ReLU's sensitivity in 0.06-0.10 ms instead of 0.14."""

    def run(kernel: L.Kernel) -> L.Kernel:
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        views: dict[str, str] = {}

        def visit(n: L.Node) -> L.Node:
            if isinstance(n, L.Loop) and _rows(n, shapes):
                return _merged(n, views, taken)
            return n

        body = L.rewrite(kernel.body, visit)
        if not views:
            return kernel
        merged = tuple(L.Assign(L.Var(view), _view(array, len(shapes[array])))
                       for array, view in views.items())
        return L.Kernel(kernel.name, kernel.params, (*merged, *body), kernel.doc)

    return run


def _rows(loop: L.Loop, shapes: Mapping[str, Sequence[L.Expr]]) -> bool:
    """Is ``loop`` (over ``y``) the whole of a ``y``, ``x`` nest that :func:`merged_rows` merges?"""
    if len(loop.body) != 1 or not isinstance(loop.body[0], L.Loop):
        return False
    inner = loop.body[0]
    y, x = loop.index, inner.index
    plain = all(lp.kind == "serial" and lp.start == L.Int(0) and lp.step == L.Int(1) for lp in (loop, inner))
    if not plain or y in L.names(inner.stop):
        return False
    at = (L.Var(y), L.Var(x))
    reads = [n for s in inner.body for n in L.walk(s) if isinstance(n, L.Load) and L.names(n) & {y, x}]
    if not reads or any(r.index[-2:] != at or any(L.names(i) & {y, x} for i in r.index[:-2])
                        or len(shapes.get(r.array, ())) != len(r.index) or shapes[r.array][-1] != inner.stop
                        for r in reads):
        return False
    rest = L.rewrite(inner.body, lambda n: L.Int(0) if isinstance(n, L.Load) and n in reads else n)
    return not any(L.names(s) & {y, x} for s in rest)


def _merged(loop: L.Loop, views: dict[str, str], taken: set[str]) -> L.Loop:
    inner = loop.body[0]
    f = L.Var(fresh("_f", taken))

    def visit(n: L.Node) -> L.Node:
        if isinstance(n, L.Load) and n.index[-2:] == (L.Var(loop.index), L.Var(inner.index)):
            if n.array not in views:
                views[n.array] = fresh(f"_{n.array}_r", taken)
            return L.Load(views[n.array], (*n.index[:-2], f))
        return n

    return L.Loop(f.name, L.Int(0), L.times(loop.stop, inner.stop), L.rewrite(inner.body, visit))


def _view(array: str, rank: int) -> L.Reshape:
    """``array.reshape(…, array.shape[-2]·array.shape[-1])``: its last two axes as one."""
    lead = tuple(L.Shape(array, k) for k in range(rank - 2))
    return L.Reshape(array, (*lead, L.Mul((L.Shape(array, rank - 2), L.Shape(array, rank - 1)))))


def _kind(loop: L.Loop, kind: str) -> L.Loop:
    return L.Loop(loop.index, loop.start, loop.stop, loop.body, loop.step, kind)


def _shared(body: tuple[L.Stmt, ...], indices: set[str]) -> str | None:
    """Why iterations over ``indices`` of ``body`` would share an element, or ``None``: every array it
    stores into is stored at elements indexed by all of ``indices`` and not read (a scalar the body
    sets is each iteration's own: Numba's ``prange`` makes it private)."""
    nodes = [n for s in body for n in L.walk(s)]
    read = {r for s in body for r in reads(s)}
    for s in (n for n in nodes if isinstance(n, (L.Assign, L.Accumulate))):
        if isinstance(s.target, L.Var):
            continue
        if s.target.array in read:
            return f"{s.target.array} is read where it is written"
        if not {L.Var(i) for i in indices} <= set(s.target.index):
            return f"{s.target.array} is stored at an element not indexed by {sorted(indices)}"
    return None


def common(kernel: L.Kernel) -> L.Kernel:
    """The pass naming each subexpression a store computes more than once: ``_tN = e`` right before the
    store, which then reads ``_tN`` (common subexpression elimination, as SymPy's ``cse`` does for the
    fast IR's schedules). The largest repeated subexpression is named first; names and array reads are
    not, as they cost nothing to repeat."""
    taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
    stores = (L.Assign, L.Accumulate)
    body = L.splice(kernel.body, lambda s: _named(s, taken) if isinstance(s, stores) else None)
    return L.Kernel(kernel.name, kernel.params, body, kernel.doc)


_CHEAP = (L.Var, L.Load, L.Int, L.Rat, L.Real, L.Shape)


def _named(s: L.Assign | L.Accumulate, taken: set[str]) -> list[L.Stmt]:
    """``s`` preceded by the temporaries of its value's repeated subexpressions."""
    temps: list[L.Stmt] = []
    value = s.value
    while True:
        seen: dict[L.Node, int] = {}
        for n in L.walk(value):
            if not isinstance(n, _CHEAP):
                seen[n] = seen.get(n, 0) + 1
        repeated = [n for n, c in seen.items() if c > 1]
        if not repeated:
            break
        best = max(repeated, key=lambda n: sum(1 for _ in L.walk(n)))
        name = fresh("_t", taken)
        temps.append(L.Assign(L.Var(name), best))
        value = L.rewrite(value, lambda n, best=best, name=name: L.Var(name) if n == best else n)
    return [*temps, type(s)(s.target, value)]


def typed_locals(like: str) -> Pass:
    """The pass giving every zero-filled local without a dtype array ``like``'s (a float32 kernel
    accumulates in float32, as the fast IR's schedules do)."""

    def visit(n: L.Node) -> L.Node:
        return L.Local(n.name, n.shape, like) if isinstance(n, L.Local) and n.like is None else n

    def run(kernel: L.Kernel) -> L.Kernel:
        return L.rewrite(kernel, visit)

    return run


def hoist(like: str) -> Pass:
    """The pass computing each factor of a sum's product right inside the deepest of the sum's loops it
    depends on [B7].

    A sum is a chain of loops and guards, each the whole body of the one around it, ending in one
    ``acc += f₁·f₂·…`` (into a local, or an array element where the sum runs in place). The factors
    that depend on none of the chain's loops are multiplied into ``_h`` before it, those that depend
    on the first loop only into ``_h1`` right inside it (``_h`` times them), and so on; the innermost
    product starts with the last. Each hoisted product is cast to ``like``'s dtype
    (:class:`~.loops.Cast`), so a float32 kernel stays float32.
    The products are the same numbers, multiplied in another grouping."""

    def run(kernel: L.Kernel) -> L.Kernel:
        taken = set(L.names(kernel)) | set(kernel.params) | L.written(kernel)
        return L.Kernel(kernel.name, kernel.params, _hoist_block(kernel.body, like, taken), kernel.doc)

    return run


def _hoist_block(body: tuple[L.Stmt, ...], like: str, taken: set[str]) -> tuple[L.Stmt, ...]:
    def replace(s: L.Stmt) -> list[L.Stmt] | None:
        chain = _chain(s)
        return None if chain is None else _hoisted(s, chain, like, taken)

    return L.splice(body, replace)


def _chain(s: L.Stmt) -> list[L.Loop] | None:
    """The loops of a sum starting at ``s`` (:func:`hoist`), or ``None`` where ``s`` is not one: loops and
    guards, each the whole body of the one around it, down to one accumulation."""
    loops: list[L.Loop] = []
    while isinstance(s, (L.Loop, L.If)) and len(s.body) == 1:
        loops += [s] if isinstance(s, L.Loop) else []
        s = s.body[0]
    return loops if loops and isinstance(s, L.Accumulate) else None


def _hoisted(s: L.Loop, chain: list[L.Loop], like: str, taken: set[str]) -> list[L.Stmt]:
    indices = [lp.index for lp in chain]
    step = next(n for n in L.walk(s) if isinstance(n, L.Accumulate))
    factors = step.value.factors if isinstance(step.value, L.Mul) else (step.value,)
    at: dict[int, list[L.Expr]] = {}
    for f in factors:
        used = L.names(f) & set(indices)
        at.setdefault(max((indices.index(u) + 1 for u in used), default=0), []).append(f)
    inner = len(indices)
    named: dict[int, L.Assign] = {}
    carried: L.Expr | None = None
    for d in sorted(at):
        if d == inner:
            break
        product = ([carried] if carried is not None else []) + at[d]
        carried = L.Var(fresh(f"_h{d or ''}", taken))
        named[d] = L.Assign(carried, L.Cast(product[0] if len(product) == 1 else L.Mul(tuple(product)), like))
    if not named:
        return [s]
    rest = ([carried] if carried is not None else []) + at.get(inner, [])
    value = rest[0] if len(rest) == 1 else L.Mul(tuple(rest))

    def rebuild(n: L.Stmt, depth: int) -> tuple[L.Stmt, ...]:
        if isinstance(n, L.Loop):
            body = rebuild(n.body[0], depth + 1)
            n = L.with_body(n, ((named[depth + 1],) if depth + 1 in named else ()) + body)
            return (n,)
        if isinstance(n, L.If):
            return (L.with_body(n, rebuild(n.body[0], depth)),)
        return (L.Accumulate(n.target, value),)

    return [*((named[0],) if 0 in named else ()), *rebuild(s, 0)]


def in_place(outer: int = 0) -> Pass:
    """The pass summing straight into the target, its free loops but the first ``outer`` innermost: a
    plain nest ``for free: acc = 0; Σ… acc += v; target[free] = acc`` becomes, inside the ``outer``
    loops, ``for rest: target[free] = 0`` and, for each sum, ``Σ… for rest: target[free] += v`` (the
    loop order a target read along its last axis wants, every element added in the same order).

    Refused (``ValueError``) unless the kernel is such a nest whose sums are chains of loops
    (:func:`hoist`) with bounds free of the free indices, and the free loops' bounds free of the sums'
    indices."""

    def run(kernel: L.Kernel) -> L.Kernel:
        return _in_place(kernel, outer)

    return run


def _in_place(kernel: L.Kernel, outer: int) -> L.Kernel:
    free: list[L.Loop] = []
    body = kernel.body
    while len(body) == 1 and isinstance(body[0], L.Loop):
        free.append(body[0])
        body = body[0].body
    if len(body) < 3 or len(free) < outer or not isinstance(body[0], L.Local) or body[0].shape \
            or not isinstance(body[-1], L.Assign) or body[-1].value != L.Var(body[0].name):
        raise ValueError(f"{kernel.name}: not a sum into a local stored at each point")
    kept, free = free[:outer], free[outer:]
    acc, store = body[0].name, body[-1].target
    indices = {lp.index for lp in free}
    extents = frozenset().union(*(L.names(lp.start) | L.names(lp.stop) for lp in free))

    def sunk(s: L.Stmt) -> L.Stmt:
        if isinstance(s, L.Loop):
            if (L.names(s.start) | L.names(s.stop) | L.names(s.step)) & indices or s.index in extents:
                raise ValueError(f"{kernel.name}: the loop over {s.index} and the free loops are tied")
            return L.with_body(s, (sunk(s.body[0]),))
        return L.inside(free, (into_target(s),))[0]

    def into_target(s: L.Stmt) -> L.Stmt:
        if isinstance(s, L.If):
            return L.with_body(s, (into_target(s.body[0]),))
        if isinstance(s, L.Accumulate) and s.target == L.Var(acc):
            return L.Accumulate(store, s.value)
        raise ValueError(f"{kernel.name}: a sum that is not a chain of loops")

    sums = []
    for s in body[1:-1]:
        if _chain(s) is None:
            raise ValueError(f"{kernel.name}: a sum that is not a chain of loops")
        sums.append(sunk(s))
    out = (*L.inside(free, (L.Assign(store, L.Cast(L.Int(0), store.array)),)), *sums)
    return L.Kernel(kernel.name, kernel.params, L.inside(kept, out), kernel.doc)


def outlined(kernel: L.Kernel, name: str) -> tuple[L.Kernel, L.Kernel]:
    """``kernel`` with the body of its parallel loop moved into kernel ``name`` (called once an
    iteration with the loop index and every name the body reads from outside it), and that kernel.

    Numba's parallel passes copy and propagate the whole body of a ``prange`` once per block of it:
    over a register block's hundreds of named scalars. On the AMD EPYC here an 8 × 16 outer-product
    block compiled in 66 s with its body in the loop and in 25 s outlined; an 8 × 8 one in 30 s and
    12.5 s."""
    ((k, loop),) = [(k, s) for k, s in enumerate(kernel.body)
                    if isinstance(s, L.Loop) and s.kind == "parallel"]
    outside = set(kernel.params) | {n for s in kernel.body[:k] for n in L.written(s)}
    params = tuple(sorted((_referenced(loop.body) & outside) | {loop.index}))
    call = L.Invoke(name, tuple(L.Var(p) for p in params))
    body = (*kernel.body[:k], L.with_body(loop, (call,)), *kernel.body[k + 1:])
    doc = (f"One iteration of {kernel.name}'s parallel loop over {loop.index}, compiled as a",
           "function of its own (codegen/passes.py, outlined).", *kernel.doc[2:])
    inner = L.Kernel(name, params, loop.body, doc)
    return L.Kernel(kernel.name, kernel.params, body, kernel.doc), inner


def _referenced(body: tuple[L.Stmt, ...]) -> frozenset[str]:
    """Every name ``body`` reads: scalars, arrays, and the locals a type or an allocation is read from."""
    out: set[str] = set()
    for s in body:
        for n in L.walk(s):
            if isinstance(n, L.Var):
                out.add(n.name)
            elif isinstance(n, (L.Load, L.Shape, L.Reshape)):
                out.add(n.array)
            elif isinstance(n, (L.Cast, L.DType)):
                out.add(n.like)
            elif isinstance(n, L.Typed):
                out.add(n.dtype)
            elif isinstance(n, L.Local):
                out |= {v for v in (n.like, n.dtype) if v}
    return frozenset(out)
