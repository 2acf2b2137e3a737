"""Nodes and passes the record and elementwise kernels are printed with (symcnn/codegen/records.py,
passes.py): selects and connectives print with the parentheses they need, ``parallel`` fuses loops or
refuses iterations that share an element, ``common`` names repeated subexpressions, and the record trees,
printed and run as Python, mark each block's first maximum with NaN counting as the maximum."""

from __future__ import annotations

import numpy as np
import pytest

from symcnn.codegen import loops as L
from symcnn.codegen.emit import source
from symcnn.codegen.passes import common, merged_rows, parallel, specialized
from symcnn.codegen.records import record_tree

a, b, t = L.Var("a"), L.Var("b"), L.Var("t")


def test_connectives_and_selects_print_what_the_tree_means():
    nan = L.Logic("&", (L.Cmp("!=", a, a), L.Cmp("==", b, b)))
    assert source(L.Logic("|", (L.Cmp(">", a, b), nan))) == "(a > b) | ((a != a) & (b == b))"
    assert source(L.Logic("or", (L.Cmp(">", a, b), L.Logic("and", (L.Cmp("<", a, b), t))))) \
        == "a > b or (a < b and t)"
    assert source(L.Select(t, a, L.Add((b, L.Int(1))))) == "a if t else b + 1"
    assert source(L.Mul((L.Int(2), L.Select(t, a, b)))) == "2*(a if t else b)"
    assert source(L.Mod(L.Add((a, b)), L.Var("M"))) == "(a + b) % M"
    assert source(L.Shape("X", 2)) == "X.shape[2]"
    assert source(L.Pow(a, L.Rat(1, 2))) == "math.sqrt(a)"
    with pytest.raises(ValueError, match="operands"):
        L.Logic("|", (a,))


def _nest(store: L.Stmt) -> L.Kernel:
    inner = L.Loop("j", L.Int(0), L.Var("M"), (store,))
    return L.Kernel("k", ("X", "Y", "N", "M"), (L.Loop("i", L.Int(0), L.Var("N"), (inner,)),))


def test_parallel_fuses_two_loops_and_computes_the_same():
    twice = L.Mul((L.Int(2), L.Load("X", (L.Var("j"), L.Var("i")))))
    k = _nest(L.Assign(L.Load("Y", (L.Var("i"), L.Var("j"))), twice))
    fused = parallel(2)(k)
    assert fused.body[0].kind == "parallel" and fused.body[0].index == "_o"
    assert parallel(1)(k).body[0].kind == "parallel" and parallel(0)(k) == k
    X = np.arange(12.0).reshape(4, 3)
    for tree in (k, fused):
        env = {"prange": range}
        exec(source(tree), env)
        Y = np.zeros((3, 4))
        env["k"](X, Y, 3, 4)
        assert np.array_equal(Y, 2 * X.T)


def test_parallel_refuses_iterations_that_share_an_element():
    shared = _nest(L.Accumulate(L.Load("Y", (L.Var("i"),)), L.Load("X", (L.Var("i"), L.Var("j")))))
    with pytest.raises(ValueError, match="not indexed by"):
        parallel(2)(shared)
    assert parallel(1)(shared).body[0].kind == "parallel"  # each i owns Y[i]
    reread = _nest(L.Assign(L.Load("Y", (L.Var("i"), L.Var("j"))), L.Load("Y", (L.Var("j"), L.Var("i")))))
    with pytest.raises(ValueError, match="read where it is written"):
        parallel(1)(reread)


def test_common_names_a_repeated_subexpression_once():
    e = L.Call("exp", (L.Load("X", (L.Var("i"),)),))
    k = L.Kernel("k", ("X", "Y"), (L.Assign(L.Load("Y", (L.Var("i"),)), L.Add((e, L.Mul((e, e))))),))
    assert source(common(k).body[0]) == "_t = math.exp(X[i])"
    assert source(common(k).body[1]) == "Y[i] = _t + _t*_t"
    assert common(common(k)) == common(k)


