"""Run the verifier: every claim proven or refuted, refuted ones corrected, results timed.

A result *fails* — and ``symcnn verify`` exits non-zero — when its closed form
is refuted and no correction could be derived, or when it is refuted although
docs/paper.md §6 does not list it as conditional.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from .findings import Finding, correct, vanishes
from .paper import Claim, by_label, claims
from .proofs import Proof, prove


@dataclass
class Result:
    claim: Claim
    proof: Proof
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def corrected(self) -> Finding | None:
        return next((f for f in self.findings if f.kind == "correction"), None)

    @property
    def failed(self) -> bool:
        if self.proof.holds:
            return False
        return self.corrected is None or self.claim.section6 is None

    def verdict(self) -> str:
        if self.proof.holds:
            return "proven for all sizes" if self.proof.symbolic else self.proof.verdict()
        return "refuted"

    def _repr_markdown_(self) -> str:
        """In a notebook: the claim, the derivation's side typeset, the closed form and the verdict."""
        c = self.claim
        detail = self.proof.verdict() if self.proof.checks else "not proven"
        more = "" if detail == self.verdict() else f" ({detail})"
        lines = [f"**[{c.label}]**" + (f" {c.case}" if c.case else "") + f": {c.statement}", "",
                 "derived:", "", f"$${sp.latex(c.derived)}$$", "", f"closed form: `{c.closed}`", "",
                 f"verdict: **{self.verdict()}**{more}"]
        lines += [f"- {f.kind}: `{f.text()}`" for f in self.findings]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict:
        c = self.claim
        return {
            "label": c.label,
            "case": c.case,
            "statement": c.statement,
            "closed_form": str(c.closed),
            "verdict": self.verdict(),
            "detail": self.proof.verdict(),
            "symbolic": self.proof.symbolic,
            "sizes": [chk.config for chk in self.proof.checks],
            "section6": c.section6,
            "findings": [
                {
                    "kind": f.kind,
                    "edits": list(f.edits),
                    "corrected": None if f.corrected is None else str(f.corrected),
                    "verdict": f.proof.verdict(),
                    "text": f.text(),
                }
                for f in self.findings
            ],
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
        }


def run_claim(claim: Claim, exhaustive: bool = True) -> Result:
    """Prove one claim; search a correction if refuted, check for a vanishing gradient if not."""
    t0 = time.perf_counter()
    proof = prove(claim, exhaustive=exhaustive)
    result = Result(claim, proof)
    if proof.holds:
        zero = vanishes(claim, exhaustive)
        if zero is not None:
            result.findings.append(zero)
    else:
        fix = correct(claim, exhaustive=exhaustive)
        if fix is not None:
            result.findings.append(fix)
    result.seconds = time.perf_counter() - t0
    return result


def run(label: str | None = None, on_claim: Callable[[int, int, str], None] | None = None) -> list[Result]:
    """Every claim of docs/paper.md, or those of one label (``"B12"``).

    ``on_claim(k, total, name)`` is called as the ``k``-th claim's proof begins.
    """
    chosen = claims() if label is None else by_label(label)
    results = []
    for k, c in enumerate(chosen, 1):
        if on_claim is not None:
            on_claim(k, len(chosen), c.name)
        results.append(run_claim(c))
    return results
