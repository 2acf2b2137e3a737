"""docs/paper.md is the paper inside the project: every label is stated there, and cited from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from symcnn.model.paper import CLOSED_FORMS, PAPER
from symcnn.verify.paper import claims, labels

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / PAPER).read_text(encoding="utf-8")
GENERATED = sorted((ROOT / "generated").glob("*_nump*.py")) + sorted((ROOT / "generated").glob("*_numba.py"))


@pytest.mark.parametrize("label", labels())
def test_every_label_the_verifier_proves_is_stated_in_the_paper(label):
    assert f"**[{label}]**" in DOC or f"[{label}]" in DOC.split("## 5.")[1][:40]


def test_every_quoted_closed_form_is_a_statement_the_verifier_proves():
    proven = {(c.label, c.statement) for c in claims()}
    quoted = {pair for table in CLOSED_FORMS.values() for pairs in table.values() for pair in pairs}
    assert quoted and quoted <= proven, quoted - proven


def _docstrings(text: str) -> dict[str, str]:
    """Each kernel's docstring, whitespace collapsed (wrapping may break a formula anywhere)."""
    tree = ast.parse(text)
    return {
        f.name: " ".join((ast.get_docstring(f) or "").split())
        for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.startswith(("forward_", "backward_"))
    }


@pytest.mark.parametrize("path", GENERATED, ids=lambda p: p.name)
def test_generated_kernels_quote_the_paper_beside_the_derived_sum(path):
    text = path.read_text(encoding="utf-8")
    assert "PAPER.md" not in text and "Sum(" not in text and "[]" not in text
    assert "docs/paper.md" in text
    layer = re.search(r'^LAYER = "(\w*)"', text, re.M).group(1)
    label = re.search(r'^LABEL = "(\w*)"', text, re.M).group(1)
    table = CLOSED_FORMS.get(layer) or CLOSED_FORMS.get(label, {})
    docs = _docstrings(text)
    quoted = 0
    for array, pairs in table.items():
        for kind in ("forward_", "backward_"):
            doc = docs.get(kind + array)
            if doc is None:
                continue
            assert f"{array}[" in doc and " = " in doc, (kind + array, doc)
            for tag, form in pairs:
                assert f"[{tag}] " + " ".join(form.split()) in doc, (kind + array, tag)
                quoted += 1
    assert quoted or label not in CLOSED_FORMS
