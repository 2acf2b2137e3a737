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

from .ir import Code, Elementwise

#: ``(ufunc, operands)``: ``np.<ufunc>(*operands, out=@)``, ``@`` being the buffer.
Step = tuple[str, tuple[str, ...]]

#: Functions of one argument (by their :class:`~.loops.Call` name) and powers (by the
#: :class:`~.ir.Elementwise` kind :func:`.freeze.elementwise` gives them), and the chain each becomes,
#: applied to the buffer.
_UNARY: dict[str, tuple[Step, ...]] = {
    "exp": (("exp", ("@",)),),
    "log": (("log", ("@",)),),
    "tanh": (("tanh", ("@",)),),
    "abs": (("absolute", ("@",)),),
    "sign": (("sign", ("@",)),),
    "relu": (("maximum", ("@", "0")),),
    "step": (("greater", ("@", "0")),),
    "sigmoid": (("negative", ("@",)), ("exp", ("@",)), ("add", ("@", "1.0")), ("divide", ("1.0", "@"))),
    "reciprocal": (("divide", ("1.0", "@")),),
    "square": (("square", ("@",)),),
    "sqrt": (("sqrt", ("@",)),),
}

BUFFER = "@"

#: An expression frozen by :func:`.freeze.elementwise`: a printed operand or a node over operands.
Frozen = Code | Elementwise


def chain(expr: Frozen) -> tuple[Step, ...] | None:
    """Steps that leave ``expr`` (frozen by :func:`.freeze.elementwise`) in the buffer, or ``None``
    where it needs a second buffer.

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


def _leaf(e: Frozen) -> bool:
    """An operand printed as it is: an array, an index grid, or a number (sizes included)."""
    return isinstance(e, Code)


def _walk(e: Frozen) -> tuple[list[Step], str]:
    """``(steps, source)``: steps computing ``e`` and where its value then is (``@`` or a leaf)."""
    if isinstance(e, Code):
        return [], str(e)
    if e.kind in ("add", "mul"):
        return _fold(e, "add" if e.kind == "add" else "multiply")
    if e.kind == "power":
        base, exp = e.args
        steps, src = _walk(base)
        return steps + [("power", (src, str(exp)))], BUFFER
    if e.kind in _UNARY:
        steps, src = _walk(e.args[0])
        first, *rest = _UNARY[e.kind]
        return steps + [_apply(first, src)] + list(rest), BUFFER
    raise _NeedsTemporary


def _apply(s: Step, src: str) -> Step:
    """Step ``s`` reading ``src`` where it reads the buffer (the first step of a chain)."""
    return s[0], tuple(src if o == BUFFER else o for o in s[1])


def _negated(e: Frozen) -> Code | None:
    """``x`` if ``e`` is ``-x`` with ``x`` a leaf, else ``None``."""
    if isinstance(e, Elementwise) and e.kind == "mul" and len(e.args) == 2 and _minus_one(e.args[0]) \
            and _leaf(e.args[1]):
        return e.args[1]
    return None


def _minus_one(e: Frozen) -> bool:
    return isinstance(e, Code) and e.value == -1


def _fold(e: Elementwise, op: str) -> tuple[list[Step], str]:
    """An ``add`` or ``mul`` node: its one computed operand first, then each leaf folded in.

    In a sum, ``c - x`` of leaves is one ``subtract``, and so is ``c - (computed)``.
    """
    adding = op == "add"
    negatable = [adding and _negated(a) is not None for a in e.args]
    computed = [k for k, a in enumerate(e.args) if not _leaf(a) and not negatable[k]]
    if len(computed) > 1:
        raise _NeedsTemporary
    plain = [k for k in range(len(e.args)) if k not in computed and not negatable[k]]
    leaves = [e.args[k] for k in plain] + [a for k, a in enumerate(e.args) if negatable[k]]
    steps: list[Step] = []
    src, pending = None, False  # pending: the buffer holds -(the value so far)
    if computed:
        c = e.args[computed[0]]
        if adding and c.kind == "mul" and _minus_one(c.args[0]):
            c, pending = c.rest, True
        steps, src = _walk(c)
    for a in leaves:
        neg = _negated(a) if adding else None
        if src is None:  # the first leaf starts the chain
            src = str(a)
            continue
        if pending and neg is None:
            steps.append(("subtract", (str(a), src)))
            pending = False
        elif neg is not None:
            steps.append(("subtract", (src, str(neg))))
        elif op == "multiply" and _minus_one(a):
            steps.append(("negative", (src,)))
        else:
            steps.append((op, (src, str(a))))
        src = BUFFER
    if pending:
        steps.append(("negative", (src,)))
    elif src != BUFFER:  # a lone leaf (or a sum ``-x``, whose first leaf was negated)
        steps.append(("positive", (src,)))
    return steps, BUFFER


def render(steps: tuple[Step, ...], out: str) -> list[str]:
    """The chain as NumPy statements writing ``out``."""
    return [f"np.{name}({', '.join(out if o == BUFFER else o for o in ops)}, out={out})"
            for name, ops in steps]


__all__ = ["BUFFER", "Step", "chain", "render"]
