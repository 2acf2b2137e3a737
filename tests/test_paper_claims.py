"""One proof per label of docs/paper.md: the closed form, as the paper writes it, against the derivation.

Each test names the closed form it checks (its MATLAB-form text is asserted,
so the body shows it) and the verdict it must get. A refuted literal form
must come with its derived correction; see test_verify_findings.py for the
corrected forms themselves.
"""

from __future__ import annotations

import pytest
from verify_results import result

from symcnn.verify.paper import claims, labels
from symcnn.verify.run import Result


def proven_for_all_sizes(r: Result) -> bool:
    return r.proof.holds and r.proof.symbolic is True and len(r.proof.checks) >= 3


def proven_at_sizes(r: Result) -> bool:
    return r.proof.holds and len(r.proof.checks) >= 3 and not any(c.numeric for c in r.proof.checks)


def refuted_and_corrected(r: Result) -> bool:
    fix = r.corrected
    return not r.proof.holds and fix is not None and fix.proof.holds and not r.failed


def test_every_label_of_the_paper_has_a_claim():
    assert labels() == (
        "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12", "B13",
        "B14a", "B14b", "B14c", "B14d", "B14e", "EX1",
    )
    assert all(len(c.configs) >= 3 for c in claims())


def test_B1_fc_forward():
    r = result("B1")
    assert str(r.claim.closed) == "W * X[n] + b"  # u = W x + b
    assert proven_for_all_sizes(r)


def test_B2_squared_error():
    r = result("B2")
    assert str(r.claim.closed) == "1/2*(Σ_uv((T[n] - Y[n]) ∘ (T[n] - Y[n])))"  # ½ Σ (t − y)²
    assert proven_for_all_sizes(r)


def test_B3_sensitivity_is_bias_gradient():
    r = result("B3")
    assert str(r.claim.closed) == "dU[0]"  # ∂E/∂b = δ
    assert proven_for_all_sizes(r)


def test_B4_output_layer_delta():
    r = result("B4")
    assert str(r.claim.closed) == "(f'(U[n])) ∘ (Y[n] - T[n])"  # f'(u) ∘ (y − t)
    assert proven_for_all_sizes(r)


def test_B5_hidden_layer_delta():
    r = result("B5")
    assert str(r.claim.closed) == "((W1)ᵀ * dU1[n]) ∘ (f'(U[n]))"  # (W^{ℓ+1})ᵀ δ^{ℓ+1} ∘ f'(u)
    assert proven_for_all_sizes(r)


def test_B6_weight_gradient_layout():
    r = result("B6")
    assert str(r.claim.closed) == "X[0] * (dU[0])ᵀ"  # the paper's x δᵀ
    assert refuted_and_corrected(r)


def test_B7_conv_forward_matlab():
    r = result("B7", "MATLAB conv2 forward")
    assert str(r.claim.closed) == "Σ_{i=0..C - 1} T[i, j]*(conv2(X[n, i], K[i, j], 'valid')) + B[j]"
    assert proven_for_all_sizes(r)


def test_B7_conv_forward_xcorr():
    r = result("B7", "cross-correlation forward")
    assert refuted_and_corrected(r)


@pytest.mark.parametrize("down", ["sum", "mean", "max"])
def test_B8_conv_before_pooling(down):
    r = result("B8", f"{down}-pooling next")
    assert str(r.claim.closed) == "beta1[j]*((f'(U[n, j])) ∘ (up(dU1[n, j], s)))"  # β (f'(u) ∘ up(δ))
    if down == "sum":
        assert proven_for_all_sizes(r)
    else:
        assert refuted_and_corrected(r)


def test_B9_conv_bias():
    r = result("B9")
    assert str(r.claim.closed) == "Σ_uv(dU[0, j])"
    assert proven_for_all_sizes(r)