@pytest.mark.parametrize("s", [2, 3])
@pytest.mark.parametrize("factor", ["constant", "size"])
def test_record_trees_mark_each_blocks_first_maximum(s, factor):
    f = L.Int(s) if factor == "constant" else L.Var("s")
    params = ("X", "S") if factor == "constant" else ("X", "S", "s")
    env = {"prange": range, "math": __import__("math")}
    exec(source(record_tree("block_argmax", "rec", params, "X", "S", 4, f)), env)
    rng = np.random.default_rng(s)
    X = rng.integers(-2, 2, (2, 2, 2 * s + 1, 3 * s)).astype(float)  # ties, and a row no block covers
    X[0, 0, 0, 0], X[0, 0, 0, 1] = np.nan, 9.0  # a first NaN keeps the 1
    X[1, 1, s - 1, s - 1] = np.nan  # a later NaN takes it from a larger number
    S = np.full_like(X, 7.0)
    env["rec"](X, S, *(() if factor == "constant" else (s,)))
    blocks = X[:, :, : 2 * s, :].reshape(2, 2, 2, s, 3, s).transpose(0, 1, 2, 4, 3, 5)
    blocks = blocks.reshape(2, 2, 2, 3, s * s)
    hit = np.eye(s * s)[blocks.argmax(axis=-1)].reshape(2, 2, 2, 3, s, s).transpose(0, 1, 2, 4, 3, 5)
    expected = np.zeros_like(X)
    expected[:, :, : 2 * s, :] = hit.reshape(2, 2, 2 * s, 3 * s)
    assert np.array_equal(S, expected)


def test_row_max_tree():
    env = {"prange": range}
    exec(source(record_tree("row_max", "rec", ("Y", "M"), "Y", "M", 2, L.Int(1))), env)
    Y = np.random.default_rng(0).standard_normal((4, 5))
    M = np.zeros(4)
    env["rec"](Y, M)
    assert np.array_equal(M, Y.max(axis=1))
    with pytest.raises(ValueError, match="unknown primitive"):
        record_tree("median", "rec", ("Y", "M"), "Y", "M", 2, L.Int(1))


def test_in_place_sums_into_the_target_with_its_free_loops_innermost():
    """``db[k] = Σ_n dU[n, k]`` as the plain nest and summed in place, hoisted: the same numbers."""
    from symcnn.codegen.passes import hoist, in_place

    n, k = L.Var("n"), L.Var("k")
    step = L.Accumulate(L.Var("_acc"), L.Mul((L.Int(3), L.Load("dU", (n, k)))))
    sums = L.Loop("n", L.Int(0), L.Var("N"), (step,))
    point = (L.Local("_acc"), sums, L.Assign(L.Load("db", (k,)), L.Var("_acc")))
    plain = L.Kernel("k", ("dU", "db", "N", "O"), (L.Loop("k", L.Int(0), L.Var("O"), point),))
    tree = hoist("db")(in_place()(plain))
    assert [type(s).__name__ for s in tree.body] == ["Loop", "Assign", "Loop"]  # zero, _h, the sum
    assert tree.body[2].body[0].index == "k"  # the free loop inside the sum
    dU = np.random.default_rng(1).standard_normal((5, 4))
    for t in (plain, tree):
        env = {}
        exec(source(t), env)
        db = np.full(4, 7.0)
        env["k"](dU, db, 5, 4)
        assert np.allclose(db, 3 * dU.sum(axis=0))
    tied = L.Kernel("k", plain.params, (L.Loop("k", L.Int(0), L.Var("O"), (
        L.Local("_acc"), L.Loop("n", L.Int(0), k, (step,)), point[2])),))
    with pytest.raises(ValueError, match="tied"):
        in_place()(tied)


def _rows(body: tuple[L.Stmt, ...]) -> L.Kernel:
    """``for n: <body>`` inside ``for y < H: for x < W``: a kernel over maps of H × W."""
    x = L.Loop("x", L.Int(0), L.Var("W"), body)
    y = L.Loop("y", L.Int(0), L.Var("H"), (x,))
    return L.Kernel("k", ("A", "B", "S", "N", "H", "W"), (L.Loop("n", L.Int(0), L.Var("N"), (y,)),))


def test_merged_rows_walk_a_map_as_one_run_and_compute_the_same():
    """A sum over a map's positions and an elementwise store: one loop over H·W, each array read
    through a view with its last two axes merged, the same numbers added in the same order."""
    n, y, x = L.Var("n"), L.Var("y"), L.Var("x")
    a, b = L.Load("A", (n, y, x)), L.Load("B", (n, y, x))
    k = _rows((L.Assign(b, L.Mul((L.Int(3), a))), L.Accumulate(L.Load("S", (n,)), a)))
    shapes = {"A": (L.Var("N"), L.Var("H"), L.Var("W")), "B": (L.Var("N"), L.Var("H"), L.Var("W"))}
    merged = merged_rows({**shapes, "S": (L.Var("N"),)})(k)
    text = source(merged)
    assert "_A_r = A.reshape(A.shape[0], A.shape[1]*A.shape[2])" in text
    assert "for _f in range(H*W):" in text and "_B_r[n, _f] = 3*_A_r[n, _f]" in text
    assert "for y in" not in text and "S[n] += _A_r[n, _f]" in text
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 3, 5))
    for tree in (k, merged):
        env = {}
        exec(source(tree), env)
        B, S = np.zeros_like(A), np.zeros(2)
        env["k"](A, B, S, 2, 3, 5)
        assert np.array_equal(B, 3 * A) and np.array_equal(S, A.sum(axis=(1, 2)))


