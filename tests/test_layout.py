"""No generated line is longer than 120 characters, and breaking lines never changes the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from symcnn.codegen.layout import wrap_long_lines
from symcnn.codegen.text import LINE_LIMIT

GENERATED = Path(__file__).resolve().parent.parent / "generated"
MODULES = sorted(GENERATED.glob("*.py"))

_ARGS = ", ".join(f"((0, N{k}), (0, Ho{k}))" for k in range(6))
_SHAPE = ", ".join(["Ho + KH - 1"] * 8)
_TERMS = " + ".join(f"_k{k}*_dU_f[n, j + {k}, _f]" for k in range(6))
SAMPLES = [
    f'    _t = _ops.product(_ops.window_matrix(X, {_ARGS}, 0, 3), _ops.matrix(K, 0, 3, "k")).reshape(N, M)',
    f'        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", ({_SHAPE}), _dt)  # two',
    f"            _pk[a, b, _f] += {_TERMS} - _k9*_dU_f[n]",
    "    x = (" + " + ".join(f"alpha_beta_gamma_{k}" for k in range(6)) + ")",
    "    y = table[" + "_".join(["index_number"] * 11) + "]",
    f"    z = _ops.windows_first(N * H * W * M, _ops.window_moved(X, ({_ARGS}), 3) + N * H * W * C)",
]


@pytest.mark.parametrize("line", SAMPLES)
def test_wrapping_keeps_the_syntax_tree(line):
    text = f"def f():\n{line}\n"
    wrapped = wrap_long_lines(text)
    assert ast.dump(ast.parse(wrapped)) == ast.dump(ast.parse(text))
    if "(" in line.split("=", 1)[1] or "+" in line:
        assert wrapped != text and max(map(len, wrapped.splitlines())) <= LINE_LIMIT, wrapped


def test_a_trailing_comment_survives():
    text = "def f():\n" + SAMPLES[1] + "\n"
    assert wrap_long_lines(text).splitlines()[1].endswith("# two")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_generated_line_is_longer_than_the_limit(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    long = [n + 1 for n, ln in enumerate(lines) if len(ln) > LINE_LIMIT]
    assert not long, f"{path.name}: lines {long[:10]} are longer than {LINE_LIMIT}"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name != "__init__.py"][::5], ids=lambda p: p.name)
def test_a_narrower_layout_of_every_kind_of_module_means_the_same(path):
    text = path.read_text(encoding="utf-8")
    narrow = wrap_long_lines(text, limit=60)
    assert narrow != text and ast.dump(ast.parse(narrow)) == ast.dump(ast.parse(text))
