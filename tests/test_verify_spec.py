"""``symcnn verify --spec``: a user's layer proven on its own, and wrong code or maths caught.

The oracle (SymPy ``diff`` of the fully expanded forward, a symbol per entry,
three sizes) must refute a derivation with a wrong factor or a wrong bound;
the numerical check must refute a generated kernel off by a factor.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import sympy as sp

from symcnn.derive import derive
from symcnn.derive.terms import Bound
from symcnn.model.spec import load_spec
from symcnn.verify.generated import load_source, module_sources
from symcnn.verify.oracle import check
from symcnn.verify.user import FD_TOL, backend_errors, numeric_sizes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "custom_layers.py"
LAYERS = {layer.name: layer for layer in load_spec(EXAMPLES)}


def mutated(d, wrt: str, fn):
    """``d`` with gradient ``wrt``'s terms rewritten by ``fn(term)``."""
    grads = tuple(replace(g, terms=tuple(fn(t) for t in g.terms)) if g.wrt == wrt else g for g in d.gradients)
    return replace(d, gradients=grads)


def test_the_derivation_of_every_example_layer_is_proven():
    for layer in LAYERS.values():
        verdicts = check(derive(layer))
        assert verdicts and all(v.holds for v in verdicts), [v.text() for v in verdicts]
        assert all(len(v.sizes) >= 3 for v in verdicts)


def test_a_wrong_factor_in_a_derivation_is_refuted():
    d = derive(LAYERS["strided_conv"])
    bad = mutated(d, "K", lambda t: replace(t, body=2 * t.body))
    verdicts = {v.gradient: v for v in check(bad)}
    assert not verdicts["dK"].holds and "REFUTED" in verdicts["dK"].text()
    assert verdicts["dX"].holds and verdicts["dB"].holds


def test_a_dropped_clip_in_a_derivation_is_refuted():
    """The kernel gradient of a padded convolution without the max(…) that keeps its reads inside X."""
    d = derive(LAYERS["padded_conv"])

    def unclipped(t):
        sums = tuple(Bound(b.index, (0,), b.upper, b.declared) if len(b.lower) > 1 else b for b in t.sums)
        return replace(t, sums=sums)

    assert any(len(b.lower) > 1 for t in d.gradient("K").terms for b in t.sums)
    verdicts = {v.gradient: v for v in check(mutated(d, "K", unclipped))}
    assert not verdicts["dK"].holds and verdicts["dX"].holds


def test_a_shifted_read_in_a_derivation_is_refuted():
    d = derive(LAYERS["dilated_conv"])
    n, j, y, x = (sp.Symbol(s, integer=True) for s in "njyx")
    swap = {sp.Symbol("y", integer=True): sp.Symbol("x", integer=True), sp.Symbol("x", integer=True): y}
    bad = mutated(d, "K", lambda t: replace(t, body=t.body.xreplace(swap)))
    verdicts = {v.gradient: v for v in check(bad)}
    assert not verdicts["dK"].holds


def test_a_wrong_generated_kernel_is_caught():
    d = derive(LAYERS["strided_conv"])
    text = module_sources(d, ("numpy",))["numpy"]
    good = load_source(text, "strided_good")
    assert "dK[...] = " in text
    bad = load_source(text.replace("dK[...] = ", "dK[...] = 1.001 * "), "strided_bad")
    sizes = numeric_sizes(good)
    assert max(backend_errors(good, sizes).values()) < FD_TOL
    errors = backend_errors(bad, sizes)
    assert errors["K"] > 1e-4 and errors["X"] < FD_TOL


def test_cli_gives_a_verdict_per_gradient(tmp_path):
    env = {"PYTHONPATH": str(ROOT), "SYMCNN_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "symcnn.cli.main", "verify", "--spec", str(EXAMPLES), "--backend", "numpy"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    gradients = sum(len(derive(layer).gradients) for layer in LAYERS.values())
    assert run.stdout.count("proven exhaustively at 3 sizes") == gradients
    assert run.stdout.count(": verified") == len(LAYERS)
    assert run.stdout.count("numpy backend vs central differences") == len(LAYERS)


def test_derivations_report_shows_the_split_and_the_verdicts():
    """A sum inside a nonlinear function: DERIVATIONS.md shows the engine's split and each verdict."""
    from symcnn.model import Equation, Layer, Sum, array, indices, sigmoid, sizes
    from symcnn.verify.report import derivations_markdown

    N, I, O = sizes("N I O")  # noqa: E741
    n, k, i = indices("n k i")
    X, W, Y = array("X", (N, I)), array("W", (O, I)), array("Y", (N, O))
    layer = Layer(name="fc_inline", sizes=(N, I, O), inputs=(X,), params=(W,), outputs=(Y,),
                  equations=(Equation(Y[n, k], sigmoid(Sum(W[k, i] * X[n, i], (i, 0, I - 1)))),))
    d = derive(layer)
    text = derivations_markdown([d])
    section = text[text.index("## `fc_inline`"):]
    assert "Split by the engine: `Y_sum0 = the sum inside Y's equation`" in section
    assert section.count("Verdict against SymPy's `diff` of the expanded forward: **proven exhaustively") == 3
