"""What every renderer shares: the Jinja environment and the kernels' docstrings.

A kernel's docstring says what it computes, the way ``symcnn derive --show``
prints it (sums with Σ, outermost first), and, for a layer whose label
``docs/paper.md`` states a closed form about the same array, that closed form
beside it. A layer with no label is a user layer: its docstring says that its
gradients come from its forward equation alone.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache

import jinja2

from ..model.paper import PAPER, closed_forms
from ..paths import templates_dir
from .ir import Kernel, RecordKernel

#: The Jinja templates: ``templates/`` of a checkout, or the copy shipped in the wheel.
TEMPLATES = templates_dir()
#: The width generated lines wrap at; no generated line is longer than :data:`LINE_LIMIT`.
WRAP = 96
LINE_LIMIT = 120


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["subscript"] = lambda name, table: f'{table}["{name}"]'
    env.filters["text"] = source_text
    return env


def source_text(text: object) -> str:
    """Free text (a label, a doc line) made safe inside a ``"..."`` or ``\"\"\"...\"\"\"`` literal.

    The one escaping function for every string that is not a validated identifier: backslashes and
    double quotes are escaped and every character that is not printable (a newline, a control
    character, a line separator) becomes its ``\\x``/``\\u`` escape, so the literal reads back as
    exactly ``text`` and can never end early. Printable text, ASCII or not, is kept as it is.
    """
    out = []
    for ch in str(text):
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(source_text(text), width=WRAP, subsequent_indent="    ", break_long_words=False)


def docstring(
    label: str, formula: str, what: str, paper: tuple[tuple[str, str], ...] = (), indent: str = "    "
) -> str:
    """A kernel's docstring: the label, the equation it computes, then the paper's closed forms."""
    return _quoted(docstring_lines(label, formula, what, paper), indent)


def docstring_lines(
    label: str, formula: str, what: str, paper: tuple[tuple[str, str], ...] = ()
) -> list[str]:
    """The lines of :func:`docstring`, escaped and wrapped, not yet indented or quoted."""
    label, what = source_text(label), source_text(what)
    if label:
        lines = [f"[{label}] {what}.", ""]
    else:
        lines = [f"{what[0].upper()}{what[1:]} of a user layer (no label in {PAPER}).", ""]
    lines += _wrapped(formula)
    if paper:
        lines += ["", f"The closed form {PAPER} states (symcnn verify proves it or corrects it, §6):"]
        for tag, text in paper:
            lines += _wrapped(f"[{tag}] {text}")
    elif not label:
        lines += ["", "Derived from the layer's forward equation alone, as every built-in layer's is."]
    return lines


def _quoted(lines: list[str], indent: str) -> str:
    """``lines`` as a docstring at ``indent``, blank lines left empty."""
    body = "\n".join((indent + ln) if ln else "" for ln in lines)
    return f'{indent}"""{body.lstrip()}\n{indent}"""'


def what(k: Kernel | RecordKernel) -> str:
    """The kernel's job in a few words: ``gradient dX``, ``forward equation for U``."""
    if k.kind == "record":
        return f"forward record {k.target}"
    if k.kind == "forward":
        return f"forward equation for {k.target}"
    if k.kind == "evaluate":
        return f"evaluation equation for {k.target}"
    if k.kind == "update":
        return f"training update of buffer {k.target.removeprefix('_next_')}"
    return f"gradient {k.target}"


#: How each compiled schedule of a kernel with a window runs (the kernel picks one by the sizes).
SCHEDULES = {
    "dot": "register-blocked inner products (codegen/dot.py)",
    "packed": "packed windows (codegen/window.py)",
    "loops": "loop nests",
}


def schedule_docstring_lines(k: Kernel) -> dict[str, tuple[str, ...]]:
    """The docstring lines of each compiled schedule of kernel ``k`` (how it runs and the equation it
    computes), escaped and wrapped, not yet indented or quoted."""
    return {name: (*_wrapped(f"One schedule of {k.name}, which picks it by the sizes: {how}."), "",
                   *_wrapped(k.formula))
            for name, how in SCHEDULES.items()}


def kernel_docstring(k: Kernel | RecordKernel, layer: str) -> str:
    """The docstring of kernel ``k`` of layer ``layer``."""
    return _quoted(kernel_docstring_lines(k, layer), "    ")


def kernel_docstring_lines(k: Kernel | RecordKernel, layer: str) -> list[str]:
    """The lines of :func:`kernel_docstring`, escaped and wrapped, not yet indented or quoted."""
    paper = () if k.kind == "record" else closed_forms(layer, k.label, k.target)
    return docstring_lines(k.label, k.formula, what(k), paper)

