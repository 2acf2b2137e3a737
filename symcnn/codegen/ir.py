"""The loop/array IR between a derivation and the source it becomes.

Everything here is plain data, no SymPy objects: SymPy is frozen when the
lowering builds it. A derived term is frozen once (:class:`Frozen`,
:class:`Sum`) for the Numba schedules, which read loop-tree expressions, and
every record they fill (a :class:`Reduction`'s nest, hoists and body,
:class:`Window`, :class:`Tile`, :class:`Pack`, :class:`Jam`, :class:`Dot`)
holds frozen sums and :mod:`.loops` nodes, no source text. What the NumPy
backend reads (:class:`Loop`, :class:`Factor`, :class:`Constraint`) is
:class:`Code` and :data:`Pieces`, its text as the printers wrote it, with what
a stage may need to know of it (one name or number? which integer?) read off
the SymPy expression, never off the text. :mod:`.lower` builds the IR from a
:class:`~symcnn.derive.engine.Derivation`; :mod:`.schedule_tree` turns the
schedules it records into loop trees for Numba and :mod:`.vectorize` turns it
into strided views and products for NumPy. ``print(module)`` shows what a stage produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import loops as L


class Code(str):
    """One expression as Python source (a ``str``), frozen from SymPy by :func:`.printer.code`.

    ``atom``: it is one name or an integer that is not negative, so it needs no parentheses as a factor;
    ``value``: the integer it is, where it is one. Stages ask these, not the text.
    """

    atom: bool
    value: int | None

    def __new__(cls, text: str, atom: bool = False, value: int | None = None) -> Code:
        self = super().__new__(cls, text)
        self.atom, self.value = atom, value
        return self

    def __repr__(self) -> str:
        return f"Code({str(self)!r})"

    @property
    def factor(self) -> str:
        """The source as one factor of a product or quotient: in parentheses unless an atom."""
        return str(self) if self.atom else f"({self})"


def number(n: int) -> Code:
    """The integer ``n`` as :class:`Code`."""
    return Code(str(n), n >= 0, n)


def name(text: str) -> Code:
    """A name (an index, a size, a variable the stages introduce) as :class:`Code`."""
    return Code(text, True)


#: Source with holes, frozen from SymPy: text at even positions, the name of a hole at odd ones
#: (``("np.exp(", "_r0_", ")")``). :func:`pieces` makes it, :func:`filled` fills it.
Pieces = tuple[str, ...]
#: What a hole's symbol name is wrapped in when SymPy prints it (no printer emits it otherwise).
HOLE = "\x00"


def hole(name: str) -> str:
    """The symbol name that prints as hole ``name``."""
    return f"{HOLE}{name}{HOLE}"


def pieces(printed: str) -> Pieces:
    """The printed source of an expression with :func:`hole` symbols, as :data:`Pieces`."""
    return tuple(printed.split(HOLE))


def filled(source: Pieces, operands: Mapping[str, str]) -> str:
    """``source`` with each hole replaced by its operand."""
    return "".join(operands[p] if k % 2 else p for k, p in enumerate(source))


@dataclass(frozen=True)
class Elementwise:
    """An elementwise expression frozen for :mod:`.ufuncs`: ``kind`` applied to ``args``.

    Frozen by :func:`.freeze.elementwise`; an operand printed as it is (an array read, an index grid,
    a number) is a :class:`Code` leaf, its text as :func:`.printer.array_code` prints it and
    ``value`` the integer it is. ``kind`` is ``add`` or ``mul`` (``args`` in SymPy's order), a
    power (``reciprocal``, ``square``, ``sqrt`` of its one argument; ``power`` of a base by a number
    leaf), a function of one argument by its :class:`~.loops.Call` name, or ``other`` (nothing a
    chain can run). ``rest``: of a product whose first factor is ``-1``, the product of the others.
    """

    kind: str
    args: tuple[Code | Elementwise, ...]
    rest: Code | Elementwise | None = None


@dataclass(frozen=True)
class Index:
    """One axis of an array access: ``(Σ coeff·index + offset) // divisor``.

    ``coeffs`` pairs index names with coefficients (in the layer's sizes: ``1``, ``-1``, ``s``);
    ``text`` is the whole index as source, for loops. An index that is not affine has no coefficients,
    offset or divisor: loops can read it, views cannot.
    """

    coeffs: tuple[tuple[str, Code], ...]
    offset: Code | None
    divisor: Code | None
    text: str

    @property
    def affine(self) -> bool:
        return self.divisor is not None

    @property
    def plain(self) -> str | None:
        """The index name where the index is that one loop index itself, else ``None``."""
        if not self.affine or len(self.coeffs) != 1 or self.offset.value != 0 or self.divisor.value != 1:
            return None
        u, c = self.coeffs[0]
        return u if c.value == 1 else None


@dataclass(frozen=True)
class Access:
    """``array[index, …]``: a read of an array at affine indices."""

    array: str
    index: tuple[Index, ...]
    extents: tuple[Code, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.array}[{', '.join(i.text for i in self.index)}]"


@dataclass(frozen=True)
class Factor:
    """One factor of a term's product body.

    ``scalar`` is the factor as Numba source (accesses written inline);
    ``array`` is NumPy source in :data:`Pieces`, whose holes are access ``k``
    (``_r<k>_``) and each index used as a value (``_g_<name>_``); ``indices``
    are those index names. ``chain`` is the same value as ufunc steps into one
    buffer (:mod:`.ufuncs`), each operand in pieces, or ``None`` where that
    needs a second buffer.
    """

    scalar: str
    array: Pieces
    accesses: tuple[Access, ...]
    indices: tuple[str, ...]
    chain: tuple[tuple[str, tuple[Pieces, ...]], ...] | None = None
    atom: bool = False  #: the factor is one name or number (a size, a constant)


@dataclass(frozen=True)
class Constraint:
    """A condition on indices (a loop bound or a guard) as NumPy source over index grids.

    ``implied`` says zero-padded reads of a factor already make the term
    vanish where it fails, so a vectorised kernel need not mask it.
    ``array`` holds its index grids as holes ``_g_<name>_`` (:data:`Pieces`).
    """

    array: Pieces
    indices: tuple[str, ...]
    implied: bool


@dataclass(frozen=True)
class Loop:
    """``for index in range(max(lower…), min(stop…))``, one sum of a term as the NumPy backend reads it
    (:mod:`.vectorize`), its bounds as printed source; ``declared``: ``(start, extent)`` of its range."""

    index: str
    lower: tuple[Code, ...]
    stop: tuple[Code, ...]
    declared: tuple[Code, Code]
    constraints: tuple[Constraint, ...] = ()
    #: the names its bounds depend on (sizes and outer indices), read off the SymPy bounds
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hoist:
    """``name = value`` computed inside the first ``depth`` loops of a nest, not deeper."""

    depth: int
    name: str
    value: L.Expr


@dataclass(frozen=True)
class Pack:
    """A term whose window target is accumulated flat first (:mod:`.pack`).

    ``flats``: ``(name, source)`` reshaped views read with one flat index;
    the buffer has ``shape`` (zeroed per outer iteration); after the sums,
    ``store`` runs inside the ``unpack`` loops and adds it into the target.
    """

    shape: tuple[L.Expr, ...]
    flats: tuple[tuple[str, L.Reshape], ...]
    unpack: tuple[L.Loop, ...]  #: their bodies empty
    store: L.Accumulate


@dataclass(frozen=True)
class Fill:
    """``store`` run inside ``loops``, right inside the first ``depth`` loops of a term's nest."""

    depth: int
    loops: tuple[Sum, ...]
    store: L.Assign


@dataclass(frozen=True)
class Jam:
    """A term unrolled ``width`` times over one loop and jammed (:mod:`.jam`), as loop-tree nodes.

    Right inside the first ``depth`` loops of a term's nest, ``stop`` is set
    to the last multiple of ``width`` from ``start`` below ``end`` and ``for
    index in range(start, stop, width)`` runs the ``loops``, then ``pre``
    (``name = value``: the accumulators, or the factors free of the flat
    loop), then the ``flat`` loop with its CSE ``temps`` and ``updates``
    (``target += value``, one per copy, sharing the reads they have in
    common), then ``stores``; the term's own loop over ``index`` then covers
    what is left. Jammed over a second loop too (one of ``loops`` steps by
    more than one), ``head`` sets that loop's stop before the loop over
    ``index`` and ``rest``, unrolled over ``index`` alone, runs what it leaves.
    """

    depth: int
    index: str
    start: L.Expr
    end: L.Expr
    stop: str
    width: int
    loops: tuple[L.Loop, ...]  #: their bodies empty
    flat: L.Loop  #: its body empty
    pre: tuple[tuple[str, L.Expr], ...]
    temps: tuple[tuple[str, L.Expr], ...]
    updates: tuple[tuple[L.Var | L.Load, L.Expr], ...]
    stores: tuple[L.Accumulate, ...]
    head: tuple[tuple[str, L.Expr], ...] = ()
    rest: Jam | None = None


@dataclass(frozen=True)
class Sum:
    """One bounded sum of a derived term, frozen (:func:`.freeze.frozen`): ``index`` runs from the
    ``max`` of ``lower`` up to (not including) the ``min`` of ``stop``; ``declared``: ``(start, extent)``
    of the range it was declared with."""

    index: str
    lower: tuple[L.Expr, ...]
    stop: tuple[L.Expr, ...]
    declared: tuple[L.Expr, L.Expr]

    @property
    def extent(self) -> L.Expr | None:
        """The extent of a loop ``range(E)`` (one lower bound, zero; one stop), else ``None``."""
        return self.stop[0] if self.lower == (L.Int(0),) and len(self.stop) == 1 else None


@dataclass(frozen=True)
class Frozen:
    """A derived term ``Σ_sums [guards] body`` frozen once, at lowering (:func:`.freeze.frozen`): what the
    schedules read instead of SymPy. ``body`` is a product as SymPy orders its factors; array reads are
    :class:`~.loops.Load` nodes whose indices :func:`.loops.affine` reads."""

    sums: tuple[Sum, ...]
    body: L.Expr
    guards: tuple[L.Expr, ...] = ()


@dataclass(frozen=True)
class Reduction:
    """One term: ``Σ_loops [guards] Π factors``.

    ``loops`` are the term's sums as the NumPy backend reads them (:mod:`.vectorize`), ``sums`` the
    same sums frozen (:class:`Sum`), ``guards`` its conditions. The Numba schedule (:mod:`.order`,
    :mod:`.window`) fills the rest, as loop-tree nodes: ``nest`` is the order Numba runs the sums in
    (with the kernel's ``inner`` free indices interleaved, bounds re-derived by
    :func:`~.interchange.reorder`); ``hoists`` are the factors taken out of inner loops, ``temps``
    and ``body`` the product left innermost, ``lhs`` the target element it adds to in the nest's own
    index names. ``partial``: the innermost loop is a sum, added into ``lhs`` once it is complete.
    ``pack``: ``lhs`` is an element of a flat buffer, added into the target after the sums.
    ``fill``: statements (packing a window) run at one depth of the nest; ``jam``: the term unrolled
    over one loop, run before that loop.
    """

    loops: tuple[Loop, ...]
    guards: tuple[L.Expr, ...]
    guard_masks: tuple[Constraint, ...]
    factors: tuple[Factor, ...]
    sums: tuple[Sum, ...] = ()
    temps: tuple[tuple[str, L.Expr], ...] = ()
    body: L.Expr = L.Int(1)
    nest: tuple[Sum, ...] = ()
    hoists: tuple[Hoist, ...] = ()
    lhs: L.Load | None = None
    partial: bool = False
    pack: Pack | None = None
    fill: Fill | None = None
    jam: Jam | None = None


@dataclass(frozen=True)
class DotBlock:
    """One register block of :class:`Dot`, as loop-tree nodes: inside ``j_loop`` and ``f_loop``, the
    ``sums`` start at zero, the contraction loop runs ``loads`` then ``steps``, and the ``stores`` add the
    sums into the target."""

    j_loop: L.Loop  #: its body empty
    f_loop: L.Loop  #: its body empty
    sums: tuple[str, ...]
    loads: tuple[tuple[str, L.Expr], ...]
    steps: tuple[L.Stmt, ...]
    stores: tuple[L.Stmt, ...]


@dataclass(frozen=True)
class Dot:
    """A window's contraction run as register-blocked inner products (:mod:`.dot`).

    ``weights`` packs the factor beside the window into ``_wk`` (``weights_shape``) once a call, in one
    thread (a few thousand elements); per block of the :class:`Window`'s ``prange``, ``window`` packs the
    windows of map rows ``_y0 ≤ y < _y1`` of one image into ``_pd`` (``chunk`` elements at most, whole
    rows of ``width`` positions out of ``row``; zero-filled where the Window is ``zeroed``), and the
    ``blocks`` run over them, a contraction of ``depth`` products. It runs when ``depth`` is at least
    ``min_depth`` and ``size`` (one row: ``width·depth``) at most ``limit``.
    """

    weights: L.Loop  #: the nest that packs the weights
    weights_shape: tuple[L.Expr, ...]
    window: tuple[L.Stmt, ...]  #: the nest that packs a chunk of windows
    row: L.Expr
    width: L.Expr
    depth: L.Expr
    size: L.Expr
    min_depth: int
    limit: int
    chunk: int
    jb: int
    fb: int
    blocks: tuple[DotBlock, ...]


@dataclass(frozen=True)
class Split:
    """A kernel gradient's blocks over images (:mod:`.window`): block ``_o`` of the ``prange`` adds into
    its own slice ``_part[_o]`` (of ``shape``, ``size`` elements); after the ``prange`` one thread sums
    the slices of each value of the outer indices, which lead the ``target``, into it, one flat run at a
    time."""

    shape: tuple[L.Expr, ...]
    size: L.Expr
    target: str


@dataclass(frozen=True)
class Window:
    """The Numba schedule of a kernel reading a window reused across one index (:mod:`.window`).

    ``prange`` over the ``outer`` indices (``(name, extent)`` pairs) and
    blocks of the ``blocked`` index (two a thread of the pool: the driver passes
    the size of Numba's thread pool, ``_threads``, not the threads running now,
    so the blocks, the order of their sums and the result do not change with
    the count ``symcnn.runtime.threads`` chooses); per block, ``init`` stores the target's
    start, a ``buffer`` is allocated (zero-filled where it is ``zeroed``),
    and ``term`` runs (its ``fill`` packing the window); ``flats`` are the
    reshaped views it reads. It runs when the buffer has at most ``limit``
    elements; the kernel's own schedule otherwise.
    """

    flats: tuple[tuple[str, L.Reshape], ...]
    outer: tuple[tuple[str, L.Expr], ...]
    blocked: str
    blocked_size: L.Expr
    buffer: tuple[L.Expr, ...]
    init: Reduction
    term: Reduction
    size: L.Expr  #: the buffer's element count (what ``limit`` bounds)
    limit: int = 0
    zeroed: bool = False  #: the fill is clipped to the array (a padded window): the buffer starts at zero
    dot: Dot | None = None  #: the inner-product schedule, where the contraction is long (:mod:`.dot`)
    split: Split | None = None  #: the blocks split the images, not ``blocked``'s maps (a kernel gradient)


@dataclass(frozen=True)
class Tile:
    """The Numba schedule of a kernel unrolled over a block of targets and jammed (:mod:`.tile`).

    ``prange`` over blocks of ``width`` along each ``blocked`` free index
    (``(name, extent)`` pairs; their starts are ``_p0``, ``_q0``). A whole
    block runs ``whole``; a block cut by an edge runs the kernel's own schedule
    inside the ``edges`` loops (their bodies empty).
    """

    blocked: tuple[tuple[str, L.Expr], ...]
    width: int
    whole: tuple[L.Stmt, ...]
    edges: tuple[L.Loop, ...]


@dataclass(frozen=True)
class Kernel:
    """``target[free] = Σ terms``: one forward equation or one gradient.

    Schedule for Numba: ``outer`` free indices (the first ``collapse`` of them
    fused into one ``prange``), then each term's ``nest``. With ``inner`` free
    indices (``accumulate``), those run inside the sums, the target is
    initialised (to zero or to term ``init``, a term without sums) and each
    term adds into it in place; otherwise each point sums into a scalar.
    ``window``, ``tile``: Numba runs that schedule instead (:mod:`.window`, :mod:`.tile`).
    """

    name: str
    kind: str
    target: str
    free: tuple[str, ...]
    shape: tuple[Code, ...]
    #: the same extents frozen (:func:`.freeze.freeze`): what the Numba schedules loop over
    extents: tuple[L.Expr, ...]
    terms: tuple[Reduction, ...]
    reads: tuple[str, ...]
    sizes: tuple[str, ...]
    label: str
    formula: str
    outer: tuple[str, ...]
    collapse: int
    inner: tuple[str, ...] = ()
    init: int = -1
    window: Window | None = None
    tile: Tile | None = None
    #: the indices whose extent holds a size that is no parameter's or hyper-parameter's (the batch,
    #: map rows and columns), against kernel taps and map counts: how large a copy over them is
    long: tuple[str, ...] = ()
    #: the indices renamed so as not to shadow an array, a size or a builtin (``b`` → ``b_``): old, new
    renamed: tuple[tuple[str, str], ...] = ()

    @property
    def accumulate(self) -> bool:
        return bool(self.inner)

    @property
    def args(self) -> tuple[str, ...]:
        return self.reads + (self.target,) + self.sizes

    @property
    def extent(self) -> dict[str, L.Expr]:
        """Each free index's extent, frozen."""
        return dict(zip(self.free, self.extents))

    @property
    def parallel(self) -> bool:
        return self.collapse > 0


@dataclass(frozen=True)
class RecordKernel:
    """A recorded array: a forward primitive ``op`` of ``source`` (``block_argmax``, ``row_max``)."""

    name: str
    target: str
    op: str
    source: str
    factor: Code
    rank: int
    shape: tuple[str, ...]
    sizes: tuple[str, ...]
    label: str
    formula: str
    frozen: L.Expr = L.Int(1)  #: the factor as a loop-tree expression (:func:`.freeze.freeze`)

    kind = "record"
    window = None
    tile = None

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.source,)

    @property
    def args(self) -> tuple[str, ...]:
        return (self.source, self.target) + self.sizes


@dataclass(frozen=True)
class SizeRule:
    """``name = expr`` in ``sizes_of``: a size read off a given shape or taken from ``hyper``."""

    name: str
    expr: str
    hyper: bool


@dataclass(frozen=True)
class ArraySpec:
    """An array of the module contract with its shape (source over ``_z["size"]``)."""

    name: str
    shape: tuple[str, ...]
    formula: str


@dataclass(frozen=True)
class Module:
    """One layer, ready to render: the contract's tuples, size rules and kernels in order."""

    layer: str
    label: str
    doc: str
    spec_hash: str
    inputs: tuple[str, ...]
    params: tuple[str, ...]
    constants: tuple[str, ...]
    outputs: tuple[str, ...]
    hyper: tuple[str, ...]
    records: tuple[str, ...]
    intermediates: tuple[str, ...]
    gradients: tuple[str, ...]
    seeds: tuple[str, ...]
    sizes: tuple[str, ...]
    size_rules: tuple[SizeRule, ...]
    arrays: tuple[ArraySpec, ...]
    forward: tuple[Kernel | RecordKernel, ...]
    backward: tuple[Kernel, ...]
    #: Kernels whose scalar code calls a function LLVM evaluates one element at a time (exp, log,
    #: tanh, …): the Numba backend renders such a kernel with NumPy's ufuncs where it is elementwise.
    scalar_only: tuple[str, ...] = ()
    #: The layer's state: its buffers, their initial values (source), the arrays its evaluation
    #: equations define; the kernels of those equations, and each buffer's update (in ``buffers`` order).
    buffers: tuple[str, ...] = ()
    initial: tuple[str, ...] = ()
    evaluation: tuple[str, ...] = ()
    evaluate: tuple[Kernel, ...] = ()
    update: tuple[Kernel, ...] = ()
    #: The starting values the spec declares for some parameters (source), as ``(name, value)`` pairs.
    param_init: tuple[tuple[str, str], ...] = ()

    def array(self, name: str) -> ArraySpec:
        return next(a for a in self.arrays if a.name == name)

    def shape(self, name: str) -> str:
        """Array ``name``'s shape as a tuple over the drivers' sizes dict ``_z``."""
        shape = self.array(name).shape
        return f"({', '.join(shape)}{',' if len(shape) == 1 else ''})"

    def call(self, k: Kernel | RecordKernel, backend: str) -> str:
        """The drivers' call of kernel ``k``: its arrays from ``_a``, its sizes from ``_z``, and Numba's
        thread count for a kernel that splits its work by it (a window schedule)."""
        args = [f'_a["{a}"]' for a in (*k.reads, k.target)] + [f'_z["{s}"]' for s in k.sizes]
        if backend == "numba" and k.window:
            args.append("_numba_config.NUMBA_NUM_THREADS")
        return f"{k.name}({', '.join(args)})"

    def gradients_read(self, k: Kernel) -> str:
        """The gradients gradient kernel ``k`` reads, as a tuple of strings."""
        names = [f'"{r}"' for r in k.reads if r in self.gradients]
        return f"({', '.join(names)}{',' if len(names) == 1 else ''})"

    @property
    def evaluation_kernels(self) -> tuple[Kernel | RecordKernel, ...]:
        """What the evaluation-mode forward pass runs: the records, then the evaluation equations."""
        return (*(k for k in self.forward if k.kind == "record"), *self.evaluate)
