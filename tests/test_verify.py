"""The verifier's pieces: MATLAB semantics, the five §6 findings, [EX1], the CLI and the report."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import sympy as sp
from verify_results import result

from symcnn.cli.main import main
from symcnn.derive import derive
from symcnn.model import builtin_layers
from symcnn.verify.concrete import Env, evaluate
from symcnn.verify.matlab import Map, conv2, down, mtimes, plus, rot180, scalar, sum_uv, transpose, up
from symcnn.verify.paper import EX1_DELTA, EX1_DX, EX1_K
from symcnn.verify.report import derivations_markdown

# ---- MATLAB meaning -----------------------------------------------------------------------------

A = sp.IndexedBase("A", shape=(2, 3))
B = sp.IndexedBase("B", shape=(2, 2))
ENV = Env({
    "A": np.array([[1, 2, 5], [3, 4, 6]], dtype=object),
    "B": np.array([[1, 1], [1, 2]], dtype=object),
})


def _entries(m, env):
    h, w = (int(x) for x in m.shape)
    return np.array([[evaluate(m.entry(u, v), env) for v in range(w)] for u in range(h)], dtype=object)


@pytest.mark.parametrize(
    "m,want",
    [
        # MATLAB: conv2([1 2 5; 3 4 6], [1 1; 1 2])
        (conv2(Map(A), Map(B), "full"), [[1, 3, 7, 5], [4, 11, 19, 16], [3, 10, 14, 12]]),
        (conv2(Map(A), Map(B), "valid"), [[11, 19]]),
        (rot180(Map(A)), [[6, 4, 3], [5, 2, 1]]),
        (up(Map(B), 2), [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 2, 2], [1, 1, 2, 2]]),
        (down(up(Map(B), 2), 2), [[4, 4], [4, 8]]),
        (sum_uv(Map(A)), [[21]]),
        (mtimes(Map(A), transpose(Map(A))), [[30, 41], [41, 61]]),
        (plus(Map(B), scalar(10)), [[11, 11], [11, 12]]),
    ],
)
def test_matlab_functions_value_and_index_form_agree(m, want):
    assert m.value(ENV).tolist() == want
    assert _entries(m, ENV).tolist() == want


def test_conv2_full_is_true_convolution_for_random_shapes():
    rng = np.random.default_rng(3)
    for ha, wa, hb, wb in ((4, 5, 2, 3), (3, 3, 3, 1), (5, 2, 1, 2)):
        a, b = rng.integers(-3, 4, (ha, wa)), rng.integers(-3, 4, (hb, wb))
        want = np.zeros((ha + hb - 1, wa + wb - 1), dtype=int)
        for i, j, k, m in np.ndindex(ha, wa, hb, wb):
            want[i + k, j + m] += a[i, j] * b[k, m]
        A2, B2 = sp.IndexedBase("A", shape=(ha, wa)), sp.IndexedBase("B", shape=(hb, wb))
        env = Env({"A": a.astype(object), "B": b.astype(object)})
        full = conv2(Map(A2), Map(B2), "full")
        assert (full.value(env) == want).all() and (_entries(full, env) == want).all()
        valid = conv2(Map(A2), Map(B2), "valid")
        assert (valid.value(env) == want[hb - 1 : ha, wb - 1 : wa]).all()


# ---- the five conditional places of §6 ----------------------------------------------------------


def test_section6_1_convention_moves_the_rot180():
    assert str(result("B7", "cross-correlation forward").corrected.corrected) == (
        "Σ_{i=0..C - 1} T[i, j]*(conv2(X[n, i], rot180(K[i, j]), 'valid')) + B[j]"
    )
    assert str(result("B10", "cross-correlation forward").corrected.corrected) == (
        "T[i, j]*(conv2(X[0, i], rot180(dU[0, j]), 'valid'))"
    )
    fix = result("B12", "cross-correlation forward, connection table").corrected
    assert "conv2(dU1[n, j], K1[i, j], 'full')" in str(fix.corrected)
    assert fix.proof.symbolic is True


def test_section6_2_mean_and_max_pooling():
    mean = result("B8", "mean-pooling next").corrected
    assert str(mean.corrected) == "beta1[j]*((f'(U[n, j])) ∘ (s**(-2)*(up(dU1[n, j], s))))"
    top = result("B8", "max-pooling next").corrected
    assert str(top.corrected) == "beta1[j]*((f'(U[n, j])) ∘ ((S1[n, j]) ∘ (up(dU1[n, j], s))))"
    assert mean.proof.symbolic and top.proof.symbolic


def test_section6_3_connection_table_sums_over_j():
    fix = result("B12", "MATLAB conv2 forward, connection table").corrected
    assert str(fix.corrected) == (
        "(f'(U[n, i])) ∘ (Σ_{j=0..M - 1} T1[i, j]*(conv2(dU1[n, j], rot180(K1[i, j]), 'full')))"
    )
    assert fix.proof.symbolic is True


def test_section6_4_l1_penalty_gradient_is_zero_and_entropy_is_not():
    (zero,) = result("B14e", "∂Ω/∂c").findings
    assert zero.kind == "vanishes" and zero.proof.holds and zero.proof.symbolic
    assert result("B14e", "entropy penalty").findings == []


def test_section6_5_weight_layout():
    fix = result("B6").corrected
    assert str(fix.corrected) == "dU[0] * (X[0])ᵀ"  # δ xᵀ for W stored (outputs, inputs)


# ---- [EX1] --------------------------------------------------------------------------------------


@pytest.mark.parametrize("conv", ["xcorr", "matlab"])
def test_EX1_input_sensitivity_from_the_derived_formula(conv):
    layer = builtin_layers()[f"conv_{conv}_identity"]
    g = derive(layer).gradient("X")
    kernel = EX1_K if conv == "xcorr" else EX1_K[::-1, ::-1]  # MATLAB form k = rot180(K)
    sizes = dict(zip(layer.sizes, (1, 1, 1, 2, 2, 2, 2)))  # N C M Ho Wo KH KW
    values = {"K": kernel.reshape(1, 1, 2, 2), "dU": EX1_DELTA.reshape(1, 1, 2, 2)}
    env = Env({**values, "T": np.ones((1, 1), dtype=object)}, sizes)
    n, i, p, q = g.free
    got = np.array(
        [[float(evaluate(g.rhs(), env.bind({n: 0, i: 0, p: r, q: c}))) for c in range(3)] for r in range(3)]
    )
    assert np.allclose(got, EX1_DX, rtol=1e-12, atol=0)
    assert got[1, 1] == pytest.approx(2.3, rel=1e-12)


# ---- the command and the report -----------------------------------------------------------------


def test_verify_one_label_table(capsys):
    assert main(["verify", "--label", "B12"]) == 0
    out = capsys.readouterr().out
    assert "B12 (MATLAB conv2 forward, connection table)" in out
    assert "§6.3 finding: summed over the connection table" in out
    assert max(len(line) for line in out.splitlines()) <= 100  # fits a terminal, findings wrapped


def test_verify_json(capsys):
    assert main(["verify", "--label", "B8", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["failed"] == 0
    verdicts = {r["case"]: r["verdict"] for r in doc["results"]}
    assert verdicts["sum-pooling next"] == "proven for all sizes"
    assert verdicts["mean-pooling next"] == "refuted"


def test_verify_unknown_label(capsys):
    assert main(["verify", "--label", "B99"]) == 1
    assert "no label 'B99'" in capsys.readouterr().err


@pytest.mark.slow  # proves every closed form twice
def test_derivations_markdown_is_fast_deterministic_and_renders_math():
    ds = [derive(layer) for layer in builtin_layers().values()]
    t0 = time.perf_counter()
    text = derivations_markdown(ds)
    assert time.perf_counter() - t0 < 10
    assert text.count("$$") % 2 == 0 and "## `conv_matlab_sigmoid` — [B7]" in text
    assert "**Finding (docs/paper.md §6.3):**" in text and "**Finding (docs/paper.md §6.4):**" in text
    small = [d for d in ds if d.layer.name in ("pool_mean_sigmoid", "fc_sigmoid")]
    assert derivations_markdown(small) == derivations_markdown(small)
