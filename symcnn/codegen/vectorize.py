"""The NumPy lowering: each IR term becomes strided views of its arrays and a plan of BLAS products.

An access ``A[e_0, …]`` with every ``e_k`` affine in the term's indices is a
strided view ``V[u, v, …]`` of ``A`` (``as_strided``; the array is
zero-padded first where the indices leave it — the 'full' bounds of a
correlation's adjoint); an axis read at ``floor(u / n)`` is a ``repeat``
first. A term's factors are operands over their indices; the sum over its
reduction indices is planned here, at generation time, as a sequence of
steps printed as plain NumPy:

* factors read at identical indices from arrays of one shape are multiplied
  as whole arrays first (max pooling's ``S·X``), so their window is read once;
* an index only one operand carries, and the target lacks, is summed
  there (``.sum(axis=…)``); over a window view, by adding one slice of the
  array per value of the summed indices (``window_sum`` of :mod:`symcnn.support.numpy_ops`;
  no padding, no copy);
* two operands with no index to sum between them multiply by broadcasting;
* otherwise the pair is one matrix product: each operand laid out as
  ``(batch, free, summed)`` (a view is built in that order; an array is
  reshaped, transposed only when its axes are not already in two blocks),
  reshaped to a matrix (for a window view this copy is the im2col), and
  multiplied with ``@``, so BLAS does the work;
* operands over target indices only multiply the result afterwards.

The pair contracted first is the one with the smallest result (fewest
axes), then the most indices summed. Where a window can be contracted
products first (:meth:`_Term.scatter`), both plans are printed and the
module picks one by the sizes at run time (:func:`symcnn.support.numpy_ops.windows_first`):
each plan's cost is the elements its products write and its window copies
and window sums read, a sum of products of the sizes (the windows of a window
product counted by :func:`symcnn.support.numpy_ops.window_moved`, which knows
whether they go on flat rows, within a core's cache). A loop bound that padding does not
already enforce becomes a 0/1 mask operand over the indices it mentions;
guards likewise. Terms without sums are plain broadcast expressions. No
Python loop runs over pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import GeneratedCodeError
from .ir import Access, Code, Index, Kernel, RecordKernel, Reduction, filled, number
from .text import environment, kernel_docstring
from .ufuncs import BUFFER, Step, render

ZERO, ONE = number(0), number(1)


@dataclass(frozen=True)
class VTerm:
    """One term as NumPy source: setup assignments, then the value added to (or stored in) the target.

    ``into``: ufunc steps (:mod:`.ufuncs`) that store the value in the target
    without temporaries, for an elementwise term; empty where it has none.
    ``windows``: the same term with its windows unfolded (im2col) where this one
    contracts products first; ``cost`` and ``windows.cost``, the elements each
    plan moves, decide between them at run time.
    """

    setup: tuple[tuple[str, str], ...]
    value: str
    into: tuple[Step, ...] = ()
    cost: str = ""
    windows: VTerm | None = None

    def stored(self, target: str) -> list[str]:
        """Statements storing the value in ``target``: the ufunc chain, or one assignment."""
        return render(self.into, target) if self.into else [f"{target}[...] = {self.value}"]


@dataclass(frozen=True)
class VKernel:
    """A kernel for the NumPy backend: the IR kernel and its terms as views and products."""

    kernel: Kernel
    terms: tuple[VTerm, ...]

    @property
    def whole_arrays(self) -> bool:
        """Is every term one expression over whole arrays, no view, index grid, product or scratch
        buffer computed first (what a Numba module can call without NumPy's helpers)?"""
        return not any(t.setup for t in self.terms)


class _Names:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, prefix: str) -> str:
        self.count += 1
        return f"_{prefix}{self.count - 1}"


@dataclass
class _Operand:
    """An array over ``axes``: ``src`` already computed, or an ``access`` to view in any order."""

    axes: list[str]
    src: str = ""
    access: Access | None = None
    post: bool = field(default=False)
    padded: str = ""  # the array's last axis holds zeros from this extent on (a padded product)


