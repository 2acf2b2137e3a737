"""Derivations as data: JSON holding SymPy ``srepr`` text, read back without running code.

The derivation cache (:mod:`.cache`) stores what :func:`dump` writes. :func:`load`
never calls ``eval`` or ``pickle``: it parses each ``srepr`` string with
:func:`ast.parse` and builds the expression itself, allowing only literals,
tuples and calls of an allow-list of SymPy classes and the layer functions of
:mod:`symcnn.model.functions`. Anything else (an attribute, a name not on the
list, a power of two numbers that would be computed, a huge integer, a
symbol not named by an identifier, an array that is not the layer's) is a
:class:`StoreError`, and the cache derives afresh. Sizes are bounded first
(the text, its syntax nodes, each call's arguments), so rebuilding takes
time about linear in the text.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from typing import Any

import sympy as sp

from ..model.functions import KNOWN_FUNCTIONS
from ..model.layer import Layer
from .engine import Derivation, grad_array
from .split import split_sums
from .terms import Bound, Gradient, Term

FORMAT = 1
#: Integer literals beyond this are refused: no derivation needs them, and they cost memory.
MAX_INT = 2**63
#: ``srepr`` text beyond this many characters is refused (the built-in layers' longest is 1.3 KB).
MAX_TEXT = 100_000
#: A stored derivation beyond this many characters is refused unparsed (the largest built-in: 11 KB).
MAX_DOC = 1_000_000
#: Syntax-tree nodes one ``srepr`` may hold: the text is rebuilt in time about linear in them.
MAX_NODES = 20_000
#: Arguments of one call; the classes of :data:`PAIRWISE` compare their arguments pairwise when built
#: (``Max`` of 400 symbols took minutes; ``Max`` and ``Min`` are rebuilt unevaluated), so they get fewer.
MAX_ARGS = 256
MAX_PAIRWISE_ARGS = 8
#: A symbol's name: an identifier, as a spec's names are (it becomes a name in generated code).
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

_FLOAT = re.compile(r"-?\d{1,40}(\.\d{0,40})?(e[-+]?\d{1,3})?")
_CLASSES = (
    sp.Add, sp.Mul, sp.Pow, sp.Integer, sp.Rational, sp.Float, sp.Symbol, sp.Dummy, sp.Indexed,
    sp.IndexedBase, sp.Tuple, sp.Max, sp.Min, sp.KroneckerDelta, sp.StrictLessThan, sp.LessThan,
    sp.StrictGreaterThan, sp.GreaterThan, sp.Equality, sp.Unequality, sp.And, sp.Or, sp.Not,
    sp.floor, sp.ceiling, sp.Mod, sp.Piecewise, sp.Sum, *KNOWN_FUNCTIONS,
)
ALLOWED: dict[str, Any] = {cls.__name__: cls for cls in _CLASSES}
PAIRWISE = (sp.Max, sp.Min, sp.And, sp.Or, sp.Piecewise)
SINGLETONS: dict[str, Any] = {"oo": sp.oo, "nan": sp.nan, "zoo": sp.zoo, "pi": sp.pi, "E": sp.E,
                              "I": sp.I, "true": sp.true, "false": sp.false}


class StoreError(ValueError):
    """Stored text that is not a derivation this module wrote."""


def parse_srepr(text: str) -> sp.Basic:
    """Build the SymPy expression ``text`` (an ``srepr``) spells, allowing only :data:`ALLOWED` calls."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise StoreError("not an srepr string of reasonable length")
    try:
        tree = ast.parse(text, mode="eval")
        if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
            raise StoreError(f"more than {MAX_NODES} syntax nodes")
        return _build(tree.body)
    except (SyntaxError, RecursionError, MemoryError, TypeError, ValueError) as exc:
        raise StoreError(f"cannot rebuild {text[:60]!r}: {exc}") from None


