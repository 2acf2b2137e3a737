"""The fast IR's schedules as loop trees (:mod:`.loops`), printed by :mod:`.emit`.

A kernel the passes of :func:`.render.tree_passes` do not schedule keeps the
schedule the fast IR records for it: a packed :class:`~.ir.Window` (with its
:class:`~.ir.Dot` inner products and :class:`~.ir.Split` partial sums), a
:class:`~.ir.Tile` of targets, or each term's own nest, with its hoists,
:class:`~.ir.Fill`, :class:`~.ir.Jam`, :class:`~.ir.Pack` and partial sum.
Each function here turns one of those records into statements; every record
holds loop-tree nodes, built from the frozen terms (:class:`~.ir.Frozen`) by
:mod:`.order`, :mod:`.window`, :mod:`.tile`, :mod:`.pack`, :mod:`.jam` and
:mod:`.dot`: a reduction's nest is its frozen sums (:class:`~.ir.Sum`), its
guards, hoists, body and target are expressions. :func:`dispatch` puts a
window kernel's functions together: a dispatch by the sizes and one function
a schedule (Numba compiles only those a call reaches).
"""

from __future__ import annotations

from . import ir
from . import loops as L

_DT = "_dt"
_O, _N, _NB, _R = L.Var("_o"), L.Var("_n"), L.Var("_nb"), L.Var("_r")
_ACC, _S = L.Var("_acc"), L.Var("_s")
_ZERO = L.Typed(L.Int(0), _DT)


def _set(name: str, value: L.Expr, note: str = "") -> L.Assign:
    return L.Assign(L.Var(name), value, note)


def _sets(pairs: tuple[tuple[str, L.Expr], ...]) -> tuple[L.Stmt, ...]:
    return tuple(_set(name, value) for name, value in pairs)


def loop(s: ir.Sum, body: tuple[L.Stmt, ...]) -> L.Loop:
    """``for`` over frozen sum ``s``: its range from the largest lower bound to the smallest stop."""
    return L.Loop(s.index, s.lower[0] if len(s.lower) == 1 else L.Call("max", s.lower),
                  s.stop[0] if len(s.stop) == 1 else L.Call("min", s.stop), body)


