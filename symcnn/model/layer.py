"""The index-notation layer language: arrays, equations and the layer they form.

A layer is an ordered list of equations ``A[i, j, …] = rhs`` over SymPy
``IndexedBase`` arrays whose shapes are SymPy expressions in the layer's size
symbols. Every index of the left-hand side ranges over the array's extent;
every other index is bound by a ``Sum`` with explicit limits. This is the
form in which [B1], [B7], [B11] and [B14a] are written.

A layer may also keep state that is no gradient: :class:`Buffer` arrays (a
batch norm's running mean and variance), each with its update rule, applied
after a training forward pass, and ``evaluation`` equations the layer runs in
evaluation mode instead of its training ``equations``. Gradients are derived
from the training equations only; updates and evaluation are forward-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp


def sizes(names: str) -> tuple[sp.Symbol, ...]:
    """Size symbols (batch, maps, extents, factors): positive integers."""
    return tuple(sp.symbols(names, integer=True, positive=True, seq=True))


def indices(names: str) -> tuple[sp.Symbol, ...]:
    """Index symbols: integers, ranges given by the arrays or sums that bind them."""
    return tuple(sp.symbols(names, integer=True, seq=True))


def array(name: str, shape: tuple[sp.Expr, ...]) -> sp.IndexedBase:
    """An array with a symbolic shape, e.g. ``array("X", (N, C, H, W))``."""
    return sp.IndexedBase(name, shape=tuple(sp.sympify(s) for s in shape), real=True)


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs``, with ``lhs`` an array indexed by distinct plain index symbols."""

    lhs: sp.Indexed
    rhs: sp.Expr

    @property
    def array(self) -> sp.IndexedBase:
        return self.lhs.base

    @property
    def free(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.lhs.indices)


@dataclass(frozen=True)
class Record:
    """An array the forward pass records with a primitive, held constant when differentiating.

    ``op`` is ``"block_argmax"`` (a 0/1 selector marking the first maximum of
    each ``factor×factor`` block of the last two axes of ``source``, or its first
    NaN, as NumPy's ``argmax`` and PyTorch's ``max_pool2d`` do; max-pooling
    is the sum of ``selector ∘ x`` over a block) or ``"row_max"`` (the maximum
    over the last axis, a shift that keeps a softmax from overflowing).
    """

    array: sp.IndexedBase
    op: str
    source: sp.IndexedBase
    factor: sp.Expr = sp.S.One


@dataclass(frozen=True)
class Buffer:
    """An array the layer keeps between calls, neither input, parameter nor gradient.

    ``update`` is ``B[f] = rhs``: after each training forward pass, ``B`` takes
    the value of ``rhs``, which reads the old ``B``, the given arrays and any
    array the forward pass made (a running mean:
    ``RM[c] = (1 - m)·RM[c] + m·Mu[c]``). Every buffer's new value is computed
    from the old values before any is replaced. ``init`` fills a new buffer.
    """

    update: Equation
    init: float = 0.0

    @property
    def array(self) -> sp.IndexedBase:
        return self.update.array


@dataclass(frozen=True)
class Layer:
    """One layer: its arrays by role and the forward equations that relate them.

    ``hyper`` are size symbols fixed when the layer is built (pooling factor,
    stride, dilation); every other size is read off the arrays' shapes.
    ``buffers`` are its state (:class:`Buffer`); ``evaluation``, if given, the
    equations that replace ``equations`` in evaluation mode: they read the
    given arrays and the buffers, and define every output. ``init`` gives a
    parameter's starting value where it has one of its own (a batch norm's
    scale ``G``: 1), as ``{"G": 1.0}`` or pairs; a network starts every other
    parameter at its default (Glorot for arrays, 0 for vectors).
    """

    name: str
    sizes: tuple[sp.Symbol, ...]
    inputs: tuple[sp.IndexedBase, ...]
    params: tuple[sp.IndexedBase, ...]
    outputs: tuple[sp.IndexedBase, ...]
    equations: tuple[Equation, ...]
    constants: tuple[sp.IndexedBase, ...] = ()
    records: tuple[Record, ...] = ()
    hyper: tuple[sp.Symbol, ...] = ()
    label: str = ""
    doc: str = ""
    meta: tuple[tuple[str, str], ...] = field(default=())
    buffers: tuple[Buffer, ...] = ()
    evaluation: tuple[Equation, ...] = ()
    init: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.init, Mapping):  # a dict, as a spec writes it: kept as sorted pairs (hashable)
            object.__setattr__(self, "init", tuple(sorted(self.init.items())))

    @property
    def intermediates(self) -> tuple[sp.IndexedBase, ...]:
        outs = set(self.outputs)
        return tuple(e.array for e in self.equations if e.array not in outs)

    @property
    def differentiable(self) -> tuple[sp.IndexedBase, ...]:
        """Arrays that get a gradient: inputs, parameters and intermediates."""
        return self.inputs + self.params + self.intermediates

    def arrays(self) -> dict[str, sp.IndexedBase]:
        every = (
            self.inputs
            + self.params
            + self.constants
            + tuple(r.array for r in self.records)
            + tuple(e.array for e in self.equations)
            + tuple(b.array for b in self.buffers)
            + tuple(e.array for e in self.evaluation)
        )
        return {str(a.label): a for a in every}

    def key(self) -> str:
        """A canonical text of the whole spec; its hash keys caches and generated files."""
        parts = [
            self.name,
            repr(self.sizes),
            repr(self.hyper),
            *(f"{role}:{a.label}{tuple(a.shape)}" for role, group in self._roles() for a in group),
            *(f"record:{r.array.label}={r.op}({r.source.label},{r.factor})" for r in self.records),
            *(f"eq:{sp.srepr(e.lhs)}={sp.srepr(e.rhs)}" for e in self.equations),
            *(f"buffer:{tuple(b.array.shape)}={b.init!r}:{sp.srepr(b.update.lhs)}={sp.srepr(b.update.rhs)}"
              for b in self.buffers),
            *(f"eval:{sp.srepr(e.lhs)}={sp.srepr(e.rhs)}" for e in self.evaluation),
            *(f"init:{p}={v!r}" for p, v in self.init),
        ]
        return "\n".join(parts)

    def _roles(self) -> tuple[tuple[str, tuple[sp.IndexedBase, ...]], ...]:
        return (
            ("input", self.inputs),
            ("param", self.params),
            ("const", self.constants),
            ("output", self.outputs),
        )


def equation(lhs: sp.Indexed, rhs: sp.Expr) -> Equation:
    """Build ``lhs = rhs``; the readable spelling used by layer specs."""
    return Equation(lhs, sp.sympify(rhs))
