"""Checks a layer spec before anything is derived or written.

Each problem is a :class:`~symcnn.errors.SpecError` naming the layer, the
term and the reason — never a SymPy traceback.
"""

from __future__ import annotations

import builtins
import keyword
import math
import sys
from typing import TextIO

import sympy as sp

from ..errors import SpecError
from .bounds import nonnegative
from .functions import KNOWN_FUNCTIONS
from .layer import Buffer, Equation, Layer, Record
from .padding import as_factor, padded, padded_reads

#: Names the generated modules use themselves: imports, the drivers' arguments and module constants,
#: and Python's builtins (a size called ``range`` would shadow the loop).
RESERVED = {
    "np", "nb", "numba", "numpy", "prange", "njit", "math", "sizes", "out", "arrays", "hyper", "wanted",
    "forward", "backward", "sizes_of", "LAYER", "LABEL", "BACKEND", "SPEC_HASH", "INPUTS", "PARAMS",
    "CONSTANTS", "OUTPUTS", "HYPER", "RECORDS", "INTERMEDIATES", "GRADIENTS", "SIZES",
    "BUFFERS", "EVALUATION", "forward_eval", "update_buffers", "initial_buffers",
} | set(dir(builtins))
#: Longest layer name: ``<name>_numba.py`` must fit a 255-byte file name with room to spare.
MAX_NAME = 100


def check_name(layer: str, what: str, name: str) -> None:
    """Names reach generated source: only plain identifiers pass."""
    if not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
        raise SpecError(layer, f"{what} name {name!r} is not a plain Python identifier")
    if len(name) > MAX_NAME:
        raise SpecError(layer[:40] + "...", f"{what} name is {len(name)} characters long; at most {MAX_NAME}")
    if name in RESERVED or name.startswith("_"):
        raise SpecError(layer, f"{what} name {name!r} is reserved")


def check_structure(layer: object) -> None:
    """Every field of ``layer`` has the type the API gives it, before anything reads a field's parts.

    A spec is Python, so a layer can hold anything: a string for an equation, a
    number for a label. This is a :class:`SpecError` here, not a traceback later.
    """
    if not isinstance(layer, Layer):
        raise SpecError(repr(layer)[:40], f"not a Layer but a {type(layer).__name__}")
    name = layer.name
    if not isinstance(name, str):
        raise SpecError(repr(name)[:40], "layer name must be a string")
    check_name(name, "layer", name)
    arrays = sp.IndexedBase
    fields = {"sizes": sp.Symbol, "hyper": sp.Symbol, "inputs": arrays, "params": arrays, "outputs": arrays,
              "constants": arrays, "equations": Equation, "records": Record, "buffers": Buffer,
              "evaluation": Equation}
    for field, kind in fields.items():
        value = getattr(layer, field)
        if not isinstance(value, tuple | list) or not all(isinstance(v, kind) for v in value):
            raise SpecError(name, f"{field} must be a tuple of {kind.__name__} (use the symcnn.model API)")
    for b in layer.buffers:
        if not isinstance(b.update, Equation):
            raise SpecError(name, "a buffer's update must be an Equation (use symcnn.model.equation)")
        if isinstance(b.init, bool) or not isinstance(b.init, int | float) or not math.isfinite(b.init):
            raise SpecError(name, f"a buffer's init must be a finite number, not {b.init!r:.40}")
    _check_init(name, layer)
    for eq in layer.equations + tuple(layer.evaluation) + tuple(b.update for b in layer.buffers):
        if not isinstance(eq.lhs, sp.Indexed) or not isinstance(eq.rhs, sp.Expr):
            raise SpecError(name, "an equation must set an array element to a SymPy expression", eq.lhs)
    for field in ("label", "doc"):
        if not isinstance(getattr(layer, field), str):
            raise SpecError(name, f"{field} must be a string")


