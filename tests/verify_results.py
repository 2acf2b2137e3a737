"""Verifier results shared by the test modules, each claim proven once per session."""

from __future__ import annotations

import functools

from symcnn.verify.paper import by_label
from symcnn.verify.run import Result, run_claim


@functools.cache
def result(label: str, case: str = "") -> Result:
    (claim,) = [c for c in by_label(label) if c.case == case]
    return run_claim(claim)
