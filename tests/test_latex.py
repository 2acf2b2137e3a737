"""Every math block symcnn writes renders: DERIVATIONS.md, ``symcnn derive --show --latex`` and what a
notebook shows of a derivation, a gradient and a paper claim's result (``_repr_latex_``,
``_repr_markdown_``).

The blocks go through KaTeX itself (``tests/katex_check.js`` under Node, in
strict mode: any parse error or non-standard construct fails), which rejects
what MathJax and GitHub's renderer reject too, double subscripts first among
them. CI installs KaTeX with npm (``.ci/run``); where Node or KaTeX is missing
the KaTeX test says so and skips, and the structural checks below still run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symcnn.derive.cache import cached_derive
from symcnn.derive.show import equation_text, gradient_latex
from symcnn.model import Equation, Layer, Sum, array, builtin_layers, indices, sizes
from symcnn.model.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
KATEX_SCRIPT = Path(__file__).resolve().parent / "katex_check.js"


def _suffixed_layer() -> Layer:
    """A layer whose array names end in digits, as the next layer's arrays (``K1``, ``dU1``) do."""
    N, C, M, Ho, Wo, KH, KW = sizes("N C M Ho Wo KH KW")
    n, j, y, x, i, a, b = indices("n j y x i a b")
    X1 = array("X1", (N, C, Ho + KH - 1, Wo + KW - 1))
    K1, B1 = array("K1", (C, M, KH, KW)), array("B1", (M,))
    U1 = array("U1", (N, M, Ho, Wo))
    return Layer(
        name="suffixed", sizes=(N, C, M, Ho, Wo, KH, KW), inputs=(X1,), params=(K1, B1), outputs=(U1,),
        equations=(
            Equation(U1[n, j, y, x], Sum(X1[n, i, y + a, x + b] * K1[i, j, a, b],
                                         (i, 0, C - 1), (a, 0, KH - 1), (b, 0, KW - 1)) + B1[j]),
        ),
    )


def _show_blocks() -> list[str]:
    custom = load_spec(ROOT / "examples" / "custom_layers.py")
    layers = [*builtin_layers().values(), *custom, _suffixed_layer()]
    blocks = []
    for layer in layers:
        d = cached_derive(layer)
        blocks += equation_text(layer, latex=True) + [gradient_latex(g) for g in d.gradients]
    return blocks


def _notebook_blocks() -> list[str]:
    """The display math of a notebook's view of every built-in derivation, one of its gradients, and
    each paper claim's result (a proof is not run: the claim's side is what is typeset)."""
    from symcnn.verify.paper import claims
    from symcnn.verify.proofs import Check, Proof
    from symcnn.verify.run import Result

    blocks = []
    for layer in builtin_layers().values():
        d = cached_derive(layer)
        blocks += [d._repr_latex_(), d._repr_markdown_(), d.gradients[-1]._repr_latex_()]
    for claim in claims():
        blocks.append(Result(claim, Proof(claim.closed, True, checks=[Check("N=1", True)]))._repr_markdown_())
    found = [m for b in blocks for m in re.findall(r"\$\$\n?(.*?)\n?\$\$", b, re.S)]
    assert len(found) == len(blocks)  # each holds exactly one display block
    return found


def test_a_derivation_shows_typeset_in_a_notebook():
    layer = builtin_layers()["conv_xcorr_sigmoid"]
    d = cached_derive(layer)
    tex = d._repr_latex_()
    assert tex.startswith("$$\\begin{aligned}") and tex.endswith("\\end{aligned}$$")
    for g in d.gradients:  # every derived gradient, aligned at its '=', as --show --latex prints it
        assert gradient_latex(g).replace(" = ", " &= ", 1) in tex
    for eq in equation_text(layer, latex=True):
        assert eq.replace(" = ", " &= ", 1) in tex
    md = d._repr_markdown_()
    assert md.startswith("**layer `conv_xcorr_sigmoid`** [B7]") and tex[2:-2] in md


def _report_blocks() -> list[str]:
    text = (ROOT / "generated" / "DERIVATIONS.md").read_text(encoding="utf-8")
    return re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.S | re.M)


@pytest.fixture(scope="module")
def blocks() -> list[str]:
    report, show, notebook = _report_blocks(), _show_blocks(), _notebook_blocks()
    assert len(report) > 150 and len(show) > 100 and len(notebook) > 60
    return report + show + notebook


def _katex() -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("KaTeX check: node is not installed (CI installs node and katex)")
    env = dict(os.environ)
    probe = subprocess.run([node, "-e", "require('katex')"], env=env, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("KaTeX check: the katex npm package is not on NODE_PATH (CI installs it)")
    return env


def test_every_block_passes_katex_strict(blocks):
    env = _katex()
    run = subprocess.run(["node", str(KATEX_SCRIPT)], input=json.dumps(blocks), env=env,
                         capture_output=True, text=True, check=True)
    errors = [(tex, err) for tex, err in zip(blocks, json.loads(run.stdout)) if err]
    assert not errors, "\n".join(f"{err}\n    {tex}" for tex, err in errors[:5])


def test_katex_rejects_a_double_subscript():
    env = _katex()
    run = subprocess.run(["node", str(KATEX_SCRIPT)], input=json.dumps(["{dU}_{1}_{n,i}", "{dU_{1}}_{n,i}"]),
                         env=env, capture_output=True, text=True, check=True)
    bad, good = json.loads(run.stdout)
    assert bad and "Double subscript" in bad and good is None


def _structural_errors(tex: str) -> list[str]:
    """What a strict parser rejects for certain: unbalanced groups, two sub- or superscripts on one base."""
    errors, depth, last = [], 0, {}
    k = 0
    while k < len(tex):
        c = tex[k]
        if c == "\\":
            k += 2 if k + 1 < len(tex) and not tex[k + 1].isalpha() else 1
            while k < len(tex) and tex[k].isalpha():
                k += 1
            last.pop(depth, None)
            continue
        if c == "{":  # a group begins a new base at this level
            last.pop(depth, None)
            depth += 1
            last.pop(depth, None)
        elif c == "}":
            depth -= 1
            if depth < 0:
                errors.append("unbalanced }")
                depth = 0
        elif c in "_^":
            if last.get(depth, "").count(c):
                errors.append(f"double {'subscript' if c == '_' else 'superscript'} at {k}")
            last[depth] = last.get(depth, "") + c
            k += 1
            if k < len(tex) and tex[k] == "{":  # skip the script's group
                level = 0
                while k < len(tex):
                    level += {"{": 1, "}": -1}.get(tex[k], 0)
                    k += 1
                    if level == 0:
                        break
            else:
                k += 1
            continue
        elif not c.isspace():
            last.pop(depth, None)
        k += 1
    if depth:
        errors.append("unbalanced {")
    return errors


def test_structural_checker_catches_what_katex_rejects():
    assert _structural_errors("{dU}_{1}_{n,i}") == ["double subscript at 8"]
    assert _structural_errors("K_{1}_{i,i}")
    assert _structural_errors("x^{2}^{3}") and _structural_errors("{a_{1}")
    assert not _structural_errors("x_{1} {b}_{2} y^{2}_{3}")
    sound = r"{dU_{1}}_{n,i} + \sum_{j=0}^{M - 1} {K_{1}}_{i,j}^{2} \left(x\right)_{uv}"
    assert not _structural_errors(sound)


def test_every_block_is_structurally_sound(blocks):
    bad = [(tex, errs) for tex in blocks if (errs := _structural_errors(tex))]
    assert not bad, bad[:3]
