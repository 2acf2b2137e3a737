"""A wrong derivation must fail the verifier: each mutation is rejected, symbolically and concretely."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp
from verify_results import result

from symcnn.cli.main import main
from symcnn.verify import run as run_module
from symcnn.verify.paper import KH, KW, by_label, s
from symcnn.verify.proofs import prove, prove_symbolic


def _claim(label, case=""):
    (c,) = [c for c in by_label(label) if c.case == case]
    return c


def _rejected(claim, derived, closed=None):
    mutant = replace(claim, derived=derived)
    closed = claim.closed if closed is None else closed
    proof = prove(mutant, closed)
    return not proof.holds and prove_symbolic(mutant, closed)[0] is not True


def test_drop_the_rot180_of_the_full_convolution():
    c = _claim("B12", "MATLAB conv2 forward, one kernel per map")
    flipped = c.derived.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base.label.name == "K1",
        lambda e: e.base[e.indices[0], e.indices[1], KH - 1 - e.indices[2], KW - 1 - e.indices[3]],
    )
    assert flipped != c.derived
    assert _rejected(c, flipped)


def test_drop_the_rot180_of_the_kernel_gradient():
    c = _claim("B10", "MATLAB conv2 forward")
    xcorr = _claim("B10", "cross-correlation forward")  # the same derivation without the flip
    assert _rejected(c, xcorr.derived)


@pytest.mark.parametrize("label,case", [("B8", "mean-pooling next"), ("B11", "down = mean")])
def test_drop_the_one_over_n_squared_of_mean_pooling(label, case):
    r = result(label, case)
    fixed = r.corrected.corrected
    assert _rejected(r.claim, sp.expand(r.claim.derived * s**2), fixed)


def test_shift_an_index_of_the_upsampled_delta():
    c = _claim("B8", "sum-pooling next")
    v = c.cols[0]
    shifted = c.derived.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base.label.name == "dU1",
        lambda e: e.base[e.indices[0], e.indices[1], e.indices[2], sp.floor((v + 1) / s)],
    )
    assert shifted != c.derived
    assert _rejected(c, shifted)


def test_shift_an_index_of_the_kernel_gradient():
    c = _claim("B10", "MATLAB conv2 forward")
    shifted = c.derived.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base.label.name == "X",
        lambda e: e.base[e.indices[0], e.indices[1], e.indices[2], e.indices[3] - 1],
    )
    assert _rejected(c, shifted)


def test_an_off_by_one_bound():
    c = _claim("B9")
    short = c.derived.replace(
        lambda e: isinstance(e, sp.Sum),
        lambda e: sp.Sum(e.function, *[(v, lo, hi - 1) for v, lo, hi in e.limits]),
    )
    assert _rejected(c, short)


def test_a_sign_in_the_softmax_chain():
    c = _claim("B14d")
    wrong = c.derived.replace(lambda e: isinstance(e, sp.Sum), lambda e: -e)
    assert wrong != c.derived
    assert _rejected(c, wrong)


def test_symcnn_verify_exits_1_on_a_wrong_derivation(monkeypatch, capsys):
    c = _claim("B9")
    bad = replace(c, derived=2 * c.derived)
    monkeypatch.setattr(run_module, "by_label", lambda label: (bad,))
    assert main(["verify", "--label", "B9"]) == 1
    assert "FAILED" in capsys.readouterr().out
