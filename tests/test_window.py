"""A convolution's window read once per input map, reused by every output map [B7], [B8]."""

from __future__ import annotations

import pytest
from test_generated import GENERATED, assert_agree, case
from test_pack import kernel, span, text

from symcnn.codegen import loops as L
from symcnn.codegen.window import LIMIT, ROWS_LIMIT
from symcnn.runtime.loader import load_layer_module


@pytest.mark.parametrize("layer", ["conv_xcorr_relu", "conv_matlab_sigmoid", "combo_sigmoid_pairs"])
def test_forward_and_kernel_gradient_reuse_the_packed_windows(layer):
    forward, gradient = kernel(layer, "forward_U"), kernel(layer, "backward_dK")
    assert forward.window.blocked == "j" and text(forward.window.outer) == (("n", "N"),)
    # the kernel gradient's blocks split the images (each its own slice of the target), not the maps
    assert gradient.window.blocked == "n" and text(gradient.window.outer) == (("i", "C"),)
    assert text(gradient.window.split.shape) == ("M", "KH", "KW") and gradient.window.split.target == "dK"
    for w in (forward.window, gradient.window):
        assert text(w.buffer) == ("KH", "KW", "Ho*Wo")
        assert text(w.term.fill.store).startswith("_pk[a, b, Wo*y + x] = X[n, i, ")
        assert w.term.nest[-1].index == "_f"
    assert text(forward.window.term.lhs) == "_U_f[n, j, _f]" and not forward.window.term.partial
    assert text(gradient.window.term.lhs) == "_part[_o, j, a, b]" and gradient.window.term.partial
    assert forward.window.split is None


def test_kernel_gradient_sums_four_output_maps_by_two_taps_per_packed_load():
    """JB maps × FB taps of partial sums (the inner products' block, 4 × 2 on AVX2): two packed rows and
    four rows of dU loaded for eight multiply-adds."""
    term = kernel("conv_xcorr_relu", "backward_dK").window.term
    jam = term.jam
    assert jam.width == 4 and jam.index == "j" and jam.depth == 1  # inside the loop over n
    assert text(jam.head) == (("_br", "(KW // 2)*2"),) and jam.loops[1].step == L.Int(2)
    rows = [f"_dU_f[n, j{o}, _f]" for o in ("", " + 1", " + 2", " + 3")]
    temps = sorted(value for _, value in text(jam.temps))
    assert temps == sorted(["_pk[a, b, _f]", "_pk[a, b + 1, _f]", *rows])
    assert [acc for acc, _ in jam.pre] == ["_s00", "_s01", "_s10", "_s11", "_s20", "_s21", "_s30", "_s31"]
    assert text(jam.stores[-1]) == "_part[_o, j + 3, a, b + 1] += _s31*T[i, j + 3]"
    assert span(jam.rest.loops[1]) == "range(_br, KW)"  # the last tap of an odd row: four maps at a time
    assert text(jam.rest.stores[3]) == "_part[_o, j + 3, a, b] += _s3*T[i, j + 3]"
    assert span(term.nest[0]) == "range(_j0, _j1)"  # the block's images
    assert span(term.nest[1]) == "range(_jr, M)"  # the maps left over run one at a time


def test_combination_weight_gradient_sums_the_taps_too():
    """∂E/∂α [B14a] sums the taps with the kernel as a factor: the partial sums of four output maps
    are scaled by their kernel taps and added into one weight each."""
    w = kernel("combo_sigmoid_pairs", "backward_dalpha").window
    assert w.blocked == "n" and text(w.outer) == (("i", "C"),) and w.limit == LIMIT
    assert text(w.term.jam.stores[-1]) == "_part[_o, j + 3] += _s31*K[i, j + 3, a, b + 1]"
    assert text(w.split.shape) == ("M",) and text(w.split.size) == "M" and w.split.target == "dalpha"