def _check_init(name: str, layer: Layer) -> None:
    """``init``: pairs of a parameter's name and a finite number, each parameter at most once."""
    if not isinstance(layer.init, tuple) or not all(isinstance(p, tuple) and len(p) == 2 for p in layer.init):
        raise SpecError(name, "init must map parameter names to numbers, e.g. init={'G': 1.0}")
    params = [str(p.label) for p in layer.params if isinstance(p, sp.IndexedBase)]
    seen = [p for p, _ in layer.init]
    for param, value in layer.init:
        if param not in params:
            raise SpecError(name, f"init names {param!r:.40}, which is not a parameter of the layer "
                            f"(parameters: {', '.join(params) or 'none'})")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise SpecError(name, f"the init of {param!r} must be a finite number, not {value!r:.40}")
    if len(set(seen)) != len(seen):
        raise SpecError(name, "init names a parameter twice")


def validate(layer: Layer) -> None:
    """Raise :class:`SpecError` on the first problem found in ``layer``."""
    check_structure(layer)
    name = layer.name
    _check_arrays(layer)
    sizes = set(layer.sizes)
    for s in layer.sizes:
        if not (isinstance(s, sp.Symbol) and s.is_integer and s.is_positive):
            raise SpecError(name, "sizes must be positive integer symbols (use symcnn.sizes)", s)
        check_name(name, "size", str(s))
    for h in layer.hyper:
        if h not in sizes:
            raise SpecError(name, "a hyper-parameter must be one of the layer's sizes", h)
    defined = {a.label for a in layer.inputs + layer.params + layer.constants}
    defined |= {r.array.label for r in layer.records}
    for r in layer.records:
        if r.source.label not in defined:
            raise SpecError(name, "a recorded array's source must be an input", r.source)
    for eq in layer.equations:
        _check_equation(layer, eq, defined, sizes)
        defined.add(eq.array.label)
    for out in layer.outputs:
        if out.label not in {e.array.label for e in layer.equations}:
            raise SpecError(name, "an output must be defined by an equation", out)
    _check_reachable(layer)
    _check_state(layer, defined, sizes)


def _check_state(layer: Layer, trained: set, sizes: set) -> None:
    """Buffer updates read what a training pass made; evaluation equations read the given arrays and the
    buffers, and define every output."""
    name = layer.name
    buffers = {b.array.label for b in layer.buffers}
    for b in layer.buffers:
        _check_equation(layer, b.update, trained | buffers, sizes)
    given = {a.label for a in layer.inputs + layer.params + layer.constants}
    given |= {r.array.label for r in layer.records} | buffers
    defined = set(given)
    for eq in layer.evaluation:
        _check_equation(layer, eq, defined, sizes)
        defined.add(eq.array.label)
    made = {eq.array.label for eq in layer.evaluation}
    for out in layer.outputs if layer.evaluation else ():
        if out.label not in made:
            raise SpecError(name, "the evaluation equations must define every output", out)


def _check_arrays(layer: Layer) -> None:
    seen: set[str] = set()
    groups = layer.inputs + layer.params + layer.constants + tuple(r.array for r in layer.records)
    for a in groups + tuple(e.array for e in layer.equations):
        label = str(a.label)
        check_name(layer.name, "array", label)
        if a.shape is None:
            raise SpecError(layer.name, "every array needs a shape", label)
        for s in a.shape:
            extra = s.free_symbols - set(layer.sizes)
            if extra:
                raise SpecError(layer.name, f"undeclared size symbol {sorted(map(str, extra))}", label)
    for a in groups:
        if str(a.label) in seen:
            raise SpecError(layer.name, "duplicate array name", a.label)
        seen.add(str(a.label))
    defined = [str(e.array.label) for e in layer.equations]
    for label in defined:
        if label in seen or defined.count(label) > 1:
            raise SpecError(layer.name, "an array is defined twice", label)
    _check_state_arrays(layer, seen | set(defined))


