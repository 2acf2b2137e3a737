"""The oracle's randomized identity test, its sizes chosen from the layer, its budget and its verdicts.

Layers with a root of a sum (batch norm, ``Y = X (ΣX² + 1)^(-1/2)``) are proven
by exact evaluation at random points modulo a prime; these tests hold that
test to refuting wrong derivations, the sizes to reaching every case of the
derived bounds, and the budget to ending a proof with a verdict that says so.
"""

from __future__ import annotations

import io
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp

from symcnn.derive import derive
from symcnn.model import Equation, Layer, Sum, array, indices, padded, sizes, tanh
from symcnn.model.spec import load_spec
from symcnn.model.validate import unused_equations
from symcnn.progress import Heartbeat
from symcnn.verify import modular
from symcnn.verify import sizes as proof_sizes
from symcnn.verify.oracle import check
from symcnn.verify.user import verify_layer

ROOT = Path(__file__).resolve().parent.parent
BATCHNORM = {layer.name: layer for layer in load_spec(ROOT / "examples" / "batchnorm.py")}


def mutated(d, wrt: str, fn):
    grads = tuple(replace(g, terms=tuple(fn(t) for t in g.terms)) if g.wrt == wrt else g for g in d.gradients)
    return replace(d, gradients=grads)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


# -- the field ---------------------------------------------------------------------------------------


def test_arithmetic_modulo_the_prime_is_exact_and_carries_degree_bounds():
    x, y = modular.unknown(3), modular.unknown(5)
    assert (x * y + x).v == 18 and (x * y + x).num == 2
    q = x / y
    assert (q * y).v == 3 and (q.num, q.den) == (1, 1)
    assert modular.constant(sp.Rational(1, 3)) * 3 == modular.ONE
    assert modular.constant(sp.Float(0.5)) * 2 == modular.ONE
    assert modular.constant(sp.Float(1e-4 / 3)) == modular.constant(sp.Rational(1, 30000))  # however rounded
    with pytest.raises(modular.Singular):
        modular.ZERO.inverse()


def test_a_root_is_the_same_unknown_for_the_same_radicand_and_powers_compose():
    b = modular.unknown(12345)
    r = modular.power(b, sp.Rational(-1, 2))
    assert r == modular.power(modular.unknown(12345), sp.Rational(-1, 2))  # same value, same root
    assert modular.power(b, sp.Rational(-3, 2)) == r.ipow(3)  # b^(-3/2) = (b^(-1/2))^3
    assert modular.power(b, sp.Rational(1, 2)) * modular.power(b, sp.Rational(1, 4)) == modular.power(
        b, sp.Rational(3, 4))
    assert modular.power(b, 2) == b * b
    assert modular.power(b, sp.Rational(1, 2)) != modular.power(modular.unknown(12346), sp.Rational(1, 2))


# -- batch norm and the root of a sum -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["scaled_norm", "batchnorm_var", "batchnorm_inline"])
def test_a_root_of_a_sum_is_proven_by_the_randomized_identity_test(name):
    verdicts = check(derive(BATCHNORM[name]), use_cache=False)
    assert verdicts and all(v.holds and v.method == "randomized" for v in verdicts), [v.text() for v in
                                                                                      verdicts]
    for v in verdicts:
        assert "randomized identity test at 3 sizes" in v.text() and "Schwartz–Zippel" in v.text()
        assert 0 < v.bound < 1e-20 and v.points == 3


@pytest.mark.parametrize("factor", [sp.Rational(1001, 1000), -1])
def test_the_randomized_test_refutes_a_wrong_factor_under_a_root(factor):
    d = derive(BATCHNORM["scaled_norm"])
    bad = mutated(d, "S", lambda t: replace(t, body=factor * t.body))
    verdicts = {v.gradient: v for v in check(bad, use_cache=False)}
    assert verdicts["dS"].refuted and verdicts["dS"].text().startswith("REFUTED: dS[")
    assert verdicts["dX"].refuted  # computed from the wrong dS
    assert verdicts["dS"].method == "none"


def test_a_wrong_power_of_the_root_is_refuted():
    """``(S + 1)^(-3/2)`` written as ``(S + 1)^(-1/2)/(S + 1)^2``: a plausible slip, refuted."""
    d = derive(BATCHNORM["batchnorm_var"])

    def slip(t):
        return replace(t, body=t.body.replace(lambda e: isinstance(e, sp.Pow) and e.exp == sp.Rational(-3, 2),
                                              lambda e: e.base ** sp.Rational(-5, 2)))

    verdicts = {v.gradient: v for v in check(mutated(d, "V", slip), use_cache=False)}
    assert verdicts["dV"].refuted and not verdicts["dG"].refuted and verdicts["dG"].holds


