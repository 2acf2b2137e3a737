"""The loop tree: kernels as loops, stores and guards over small typed expressions.

Lowering (:mod:`.freeze`) turns a derivation's bounded sums into this tree and
is the last place SymPy is seen; the printer (:mod:`.emit`) turns it into
source; a schedule is a pass ``Kernel → Kernel`` in between (:mod:`.passes`).
Every node is a frozen dataclass: hashable, comparable, and printable for
debugging (``repr``, or as source: ``print(emit.source(node))``); no node
holds a statement as a string.

Expressions: :class:`Int`, :class:`Rat`, :class:`Real` (numbers), :class:`Var`
(an index, a size or a local scalar), :class:`Load` (an array element),
:class:`Shape` (an array's extent along an axis), :class:`Add`, :class:`Mul`,
:class:`Pow`, :class:`FloorDiv`, :class:`Mod`, :class:`Call` (a known function, by name),
:class:`Cmp` (a relation, for guards), :class:`Logic` (relations joined, with
or without short-circuit), :class:`Cast` (to an array's dtype), :class:`Select` (one of two values by a
condition, branch-free), :class:`DType` and :class:`Typed` (an array's scalar type, held in a local, and
a value converted to it), :class:`Reshape` (a view with other axes) and :class:`Slice` (a whole axis).

Statements: :class:`Loop` (serial, parallel or unrolled; start, stop, step),
:class:`Assign` and :class:`Accumulate` (a store into a local or an array
element), :class:`If` (a guard), :class:`Local` (a zero-filled local scalar or
array), :class:`Dispatch` (a variant picked by the sizes); a :class:`Kernel`
is a named function of its parameters.

:func:`rewrite`, :func:`substitute`, :func:`fold`, :func:`names` and :func:`written` are what
passes build on; :func:`affine` reads an array index as coefficients of loop indices and an offset;
:func:`product` and :func:`linear` build a product and an integer affine form in the order SymPy prints
them, so a schedule that builds nodes prints what one that printed SymPy did.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Union

#: The functions a :class:`Call` may name: the layer functions of :mod:`symcnn.model.functions` and the
#: few others SymPy writes into a body or a bound.
#: ``unsigned`` marks an array index a pass has proven non-negative (:func:`.block.unsigned`): Numba
#: then reads the element without its negative-index wrap-around, which keeps LLVM from vectorising.
FUNCTIONS = frozenset({"exp", "log", "tanh", "sigmoid", "relu", "step", "sign", "abs", "max", "min",
                       "unsigned"})
#: How a :class:`Loop` runs: one iteration after another, spread over threads (Numba's ``prange``), or
#: written out once per iteration by the printer (constant bounds only).
KINDS = frozenset({"serial", "parallel", "unrolled"})
#: The relations a :class:`Cmp` may state, as Python writes them.
RELATIONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
#: How a :class:`Logic` joins truth values: ``and`` / ``or`` short-circuit (a branch each), ``&`` / ``|``
#: evaluate every operand (no branch: what a select wants).
CONNECTIVES = frozenset({"and", "or", "&", "|"})


class Node:
    """Base of every node; :func:`symcnn.codegen.emit.source` prints any node as Python source."""


# ---- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Int(Node):
    """An integer constant."""

    value: int

    def __repr__(self) -> str:
        return f"Int({self.value})"


@dataclass(frozen=True)
class Rat(Node):
    """The rational constant ``p/q`` (``q > 1``), as Python's true division computes it."""

    p: int
    q: int

    def __post_init__(self) -> None:
        if self.q <= 1:
            raise ValueError(f"Rat({self.p}, {self.q}): the denominator must exceed 1")


@dataclass(frozen=True)
class Real(Node):
    """A floating-point constant."""

    value: float


@dataclass(frozen=True, repr=False)
class Var(Node):
    """A scalar by name: a loop index, a size, a local."""

    name: str

    def __repr__(self) -> str:
        return f"Var({self.name!r})"


