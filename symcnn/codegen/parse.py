"""Source text of the fast IR as loop-tree nodes (:mod:`.loops`).

The loop order (:mod:`.order`) and the window schedule (:mod:`.window`)
record a reduction's loops, body, temporaries, hoists and target, a window's
sizes and its fill as source text (:class:`~.ir.Code`), printed from frozen
terms as SymPy's printer wrote it (:mod:`.hoist`); the other schedules
(:mod:`.tile`, :mod:`.pack`, :mod:`.jam`, :mod:`.dot`) record tree nodes and
need no reading back. :func:`expr` and
:func:`stmt` read such text back, with
Python's own parser, into typed nodes, so a schedule is printed from its tree
(:mod:`.schedule_tree`) like every other kernel. The tree means what the text
means: each operator becomes the node of that operator, operands in the order
Python evaluates them (a product is flattened only where that keeps the order
of its operations), so the printed source parses to the same syntax tree,
whatever parentheses it drops. A construct with no node is an error, never
passed through as text.
"""

from __future__ import annotations

import ast
from functools import lru_cache

from . import loops as L

#: ``math.<name>`` and ``np.<name>`` calls, by the :class:`~.loops.Call` function they are.
_ATTR_CALLS = {("math", "exp"): "exp", ("math", "log"): "log", ("math", "tanh"): "tanh",
               ("np", "sign"): "sign", ("np", "uint64"): "unsigned"}
#: Builtins a :class:`~.loops.Call` may name.
_BUILTINS = frozenset({"max", "min", "abs"})


@lru_cache(maxsize=1 << 14)
def expr(text: str) -> L.Expr:
    """The expression ``text`` (Python source) as a loop-tree expression."""
    return _expr(_parsed(text, "eval").body, text)


@lru_cache(maxsize=1 << 12)
def stmt(text: str) -> L.Stmt:
    """The store ``text`` (``target = value`` or ``target += value``) as a loop-tree statement."""
    tree = _parsed(text, "exec").body
    if len(tree) != 1:
        raise ValueError(f"not one statement: {text!r}")
    s = tree[0]
    if isinstance(s, ast.Assign) and len(s.targets) == 1:
        return L.Assign(_target(s.targets[0], text), _expr(s.value, text))
    if isinstance(s, ast.AugAssign) and isinstance(s.op, ast.Add):
        return L.Accumulate(_target(s.target, text), _expr(s.value, text))
    raise ValueError(f"not a store: {text!r}")


def _parsed(text: str, mode: str) -> ast.AST:
    try:
        return ast.parse(text.strip(), mode=mode)
    except SyntaxError as exc:
        raise ValueError(f"not Python source: {text!r}") from exc


def _target(node: ast.expr, text: str) -> L.Var | L.Load:
    out = _expr(node, text)
    if not isinstance(out, (L.Var, L.Load)):
        raise ValueError(f"cannot store into {ast.unparse(node)!r} in {text!r}")
    return out


def _has_denominator(e: L.Expr) -> bool:
    return isinstance(e, L.Mul) and any(
        isinstance(f, L.Rat) or (isinstance(f, L.Pow) and isinstance(f.exp, L.Int) and f.exp.value < 0)
        for f in e.factors)


def _product(left: L.Expr, right: L.Expr) -> L.Mul:
    """``left * right``: one product where ``left`` is one with no denominator (``a*b*c``), so the
    multiplications keep their order."""
    if isinstance(left, L.Mul) and not _has_denominator(left):
        return L.Mul((*left.factors, right))
    return L.Mul((left, right))


def _negative(e: L.Expr) -> L.Expr:
    if isinstance(e, (L.Int, L.Real)):
        return type(e)(-e.value)
    return L.Mul((L.Int(-1), e))


def _expr(node: ast.expr, text: str) -> L.Expr:  # noqa: C901, PLR0911, PLR0912 - one case a construct
    if isinstance(node, ast.Name):
        return L.Var(node.id)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return L.Int(node.value) if isinstance(node.value, int) else L.Real(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _negative(_expr(node.operand, text))
    if isinstance(node, ast.BinOp):
        left, right = _expr(node.left, text), _expr(node.right, text)
        if isinstance(node.op, ast.Add):
            return L.Add((*left.terms, right) if isinstance(left, L.Add) else (left, right))
        if isinstance(node.op, ast.Sub):
            neg = _negative(right)
            return L.Add((*left.terms, neg) if isinstance(left, L.Add) else (left, neg))
        if isinstance(node.op, ast.Mult):
            return _product(left, right)
        if isinstance(node.op, ast.Div):
            return _product(left, L.Pow(right, L.Int(-1)))
        if isinstance(node.op, ast.FloorDiv):
            return L.FloorDiv(left, right)
        if isinstance(node.op, ast.Mod):
            return L.Mod(left, right)
        if isinstance(node.op, ast.Pow):
            return L.Pow(left, right)
        if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            op = "&" if isinstance(node.op, ast.BitAnd) else "|"
            return L.Logic(op, (*left.args, right) if isinstance(left, L.Logic) and left.op == op
                           else (left, right))
    if isinstance(node, ast.BoolOp):
        return L.Logic("and" if isinstance(node.op, ast.And) else "or",
                       tuple(_expr(v, text) for v in node.values))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        ops = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
        return L.Cmp(ops[type(node.ops[0])], _expr(node.left, text), _expr(node.comparators[0], text))
    if isinstance(node, ast.IfExp):
        return L.Select(_expr(node.test, text), _expr(node.body, text), _expr(node.orelse, text))
    if isinstance(node, ast.Subscript):
        return _subscript(node, text)
    if isinstance(node, ast.Call) and not node.keywords:
        return _call(node, text)
    raise ValueError(f"no loop-tree node for {ast.unparse(node)!r} in {text!r}")


def _subscript(node: ast.Subscript, text: str) -> L.Expr:
    base, index = node.value, node.slice
    if (isinstance(base, ast.Attribute) and base.attr == "shape" and isinstance(base.value, ast.Name)
            and isinstance(index, ast.Constant) and isinstance(index.value, int)):
        return L.Shape(base.value.id, index.value)
    if not isinstance(base, ast.Name):
        raise ValueError(f"no loop-tree node for {ast.unparse(node)!r} in {text!r}")
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return L.Load(base.id, tuple(L.Slice() if _whole_axis(p) else _expr(p, text) for p in parts))


def _whole_axis(node: ast.expr) -> bool:
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and node.step is None


def _call(node: ast.Call, text: str) -> L.Expr:
    f, args = node.func, tuple(_expr(a, text) for a in node.args)
    if isinstance(f, ast.Name) and f.id in _BUILTINS:
        return L.Call(f.id, args)
    if isinstance(f, ast.Name) and f.id.startswith("_") and len(args) == 1:  # a dtype held in a local
        return L.Typed(args[0], f.id)
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        if (f.value.id, f.attr) in _ATTR_CALLS:
            return L.Call(_ATTR_CALLS[f.value.id, f.attr], args)
        if (f.value.id, f.attr) == ("math", "sqrt") and len(args) == 1:
            return L.Pow(args[0], L.Rat(1, 2))
        if f.attr == "reshape":
            return L.Reshape(f.value.id, args)
    if (isinstance(f, ast.Attribute) and f.attr == "type" and isinstance(f.value, ast.Attribute)
            and f.value.attr == "dtype" and isinstance(f.value.value, ast.Name) and len(args) == 1):
        return L.Cast(args[0], f.value.value.id)
    raise ValueError(f"no loop-tree node for {ast.unparse(node)!r} in {text!r}")
