"""A 'full' correlation's window target is accumulated flat, then added into its windows [B12]."""

from __future__ import annotations

import pytest
import sympy as sp
from test_generated import GENERATED, assert_agree, assert_gradients, case

from symcnn.codegen import loops as L
from symcnn.codegen import schedule_tree as S
from symcnn.codegen.emit import source
from symcnn.codegen.freeze import freeze, frozen_sum
from symcnn.codegen.ir import Sum
from symcnn.codegen.lower import lower
from symcnn.codegen.pack import packed
from symcnn.derive.cache import cached_derive, spec_hash
from symcnn.derive.terms import Bound
from symcnn.model import builtin_layers
from symcnn.runtime.loader import load_layer_module

LAYERS = builtin_layers()


def text(x):
    """A record's loop-tree nodes as source, tuples kept: what a test compares against."""
    if isinstance(x, tuple):
        return tuple(text(v) for v in x)
    return source(x) if isinstance(x, L.Node) else x


def span(lp: L.Loop | Sum) -> str:
    """A loop's ``range(…)`` (or a frozen sum's, as its loop), as its header prints it."""
    lp = S.loop(lp, ()) if isinstance(lp, Sum) else lp
    header = source(L.with_body(lp, (L.Assign(L.Var("_"), L.Int(0)),))).splitlines()[0]
    return header.split(" in ", 1)[1].rstrip(":")


def loops_of(nest) -> list[L.Loop]:
    """The loops of a nest (a statement or a tuple of them), outermost first."""
    stmts = nest if isinstance(nest, tuple) else (nest,)
    return [n for s in stmts for n in L.walk(s) if isinstance(n, L.Loop)]


def kernel(layer: str, name: str):
    """The IR kernel ``name`` of built-in ``layer``, lowered."""
    module = lower(cached_derive(LAYERS[layer]), spec_hash(LAYERS[layer]))
    return next(k for k in module.backward + module.forward if k.name == name)


@pytest.mark.parametrize("layer", ["conv_xcorr_relu", "conv_matlab_tanh", "combo_sigmoid_pairs"])
def test_input_sensitivity_of_a_convolution_is_packed(layer):
    (term,) = kernel(layer, "backward_dX").terms
    assert term.pack is not None
    assert term.nest[-1].index == "_f" and span(term.nest[-1]) == "range(Ho*Wo)"
    assert source(term.lhs).startswith("_pk[")
    assert [lp.index for lp in term.pack.unpack][-2:] == ["_p", "_q"]
    assert source(term.pack.store).startswith("dX[n, i, ")


def test_packed_term_adds_four_output_maps_into_two_taps():
    (term,) = kernel("conv_xcorr_relu", "backward_dX").terms
    jam = term.jam
    assert jam.index == "j" and jam.depth == 0 and source(jam.end) == "M" and jam.width == 4
    assert span(term.nest[0]) == "range(_jr, M)"  # the maps the jam leaves
    assert [source(value) for _, value in jam.temps] == [f"_dU_f[n, j{o}, _f]"
                                                         for o in ("", " + 1", " + 2", " + 3")]
    target, value = jam.updates[1]
    assert source(target) == "_pk[a, b + 1, _f]"
    assert source(value) == "_k01*_w0 + _k11*_w1 + _k21*_w2 + _k31*_w3"
    assert len(jam.updates) == 2 and jam.loops[1].step == L.Int(2)  # 4 maps × 2 taps: 8 coefficients (AVX2)
    assert [(name, source(value)) for name, value in jam.head] == [("_br", "(KW // 2)*2")]
    rest = jam.rest.loops[-1]
    assert (rest.index, source(rest.start), source(rest.stop)) == ("b", "_br", "KW")


@pytest.mark.parametrize("layer,name", [
    ("conv_xcorr_relu", "forward_U"),  # the window is read, not written
    ("conv_xcorr_relu", "backward_dK"),
    ("pool_mean_plain", "backward_dX"),  # no sums
    ("fc_sigmoid", "backward_dX"),
])
def test_other_kernels_are_left_alone(layer, name):
    assert all(t.pack is None for t in kernel(layer, name).terms)