def test_B10_conv_kernel_matlab():
    r = result("B10", "MATLAB conv2 forward")
    assert str(r.claim.closed) == "T[i, j]*(rot180(conv2(X[0, i], rot180(dU[0, j]), 'valid')))"
    assert proven_for_all_sizes(r)


def test_B10_conv_kernel_xcorr():
    assert refuted_and_corrected(result("B10", "cross-correlation forward"))


@pytest.mark.parametrize("down", ["sum", "mean", "max"])
def test_B11_pool_forward(down):
    r = result("B11", f"down = {down}")
    assert str(r.claim.closed) == "beta[j]*(down(X[n, j], s)) + b[j]"  # β down(x) + b
    if down == "sum":
        assert proven_for_all_sizes(r)
    else:
        assert refuted_and_corrected(r)


def test_B12_pool_before_conv_one_kernel_per_map():
    r = result("B12", "MATLAB conv2 forward, one kernel per map")
    assert str(r.claim.closed) == "(f'(U[n, i])) ∘ (conv2(dU1[n, i], rot180(K1[i, i]), 'full'))"
    assert proven_for_all_sizes(r)


@pytest.mark.parametrize(
    "case", ["MATLAB conv2 forward, connection table", "cross-correlation forward, connection table"]
)
def test_B12_pool_before_conv_with_table(case):
    assert refuted_and_corrected(result("B12", case))


def test_B13_pool_biases():
    b, beta = result("B13", "b"), result("B13", "β")
    assert str(b.claim.closed) == "Σ_uv(dU[0, j])"
    assert str(beta.claim.closed) == "Σ_uv((dU[0, j]) ∘ (D[0, j]))"  # Σ (δ ∘ down(x))
    assert proven_for_all_sizes(b) and proven_for_all_sizes(beta)


def test_B14a_combination_forward():
    r = result("B14a", "maps")
    assert str(r.claim.closed) == "Σ_{i=0..C - 1} alpha[i, j]*(conv2(X[n, i], K[i], 'valid')) + B[j]"
    assert refuted_and_corrected(r)  # the built-in combination correlates
    softmax = result("B14a", "softmax")
    assert proven_at_sizes(softmax)


def test_B14b_softmax_jacobian():
    r = result("B14b")
    assert str(r.claim.closed) == "KroneckerDelta(i, k)*alpha[i, j] - alpha[i, j]*alpha[k, j]"
    assert proven_for_all_sizes(r)  # in α symbolically; in c exhaustively


def test_B14c_gradient_wrt_alpha():
    r = result("B14c")
    assert str(r.claim.closed) == "Σ_uv((dU[0, j]) ∘ (conv2(X[0, i], K[i], 'valid')))"
    assert refuted_and_corrected(r)


def test_B14d_gradient_wrt_c():
    r = result("B14d")
    assert str(r.claim.closed) == "(dalpha[i, j] - Sum(alpha[k, j]*dalpha[k, j], (k, 0, C - 1)))*alpha[i, j]"
    assert proven_for_all_sizes(r)


def test_B14e_l1_penalty_vanishes():
    da, dc = result("B14e", "∂Ω/∂α"), result("B14e", "∂Ω/∂c")
    assert str(da.claim.closed) == "sign(alpha[i, j])*lam[0]"
    assert proven_for_all_sizes(da) and proven_for_all_sizes(dc)
    assert [f.kind for f in dc.findings] == ["vanishes"]
    assert dc.findings[0].proof.symbolic is True


def test_B14e_entropy_penalty_does_not_vanish():
    r = result("B14e", "entropy penalty")
    assert proven_for_all_sizes(r)
    assert r.findings == []


@pytest.mark.parametrize("case", ["cross-correlation kernel K, k = rot180(K)", "MATLAB kernel k"])
def test_EX1_worked_example(case):
    r = result("EX1", case)
    assert str(r.claim.closed).startswith("conv2(dU[0, 0], rot180(")
    assert proven_for_all_sizes(r)
    assert r.proof.checks[0].ok and "KH=2" in r.proof.checks[0].config
