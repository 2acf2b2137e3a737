"""The last rendering stage: lines longer than :data:`~.text.LINE_LIMIT` broken inside their brackets.

Layout only: a long statement is split at the commas of its widest bracket
(one item a line, indented one level), or, for a long sum with no such
bracket, its right-hand side is put in parentheses and split before each
``+``. Python reads a bracketed line break as a space, so the module means
exactly what it meant before; tests compare the two syntax trees. Tokens come
from :mod:`tokenize`, so strings and comments are never split and the text is
never matched against patterns.
"""

from __future__ import annotations

import ast
import io
import tokenize

from .text import LINE_LIMIT

INDENT = "    "
_OPEN, _CLOSE = "([{", ")]}"
_ASSIGN = {"=", "+=", "-=", "*=", "/="}


def _tokens(stmt: str) -> list[tokenize.TokenInfo]:
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT}
    return [t for t in tokenize.generate_tokens(io.StringIO(stmt).readline) if t.type not in skip]


def _widest_bracket(tokens: list[tokenize.TokenInfo]) -> tuple[int, int] | None:
    """Columns of the widest bracket pair at depth 0, ``(open, close)``."""
    best, depth, start = None, 0, 0
    for t in tokens:
        if t.type != tokenize.OP:
            continue
        if t.string in _OPEN:
            if depth == 0:
                start = t.start[1]
            depth += 1
        elif t.string in _CLOSE:
            depth -= 1
            if depth == 0 and (best is None or t.start[1] - start > best[1] - best[0]):
                best = (start, t.start[1])
    return best


def _split_at(stmt: str, tokens: list[tokenize.TokenInfo], lo: int, hi: int, sep: str) -> list[str]:
    """``stmt[lo:hi]`` cut at the ``sep`` tokens of bracket depth 0 (a comma ends its piece, a binary
    ``+`` starts the next one)."""
    cuts, depth, previous = [], 0, None
    for t in tokens:
        col = t.start[1]
        if lo <= col < hi and t.type == tokenize.OP:
            if t.string in _OPEN:
                depth += 1
            elif t.string in _CLOSE:
                depth -= 1
            elif depth == 0 and t.string == sep == ",":
                cuts.append(col + 1)
            elif depth == 0 and t.string == sep and _operand_end(previous):
                cuts.append(col)
        previous = t
    pieces, last = [], lo
    for cut in cuts:
        pieces.append(stmt[last:cut].strip())
        last = cut
    pieces.append(stmt[last:hi].strip())
    return [p for p in pieces if p]


def _operand_end(t: tokenize.TokenInfo | None) -> bool:
    """Does ``t`` end an operand, so that a ``+`` after it is binary?"""
    if t is None:
        return False
    return t.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) or t.string in _CLOSE


def _wrap(stmt: str, indent: str, limit: int, inside: bool = False) -> list[str]:
    """``stmt`` as lines of at most ``limit`` where it can be; ``inside``: within a bracket already."""
    if len(indent) + len(stmt) <= limit:
        return [indent + stmt]
    tokens = _tokens(stmt)
    ops = (t for t in tokens if t.type == tokenize.OP and t.string in _ASSIGN)
    assign = None if inside else next(ops, None)
    start = assign.end[1] if assign is not None else 0
    terms = _split_at(stmt, tokens, start, len(stmt), "+") if (inside or assign is not None) else []
    if len(terms) > 1:  # a long sum: one term a line, each wrapped in its brackets if still long
        inner = indent if inside else indent + INDENT
        lines = [ln for t in terms for ln in _wrap(t, inner, limit, inside=True)]
        if inside:
            return lines
        return [indent + stmt[:start] + " (", *lines, indent + ")"]
    bracket = _widest_bracket(tokens)
    if bracket is not None and bracket[1] - bracket[0] > 2:
        lo, hi = bracket
        items = _split_at(stmt, tokens, lo + 1, hi, ",")
        inner = [ln for item in items for ln in _wrap(item, indent + INDENT, limit, inside=True)]
        return [indent + stmt[: lo + 1], *inner, indent + stmt[hi:]]
    return [indent + stmt]


def _logical_lines(text: str) -> list[tuple[int, int]]:
    """(first, last) physical line, 0-based, of every logical line of a module."""
    out, first = [], None
    for t in tokenize.generate_tokens(io.StringIO(text).readline):
        if t.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if first is None:
            first = t.start[0] - 1
        if t.type == tokenize.NEWLINE:
            out.append((first, t.start[0] - 1))
            first = None
    return out


def _wrap_item(lines: list[str], k: int, limit: int) -> None:
    """Wrap the long line ``k`` inside a statement of several lines, if that leaves its meaning alone
    (the statement is parsed before and after; a line the tokenizer cannot take alone stays)."""
    line = lines[k]
    if len(line) <= limit or line.lstrip().startswith(('"""', "'", "#")) or "#" in line:
        return
    indent = line[: len(line) - len(line.lstrip())]
    try:
        wrapped = _wrap(line.lstrip(), indent, limit, inside=True)
    except (tokenize.TokenError, SyntaxError):
        return
    before = "\n".join(lines)
    after = "\n".join(lines[:k] + wrapped + lines[k + 1 :])
    try:
        same = ast.dump(ast.parse(after)) == ast.dump(ast.parse(before))
    except SyntaxError:
        same = False
    if same:
        lines[k : k + 1] = wrapped


def wrap_long_lines(text: str, limit: int = LINE_LIMIT) -> str:
    """``text`` (a Python module) with every long statement, or long item of a statement already over
    several lines, broken inside its brackets."""
    lines = text.split("\n")
    for first, last in reversed(_logical_lines(text)):
        if first != last:  # a statement over several lines already: wrap its long items in their brackets
            for k in range(last, first, -1):
                _wrap_item(lines, k, limit)
            continue
        line = lines[first]
        if len(line) <= limit or line.lstrip().startswith(('"""', "#")):
            continue
        body, comment = line.lstrip(), ""
        remark = [t for t in _tokens(body) if t.type == tokenize.COMMENT]
        if remark:  # a trailing comment stays on the statement's first line
            comment = "  " + remark[0].string
            body = body[: remark[0].start[1]].rstrip()
        wrapped = _wrap(body, line[: len(line) - len(line.lstrip())], limit)
        if comment:
            wrapped[0] += comment
        lines[first : first + 1] = wrapped
    return "\n".join(lines)