def nest(loops: tuple[ir.Sum, ...], body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    """``body`` inside ``loops``, the first outermost."""
    for lp in reversed(loops):
        body = (loop(lp, body),)
    return body


def _update(acc: L.Var | L.Load, op: str, value: L.Expr) -> L.Stmt:
    return L.Assign(acc, value) if op == "=" else L.Accumulate(acc, value)


def accumulate(t: ir.Reduction, acc: L.Var | L.Load, op: str = "+=") -> tuple[L.Stmt, ...]:
    """One term's innermost statements: its CSE temporaries, then ``acc op body`` under its guards."""
    update = _update(acc, op, t.body)
    guarded = L.If(t.guards, (update,)) if t.guards else update
    return (*_sets(t.temps), guarded)


def jam_part(j: ir.Jam) -> tuple[L.Stmt, ...]:
    """One copy set of a :class:`~.ir.Jam`: its loops around the ``pre`` values, the flat loop of
    temporaries and updates, and the stores."""
    flat = L.with_body(j.flat, (*_sets(j.temps), *(L.Accumulate(t, v) for t, v in j.updates)))
    return L.inside(j.loops, (*_sets(j.pre), flat, *j.stores))


def jammed(j: ir.Jam) -> tuple[L.Stmt, ...]:
    """A term unrolled ``j.width`` times over ``j.index`` and jammed, up to the last whole copy set."""
    width = L.Int(j.width)
    whole = L.Mul((L.FloorDiv(j.end, width), width))
    stop = whole if j.start == L.Int(0) else L.Add(
        (j.start, L.Mul((L.FloorDiv(L.Add((j.end, L.Mul((L.Int(-1), j.start)))), width), width))))
    body = jam_part(j) + (jam_part(j.rest) if j.rest else ())
    return (*_sets(j.head), _set(j.stop, stop), L.Loop(j.index, j.start, L.Var(j.stop), body, width))


def term(t: ir.Reduction, acc: L.Var | L.Load, op: str = "+=", d: int = 0) -> tuple[L.Stmt, ...]:
    """A term's loop nest from depth ``d`` on, each hoisted factor right inside the loop it depends on."""
    out: list[L.Stmt] = [_set(h.name, h.value) for h in t.hoists if h.depth == d]
    if t.fill and t.fill.depth == d:
        out += nest(t.fill.loops, (t.fill.store,))
    if t.jam and t.jam.depth == d:
        out += jammed(t.jam)
    if t.partial and d == len(t.nest) - 1:
        out += [_set("_s", _ZERO), loop(t.nest[d], accumulate(t, _S)), _update(acc, op, _S)]
    elif d < len(t.nest):
        out.append(loop(t.nest[d], term(t, acc, op, d + 1)))
    else:
        out += accumulate(t, acc, op)
    return tuple(out)


def _free(index: str, extent: L.Expr, body: tuple[L.Stmt, ...], kind: str = "serial") -> L.Loop:
    return L.Loop(index, L.Int(0), extent, body, kind=kind)


def _free_nest(k: ir.Kernel, indices: tuple[str, ...], body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    for f in reversed(indices):
        body = (_free(f, k.extent[f], body),)
    return body


def outer(k: ir.Kernel, body: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    """The free loops around one point's ``body``: the leading ``k.collapse`` fused into one ``prange``."""
    loops = k.outer
    if k.collapse == 2:
        f0, f1 = (k.extent[f] for f in loops[:2])
        split = (_set(loops[0], L.FloorDiv(_O, f1)), _set(loops[1], L.Mod(_O, f1)))
        return (L.Loop("_o", L.Int(0), L.Mul((f0, f1)), (*split, *_free_nest(k, loops[2:], body)),
                       kind="parallel"),)
    if k.collapse == 1:
        return (_free(loops[0], k.extent[loops[0]], _free_nest(k, loops[1:], body), "parallel"),)
    return _free_nest(k, loops, body)


def point(k: ir.Kernel, terms: list[tuple[ir.Reduction, str]]) -> tuple[L.Stmt, ...]:
    """What one point (one value of the outer free indices) of kernel ``k`` runs."""
    lhs = L.Load(k.target, tuple(map(L.Var, k.free)))
    if not k.accumulate:
        sums = [s for t, _ in terms for s in term(t, _ACC)]
        return (_set(_ACC.name, _ZERO), *sums, L.Assign(lhs, _ACC))
    out: list[L.Stmt] = []
    if k.init < 0:
        out += _free_nest(k, k.inner, (L.Assign(lhs, _ZERO),))
    for t, op in terms:
        if t.pack:
            out.append(L.Local("_pk", t.pack.shape, dtype=_DT))
        out += term(t, t.lhs, op)
        if t.pack:
            out += L.inside(t.pack.unpack, (t.pack.store,))
    return tuple(out)


def _ordered(k: ir.Kernel) -> list[tuple[ir.Reduction, str]]:
    """``(term, "=" or "+=")`` in the order they run: the initialising term first."""
    terms = [(t, "=" if n == k.init else "+=") for n, t in enumerate(k.terms)]
    return sorted(terms, key=lambda pair: pair[1] != "=")


def _dtype(k: ir.Kernel) -> L.Assign:
    return _set(_DT, L.DType(k.target))


def body(k: ir.Kernel) -> tuple[L.Stmt, ...]:
    """A kernel's own schedule: tiled, or the free loops around each point's terms."""
    terms = _ordered(k)
    if k.tile:
        return tiled(k, k.tile, terms)
    flats = [s for t, _ in terms if t.pack for s in _sets(t.pack.flats)] if k.accumulate else []
    return (_dtype(k), *flats, *outer(k, point(k, terms)))


def _blocks(width: int, extent: L.Expr) -> L.Expr:
    """``(extent + width - 1) // width``: the blocks of ``width`` covering ``extent``."""
    return L.FloorDiv(L.Add((extent, L.Int(width - 1))), L.Int(width))


def _fits(start: str, width: int, extent: L.Expr) -> L.Cmp:
    return L.Cmp("<=", L.Add((L.Var(start), L.Int(width))), extent)


def tiled(k: ir.Kernel, tl: ir.Tile, terms: list[tuple[ir.Reduction, str]]) -> tuple[L.Stmt, ...]:
    """Blocks of targets unrolled and jammed (:mod:`.tile`, built as loop-tree statements there); a block
    cut by an edge runs point by point."""
    w = L.Int(tl.width)
    edges = L.inside(tl.edges, point(k, terms))
    (_, p_extent), *rest = tl.blocked
    if rest:
        q_extent = rest[0][1]
        nq = L.Var("_nq")
        head = (_set("_p0", L.Mul((L.FloorDiv(_O, nq), w))), _set("_q0", L.Mul((L.Mod(_O, nq), w))))
        conds = (_fits("_p0", tl.width, p_extent), _fits("_q0", tl.width, q_extent))
        pick = L.Dispatch((L.Variant(conds, tl.whole),), edges)
        run = L.Loop("_o", L.Int(0), L.Mul((_blocks(tl.width, p_extent), nq)), (*head, pick), kind="parallel")
        return (_dtype(k), _set("_nq", _blocks(tl.width, q_extent)), run)
    pick = L.Dispatch((L.Variant((_fits("_p0", tl.width, p_extent),), tl.whole),), edges)
    run = L.Loop("_o", L.Int(0), _blocks(tl.width, p_extent), (_set("_p0", L.Mul((_O, w))), pick),
                 kind="parallel")
    return (_dtype(k), run)


def blocks_of(w: ir.Window, inside: tuple[L.Stmt, ...]) -> tuple[L.Stmt, ...]:
    """The ``prange`` of a Window over its outer indices and blocks of one, each block's target started,
    then ``inside``."""
    size = w.blocked_size
    n = L.Mul(tuple(x for _, x in w.outer)) if len(w.outer) > 1 else w.outer[0][1] if w.outer else L.Int(1)
    threads = L.FloorDiv(L.Add((L.Mul((L.Int(2), L.Var("_threads"))), _N, L.Int(-1))), _N)
    out: list[L.Stmt] = [_set("_n", n),
                         _set("_nb", L.Call("min", (size, L.Call("max", (L.Int(1), threads)))),
                              "two blocks a thread")]
    if w.split:
        out.append(L.Local("_part", (L.Mul((_N, _NB)), *w.split.shape), dtype=_DT,
                           zeroed=False, note="a slice a block"))
    split: list[L.Stmt] = [_set("_r", L.FloorDiv(_O, _NB))]
    for pos, (name, extent) in enumerate(reversed(w.outer)):
        split.append(_set(name, L.Mod(_R, extent)))
        if pos < len(w.outer) - 1:
            split.append(_set("_r", L.FloorDiv(_R, extent)))
    block_no = L.Mod(_O, _NB)
    split += [_set("_j0", L.FloorDiv(L.Mul((block_no, size)), _NB)),
              _set("_j1", L.FloorDiv(L.Mul((L.Add((block_no, L.Int(1))), size)), _NB))]
    run = L.Loop("_o", L.Int(0), L.Mul((_N, _NB)), (*split, *term(w.init, w.init.lhs, "="), *inside),
                 kind="parallel")
    return (*out, run)


def windowed(k: ir.Kernel, w: ir.Window) -> tuple[L.Stmt, ...]:
    """The packed-window schedule (:mod:`.window`): blocks of the prange each pack their windows into
    ``_pk`` and run the term; with a :class:`~.ir.Split`, the blocks' slices summed after."""
    pk = L.Local("_pk", w.buffer, dtype=_DT, zeroed=w.zeroed)
    out = [_dtype(k), *_sets(w.flats), *blocks_of(w, (pk, *term(w.term, w.term.lhs, "+=")))]
    if w.split:
        out += _summed(w.split)
    return tuple(out)


def _summed(sp: ir.Split) -> tuple[L.Stmt, ...]:
    """The blocks' slices ``_part`` summed into the split's target, one flat run at a time."""
    size = sp.size
    p, b, e = L.Var("_p"), L.Var("_b"), L.Var("_e")
    first = L.Mul((p, _NB))
    copy = L.Loop("_e", L.Int(0), size, (L.Assign(L.Load("_whole", (p, e)), L.Load("_part_f", (first, e))),))
    add = L.Loop("_e", L.Int(0), size, (L.Accumulate(L.Load("_whole", (p, e)),
                                                     L.Load("_part_f", (L.Add((first, b)), e))),))
    return (_set("_part_f", L.Reshape("_part", (L.Mul((_N, _NB)), size))),
            _set("_whole", L.Reshape(sp.target, (_N, size))),
            L.Loop("_p", L.Int(0), _N, (copy, L.Loop("_b", L.Int(1), _NB, (add,))),
                   note="the blocks' slices summed into the target"))


def dotted(k: ir.Kernel, w: ir.Window, d: ir.Dot) -> tuple[L.Stmt, ...]:
    """The inner-product schedule (:mod:`.dot`): weights packed once, in one thread (a second prange would
    cost a second outlined function to compile, for a copy of a few thousand weights); one image's
    windows a block, packed a chunk of map rows at a time into ``_pd`` and run as register blocks."""
    width, depth, row = d.width, d.depth, d.row
    weights = (L.Local("_wk", d.weights_shape, dtype=_DT, zeroed=False), d.weights)
    chunk = L.Call("max", (L.Int(1), L.FloorDiv(L.Int(d.chunk), L.Mul((width, depth)))))
    y0, y1, nf = L.Var("_y0"), L.Var("_y1"), L.Var("_nf")
    rows: list[L.Stmt] = [
        _set("_y1", L.Call("min", (row, L.Add((y0, L.Var("_yc")))))),
        _set("_nf", L.Mul((L.Add((y1, L.Mul((L.Int(-1), y0)))), width))),
        _set("_fr", L.Mul((L.FloorDiv(nf, L.Int(d.fb)), L.Int(d.fb))))]
    if w.zeroed:
        rows.append(L.Assign(L.Load("_pd", (L.Slice(), L.Slice())), L.Real(0.0)))
    rows += d.window
    rows += [L.with_body(b.j_loop, (L.with_body(b.f_loop, dot_block(b, depth)),)) for b in d.blocks]
    j0, j1 = L.Var("_j0"), L.Var("_j1")
    inside = (L.Local("_pd", (L.Mul((L.Var("_yc"), width)), depth), dtype=_DT, zeroed=False),
              _set("_jr", L.Add((j0, L.Mul((L.FloorDiv(L.Add((j1, L.Mul((L.Int(-1), j0)))), L.Int(d.jb)),
                                            L.Int(d.jb)))))),
              L.Loop("_y0", L.Int(0), row, tuple(rows), L.Var("_yc")))
    return (_dtype(k), *_sets(w.flats), *weights, _set("_yc", chunk, "the map rows a chunk packs"),
            *blocks_of(w, inside))


def dot_block(b: ir.DotBlock, depth: L.Expr) -> tuple[L.Stmt, ...]:
    """One register block of :class:`~.ir.Dot`: its sums started, the contraction, the sums stored."""
    return (*(_set(s, _ZERO) for s in b.sums), L.Loop("_r", L.Int(0), depth, (*_sets(b.loads), *b.steps)),
            *b.stores)


def dispatch(k: ir.Kernel, args: tuple[str, ...],
             blocks: tuple[tuple[tuple[L.Expr, ...], str, L.Kernel], ...], doc: tuple[str, ...]) -> L.Kernel:
    """The Python function a window kernel is: the first of its schedules whose sizes fit runs.
    ``blocks``: the register-blocked variants' conditions, notes and kernels, tried first, in order;
    each is called with its parameters (``args``, and ``_threads`` where it takes the pool's size)."""
    w, d = k.window, k.window.dot
    call = tuple(L.Var(a) for a in args)
    threads = (*call, L.Var("_threads"))
    variants = []
    for conds, note, kernel in blocks:
        variants.append(L.Variant(conds, (L.Invoke(kernel.name, tuple(map(L.Var, kernel.params))),), note))
    if d:
        conds = (L.Cmp(">=", d.depth, L.Int(d.min_depth)), L.Cmp("<=", d.size, L.Int(d.limit)))
        dot = (L.Invoke(f"{k.name}_dot", threads),)
        variants.append(L.Variant(conds, dot, "a long contraction in cache"))
    variants.append(L.Variant((L.Cmp("<=", w.size, L.Int(w.limit)),),
                              (L.Invoke(f"{k.name}_packed", threads),), "the packed windows fit in cache"))
    pick = L.Dispatch(tuple(variants), (L.Invoke(f"{k.name}_loops", call),))
    return L.Kernel(k.name, (*args, "_threads"), (pick,), doc)