def vectorize(k: Kernel) -> VKernel:
    """Turn every term of ``k`` into views plus products (or a broadcast expression)."""
    names = _Names()
    extent = dict(zip(k.free, k.shape))
    return VKernel(k, tuple(_Term(k, t, extent, names).build() for t in k.terms))


def _tuple(parts: list[str]) -> str:
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _product(extents: list[Code]) -> str:
    return " * ".join(e.factor for e in extents) if extents else "1"


def _plain_index(u: str) -> Index:
    """Index ``u`` itself, as an axis of an access."""
    return Index(((u, ONE),), ZERO, ONE, u)


def _view_args(a: Access, order: list[str], starts: dict, extents: dict, kernel: str) -> str:
    """``A, axes, ranges``: the arguments of ``_ops.view`` and ``_ops.window_sum``, reading ``a``."""
    axes = []
    for ix in a.index:
        if not ix.affine:
            raise GeneratedCodeError(
                f"{kernel}: index {ix.text} of {a.array} is not affine; the NumPy backend cannot view it"
            )
        coeffs = _tuple([f"({order.index(u)}, {c})" for u, c in ix.coeffs])
        axes.append(f"({ix.offset}, {coeffs}, {ix.divisor})")
    used = {u for ix in a.index for u, _ in ix.coeffs}
    ranges = [f"({starts[u]}, {extents[u]})" if u in used else "(0, 1)" for u in order]
    return f"{a.array}, {_tuple(axes)}, {_tuple(ranges)}"


def _align(src: str, axes: list[str], target: list[str]) -> str:
    """``src`` over ``axes`` (a subset of ``target``), with unit axes to broadcast as ``target``."""
    ordered = sorted(axes, key=target.index)
    if ordered != axes:
        src = f"{src}.transpose({', '.join(str(axes.index(u)) for u in ordered)})"
    keep = [u in axes for u in target]
    while keep and not keep[0]:
        keep.pop(0)
    if not all(keep):
        src = f"{src}[{', '.join(':' if k else 'None' for k in keep)}]"
    return src


def _plain(a: Access, starts: dict, extents: dict) -> bool:
    """Does ``a`` read its whole array at distinct plain indices (no view needed)?"""
    seen = set()
    for ix, n in zip(a.index, a.extents):
        u = ix.plain
        if u is None or u in seen or starts[u].value != 0 or extents[u] != n:
            return False
        seen.add(u)
    return len(a.index) == len(a.extents) and bool(a.index)