def _build(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, str, float, bool, type(None)):
        if type(node.value) is int and abs(node.value) > MAX_INT:
            raise StoreError("integer literal too large")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _build(node.operand)
        if type(value) not in (int, float):
            raise StoreError("minus on a non-number")
        return -value
    if isinstance(node, ast.Tuple):
        return tuple(_build(e) for e in node.elts)
    if isinstance(node, ast.Name) and node.id in SINGLETONS:
        return SINGLETONS[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ALLOWED:
        cls = ALLOWED[node.func.id]
        if len(node.args) > (MAX_PAIRWISE_ARGS if cls in PAIRWISE else MAX_ARGS):
            raise StoreError(f"{cls.__name__} of {len(node.args)} arguments")
        args = [_build(a) for a in node.args]
        kwargs = {k.arg: _build(k.value) for k in node.keywords if k.arg is not None}
        if len(kwargs) != len(node.keywords):
            raise StoreError("** arguments")
        _check_numbers(cls, args, kwargs)
        _check_name(cls, args, kwargs)
        if cls is sp.Pow and all(isinstance(a, sp.Number) for a in args):
            raise StoreError("a power of two numbers")  # evaluating it could take any memory
        if cls in (sp.Max, sp.Min):  # stored as SymPy made them: not compared pairwise again
            return cls(*args, evaluate=False)
        return cls(*args, **kwargs)
    raise StoreError(f"{type(node).__name__} is not allowed in a stored derivation")


def _check_numbers(cls: type, args: list, kwargs: dict) -> None:
    """Numbers only from small literals: ``Integer('1e999999999')`` would take any memory."""
    if cls in (sp.Integer, sp.Rational) and not all(type(a) is int for a in args):
        raise StoreError(f"{cls.__name__} of a non-integer")
    if cls is sp.Float:
        if not (args and isinstance(args[0], str) and _FLOAT.fullmatch(args[0])):
            raise StoreError("Float of an unusual literal")
        if not all(type(v) is int and 0 < v <= 4096 for v in kwargs.values()):
            raise StoreError("Float of an unusual precision")


def _check_name(cls: type, args: list, kwargs: dict) -> None:
    """A symbol is named by an identifier and qualified by flags: names reach generated code."""
    if cls in (sp.Symbol, sp.Dummy, sp.IndexedBase):
        name = args[0] if args else None
        if isinstance(name, sp.Symbol):
            return  # ``IndexedBase(Symbol(...))``: checked when the symbol was built
        if not (isinstance(name, str) and NAME.fullmatch(name) and not keyword.iskeyword(name)):
            raise StoreError(f"{cls.__name__} named {str(name)[:40]!r}, not an identifier")
        flags = {k: v for k, v in kwargs.items() if not (cls is sp.Dummy and k == "dummy_index")}
        if cls is not sp.IndexedBase and (len(args) > 1 or not all(type(v) is bool for v in flags.values())):
            raise StoreError(f"{cls.__name__} {name} with arguments other than assumptions")


def _check_arrays(d: Derivation, layer: Layer) -> None:
    """Every array a stored derivation reads or writes is one of the layer's, or one's gradient."""
    known = {str(a.label) for a in layer.arrays().values()}
    known |= {str(grad_array(a).label) for a in layer.arrays().values()}
    for g in d.gradients:
        for t in g.terms:
            bounds = (e for b in t.sums for e in (b.index, *b.lower, *b.upper, *b.declared))
            parts = (t.body, *t.guards, *bounds)
            for part in parts:
                for base in sp.sympify(part).atoms(sp.IndexedBase):
                    if str(base.label) not in known:
                        raise StoreError(f"array {str(base.label)[:40]!r} is not one of layer {layer.name}'s")


def _bound_data(b: Bound) -> dict:
    return {"index": sp.srepr(b.index), "lower": [sp.srepr(e) for e in b.lower],
            "upper": [sp.srepr(e) for e in b.upper], "declared": [sp.srepr(e) for e in b.declared]}


def dump(d: Derivation, key: str) -> str:
    """The derivation ``d`` as JSON text; ``key`` names the spec it belongs to."""
    gradients = [
        {"wrt": g.wrt, "target": str(g.target.label), "free": [sp.srepr(f) for f in g.free],
         "terms": [{"sums": [_bound_data(b) for b in t.sums], "body": sp.srepr(t.body),
                    "guards": [sp.srepr(x) for x in t.guards]} for t in g.terms]}
        for g in d.gradients
    ]
    return json.dumps({"format": FORMAT, "key": key, "gradients": gradients}, sort_keys=True) + "\n"


def _bound(doc: dict) -> Bound:
    declared = tuple(parse_srepr(e) for e in doc["declared"])
    if len(declared) != 2:
        raise StoreError("a bound declares two ends")
    return Bound(parse_srepr(doc["index"]), tuple(parse_srepr(e) for e in doc["lower"]),
                 tuple(parse_srepr(e) for e in doc["upper"]), declared)


def _gradient(doc: dict, arrays: dict[str, sp.IndexedBase]) -> Gradient:
    target = grad_array(arrays[doc["wrt"]])
    if str(target.label) != doc["target"]:
        raise StoreError("gradient target does not match its array")
    terms = tuple(
        Term(tuple(_bound(b) for b in t["sums"]), parse_srepr(t["body"]),
             tuple(parse_srepr(x) for x in t["guards"]))
        for t in doc["terms"]
    )
    return Gradient(target, doc["wrt"], tuple(parse_srepr(f) for f in doc["free"]), terms)


def load(text: str, layer: Layer, key: str) -> Derivation:
    """Rebuild the derivation of ``layer`` from :func:`dump`'s text; :class:`StoreError` if it is not one."""
    if len(text) > MAX_DOC:
        raise StoreError(f"more than {MAX_DOC} characters")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise StoreError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
        raise StoreError("not a derivation of this spec")
    derived = split_sums(layer)  # the layer the engine differentiated, intermediates and all
    try:
        arrays = derived.arrays()
        gradients = tuple(_gradient(g, arrays) for g in doc["gradients"])
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise StoreError(f"malformed derivation: {exc!r}") from None
    derivation = Derivation(derived, tuple(grad_array(o) for o in derived.outputs), gradients, layer)
    try:
        _check_arrays(derivation, derived)
    except (TypeError, AttributeError, sp.SympifyError) as exc:
        raise StoreError(f"malformed derivation: {exc!r}") from None
    return derivation