def test_merged_rows_keep_rows_they_cannot_merge():
    """Left as they are: rows shorter than the array's (a window inside it), an index read anywhere else
    than as the last two, an array of unknown shape."""
    n, y, x = L.Var("n"), L.Var("y"), L.Var("x")
    a = L.Load("A", (n, y, x))
    wide = {"A": (L.Var("N"), L.Var("H"), L.Add((L.Var("W"), L.Int(1)))),
            "B": (L.Var("N"), L.Var("H"), L.Var("W"))}
    square = {"A": (L.Var("N"), L.Var("H"), L.Var("W")), "B": (L.Var("N"), L.Var("H"), L.Var("W"))}
    for k, shapes in ((_rows((L.Assign(L.Load("B", (n, y, x)), a),)), wide),
                      (_rows((L.Assign(L.Load("B", (n, y, x)), L.Mul((y, a))),)), square),
                      (_rows((L.Assign(L.Load("B", (n, x, y)), a),)), square),
                      (_rows((L.Assign(L.Load("B", (n, y, x)), a),)), {"B": square["B"]})):
        assert merged_rows(shapes)(k) == k


def test_specialized_runs_a_body_with_the_size_constant_where_it_has_that_value():
    """A pooled sum over ``range(s)`` gets a second body for ``s == 2``, ``s`` folded into it; both
    bodies compute the same, and a kernel with no loop over ``s`` is left as it is."""
    y, r = L.Var("y"), L.Var("r")
    at = L.Add((L.Mul((L.Var("s"), y)), r))
    inner = L.Loop("r", L.Int(0), L.Var("s"), (L.Accumulate(L.Load("D", (y,)), L.Load("X", (at,))),))
    k = L.Kernel("k", ("X", "D", "Ho", "s"), (L.Loop("y", L.Int(0), L.Var("Ho"), (inner,)),))
    two = specialized("s", 2)(k)
    text = source(two)
    assert text.count("if s == 2:") == 1 and "for r in range(2):" in text and "X[2*y + r]" in text
    assert "for r in range(s):" in text.split("else:")[1]
    X = np.arange(12.0)
    for s_ in (2, 3):
        env = {}
        exec(source(two), env)
        D = np.zeros(12 // s_)
        env["k"](X, D, 12 // s_, s_)
        assert np.array_equal(D, X.reshape(-1, s_).sum(axis=1))
    assert specialized("H", 2)(k) == k


#: The passes over the loop tree and the schedules ported onto frozen terms: none may reach SymPy.
SYMPY_FREE = ("passes", "block", "gradblock", "tile", "interchange", "forms", "scatter",
              "pack", "jam", "copies", "dot", "window", "hoist", "order",
              "schedule_tree")


def _imports(module: str) -> tuple[set[str], set[str]]:
    """The top-level packages and the ``symcnn.codegen`` modules ``symcnn.codegen.<module>`` imports."""
    import ast
    from pathlib import Path

    import symcnn.codegen

    tree = ast.parse((Path(symcnn.codegen.__file__).parent / f"{module}.py").read_text())
    packages, siblings = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            packages |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:
                siblings |= {node.module} if node.module else {a.name for a in node.names}
            elif node.level == 0:
                packages.add(node.module.split(".")[0])
            else:
                packages.add("symcnn")  # a module outside codegen: not checked, so refused
    return packages, siblings


@pytest.mark.parametrize("module", SYMPY_FREE)
def test_passes_reach_no_sympy(module):
    """A pass reads frozen terms and builds loop-tree nodes: neither it nor any codegen module it imports,
    however indirectly, imports SymPy (#25)."""
    todo, seen = [module], set()
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        packages, siblings = _imports(m)
        assert not packages & {"sympy", "symcnn"}, f"{module} reaches {sorted(packages)} through {m}"
        todo += sorted(siblings)