@dataclass(frozen=True)
class Load(Node):
    """``array[index, …]``; no index reads a 0-d array (``array[()]``)."""

    array: str
    index: tuple[Expr, ...]


@dataclass(frozen=True)
class Add(Node):
    """The sum of ``terms``, added left to right."""

    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Mul(Node):
    """The product of ``factors``, a numeric coefficient (if any) first."""

    factors: tuple[Expr, ...]


@dataclass(frozen=True)
class Pow(Node):
    """``base ** exp``; a negative number ``exp`` prints as a true division ``1/base**-exp``."""

    base: Expr
    exp: Expr


@dataclass(frozen=True)
class FloorDiv(Node):
    """``num // den``: integer division rounding down, as ``floor(num/den)`` of integers is."""

    num: Expr
    den: Expr


@dataclass(frozen=True)
class Mod(Node):
    """``num % den``: the remainder :class:`FloorDiv` leaves (non-negative for a positive ``den``)."""

    num: Expr
    den: Expr


@dataclass(frozen=True)
class Call(Node):
    """A known function (:data:`FUNCTIONS`) of ``args``."""

    fn: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.fn not in FUNCTIONS:
            raise ValueError(f"Call: unknown function {self.fn!r}")


@dataclass(frozen=True)
class Cmp(Node):
    """``left op right``, a relation (:data:`RELATIONS`); true or false, for a guard."""

    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in RELATIONS:
            raise ValueError(f"Cmp: unknown relation {self.op!r}")


@dataclass(frozen=True)
class Shape(Node):
    """``array.shape[axis]``: the extent of an argument array, for a kernel whose sizes are not parameters."""

    array: str
    axis: int


@dataclass(frozen=True)
class Logic(Node):
    """``args`` joined by ``op`` (:data:`CONNECTIVES`), left to right."""

    op: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.op not in CONNECTIVES or len(self.args) < 2:
            raise ValueError(f"Logic: {self.op!r} of {len(self.args)} operands")


@dataclass(frozen=True)
class Cast(Node):
    """``value`` as a scalar of array ``like``'s dtype (``like.dtype.type(value)``): a float32 kernel's
    constants stay float32."""

    value: Expr
    like: str


@dataclass(frozen=True)
class Select(Node):
    """``then if cond else other``: both are plain values, so LLVM may compile it without a branch."""

    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class DType(Node):
    """``like.dtype.type``: the scalar type of array ``like``'s elements (held in a local, ``_dt``)."""

    like: str


@dataclass(frozen=True)
class Typed(Node):
    """``dtype(value)``: ``value`` as a scalar of the type local ``dtype`` holds (:class:`DType`)."""

    value: Expr
    dtype: str


@dataclass(frozen=True)
class Reshape(Node):
    """``array.reshape(shape…)``: a view of a contiguous array with other axes (a flat run, say)."""

    array: str
    shape: tuple[Expr, ...]


@dataclass(frozen=True)
class Slice(Node):
    """A whole axis as one index of a :class:`Load` (``a[:, :]``): a store into every element."""


Expr = Union[  # noqa: UP007 - a runtime alias
    Int, Rat, Real, Var, Load, Shape, Add, Mul, Pow, FloorDiv, Mod, Call, Cmp, Logic, Cast, Select, DType,
    Typed, Reshape, Slice,
]


# ---- statements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loop(Node):
    """``for index in range(start, stop, step): body``, run as ``kind`` says (:data:`KINDS`)."""

    index: str
    start: Expr
    stop: Expr
    body: tuple[Stmt, ...]
    step: Expr = Int(1)
    kind: str = "serial"
    note: str = ""  #: a comment on its header: why it is there

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Loop: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Assign(Node):
    """``target = value``: a local scalar (:class:`Var`) or an array element (:class:`Load`) is set."""

    target: Var | Load
    value: Expr
    note: str = ""  #: a comment on its line


