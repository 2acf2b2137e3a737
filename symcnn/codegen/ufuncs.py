"""An elementwise expression as a chain of NumPy ufuncs that all write one buffer.

``Y = sigmoid(U)`` printed as ``1.0 / (1.0 + np.exp(-U))`` makes three
temporaries as large as ``Y``; each is freshly allocated memory the CPU must
fault in. Written as a chain into the target itself::

    np.negative(U, out=Y); np.exp(Y, out=Y); np.add(Y, 1.0, out=Y); np.divide(1.0, Y, out=Y)

it allocates nothing and walks memory already in cache. :func:`chain` finds
that sequence for any expression whose every node has at most one operand
that is itself computed (the rest are arrays, index grids or numbers) — the
activations of [B3], their derivatives and the sensitivities of [B5] are all
of that shape. ``@`` in a step stands for the buffer; other operands are
NumPy source as :func:`~symcnn.codegen.printer.array_code` prints them.
"""

from __future__ import annotations

import sympy as sp

from ..model.functions import relu, sigmoid, step
from .ir import HOLE
from .printer import array_code

#: ``(ufunc, operands)``: ``np.<ufunc>(*operands, out=@)``, ``@`` being the buffer.
Step = tuple[str, tuple[str, ...]]

#: Functions of one argument and the chain each becomes, applied to the buffer.
_UNARY: dict[type, tuple[Step, ...]] = {
    sp.exp: (("exp", ("@",)),),
    sp.log: (("log", ("@",)),),
    sp.tanh: (("tanh", ("@",)),),
    sp.Abs: (("absolute", ("@",)),),
    sp.sign: (("sign", ("@",)),),
    relu: (("maximum", ("@", "0")),),
    step: (("greater", ("@", "0")),),
    sigmoid: (("negative", ("@",)), ("exp", ("@",)), ("add", ("@", "1.0")), ("divide", ("1.0", "@"))),
}

BUFFER = "@"

#: What the names of the symbols standing for array reads and index grids in a factor start with
#: (:func:`.ir.hole`).
PLACEHOLDERS = (HOLE,)


def chain(expr: sp.Expr) -> tuple[Step, ...] | None:
    """Steps that leave ``expr`` in the buffer, or ``None`` where it needs a second buffer.

    A leaf alone (``Y = X``) is one ``positive`` (a copy).
    """
    try:
        steps, src = _walk(expr)
    except _NeedsTemporary:
        return None
    if src != BUFFER:
        steps = [("positive", (src,))]
    return tuple(steps)


class _NeedsTemporary(Exception):
    """Two operands of one node are computed: the chain would need a second buffer."""


def _leaf(e: sp.Expr) -> bool:
    """An operand printed as it is: an array, an index grid, or a number (sizes included)."""
    if e.is_Atom or isinstance(e, sp.Indexed):
        return True
    return not e.atoms(sp.Indexed) and not any(str(s).startswith(PLACEHOLDERS) for s in e.free_symbols)


def _walk(e: sp.Expr) -> tuple[list[Step], str]:
    """``(steps, source)``: steps computing ``e`` and where its value then is (``@`` or a leaf)."""
    if _leaf(e):
        return [], array_code(e)
    if isinstance(e, sp.Add):
        return _fold(e, "add")
    if isinstance(e, sp.Mul):
        return _fold(e, "multiply")
    if isinstance(e, sp.Pow):
        return _power(e)
    if type(e) in _UNARY and len(e.args) == 1:
        steps, src = _walk(e.args[0])
        first, *rest = _UNARY[type(e)]
        return steps + [_apply(first, src)] + list(rest), BUFFER
    raise _NeedsTemporary


def _apply(s: Step, src: str) -> Step:
    """Step ``s`` reading ``src`` where it reads the buffer (the first step of a chain)."""
    return s[0], tuple(src if o == BUFFER else o for o in s[1])


def _negated(e: sp.Expr) -> sp.Expr | None:
    """``x`` if ``e`` is ``-x`` with ``x`` a leaf, else ``None``."""
    if isinstance(e, sp.Mul) and len(e.args) == 2 and e.args[0] == -1 and _leaf(e.args[1]):
        return e.args[1]
    return None


def _fold(e: sp.Expr, op: str) -> tuple[list[Step], str]:
    """An ``Add`` or ``Mul``: its one computed operand first, then each leaf folded in.

    In a sum, ``c - x`` of leaves is one ``subtract``, and so is ``c - (computed)``.
    """
    adding = op == "add"
    computed = [a for a in e.args if not _leaf(a) and not (adding and _negated(a) is not None)]
    if len(computed) > 1:
        raise _NeedsTemporary
    negated = [a for a in e.args if a not in computed and adding and _negated(a) is not None]
    leaves = [a for a in e.args if a not in computed and a not in negated] + negated
    steps: list[Step] = []
    src, pending = None, False  # pending: the buffer holds -(the value so far)
    if computed:
        c = computed[0]
        if adding and isinstance(c, sp.Mul) and c.args[0] == -1:
            c, pending = sp.Mul(*c.args[1:]), True
        steps, src = _walk(c)
    for a in leaves:
        neg = _negated(a) if adding else None
        if src is None:  # the first leaf starts the chain
            src = array_code(a)
            continue
        if pending and neg is None:
            steps.append(("subtract", (array_code(a), src)))
            pending = False
        elif neg is not None:
            steps.append(("subtract", (src, array_code(neg))))
        elif op == "multiply" and a == -1:
            steps.append(("negative", (src,)))
        else:
            steps.append((op, (src, array_code(a))))
        src = BUFFER
    if pending:
        steps.append(("negative", (src,)))
    elif src != BUFFER:  # a lone leaf (or a sum ``-x``, whose first leaf was negated)
        steps.append(("positive", (src,)))
    return steps, BUFFER


def _power(e: sp.Pow) -> tuple[list[Step], str]:
    base, exp = e.args
    steps, src = _walk(base)
    if exp == -1:
        return steps + [("divide", ("1.0", src))], BUFFER
    if exp == 2:
        return steps + [("square", (src,))], BUFFER
    if exp == sp.Rational(1, 2):
        return steps + [("sqrt", (src,))], BUFFER
    if exp.is_number:
        return steps + [("power", (src, array_code(exp)))], BUFFER
    raise _NeedsTemporary


def render(steps: tuple[Step, ...], out: str) -> list[str]:
    """The chain as NumPy statements writing ``out``."""
    return [f"np.{name}({', '.join(out if o == BUFFER else o for o in ops)}, out={out})"
            for name, ops in steps]


__all__ = ["BUFFER", "Step", "chain", "render"]