class _Term:
    """The plan of one term, built as a list of ``name = source`` steps."""

    def __init__(self, k: Kernel, t: Reduction, extent: dict[str, str], names: _Names) -> None:
        self.k, self.t, self.names = k, t, names
        self.starts = {f: ZERO for f in k.free}
        self.extents = dict(extent)
        for lp in t.loops:
            self.starts[lp.index], self.extents[lp.index] = lp.declared
        self.extent = extent
        self.free = list(k.free)
        self.order = self.free + [lp.index for lp in t.loops]
        self.products_first = True  # may a window be contracted products first (scatter)?
        self.scattered = False  # was one?
        self.moved: list[str] = []  # the elements each product writes, each window copy or sum reads
        self.keep = self.free  # the indices the contraction in progress must not sum
        self.pad: dict[str, tuple[str, str]] = {}  # an axis of the last product: (extent, padded extent)
        self.setup: list[tuple[str, str]] = []

    def emit(self, prefix: str, value: str | Callable[[str], str]) -> str:
        """A temporary ``_<prefix><n> = value``; a callable ``value`` is given the temporary's name
        (for the scratch keys :meth:`key` makes of it)."""
        name = self.names(prefix)
        self.setup.append((name, value(name) if callable(value) else value))
        return name

    def key(self, name: str, part: str = "") -> str:
        """The scratch-buffer key of temporary ``name`` (and of its ``part``), as a string literal."""
        return f'"{self.k.name}.{name}{"." + part if part else ""}"'

    def view(self, a: Access, order: list[str]) -> str:
        """A temporary ``_ops.view(A, axes, ranges, key)`` reading ``a`` over the index axes ``order``."""
        args = _view_args(a, order, self.starts, self.extents, self.k.name)
        return self.emit("v", lambda name: f"_ops.view({args}, {self.key(name)})")

    def evaluate(self, template: str, accesses, indices, order: list[str]) -> str:
        """A factor's NumPy expression over ``order``: accesses as arrays or views, indices as grids."""
        return filled(template, self.operands(accesses, indices, order))

    def operands(self, accesses, indices, order: list[str]) -> dict[str, str]:
        """What each placeholder of a factor stands for: arrays, views (emitted here) and index grids."""
        subst = {}
        for j, a in enumerate(accesses):
            axes = [u for ix in a.index for u, _ in ix.coeffs]
            if _plain(a, self.starts, self.extents) and set(axes) <= set(order):
                subst[f"_r{j}_"] = _align(a.array, axes, order)
                continue
            subst[f"_r{j}_"] = self.view(a, order)
        for u in indices:
            subst[f"_g_{u}_"] = self.emit(
                "g", f"_ops.grid({self.starts[u]}, {self.extents[u]}, {order.index(u)}, {len(order)})"
            )
        return subst

    def inplace(self, operands: list[dict[str, str]]) -> tuple[Step, ...]:
        """The elementwise term as ufunc steps into the target: its one computed factor's chain (else
        the product of its first two factors), then a multiply by each other factor (``operands``:
        each factor's placeholders). Empty for a plain copy, or when a second factor is computed
        too, a guard masks it, or it reads the target itself."""
        t = self.t
        if t.guard_masks or any(a.array == self.k.target for f in t.factors for a in f.accesses):
            return ()
        if any(f.chain is None for f in t.factors):
            return ()
        leaf = {n: filled(f.chain[0][1][0], operands[n]) for n, f in enumerate(t.factors)
                if len(f.chain) == 1 and f.chain[0][0] == "positive"}
        computed = [n for n in range(len(t.factors)) if n not in leaf]
        if len(computed) > 1 or (not computed and len(leaf) < 2):
            return ()
        if computed:
            (first,) = computed
            chain = t.factors[first].chain
            steps = [(name, tuple(filled(o, operands[first]) for o in ops)) for name, ops in chain]
            rest = list(leaf.values())
        else:  # arrays before numbers, so the first product already has the target's shape
            order = sorted(leaf, key=lambda n: not t.factors[n].accesses)
            steps = [("multiply", (leaf[order[0]], leaf[order[1]]))]
            rest = [leaf[n] for n in order[2:]]
        return tuple(steps) + tuple(("multiply", (BUFFER, v)) for v in rest)

    def build(self) -> VTerm:
        t = self.t
        if not t.loops:
            operands = [self.operands(f.accesses, f.indices, self.free) for f in t.factors]
            parts = [filled(f.array, o) for f, o in zip(t.factors, operands)]
            parts += [f"({self.evaluate(c.array, (), c.indices, self.free)})" for c in t.guard_masks]
            value = " * ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]
            return VTerm(tuple(self.setup), value, self.inplace(operands))
        summed = [lp.index for lp in t.loops]
        ops: list[_Operand] = []
        scale: list[str] = []
        for f in t.factors:
            mentioned = {v for a in f.accesses for ix in a.index for v, _ in ix.coeffs} | set(f.indices)
            used = [u for u in self.order if u in mentioned]
            if not used:  # a number: sizes, or array entries at constant indices
                value = filled(f.array, {f"_r{j}_": a.text for j, a in enumerate(f.accesses)})
                scale.append(value if f.atom else f"({value})")
            elif f.array == ("", "_r0_", "") and len(f.accesses) == 1 and not f.indices:
                a = f.accesses[0]
                if _plain(a, self.starts, self.extents):
                    ops.append(_Operand([ix.coeffs[0][0] for ix in a.index], src=a.array))
                else:
                    ops.append(_Operand(used, access=a))
            else:
                value = self.evaluate(f.array, f.accesses, f.indices, used)
                ops.append(_Operand(used, src=self.emit("f", value)))
        ops = self.fuse(ops)
        masks = [c for lp in t.loops for c in lp.constraints if not c.implied] + list(t.guard_masks)
        for c in masks:
            axes = [u for u in self.order if u in c.indices]
            src = self.evaluate(c.array, (), c.indices, axes)
            ops.append(_Operand(axes, src=self.emit("m", f"({src}).astype({self.k.target}.dtype)")))
        covered = {u for op in ops for u in op.axes}
        scale += [self.extents[u].factor for u in summed if u not in covered]
        if any(set(op.axes) & set(summed) for op in ops):
            for op in ops:
                op.post = not (set(op.axes) & set(summed))
        result = self.contract(self.scatter([op for op in ops if not op.post]))
        last = result + [op for op in ops if op.post]
        parts = [_align(self.materialize(op), op.axes, self.free) for op in last]
        if scale:
            parts.insert(0, scale[0] if len(scale) == 1 else "(" + " * ".join(scale) + ")")
        value = " * ".join(parts) if parts else "0.0"
        if not self.scattered:
            return VTerm(tuple(self.setup), value, cost=self.moved_cost())
        unfolded = _Term(self.k, t, self.extent, self.names)
        unfolded.products_first = False
        return VTerm(tuple(self.setup), value, cost=self.moved_cost(), windows=unfolded.build())

    def moved_cost(self) -> str:
        """The elements this plan moves, as source: a sum of products of sizes."""
        return " + ".join(self.moved) if self.moved else "0"

    # -- the contraction plan --------------------------------------------------------------------

    def fuse(self, ops: list[_Operand]) -> list[_Operand]:
        """Factors read at the same indices from arrays of one shape multiply first, as whole arrays.

        ``Σ_ab S[n,c,sy+a,sx+b]·X[n,c,sy+a,sx+b]`` is then one elementwise product
        and one window sum, not two windows contracted as many tiny matrix products.
        """
        def read(op: _Operand) -> tuple | None:
            return None if op.access is None else (op.access.index, op.access.extents)

        kept: list[_Operand] = []
        for op in ops:
            twin = next((o for o in kept if read(op) is not None and read(o) == read(op)), None)
            if twin is None:
                kept.append(op)
                continue
            a, b = twin.access.array, op.access.array
            both = self.emit("f", lambda name, a=a, b=b: f"np.multiply({a}, {b}, "
                             f"out=_ops.scratch({self.key(name)}, {a}.shape, {a}.dtype))")
            twin.access = Access(both, twin.access.index, twin.access.extents)
        return kept

    def materialize(self, op: _Operand, order: list[str] | None = None) -> str:
        """``op`` as an array over ``order`` (default: its own axes); views are built here."""
        order = list(op.axes) if order is None else order
        if op.access is not None:
            return self.view(op.access, order)
        return _align(op.src, op.axes, order) if order != op.axes else op.src

    def scatter(self, ops: list[_Operand]) -> list[_Operand]:
        """A 'full' correlation as products first, window last: a smaller copy when it sums other indices.

        ``Σ_{j,a} K[i,j,a] dU[n,j,p-a]`` gathered directly copies a window of
        ``dU`` over ``(n,p,j,a)``. Reading ``dU`` at a fresh index ``w = p - a``
        instead, the sum over ``j`` is one product ``R[n,i,w,a]``; the window
        ``R[n,i,p-a,a]`` (zero-padded where ``p - a`` leaves it) then sums over
        ``a`` alone, a copy smaller by the extent of ``j``. Applied to a window
        over bounded ('full') loops when its operand also sums an index it shares,
        but not where a short free index (a kernel tap) moves the window along a
        long summed one (map rows): a 'same' kernel gradient,
        ``Σ_y X[…, a + y - R] dU[…, y]``, whose products first would pair every
        row of ``X`` with every row of ``dU``. (A strided input sensitivity,
        ``Σ_y K[…, p - s·y] dU[…, y]``, windows the kernel's short axis: kept.)
        """
        if not self.products_first:
            return ops
        bounded = {lp.index for lp in self.t.loops if lp.constraints}
        for n, op in enumerate(ops):
            if op.access is None:
                continue
            others = {u for o in ops if o is not op for u in o.axes}
            mixed = {}
            for k, ix in enumerate(op.access.index):
                names = [u for u, _ in ix.coeffs]
                outer = [u for u, c in ix.coeffs if u in self.free and c.value in (1, -1)]
                rows = (set(names) - set(outer)) & set(self.k.long) and outer and outer[0] not in self.k.long
                if (ix.affine and ix.divisor.value == 1 and len(outer) == 1 and outer[0] not in others
                        and len(names) > 1 and set(names) - set(outer) <= bounded and not rows):
                    mixed[k] = outer[0]
            # the free index must vanish from the read with its axis: not one it also reads elsewhere
            elsewhere = {u for k, ix in enumerate(op.access.index) if k not in mixed for u, _ in ix.coeffs}
            mixed = {k: u for k, u in mixed.items() if u not in elsewhere}
            inner = {u for k, ix in enumerate(op.access.index) if k in mixed for u, _ in ix.coeffs}
            shared = [u for u in op.axes if u not in self.free and u not in inner and u in others]
            if not mixed or not shared or len(set(mixed.values())) < len(mixed):
                continue
            fresh = {k: f"_w{n}_{k}" for k in mixed}
            for k, w in fresh.items():
                self.order.append(w)
                self.starts[w], self.extents[w] = ZERO, op.access.extents[k]
            index = tuple(
                _plain_index(fresh[k]) if k in mixed else ix
                for k, ix in enumerate(op.access.index)
            )
            read = Access(op.access.array, index, op.access.extents)
            plain = _plain(read, self.starts, self.extents)
            if plain:  # the array as stored: its axes in the order it holds them, whatever that is
                first = _Operand([ix.coeffs[0][0] for ix in index], src=read.array)
            else:
                axes = [u for u in self.order if u in {v for ix in index for v, _ in ix.coeffs}]
                first = _Operand(axes, access=read)
            keep = [u for u in self.free if u not in mixed.values()]
            # the summed window indices outermost and the fresh ones innermost: the window copy then reads
            # along the product's contiguous rows
            taps = sorted(inner - set(mixed.values()), key=self.order.index)
            self.keep = taps + keep + list(fresh.values())
            # the product's rows padded with zeros to the target's rows: each tap is then added as one run
            last = len(index) - 1
            step = dict(op.access.index[last].coeffs).get(self.free[-1])
            if mixed.get(last) == self.free[-1] and step.value == 1:
                self.pad = {fresh[last]: (op.access.extents[last], self.extents[self.free[-1]])}
            (r,) = self.contract(ops[:n] + [first] + ops[n + 1 :])
            self.keep, self.pad, self.scattered = self.free, {}, True
            back = {w: op.access.index[k] for k, w in fresh.items()}
            index = tuple(back.get(u, _plain_index(u)) for u in r.axes)
            window = Access(r.src, index, tuple(self.extents[u] for u in r.axes))
            read_axes = {v for ix in index for v, _ in ix.coeffs}
            return [_Operand([u for u in self.order if u in read_axes], access=window, padded=r.padded)]
        return ops

    def contract(self, ops: list[_Operand]) -> list[_Operand]:
        """Sum every reduction index out of ``ops``, pairwise; what remains is over target indices only."""
        ops = list(ops)
        while True:
            for i, op in enumerate(ops):
                others = {u for j, o in enumerate(ops) if j != i for u in o.axes}
                lone = [u for u in op.axes if u not in self.keep and u not in others]
                if lone:
                    ops[i] = self.sum_out(op, lone)
            if len(ops) < 2:
                return ops
            pairs = [(i, j) for i in range(len(ops)) for j in range(i + 1, len(ops))]
            i, j = min(pairs, key=lambda p: self.cost(ops, *p))
            merged = self.pair(ops[i], ops[j], ops[:i] + ops[i + 1 : j] + ops[j + 1 :])
            ops = [o for n, o in enumerate(ops) if n not in (i, j)] + [merged]

    def kept(self, a: _Operand, b: _Operand, rest: list[_Operand]) -> set[str]:
        return set(self.keep) | {u for o in rest for u in o.axes}

    def cost(self, ops: list[_Operand], i: int, j: int) -> tuple[int, int, int]:
        rest = ops[:i] + ops[i + 1 : j] + ops[j + 1 :]
        a, b = ops[i], ops[j]
        keep = self.kept(a, b, rest)
        both = set(a.axes) & set(b.axes)
        out = (set(a.axes) | set(b.axes)) - (both - keep)
        return (not both, len(out), -len(both - keep))

    def sum_out(self, op: _Operand, lone: list[str]) -> _Operand:
        rest = [u for u in op.axes if u not in lone]
        if op.access is None:
            where = _tuple([str(op.axes.index(u)) for u in lone])
            return _Operand(rest, src=self.emit("t", f"{op.src}.sum(axis={where})"))
        # a window: one slice added per value of the summed indices where the reads are slices,
        # else copied once as (summed, rest) and its rows added (NumPy sums strided small axes slowly)
        args = _view_args(op.access, lone + rest, self.starts, self.extents, self.k.name)
        self.moved.append(_product([self.extents[u] for u in lone + rest]))
        zeros = f", zeros_from={op.padded}" if op.padded else ""
        return _Operand(rest, src=self.emit(
            "t", lambda name: f"_ops.window_sum({args}, {len(lone)}, {self.key(name)}{zeros})"))

    def pair(self, a: _Operand, b: _Operand, rest: list[_Operand]) -> _Operand:
        keep = self.kept(a, b, rest)
        both = [u for u in self.order if u in a.axes and u in b.axes]
        summed = [u for u in both if u not in keep]
        if not summed:  # a broadcast product
            if len(a.axes) > len(b.axes):
                a, b = b, a
            order_b = b.axes if b.access is None else [u for u in self.order if u in b.axes]
            axes = order_b + [u for u in a.axes if u not in order_b]
            left = _align(self.materialize(a), a.axes, axes)
            right = _align(self.materialize(b, order_b), order_b, axes)
            return _Operand(axes, src=self.emit("t", f"{left} * {right}"))
        batch = [u for u in both if u in keep]
        # the left operand is the one holding the first target index, so the result is nearer target order
        first = min((u for u in a.axes + b.axes if u in self.keep and u not in both),
                    key=self.keep.index, default=None)
        if first is not None and first in b.axes:
            a, b = b, a
        fixed = [o for o in (a, b) if o.access is None]
        if fixed:
            summed = sorted(summed, key=fixed[0].axes.index)
            batch = sorted(batch, key=fixed[0].axes.index)
        rank = {u: n for n, u in enumerate(self.keep + [u for u in self.order if u not in self.keep])}
        fa = sorted((u for u in a.axes if u not in both), key=lambda u: rank[u])
        fb = sorted((u for u in b.axes if u not in both), key=lambda u: rank[u])
        shape = [self.extents[u] for u in batch + fa + fb]
        pad = self.pad.get(fb[-1]) if fb and not rest else None
        if not batch and not pad and (a.access is None) != (b.access is None):
            return self.window_product(a, b, fa, summed, fb, shape)
        left = self.matrix(a, batch, fa, summed)
        right = self.matrix(b, batch, summed, fb)
        self.moved.append(_product(shape))
        if pad:  # the last product of a 'full' correlation: its rows padded if short (see scatter)
            shape[-1] = "-1"
        padding = f", pad=({pad[0]}, {pad[1]})" if pad else ""
        dims = ", ".join(shape) if shape else "()"

        def value(name: str) -> str:
            return f"_ops.product({left(name)}, {right(name)}, {self.key(name)}{padding}).reshape({dims})"

        return _Operand(batch + fa + fb, src=self.emit("t", value), padded=pad[0] if pad else "")

    def window_product(self, a: _Operand, b: _Operand, fa: list[str], summed: list[str], fb: list[str],
                       shape: list[Code]) -> _Operand:
        """The product of a window view and an array, as one ``_ops.window_product``: the view's
        axes, offsets and ranges go to it as they would to ``window_matrix``, so at run time it may
        take a correlation's windows a few images at a time on flat rows instead of unfolding them
        all (:func:`symcnn.support.numpy_ops.window_product`)."""
        first = a.access is not None
        window, other = (a, b) if first else (b, a)
        order = fa + summed if first else summed + fb
        args = _view_args(window.access, order, self.starts, self.extents, self.k.name)
        rows = len(fa) if first else len(summed)
        self.moved.append(f"_ops.window_moved({args}, {rows})")  # fewer where its windows are on flat rows
        matrix = self.matrix(other, [], summed, fb) if first else self.matrix(other, [], fa, summed)
        self.moved.append(_product(shape))
        dims = ", ".join(shape) if shape else "()"

        def value(name: str) -> str:
            return (f"_ops.window_product({args}, {rows}, {matrix(name)}, {first}, {self.key(name)})"
                    f".reshape({dims})")

        return _Operand(fa + fb, src=self.emit("t", value))

    def matrix(self, op: _Operand, batch: list[str], rows: list[str], cols: list[str]) -> Callable[[str], str]:  # noqa: E501
        """``op`` as a (batch ×) rows × cols matrix: a reshape, a transposed reshape, or a copy (whose
        scratch key is made of the name of the product it feeds, given to the returned function)."""
        size = [_product([self.extents[u] for u in g]) for g in (batch, rows, cols)]
        shape = size if batch else size[1:]
        if op.access is not None:  # copied once: the im2col of a window view (kept for its transpose)
            args = _view_args(op.access, batch + rows + cols, self.starts, self.extents, self.k.name)
            self.moved.append(_product([self.extents[u] for u in batch + rows + cols]))
            part = self.names("w")
            counts = f"{len(batch)}, {len(rows)}"
            return lambda name: f"_ops.window_matrix({args}, {counts}, {self.key(name, part)})"
        if op.axes == batch + rows + cols:
            return lambda name: f"{op.src}.reshape({', '.join(shape)})"
        if op.axes == batch + cols + rows:
            swapped = [size[0], size[2], size[1]] if batch else [size[2], size[1]]
            return lambda name: f"{op.src}.reshape({', '.join(swapped)}).swapaxes(-1, -2)"
        src = _align(op.src, op.axes, batch + rows + cols)
        counts = f"{len(batch)}, {len(rows)}"  # op.src: an array or a temporary, named (its scratch key)
        return lambda name: f"_ops.matrix({src}, {counts}, {self.key(name, op.src)})"


def render_numpy_kernel(k: Kernel | RecordKernel, layer: str = "") -> str:
    if isinstance(k, RecordKernel):
        macros = environment().get_template("numpy_kernels.j2").module
        return str(macros.record(k, kernel_docstring(k, layer))).rstrip("\n")
    return render_vectorized(vectorize(k), layer)


def render_vectorized(vk: VKernel, layer: str = "") -> str:
    """A vectorised kernel (:func:`vectorize`) as the NumPy backend's source."""
    macros = environment().get_template("numpy_kernels.j2").module
    return str(macros.kernel(vk, kernel_docstring(vk.kernel, layer))).rstrip("\n")