@dataclass(frozen=True)
class Accumulate(Node):
    """``target += value``."""

    target: Var | Load
    value: Expr


@dataclass(frozen=True)
class If(Node):
    """``if all(conds): body``."""

    conds: tuple[Expr, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Local(Node):
    """A local, zero-filled: a scalar (no ``shape``) or an array of ``shape``, with ``like``'s dtype
    where given (else float64), or the type local ``dtype`` holds (:class:`DType`). An array not
    ``zeroed`` is left as allocated (``np.empty``): every element is stored before it is read."""

    name: str
    shape: tuple[Expr, ...] = ()
    like: str | None = None
    dtype: str | None = None
    zeroed: bool = True
    note: str = ""  #: a comment on its line


@dataclass(frozen=True)
class Variant(Node):
    """One branch of a :class:`Dispatch`: ``body`` runs when all ``conds`` hold."""

    conds: tuple[Expr, ...]
    body: tuple[Stmt, ...]
    note: str = ""  #: a comment on its condition: when it is the right one


@dataclass(frozen=True)
class Invoke(Node):
    """``fn(args…)``: another kernel of the module called (a :class:`Dispatch` picking a variant)."""

    fn: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Dispatch(Node):
    """The first variant whose conditions the sizes meet runs, else ``default``."""

    variants: tuple[Variant, ...]
    default: tuple[Stmt, ...]


Stmt = Union[Loop, Assign, Accumulate, If, Local, Dispatch, Invoke]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class Kernel(Node):
    """``def name(params): body``; ``doc``: its docstring's lines, as source (escaped, wrapped)."""

    name: str
    params: tuple[str, ...]
    body: tuple[Stmt, ...]
    doc: tuple[str, ...] = ()


# ---- traversal -----------------------------------------------------------------------------------


@functools.cache
def _fields(cls: type) -> tuple[str, ...]:
    """The names of a node class's fields, in order (read once a class: ``dataclasses.fields`` builds
    them anew on every call, and the passes walk hundreds of thousands of nodes)."""
    return tuple(f.name for f in dataclasses.fields(cls))


def children(node: Node) -> Iterator[Node]:
    """The nodes ``node`` holds, in field order."""
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, Node))


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, parents before children."""
    yield node
    for c in children(node):
        yield from walk(c)


def rewrite(node: Node | tuple[Node, ...], fn: Callable[[Node], Node]) -> Node | tuple[Node, ...]:
    """``node`` (or each of a tuple of nodes, as a body is) rebuilt bottom-up: each node's children
    rewritten first, then ``fn`` of the result."""
    if isinstance(node, tuple):
        return tuple(rewrite(n, fn) for n in node)
    changes = {}
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            changes[name] = rewrite(value, fn)
        elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
            changes[name] = tuple(rewrite(v, fn) if isinstance(v, Node) else v for v in value)
    return fn(dataclasses.replace(node, **changes) if changes else node)


def substitute(node: Node | tuple[Node, ...], values: Mapping[str, Expr]) -> Node | tuple[Node, ...]:
    """``node`` with every :class:`Var` named in ``values`` replaced by its value."""
    return rewrite(node, lambda n: values.get(n.name, n) if isinstance(n, Var) else n)


def rename(node: Node | tuple[Node, ...], new: Mapping[str, str]) -> Node | tuple[Node, ...]:
    """``node`` with every scalar and loop index named in ``new`` called by its new name."""
    def one(n: Node) -> Node:
        if isinstance(n, Var) and n.name in new:
            return Var(new[n.name])
        if isinstance(n, Loop) and n.index in new:
            return dataclasses.replace(n, index=new[n.index])
        return n

    return rewrite(node, one) if new else node


def names(node: Node) -> frozenset[str]:
    """The scalar names ``node`` reads or binds: every :class:`Var` and every loop index."""
    out = set()
    for n in walk(node):
        if isinstance(n, Var):
            out.add(n.name)
        elif isinstance(n, Loop):
            out.add(n.index)
    return frozenset(out)


def written(node: Node) -> frozenset[str]:
    """The arrays and locals ``node`` stores into (a loop index is not counted)."""
    out = set()
    for n in walk(node):
        if isinstance(n, (Assign, Accumulate)):
            out.add(n.target.array if isinstance(n.target, Load) else n.target.name)
        elif isinstance(n, Local):
            out.add(n.name)
    return frozenset(out)


def fold(node: Node | tuple[Node, ...]) -> Node | tuple[Node, ...]:
    """``node`` with integer constants of sums and products combined (``i + 0`` → ``i``, ``2*3`` → ``6``)."""
    return rewrite(node, fold_constants)


def fold_constants(n: Node) -> Node:
    """One node's integer constants combined, its children as they are (:func:`fold` takes all)."""
    if isinstance(n, Add):
        ints = [t.value for t in n.terms if isinstance(t, Int)]
        if len(ints) < 2 and 0 not in ints:  # nothing to fold: the order of a float sum is kept
            return n
        first = next(k for k, t in enumerate(n.terms) if isinstance(t, Int))
        total = (Int(sum(ints)),) if sum(ints) else ()
        terms = tuple(t for t in n.terms[:first]) + total + tuple(
            t for t in n.terms[first:] if not isinstance(t, Int))
        return Int(0) if not terms else terms[0] if len(terms) == 1 else Add(terms)
    if isinstance(n, Mul):
        ints = [f.value for f in n.factors if isinstance(f, Int)]
        if len(ints) < 2 and not {0, 1} & set(ints):
            return n
        product = math.prod(ints)
        rest = tuple(f for f in n.factors if not isinstance(f, Int))
        if product == 0 and all(isinstance(f, (Int, Var, FloorDiv)) for f in rest):  # integer-valued
            return Int(0)
        factors = ((Int(product),) if product != 1 or not rest else ()) + rest
        return factors[0] if len(factors) == 1 else Mul(factors)
    return n