def test_a_proof_out_of_time_says_so_and_gives_no_verdict_it_did_not_reach():
    d = derive(BATCHNORM["batchnorm_var"])
    t0 = time.perf_counter()
    verdicts = check(d, budget=0.05, use_cache=False)
    assert time.perf_counter() - t0 < 30  # ends, rather than hangs (the bound is generous on a busy machine)
    assert all(not v.holds and not v.refuted for v in verdicts)
    assert all(v.text().startswith("NOT PROVEN: not proven within 0 s") for v in verdicts)
    report = verify_layer(d, (), use_cache=False)
    assert report.status == "verified"
    report.verdicts = verdicts
    assert report.status == "NOT PROVEN" and not report.holds


def test_progress_is_heard_while_a_proof_runs(monkeypatch):
    heard = []
    check(derive(BATCHNORM["scaled_norm"]), progress=heard.append, use_cache=False)
    assert any("choosing sizes" in h for h in heard)
    assert sum("randomized identity test, size" in h for h in heard) >= 3
    ticks = iter(range(10**6))
    monkeypatch.setattr("symcnn.progress.time.perf_counter", lambda: float(next(ticks)))  # a second a call
    out = _Tty()
    with Heartbeat("verify", stream=out, period=0.01) as beat:
        beat.say("scaled_norm: size 1/3")
        time.sleep(0.1)
    assert out.getvalue().count("\rverify scaled_norm: size 1/3 (") >= 2  # redrawn as time passes
    monkeypatch.undo()
    quiet = io.StringIO()
    with Heartbeat("verify", stream=quiet, period=0.01) as beat:
        beat.say("x")
        time.sleep(0.03)
    assert quiet.getvalue() == ""


# -- sizes chosen from the layer ---------------------------------------------------------------------


def _transposed() -> Layer:
    """A stride-``s`` transposed convolution, a gather over the zero-padded kernel."""
    N, C, M, H, KW, s = sizes("N C M H KW s")
    n, i, j, p, y = indices("n i j p y")
    X, K, Y = array("X", (N, C, H)), array("K", (C, M, KW)), array("Y", (N, M, s * (H - 1) + KW))
    body = Sum(padded(K)[i, j, p - s * y] * X[n, i, y], (i, 0, C - 1), (y, 0, H - 1))
    return Layer(name="transposed", sizes=(N, C, M, H, KW, s), hyper=(s,), inputs=(X,), params=(K,),
                 outputs=(Y,), equations=(Equation(Y[n, j, p], body),))


def _clipped() -> Layer:
    """A window over neighbouring maps clipped at both ends (LRN's shape): max/min bounds in dX."""
    F, R = sizes("F R")
    f, e = indices("f e")
    X, U = array("X", (F,)), array("U", (F,))
    window = Sum(X[f + e] ** 2, (e, sp.Max(-R, -f), sp.Min(R, F - 1 - f)))
    return Layer(name="clipped", sizes=(F, R), hyper=(R,), inputs=(X,), params=(), outputs=(U,),
                 equations=(Equation(U[f], window),))


def test_the_transposed_convolution_is_proven_with_taps_that_overlap_and_taps_with_gaps():
    d = derive(_transposed())
    first, more, seen, reached = proof_sizes.choose(d, 48, 400)
    chosen = first + more
    assert set().union(*(proof_sizes.cases(d, env) for env in chosen)) == reached  # all any size reaches
    assert any(c[-1] == "more taps than the stride (they overlap)" for c in reached)
    kw, s = sp.Symbol("KW", integer=True, positive=True), sp.Symbol("s", integer=True, positive=True)
    assert any(env[kw] > env[s] >= 2 for env in chosen)  # a kernel larger than its stride
    assert any(env[kw] < env[s] for env in chosen)  # and gaps between the taps
    verdicts = check(d, use_cache=False)
    assert all(v.holds for v in verdicts)
    sizes_text = "; ".join(verdicts[0].sizes)
    assert any(f"KW={a}" in sizes_text and f"s={b}" in sizes_text for a in (3, 4) for b in (2,))


