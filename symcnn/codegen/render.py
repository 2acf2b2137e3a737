"""Rendering: IR modules → Python source, through the Jinja templates in ``templates/``
(:func:`symcnn.paths.templates_dir`).

The templates hold the scaffolding (header, imports, contract, decorators,
the shape of a loop nest or an einsum call); everything that varies with the
layer comes from the IR. Rendering is pure: same IR, same text.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache

import jinja2
import sympy as sp

from .. import __version__
from ..errors import GeneratedCodeError
from ..paths import templates_dir
from .ir import Kernel, Loop, Module, RecordKernel

#: The Jinja templates: ``templates/`` of a checkout, or the copy shipped in the wheel.
TEMPLATES = templates_dir()
BACKENDS = ("numba", "numpy")
#: LLVM flags for Numba kernels with sums: reassociation lets a float sum vectorise; nothing
#: that changes NaN or Inf handling.
FASTMATH = '{"contract", "reassoc"}'


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
    return env


def template(name: str) -> jinja2.Template:
    """A template by file name; a missing one is a :class:`GeneratedCodeError` naming the folder."""
    try:
        return environment().get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise GeneratedCodeError(f"{TEMPLATES}: template {exc.name} is missing; reinstall symcnn") from exc


def versions() -> dict[str, str]:
    return {"symcnn": __version__, "sympy": sp.__version__}


def docstring(label: str, formula: str, what: str, indent: str = "    ") -> str:
    """A kernel's docstring: the PAPER.md label, then the formula it implements, wrapped."""
    formula = formula.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = [f"[{label}] {what}." if label else f"{what[0].upper()}{what[1:]}.", ""]
    lines += textwrap.wrap(formula, width=96, subsequent_indent="    ", break_long_words=False)
    body = "\n".join((indent + ln) if ln else "" for ln in lines)
    return f'{indent}"""{body.lstrip()}\n{indent}"""'


@dataclass(frozen=True)
class _Free:
    """A free-index loop as the templates see it."""

    index: str
    extent: str
    parallel: bool = False

    @property
    def range(self) -> str:
        return f"{'prange' if self.parallel else 'range'}({self.extent})"

    @property
    def extent_p(self) -> str:
        return self.extent if re.fullmatch(r"\w+", self.extent) else f"({self.extent})"


def _what(k: Kernel | RecordKernel) -> str:
    if k.kind == "record":
        return f"forward record {k.target}"
    if k.kind == "forward":
        return f"forward equation for {k.target}"
    return f"gradient {k.target}"


def render_numba_kernel(k: Kernel | RecordKernel) -> str:
    macros = template("numba_kernels.j2").module
    doc = docstring(k.label, k.formula, _what(k))
    if isinstance(k, RecordKernel):
        blocked = 2 if k.op == "block_argmax" else 1
        # records over whole feature maps (batch, channel, height, width) run their batch in parallel
        lead = [
            _Free(f"_i{a}", f"{k.source}.shape[{a}]", parallel=a == 0 and k.rank >= 4)
            for a in range(k.rank - blocked)
        ]
        return str(macros.record(k, doc, lead)).rstrip("\n")
    extent = k.extent
    loops = [_Free(f, extent[f]) for f in k.outer]
    inner = [_Free(f, extent[f]) for f in k.inner]
    terms = [(t, "=" if n == k.init else "+=") for n, t in enumerate(k.terms)]
    terms.sort(key=lambda pair: pair[1] != "=")  # the initialising term first
    flags = ["cache=True"]
    if k.parallel:
        flags.append("parallel=True")
    if any(t.loops for t in k.terms):
        flags.append(f"fastmath={FASTMATH}")
    return str(macros.kernel(k, doc, loops, inner, terms, ", ".join(flags))).rstrip("\n")


#: Functions LLVM calls one element at a time (the llvmlite wheel has no SVML), while NumPy's ufuncs
#: run them in SIMD registers: 0.13 ms against 0.23 ms (two threads) for dlt's first sigmoid.
_SCALAR_ONLY = re.compile(r"\bmath\.(exp|expm1|log|log1p|tanh|sinh|cosh|sin|cos|tan|atan|pow)\(")


def _numba_or_ufuncs(k: Kernel | RecordKernel) -> str:
    """The Numba kernel, or for a large elementwise kernel (one worth a parallel loop) calling a
    function LLVM cannot vectorise, the NumPy backend's kernel (ufuncs over whole arrays, :mod:`.ufuncs`)."""
    plain = isinstance(k, Kernel) and k.parallel and len(k.terms) == 1
    if plain and not k.terms[0].loops and not k.terms[0].guards:
        t = k.terms[0]
        source = " ".join([t.body, *(value for _, value in t.temps)])
        if _SCALAR_ONLY.search(source):
            from .vectorize import render_numpy_kernel

            text = render_numpy_kernel(k)
            if "_ops." not in text and "np.einsum" not in text:
                return text
    return render_numba_kernel(k)


def render_module(m: Module, backend: str) -> str:
    """One generated module, ``<layer>_<backend>.py``."""
    if backend == "numba":
        kernels = [_numba_or_ufuncs(k) for k in m.forward + m.backward]
    else:
        from .vectorize import render_numpy_kernel

        kernels = [render_numpy_kernel(k) for k in m.forward + m.backward]
    joined = "\n".join(kernels)
    uses = {
        "math": re.search(r"\bmath\.", joined) is not None,
        "prange": re.search(r"\bprange\(", joined) is not None,
        "threads": backend == "numba" and any(k.window for k in m.forward + m.backward),
        "np": re.search(r"\bnp\.", joined) is not None,
        "ops": "_ops." in joined,
    }
    text = template(f"{backend}.py.j2").render(
        m=m, backend=backend, kernels=kernels, uses=uses, versions=versions()
    )
    return _tidy(text)


def _tidy(text: str) -> str:
    """Strip trailing blanks and keep at most two blank lines in a row: deterministic, ruff-clean."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    out: list[str] = []
    blank = 0
    for ln in lines:
        blank = blank + 1 if not ln else 0
        if blank <= 2:
            out.append(ln)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


__all__ = ["BACKENDS", "TEMPLATES", "Loop", "docstring", "environment", "render_module", "versions"]