def plus(a: Expr, b: Expr) -> Expr:
    """``a + b``, folded where both are integers or either is zero."""
    if isinstance(a, Int) and isinstance(b, Int):
        return Int(a.value + b.value)
    if b == Int(0):
        return a
    if a == Int(0):
        return b
    return Add((a, b))


def times(a: Expr, b: Expr) -> Expr:
    """``a * b``, folded where both are integers or either is one."""
    if isinstance(a, Int) and isinstance(b, Int):
        return Int(a.value * b.value)
    if a == Int(1):
        return b
    if b == Int(1):
        return a
    return Mul((a, b))


def minus(a: Expr, b: Expr) -> Expr:
    """``a - b``, folded where both are integers or ``b`` is zero."""
    if isinstance(b, Int):
        return plus(a, Int(-b.value))
    return Add((*(a.terms if isinstance(a, Add) else (a,)), Mul((Int(-1), b))))


def factors(e: Expr) -> tuple[Expr, ...]:
    """``e`` as the factors of a product: a :class:`Mul`'s, else ``e`` alone."""
    return e.factors if isinstance(e, Mul) else (e,)


def product(fs: Iterable[Expr]) -> Expr:
    """The product of ``fs`` in the order SymPy prints one: an integer coefficient (the integers
    multiplied) and other numbers first, then names by name, then the rest as given; one factor alone is
    itself, none is 1."""
    fs = [g for f in fs for g in factors(f)]
    coeff = math.prod(f.value for f in fs if isinstance(f, Int))
    numbers = [f for f in fs if isinstance(f, (Rat, Real))]
    named = sorted((f for f in fs if isinstance(f, Var)), key=lambda v: v.name)
    rest = [f for f in fs if not isinstance(f, (Int, Rat, Real, Var))]
    if coeff == 0:
        return Int(0)
    out = ([Int(coeff)] if coeff != 1 else []) + numbers + named + rest
    return Int(1) if not out else out[0] if len(out) == 1 else Mul(tuple(out))