n, j, a, b, p, q = sp.symbols("n j a b _p _q", integer=True)
Ho, Wo, KH, KW, M = sp.symbols("Ho Wo KH KW M", integer=True, positive=True)
dU = sp.IndexedBase("dU", shape=(n, M, Ho, Wo))


def _bounds(*pairs):
    return [Bound(s, (sp.S.Zero,), (e - 1,), (sp.S.Zero, e - 1)) for s, e in pairs]


def _packed(bounds, body, index):
    """:func:`.pack.packed` of ``Σ body`` over derived ``bounds`` into ``dX[index]``, read off them frozen."""
    shapes = {str(r.base.label): tuple(freeze(e) for e in r.base.shape) for r in body.atoms(sp.Indexed)}
    return packed([frozen_sum(x) for x in bounds], freeze(body), False, shapes, "dX",
                  tuple(freeze(sp.sympify(e)) for e in index))


NEST = [(j, M), (a, KH), (b, KW), (p, Ho), (q, Wo)]


def test_packed_term_reads_one_flat_run():
    found = _packed(_bounds(*NEST), dU[n, j, p, q], (n, p + a, q + b))
    flat = found.sums[-1]
    assert flat.index == "_f" and [source(e) for e in flat.stop] == ["Ho*Wo"]
    assert [x.index for x in found.sums[:-1]] == ["j", "a", "b"]
    assert found.views == (("dU", "_dU_f"),)  # dU[n, j, _p, _q] is read as _dU_f[n, j, _f]
    assert source(found.slot) == "_pk[a, b, _f]"
    pack = found.pack
    assert [source(e) for e in pack.shape] == ["KH", "KW", "Ho*Wo"]
    assert [(name, source(view)) for name, view in pack.flats] == [("_dU_f", "dU.reshape(dU.shape[0], "
                                                                    "dU.shape[1], Ho*Wo)")]
    assert [lp.index for lp in pack.unpack] == ["a", "b", "_p", "_q"]
    assert not any(lp.body for lp in pack.unpack)  # the store goes inside, when the tree is built
    assert source(pack.store) == "dX[n, _p + a, _q + b] += _pk[a, b, Wo*_p + _q]"


@pytest.mark.parametrize("why,nest,body,index", [
    ("a read walks the rows shifted", NEST, dU[n, j, p + 1, q], (n, p + a, q + b)),
    ("the target is no window", NEST, dU[n, j, p, q], (n, p, q)),
    ("one tap moves both axes", NEST, dU[n, j, p, q], (n, p + a, q + a)),
    ("a read's rows are longer than the loop", [(j, M), (a, KH), (b, KW), (p, Ho), (q, Wo - 1)],
     dU[n, j, p, q], (n, p + a, q + b)),
])
def test_packing_refuses_what_it_cannot_flatten(why, nest, body, index):
    assert _packed(_bounds(*nest), body, index) is None, why


def test_a_bounded_inner_loop_is_not_packed():
    nest = _bounds(*NEST)
    nest[-1] = Bound(q, (sp.S.Zero,), (sp.Min(Wo - 1, a),), (sp.S.Zero, Wo - 1))
    assert _packed(nest, dU[n, j, p, q], (n, p + a, q + b)) is None


@pytest.mark.slow  # each schedule variant compiles afresh
@pytest.mark.parametrize("maps,taps", [(8, 4), (6, 6), (3, 2)],
                         ids=["whole blocks", "blocks and rest", "rest only"])
def test_jammed_convolution_agrees_with_numpy(maps, taps):
    a, b = (load_layer_module("conv_xcorr_tanh", backend, GENERATED) for backend in ("numpy", "numba"))
    arrays, hyper = case(a, dict(N=2, C=3, M=maps, Ho=5, Wo=4, KH=3, KW=taps), seed=6)
    assert_agree(a, b, arrays, hyper)
    assert_gradients(b, arrays, hyper)