def _check_state_arrays(layer: Layer, taken: set[str]) -> None:
    """Buffers have names of their own; an evaluation equation defines an output (of the same shape) or
    an array of its own, once."""
    shapes = {str(a.label): tuple(a.shape) for a in layer.outputs}
    buffers = [str(b.array.label) for b in layer.buffers]
    for label in buffers:
        if label in taken or buffers.count(label) > 1:
            raise SpecError(layer.name, "a buffer's name is taken by another array", label)
    evaluated = [str(e.array.label) for e in layer.evaluation]
    for eq, label in zip(layer.evaluation, evaluated):
        if evaluated.count(label) > 1 or label in buffers or (label in taken and label not in shapes):
            raise SpecError(layer.name, "an evaluation equation defines an output or a new array once", label)
        if label in shapes and tuple(eq.array.shape) != shapes[label]:
            raise SpecError(layer.name, "an output has another shape in evaluation", label)
    for a in [b.array for b in layer.buffers] + [e.array for e in layer.evaluation]:
        check_name(layer.name, "array", str(a.label))
        if a.shape is None:
            raise SpecError(layer.name, "every array needs a shape", a.label)
        extra = set().union(*(sp.sympify(s).free_symbols for s in a.shape)) - set(layer.sizes)
        if extra:
            raise SpecError(layer.name, f"undeclared size symbol {sorted(map(str, extra))}", a.label)


def _check_equation(layer: Layer, eq, defined: set, sizes: set) -> None:
    name = layer.name
    lhs = eq.lhs
    if not isinstance(lhs, sp.Indexed):
        raise SpecError(name, "the left-hand side must be an indexed array", lhs)
    if len(set(lhs.indices)) != len(lhs.indices) or not all(
        isinstance(i, sp.Symbol) for i in lhs.indices
    ):
        raise SpecError(name, "left-hand indices must be distinct plain symbols", lhs)
    if len(lhs.indices) != len(lhs.base.shape):
        raise SpecError(name, f"{lhs.base.label} has rank {len(lhs.base.shape)}", lhs)
    ranges = {i: (sp.S.Zero, s - 1) for i, s in zip(lhs.indices, lhs.base.shape)}
    _check_padded_factors(name, eq.rhs)
    _walk(layer, eq.rhs, ranges, defined, sizes)


def _walk(layer: Layer, expr: sp.Basic, ranges: dict, defined: set, sizes: set) -> None:
    name = layer.name
    if isinstance(expr, sp.Sum):
        inner = dict(ranges)
        for var, lo, hi in reversed(expr.limits):
            for bound, clip in ((lo, sp.Max), (hi, sp.Min)):
                extra = bound.free_symbols - sizes - set(inner)
                if extra:
                    what = f"undeclared symbol {sorted(map(str, extra))} in a sum's limits"
                    raise SpecError(name, what, expr)
                _check_limit(name, bound, clip, set(inner), expr)
            inner[var] = (lo, hi)
        _check_padded_factors(name, expr.function)
        _walk(layer, expr.function, inner, defined, sizes)
        return
    if isinstance(expr, sp.Indexed):
        _check_access(layer, expr, ranges, defined, sizes)
        return
    if isinstance(expr, padded):
        if not isinstance(expr.args[0], sp.Indexed):
            raise SpecError(name, "padded() takes an array, as padded(X)[i, j]", expr)
        _check_access(layer, expr.args[0], ranges, defined, sizes, inside=False)
        return
    if isinstance(expr, sp.Symbol):
        if expr not in sizes and expr not in ranges:
            raise SpecError(name, f"undeclared symbol {expr}", expr)
        return
    if isinstance(expr, sp.Function) and not isinstance(expr, KNOWN_FUNCTIONS):
        raise SpecError(name, f"unknown function {expr.func} has no derivative symcnn knows", expr)
    if isinstance(expr, sp.Pow) and expr.exp.has(*[a for a in expr.exp.atoms(sp.Indexed)]):
        raise SpecError(name, "an array in an exponent is not supported", expr)
    for arg in expr.args:
        _walk(layer, arg, ranges, defined, sizes)


def _check_limit(name: str, bound: sp.Expr, clip: type, idx: set, term: sp.Expr) -> None:
    """A sum's limit: affine in the indices, or (clipped) a ``Max`` (lower) / ``Min`` (upper) of such."""
    other = sp.Min if clip is sp.Max else sp.Max
    parts = bound.args if isinstance(bound, clip) else (bound,)
    side = "lower" if clip is sp.Max else "upper"
    for part in parts:
        if part.has(other, clip):
            raise SpecError(name, f"a {side} limit may clip with {clip.__name__}, not {other.__name__}", term)
        if not _affine(part, idx):
            raise SpecError(name, f"sum limit {part} is not affine in the indices", term)