def linear(e: Expr) -> Expr:
    """``e`` in the order SymPy prints a sum of integer multiples of names and an integer: the names
    sorted, the integer last (``q + 1 + p`` → ``p + q + 1``, ``2*(p + 1)`` → ``2*p + 2``); any other
    expression as it is."""
    form = affine(e, names(e))
    if form is None or not all(isinstance(c, Int) for c in (form.offset, *dict(form.coeffs).values())):
        return e
    terms: list[Expr] = []
    for name, c in sorted(form.coeffs):
        if c.value:
            terms.append(Var(name) if c.value == 1 else Mul((c, Var(name))))
    terms += [form.offset] if form.offset.value else []
    return Int(0) if not terms else terms[0] if len(terms) == 1 else Add(tuple(terms))


def with_body(s: Loop | If | Variant, body: tuple[Stmt, ...]) -> Loop | If | Variant:
    """``s`` with its body replaced."""
    return dataclasses.replace(s, body=body)


def inside(loops: Sequence[Loop], body: tuple[Stmt, ...]) -> tuple[Stmt, ...]:
    """``body`` inside copies of ``loops`` (the first outermost), each keeping its bounds and kind."""
    for lp in reversed(loops):
        body = (with_body(lp, body),)
    return body


def splice(body: tuple[Stmt, ...], replace: Callable[[Stmt], Iterable[Stmt] | None]) -> tuple[Stmt, ...]:
    """``body`` with each statement ``s`` for which ``replace(s)`` gives statements replaced by them, at any
    depth: inside loops, guards and each variant of a dispatch; ``replace`` sees statements in the order
    they run in the source, outermost first."""
    out: list[Stmt] = []
    for s in body:
        new = replace(s)
        if new is not None:
            out += new
        elif isinstance(s, (Loop, If, Variant)):
            out.append(with_body(s, splice(s.body, replace)))
        elif isinstance(s, Dispatch):
            out.append(Dispatch(tuple(with_body(v, splice(v.body, replace)) for v in s.variants),
                                splice(s.default, replace)))
        else:
            out.append(s)
    return tuple(out)


# ---- affine accesses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Affine:
    """``Σ coeff·index + offset``: an expression as a linear function of some loop indices, each
    coefficient and the offset free of them (a size such as a stride may be a coefficient)."""

    coeffs: tuple[tuple[str, Expr], ...]
    offset: Expr

    def coeff(self, index: str) -> Expr:
        return dict(self.coeffs).get(index, Int(0))


def affine(e: Expr, indices: frozenset[str] | set[str]) -> Affine | None:
    """``e`` as an :class:`Affine` function of ``indices`` (coefficients in the order the indices first
    appear), or ``None`` where it is not one: an index under a floor division, a power, a function or
    an array read, or two index terms multiplied."""
    if not names(e) & indices:
        return Affine((), e)
    if isinstance(e, Var):
        return Affine(((e.name, Int(1)),), Int(0))
    if isinstance(e, Add):
        parts = [affine(t, indices) for t in e.terms]
        if any(p is None for p in parts):
            return None
        coeffs: dict[str, Expr] = {}
        offset: Expr = Int(0)
        for p in parts:
            for name, c in p.coeffs:
                coeffs[name] = plus(coeffs[name], c) if name in coeffs else c
            offset = plus(offset, p.offset)
        return Affine(tuple(coeffs.items()), offset)
    if isinstance(e, Mul):
        varying = [f for f in e.factors if names(f) & indices]
        if len(varying) != 1:
            return None
        scale: Expr = Int(1)
        for f in e.factors:
            scale = scale if f is varying[0] else times(scale, f)
        inner = affine(varying[0], indices)
        if inner is None:
            return None
        offset = Int(0) if inner.offset == Int(0) else times(scale, inner.offset)
        return Affine(tuple((n, times(scale, c)) for n, c in inner.coeffs), offset)
    return None
