"""Lowering a derivation into the loop tree (symcnn/codegen/freeze.py), and a first pass over it.

SymPy expressions freeze into loop-tree expressions (and elementwise factors
into the operands and operations a ufunc chain reads), and nothing else in the
tree's modules sees SymPy. Built-in layers lower to the plain nest: a loop
per free index over its extent, a loop per sum over its derived bounds
(clipped windows as ``max``/``min``, strides as floor divisions), guards as
an ``if``; printed and run, the nests compute what NumPy computes. The
unroll pass (symcnn/codegen/passes.py) keeps every kernel of every layer bit
for bit the same, empty and short ranges included; the interchange pass keeps
a convolution's gradients up to rounding and refuses a swap that would not.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from test_layering import import_graph
from test_plain_schedule import EXAMPLES, SIZES

from symcnn.codegen import loops as L
from symcnn.codegen.checks import random_arrays, run_backward, seeds
from symcnn.codegen.emit import source
from symcnn.codegen.freeze import elementwise, freeze
from symcnn.codegen.ir import Code, Elementwise, hole
from symcnn.codegen.lower import lower
from symcnn.codegen.nest import is_long
from symcnn.codegen.passes import interchange, swap, unroll_innermost
from symcnn.codegen.plain import kernel_trees, plain_module
from symcnn.derive.cache import spec_hash
from symcnn.model import builtin_layers, relu, sigmoid, step
from symcnn.model.spec import load_spec
from symcnn.pipeline import cached_derive
from symcnn.verify.generated import load_source

LAYERS = {**builtin_layers(), **{layer.name: layer for layer in load_spec(EXAMPLES)}}
p, q, s, d, KH, n = sp.symbols("p q s d KH n", integer=True)
U = sp.IndexedBase("U")


def test_sympy_freezes_into_tree_expressions():
    assert freeze(sp.floor(p / s)) == L.FloorDiv(L.Var("p"), L.Var("s"))
    assert freeze(sp.floor(p + 1)) == L.Add((L.Var("p"), L.Int(1)))  # an integer already: no division
    clipped = L.Call("min", (L.Var("p"), L.Add((L.Var("KH"), L.Int(-1)))))
    assert freeze(sp.Min(p, KH - 1) + 1) == L.Add((clipped, L.Int(1)))
    functions = [(sigmoid, "sigmoid"), (relu, "relu"), (step, "step"), (sp.tanh, "tanh"), (sp.exp, "exp")]
    for fn, name in functions:
        assert freeze(fn(U[n])) == L.Call(name, (L.Load("U", (L.Var("n"),)),))
    assert freeze(sp.Eq(p, d * q)) == L.Cmp("==", L.Var("p"), L.Mul((L.Var("d"), L.Var("q"))))
    assert freeze(sp.Rational(1, 10000)) == L.Rat(1, 10000) and freeze(sp.Float(0.25)) == L.Real(0.25)
    assert freeze(-p) == L.Mul((L.Int(-1), L.Var("p")))
    with pytest.raises(ValueError, match="no node for sin"):
        freeze(sp.sin(p))


def test_an_elementwise_factor_freezes_into_printed_operands_and_operations():
    Y, D, Z = (sp.Symbol(hole(name)) for name in ("_r0_", "_r1_", "_r2_"))  # array reads, as lowered
    frozen = elementwise(sigmoid(Y) * D)
    assert frozen.kind == "mul" and sorted(type(a).__name__ for a in frozen.args) == ["Code", "Elementwise"]
    (computed,) = [a for a in frozen.args if isinstance(a, Elementwise)]
    assert computed == Elementwise("sigmoid", (Code(hole("_r0_")),))
    negated = elementwise(-Y * D)  # a product led by -1 carries the product of the rest
    assert negated.args[0].value == -1 and negated.rest == elementwise(Y * D)
    assert isinstance(elementwise(s**2), Code) and elementwise(s**2) == "s**2"  # sizes only: one operand
    powers = [elementwise(e).kind for e in (1 / (Z + 2), (Z + 2) ** 2, sp.sqrt(Z), Z**3, Z**s, sp.sin(Z))]
    assert powers == ["reciprocal", "square", "sqrt", "power", "other", "other"]


def test_a_loop_is_long_where_its_frozen_extent_holds_a_size_no_parameter_has():
    H = sp.Symbol("H", integer=True)
    assert is_long(freeze(H - KH + 1), {"KH"}) and not is_long(freeze(KH * s), {"KH", "s"})


def test_only_the_lowering_imports_sympy():
    graph = import_graph()
    tree = {f"symcnn.codegen.{m}" for m in ("loops", "emit", "passes", "plain", "render", "ufuncs", "nest")}
    assert not {m for m in tree if "sympy" in graph[m]}
    assert "sympy" in graph["symcnn.codegen.freeze"]


def trees(layer: str) -> dict[str, L.Kernel]:
    d = cached_derive(LAYERS[layer])
    return {k.name: k for k in kernel_trees(d, lower(d, spec_hash(d.layer))) if isinstance(k, L.Kernel)}


def loops_of(node: L.Node) -> list[L.Loop]:
    return [x for x in L.walk(node) if isinstance(x, L.Loop)]


def run(kernel: L.Kernel, **values):
    scope = {"math": math, "np": np}
    exec(source(kernel), scope)  # noqa: S102 - our own printed text
    scope[kernel.name](*(values[name] for name in kernel.params))


def test_free_indices_are_loops_over_the_extents_then_the_sums():
    dX = trees("conv_xcorr_sigmoid")["backward_dX"]
    outer = loops_of(dX)
    assert [lp.index for lp in outer] == ["n", "i", "p", "q", "j", "a", "b"]
    assert outer[2].stop == freeze(sp.Symbol("Ho", integer=True) + sp.Symbol("KH", integer=True) - 1)
    a = outer[5]  # a clipped window: from max(0, p - Ho + 1) to min(p, KH - 1)
    assert a.start.fn == "max" and a.stop.terms[0].fn == "min" and a.stop.terms[1] == L.Int(1)
    assert source(a).startswith("for a in range(max(0, -Ho + p + 1), min(p, KH - 1) + 1):")
    inner = outer[3].body
    assert inner[0] == L.Local("_acc") and inner[-1] == L.Assign(
        L.Load("dX", tuple(L.Var(x) for x in "nipq")), L.Var("_acc"))
    assert isinstance(outer[-1].body[0], L.Accumulate)


def test_an_elementwise_equation_stores_its_body():
    Y = trees("conv_xcorr_relu_same")["forward_Y"]
    assert not any(isinstance(x, L.Local) for x in L.walk(Y))
    store = loops_of(Y)[-1].body
    assert store == (L.Assign(L.Load("Y", tuple(L.Var(x) for x in "njyx")),
                              L.Call("relu", (L.Load("U", tuple(L.Var(x) for x in "njyx")),))),)


def test_guards_become_an_if_inside_the_sums():
    dX = trees("padded_conv")["backward_dX"]
    guards = [x for x in L.walk(dX) if isinstance(x, L.If)]
    assert len(guards) == 1 and [c.op for c in guards[0].conds] == ["==", "=="]
    assert [c.left for c in guards[0].conds] == [L.Var("p"), L.Var("q")]
    assert isinstance(guards[0].body[0], L.Accumulate)
    assert any(isinstance(x, L.FloorDiv) for x in L.walk(trees("padded_conv")["forward_U"]))  # its bounds


def test_a_padded_same_convolution_lowers_to_what_numpy_computes():
    rng = np.random.default_rng(1)
    N, C, M, H, W, RH, RW = 2, 2, 3, 5, 4, 1, 2
    X, K = rng.standard_normal((N, C, H, W)), rng.standard_normal((C, M, 2 * RH + 1, 2 * RW + 1))
    B, out = rng.standard_normal(M), np.zeros((N, M, H, W))
    sizes = dict(N=N, C=C, M=M, H=H, W=W, RH=RH, RW=RW)
    run(trees("conv_xcorr_relu_same")["forward_U"], X=X, K=K, B=B, U=out, **sizes)
    padded = np.pad(X, ((0, 0), (0, 0), (RH, RH), (RW, RW)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, K.shape[2:], axis=(2, 3))
    np.testing.assert_allclose(out, np.einsum("niyxab,ijab->njyx", windows, K) + B[:, None, None],
                               rtol=1e-13, atol=0)


def test_a_strided_pool_lowers_to_what_numpy_computes():
    rng = np.random.default_rng(2)
    N, C, Ho, Wo, stride = 2, 3, 2, 3, 2
    X, D = rng.standard_normal((N, C, Ho * stride, Wo * stride)), np.zeros((N, C, Ho, Wo))
    kernel = trees("pool_sum_plain")["forward_D"]
    run(kernel, X=X, D=D, N=N, C=C, Ho=Ho, Wo=Wo, s=stride, H=Ho * stride, W=Wo * stride)
    blocks = X.reshape(N, C, Ho, stride, Wo, stride)
    np.testing.assert_allclose(D, blocks.sum(axis=(3, 5)), rtol=1e-13, atol=0)


def test_unrolling_keeps_empty_and_short_ranges():
    acc = L.Var("_acc")
    add = L.Accumulate(acc, L.Load("X", (L.Var("i"),)))
    body = (L.Local("_acc"), L.Loop("i", L.Var("lo"), L.Var("hi"), (add,)), L.Assign(L.Load("out", ()), acc))
    kernel = L.Kernel("partial", ("X", "out", "lo", "hi"), body)
    X = np.random.default_rng(3).standard_normal(9)
    for k in (2, 3):
        unrolled = unroll_innermost(k)(kernel)
        assert sum(lp.kind == "unrolled" for lp in loops_of(unrolled)) == 1
        for lo in range(5):
            for hi in range(9):
                out = np.zeros(())
                run(unrolled, X=X, out=out, lo=lo, hi=hi)
                assert out == sum(X[lo:hi].tolist()), (k, lo, hi)  # the same sum, in the same order
    with pytest.raises(ValueError):
        unroll_innermost(1)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_unrolled_kernels_equal_the_plain_ones_bit_for_bit(layer):
    d = cached_derive(LAYERS[layer])
    module = lower(d, spec_hash(d.layer))
    ref = load_source(plain_module(d, module), f"_ref_{layer}")
    mod = load_source(plain_module(d, module, passes=(unroll_innermost(3),)), f"_unrolled_{layer}")
    z = {k: SIZES[k] for k in ref.SIZES}
    hyper = {h: z[h] for h in ref.HYPER}
    rng = np.random.default_rng(0)
    arrays, weights = random_arrays(ref, z, rng), seeds(ref, z, rng)
    fa, fb = ref.forward(arrays, hyper), mod.forward(arrays, hyper)
    ga, gb = run_backward(ref, arrays, hyper, weights), run_backward(mod, arrays, hyper, weights)
    for name in fa:
        np.testing.assert_array_equal(fa[name], fb[name], err_msg=name)
    for name in ga:
        np.testing.assert_array_equal(ga[name], gb[name], err_msg=name)


def test_interchange_reorders_loops_and_keeps_what_they_compute():
    d = cached_derive(LAYERS["conv_xcorr_sigmoid"])
    module = lower(d, spec_hash(d.layer))
    swapped = plain_module(d, module, passes=(interchange("j", "a"), interchange("n", "i")))
    dX = swapped[swapped.index("def backward_dX"):]
    assert "for i in range(C):\n        for n in range(N):" in dX  # two free indices of the target
    assert "range(max(0, -Ho + p + 1), min(p, KH - 1) + 1):\n                        for j in range(M):" in dX
    ref, mod = load_source(plain_module(d, module), "_ref_swap"), load_source(swapped, "_swapped")
    z = {k: SIZES[k] for k in ref.SIZES}
    rng = np.random.default_rng(5)
    arrays, weights = random_arrays(ref, z, rng), seeds(ref, z, rng)
    ga, gb = run_backward(ref, arrays, {}, weights), run_backward(mod, arrays, {}, weights)
    for name in ga:  # the sums add in another order: equal up to rounding
        assert np.max(np.abs(ga[name] - gb[name])) <= 1e-13 * np.max(np.abs(ga[name])), name


def test_interchange_refuses_what_would_change_the_result():
    i, j, t, M = L.Var("i"), L.Var("j"), L.Var("t"), L.Var("M")
    x = L.Load("X", (i, j))

    def nest(body, stop=M):
        return L.Loop("i", L.Int(0), L.Var("N"), (L.Loop("j", L.Int(0), stop, body),))

    assert swap(nest((L.Accumulate(t, x),))).index == "j"  # a reduction: any order
    with pytest.raises(ValueError, match="bounds of j depend on i"):
        swap(nest((L.Accumulate(t, x),), stop=i))  # a triangle
    with pytest.raises(ValueError, match="t is read where it is written"):
        swap(nest((L.Accumulate(t, L.Mul((x, t))),)))
    with pytest.raises(ValueError, match="not indexed by both"):
        swap(nest((L.Assign(L.Load("Y", (i,)), x),)))  # the last j wins: order matters
    with pytest.raises(ValueError, match="not perfectly nested"):
        swap(L.Loop("i", L.Int(0), L.Var("N"), (L.Local("t"), nest(()).body[0])))