def _affine(e: sp.Expr, idx: set) -> bool:
    if e.has(sp.floor, sp.ceiling, sp.Mod, sp.Function) or not e.is_polynomial(*idx):
        return False
    used = sorted(e.free_symbols & idx, key=str)
    if not used:
        return True
    poly = sp.Poly(e, *used)
    return poly.total_degree() <= 1 and not any(c.free_symbols & idx for c in poly.coeffs())


def _check_padded_factors(name: str, body: sp.Expr) -> None:
    """A padded read zeroes its term only as a factor of it: ``exp(padded(X)[i])`` is not 0 outside."""
    body = body.xreplace({s: sp.Dummy() for s in body.atoms(sp.Sum)})  # an inner sum checks its own
    for term in sp.Add.make_args(sp.expand(body)) if padded_reads(body) else ():
        for read in padded_reads(term):
            if not as_factor(term, read):
                raise SpecError(name, "a padded read must be a factor of its summed term", term)


def _check_access(
    layer: Layer, acc: sp.Indexed, ranges: dict, defined: set, sizes: set, inside: bool = True
) -> None:
    name = layer.name
    base = acc.base
    if base.label not in defined:
        raise SpecError(name, f"array {base.label} is used before it is defined or declared", acc)
    shape = layer.arrays()[str(base.label)].shape
    if len(acc.indices) != len(shape):
        raise SpecError(name, f"{base.label} has rank {len(shape)}, indexed with {len(acc.indices)}", acc)
    idx = set(ranges)
    for e, extent in zip(acc.indices, shape):
        extra = e.free_symbols - sizes - idx
        if extra:
            raise SpecError(name, f"undeclared symbol {sorted(map(str, extra))} in an index", acc)
        poly = sp.Poly(e, *sorted(e.free_symbols & idx, key=str)) if e.free_symbols & idx else None
        if poly is not None and poly.total_degree() > 1:
            raise SpecError(name, f"index {e} is not affine in the indices", acc)
        if poly is not None and any(c.free_symbols & idx for c in poly.coeffs()):
            raise SpecError(name, f"index {e} is not affine in the indices", acc)
        if inside and not (nonnegative(e, ranges) and nonnegative(extent - 1 - e, ranges)):
            raise SpecError(name, f"index {e} can leave 0..{extent - 1} of {base.label}", acc)


def _check_reachable(layer: Layer) -> None:
    """Every output must depend on some input or parameter: a differentiable path."""
    live = {a.label for a in layer.inputs + layer.params}
    for eq in layer.equations:
        if {a.base.label for a in eq.rhs.atoms(sp.Indexed)} & live:
            live.add(eq.array.label)
    for out in layer.outputs:
        if out.label not in live:
            raise SpecError(layer.name, "no differentiable path from any input or parameter", out)


def unused_equations(layer: Layer) -> tuple[str, ...]:
    """The arrays whose equations reach no output: computed, then never read on the way to one."""
    live = {out.label for out in layer.outputs}
    for eq in reversed(layer.equations):
        if eq.array.label in live:
            live |= {a.base.label for a in eq.rhs.atoms(sp.Indexed)}
    return tuple(str(eq.array.label) for eq in layer.equations if eq.array.label not in live)


def unused_text(layer: Layer) -> str:
    """One sentence on the equations that reach no output, or ``""``."""
    dead = unused_equations(layer)
    if not dead:
        return ""
    outs = ", ".join(str(o.label) for o in layer.outputs)
    what = ", ".join(dead)
    verb = "reaches" if len(dead) == 1 else "reach"
    return f"{what} {verb} no output (outputs: {outs}): computed but never used"


def warn_unused(layer: Layer, stream: TextIO | None = None) -> None:
    """A one-line warning on stderr (not an error) when some equation's result reaches no output."""
    text = unused_text(layer)
    if text:
        print(f"symcnn: warning: layer {layer.name!r}: {text}", file=stream or sys.stderr)