def test_the_sizes_reach_every_branch_of_a_window_clipped_on_both_edges():
    d = derive(_clipped())
    first, more, seen, reached = proof_sizes.choose(d, 48, 400)
    every = set().union(*(proof_sizes.cases(d, env) for env in first + more))
    assert every == reached
    kinds = {c[2:] for c in reached if c[0].startswith("dX")}
    assert {("max", 0), ("max", 1), ("min", 0), ("min", 1), ("clipped on both edges",)} <= kinds


# -- equations that reach no output ------------------------------------------------------------------


def _dead() -> Layer:
    N, I = sizes("N I")  # noqa: E741
    n, i = indices("n i")
    X, W = array("X", (N, I)), array("W", (I,))
    U, Y = array("U", (N, I)), array("Y", (N, I))
    return Layer(name="dead", sizes=(N, I), inputs=(X,), params=(W,), outputs=(U,),
                 equations=(Equation(U[n, i], W[i] * X[n, i]), Equation(Y[n, i], tanh(U[n, i]))))


def test_an_equation_that_reaches_no_output_is_warned_about_not_refused(tmp_path, capsys):
    assert unused_equations(_dead()) == ("Y",)
    assert unused_equations(BATCHNORM["batchnorm_var"]) == ()
    spec = tmp_path / "dead.py"
    spec.write_text("from test_oracle_identity import _dead\nLAYERS = [_dead()]\n")
    (layer,) = load_spec(spec)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("symcnn: warning: layer 'dead': Y reaches no output (outputs: U)")
    report = verify_layer(derive(layer), (), use_cache=False)
    assert report.holds and any("warning: Y reaches no output" in line for line in report.lines())


def test_an_identity_that_needs_a_root_squared_is_not_proven_rather_than_refuted():
    """``(S+1)^(-3/2)`` written as ``2 (S+1)^(-1/2) / (2S + 2)``: equal, but only through
    ``t² = S + 1``, which the test does not use; float64 agrees, so the verdict is 'not proven'."""
    d = derive(BATCHNORM["scaled_norm"])

    def split(t):
        def unmerged(e):
            return 2 * e.base ** sp.Rational(-1, 2) / sp.expand(2 * e.base)

        return replace(t, body=t.body.replace(lambda e: isinstance(e, sp.Pow) and e.exp == sp.Rational(-3, 2),
                                              unmerged))

    verdicts = {v.gradient: v for v in check(mutated(d, "S", split), use_cache=False)}
    assert not verdicts["dS"].holds and not verdicts["dS"].refuted
    assert verdicts["dS"].text().startswith("NOT PROVEN: not proven: dS[")
    assert "yet agree in float64" in verdicts["dS"].text()


def test_a_budget_interrupts_a_long_computation_and_the_exhaustive_proof_falls_back(monkeypatch):
    from symcnn.verify import oracle
    from symcnn.verify.budget import OutOfTime, limit

    t0 = time.perf_counter()
    with pytest.raises(OutOfTime), limit(0.2):
        while True:  # one long call, no tick: the timer ends it
            sp.expand((sp.Symbol("a") + sp.Symbol("b") + 1) ** 400)
    assert time.perf_counter() - t0 < 30
    monkeypatch.setattr(oracle, "SYMBOLIC_BUDGET", 0.0)  # no time for the expansion: the randomized test
    verdicts = check(derive(_clipped()), use_cache=False)
    assert all(v.holds and v.method == "randomized" for v in verdicts)
    assert all("the exhaustive symbolic comparison: not finished within 0 s" in v.text() for v in verdicts)


def test_verify_spec_json_names_each_method_and_the_unused_equation(tmp_path):
    import json
    import subprocess
    import sys

    spec = tmp_path / "dead.py"
    tests = str(ROOT / "tests")
    spec.write_text(f"import sys\nsys.path.insert(0, {tests!r})\nfrom test_oracle_identity import _dead\n"
                    "LAYERS = [_dead()]\n")
    env = {"PYTHONPATH": str(ROOT), "SYMCNN_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "symcnn.cli.main", "verify", "--spec", str(spec), "--backend",
                          "none", "--json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    (doc,) = json.loads(run.stdout)
    assert doc["status"] == "verified" and doc["unused"].startswith("Y reaches no output")
    assert set(doc["methods"]) == {"dX", "dW"} and all(m == "symbolic" for m in doc["methods"].values())
    assert run.stderr.count("symcnn: warning: layer 'dead': Y reaches no output") == 1