def test_forward_adds_four_packed_loads_into_four_output_maps():
    term = kernel("conv_xcorr_relu", "forward_U").window.term
    jam = term.jam
    assert jam.width == 4 and jam.depth == 1  # inside the loop over input maps
    assert text(jam.head) == (("_br", "(KW // 4)*4"),) and span(jam.loops[1]) == "range(0, _br, 4)"
    assert text(jam.pre[6]) == ("_k12", "_dt(K[i, j + 1, a, b + 2]*T[i, j + 1])")  # 16 coefficients
    taps = [f"_pk[a, b{o}, _f]" for o in ("", " + 1", " + 2", " + 3")]
    assert [value for _, value in text(jam.temps)] == taps
    assert text(jam.updates[3]) == ("_U_f[n, j + 3, _f]", "_k30*_w0 + _k31*_w1 + _k32*_w2 + _k33*_w3")
    assert jam.stores == ()
    rest = jam.rest  # the taps past the last multiple of four: one packed load into four maps
    assert span(rest.loops[1]) == "range(_br, KW)"
    assert text(rest.pre[3]) == ("_k3", "_dt(K[i, j + 3, a, b]*T[i, j + 3])")
    assert text(rest.temps[0]) == ("_w0", "_pk[a, b, _f]")
    assert text(rest.updates[3]) == ("_U_f[n, j + 3, _f]", "_k3*_w0")


@pytest.mark.parametrize("layer,name", [
    ("combo_sigmoid", "forward_V"),  # one map in, one map out: nothing to reuse the windows for
    ("combo_sigmoid", "backward_dK"),
    ("conv_xcorr_relu", "backward_dX"),  # the window is the target (codegen/pack.py)
    ("pool_mean_plain", "forward_D"),
    ("fc_relu", "forward_U"),
])
def test_other_kernels_keep_their_schedule(layer, name):
    assert kernel(layer, name).window is None


@pytest.mark.slow  # each schedule variant compiles afresh
@pytest.mark.parametrize("layer", ["conv_xcorr_tanh", "conv_matlab_relu", "combo_sigmoid_pairs"])
@pytest.mark.parametrize("maps", [4, 27, 103], ids=["both packed", "forward packed", "neither packed"])
def test_both_schedules_agree_with_numpy(layer, maps):
    """Small maps take the packed schedules; the kernel gradient's windows overflow first (twice an L1),
    the forward equation's (read for 16 multiply-adds per four loads) only past an L2 cache."""
    sizes = dict(N=2, C=2, M=9, Ho=maps, Wo=maps, KH=5, KW=5, I=4, O=3)  # blocks of 4 maps and more: jammed
    window = sizes["KH"] * sizes["KW"] * maps * maps
    forward, gradient = kernel(layer, "forward_U"), kernel(layer, "backward_dK")
    assert (window <= forward.window.limit, window <= gradient.window.limit) == {
        4: (True, True), 27: (True, False), 103: (False, False)}[maps]
    assert gradient.window.limit == LIMIT and forward.window.limit == ROWS_LIMIT
    a, b = (load_layer_module(layer, backend, GENERATED) for backend in ("numpy", "numba"))
    arrays, hyper = case(a, sizes, seed=4)
    assert_agree(a, b, arrays, hyper)


def test_few_output_maps_keep_the_packed_windows_up_to_twice_an_l1_cache():
    """One schedule for the kernel gradient of every preset's convolutions: dlt's first (6 maps of 24×24
    outputs, 5×5 taps: 14,400 elements) compiles no second one."""
    gradient = kernel("conv_xcorr_sigmoid", "backward_dK")
    assert 24 * 24 * 5 * 5 <= gradient.window.limit == LIMIT < 28 * 28 * 5 * 5
    a, b = (load_layer_module("conv_xcorr_sigmoid", backend, GENERATED) for backend in ("numpy", "numba"))
    for maps in (17, 3):  # 19×19 outputs, 5×5 taps: 9,025 elements, more than an L1 cache holds
        arrays, hyper = case(a, dict(N=2, C=2, M=maps, Ho=19, Wo=19, KH=5, KW=5), seed=maps)
        assert_agree(a, b, arrays, hyper)
