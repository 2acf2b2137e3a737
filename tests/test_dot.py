"""A long contraction run as register-blocked inner products (codegen/dot.py) [B7], [B12]."""

from __future__ import annotations

import pytest
from test_generated import GENERATED, assert_agree, assert_gradients, case
from test_pack import kernel, loops_of, span, text
from test_target import AVX2, AVX512, _kernel

from symcnn.codegen import loops as L
from symcnn.codegen.dot import CHUNK, LIMIT, MIN_DEPTH, MIN_DEPTH_UNPADDED
from symcnn.codegen.emit import source
from symcnn.runtime.loader import load_layer_module


def _runs(dot, sizes: dict) -> bool:
    """Whether the kernel takes the inner-product schedule at these sizes (its run-time test)."""
    depth, size = (eval(source(e), {}, dict(sizes)) for e in (dot.depth, dot.size))
    return depth >= dot.min_depth and size <= dot.limit


def test_forward_packs_weights_and_windows_over_the_whole_contraction():
    dot = kernel("conv_xcorr_relu", "forward_U").window.dot
    assert source(dot.weights).splitlines()[-1].strip() == \
        "_wk[j, C*(KW*a + b) + i] = _dt(K[i, j, a, b]*T[i, j])"
    assert [lp.index for lp in loops_of(dot.weights)] == ["j", "a", "b", "i"]
    assert source(dot.window[0]).splitlines()[-1].strip() == \
        "_pd[-Wo*_y0 + Wo*y + x, C*(KW*a + b) + i] = X[n, i, a + y, b + x]"
    assert [span(lp) for lp in loops_of(dot.window)] == [  # a chunk of map rows; a run of input maps
        "range(KH)", "range(KW)", "range(_y0, _y1)", "range(Wo)", "range(C)"]
    assert text((dot.row, dot.width, dot.depth)) == ("Ho", "Wo", "C*KH*KW")
    assert (text(dot.size), dot.min_depth, dot.limit, dot.chunk) == ("C*KH*KW*Wo", MIN_DEPTH_UNPADDED, LIMIT,
                                                                     CHUNK)
    main = dot.blocks[0]
    assert span(main.j_loop) == "range(_j0, _jr, 4)" and span(main.f_loop) == "range(0, _fr, 2)"
    assert text(main.loads) == (("_p0", "_pd[_f, _r]"), ("_p1", "_pd[_f + 1, _r]"))
    assert text(main.steps[:3]) == ("_w = _wk[j, _r]", "_s00 += _w*_p0", "_s01 += _w*_p1")
    assert text(main.stores[-1]) == "_U_f[n, j + 3, Wo*_y0 + _f + 1] += _s31"
    # the maps and positions the blocks leave, a point at a time: the blocked maps' last positions,
    # then every position of the maps left over
    assert [(len(b.sums), span(b.j_loop), span(b.f_loop)) for b in dot.blocks[1:]] == [
        (1, "range(_j0, _jr)", "range(_fr, _nf)"), (1, "range(_jr, _j1)", "range(_nf)")]


def test_a_padded_window_is_packed_inside_the_array_only():
    """'same' [B7] and its input sensitivity [B12]: the fill is clipped, the buffer starts at zero."""
    for name in ("forward_U", "backward_dX"):
        w = kernel("conv_xcorr_relu_same", name).window
        assert w.zeroed and w.dot is not None and w.dot.min_depth == MIN_DEPTH  # < MIN_DEPTH_UNPADDED
        y, x = loops_of(w.dot.window)[2:4]
        ends = [len(e.args) if isinstance(e, L.Call) else 1 for lp in (y, x) for e in (lp.start, lp.stop)]
        assert ends == [3, 3, 2, 2], (y, x)  # clipped, and chunked


@pytest.mark.parametrize("layer,name", [
    ("conv_xcorr_relu", "backward_dK"),  # the window is summed against another array's rows
    ("conv_xcorr_relu", "backward_dX"),  # the window is the target (codegen/pack.py)
])
def test_other_window_kernels_keep_their_schedule(layer, name):
    w = kernel(layer, name).window
    assert w is None or w.dot is None


def test_blocks_follow_the_register_file():
    """Half the registers hold sums: 4 maps × 2 positions on AVX2 (16), 4 × 4 on AVX-512 (32)."""
    assert (AVX2.dot, AVX512.dot) == ((4, 2), (4, 4))
    for t in (AVX2, AVX512):
        dot = _kernel("conv_xcorr_relu", "forward_U", t).window.dot
        jb, fb = t.dot
        assert (dot.jb, dot.fb) == (jb, fb) and len(dot.blocks[0].sums) == jb * fb


#: Sizes that take the schedule, with maps and positions left over by every block: 7 maps (4 + 3),
#: 5×5 = 25 positions (odd), a batch of 3 (blocks of maps split between threads); a 'same' layer's
#: input sensitivity sums over as many output maps (9·5·3) as its forward equation over input maps.
SIZES = [
    ("conv_xcorr_sigmoid", dict(N=3, C=11, M=7, Ho=5, Wo=5, KH=5, KW=5)),  # the default run compiles it
    ("conv_matlab_tanh", dict(N=2, C=16, M=5, Ho=3, Wo=4, KH=4, KW=4)),
    ("combo_sigmoid_pairs", dict(N=2, C=11, M=6, Ho=3, Wo=3, KH=5, KW=5)),  # [B14a]: α·K the weights
    ("conv_xcorr_relu_same", dict(N=3, C=8, M=8, H=5, W=7, RH=1, RW=1)),
    ("conv_matlab_relu_same", dict(N=2, C=5, M=9, H=4, W=3, RH=2, RW=1)),
    ("conv_xcorr_relu_same", dict(N=2, C=8, M=9, H=16, W=40, RH=1, RW=1)),  # two chunks of map rows
]


def test_a_large_map_is_packed_a_chunk_of_rows_at_a_time():
    dot = kernel("conv_xcorr_relu_same", "forward_U").window.dot
    sizes = SIZES[-1][1]
    rows = max(1, CHUNK // eval(f"({source(dot.width)}) * ({source(dot.depth)})", {}, dict(sizes)))
    assert rows < sizes["H"] and _runs(dot, sizes)


@pytest.mark.sampled  # a Numba compile of each layer: the default run takes the first
@pytest.mark.parametrize("layer,sizes", SIZES, ids=[f"{layer}-{sizes['N']}" for layer, sizes in SIZES])
def test_inner_products_agree_with_numpy_and_finite_differences(layer, sizes):
    found = (kernel(layer, name).window for name in ("forward_U", "backward_dX"))
    dots = [w.dot for w in found if w and w.dot]
    assert dots and all(_runs(d, sizes) for d in dots)
    ref, fast = (load_layer_module(layer, backend, GENERATED) for backend in ("numpy", "numba"))
    arrays, hyper = case(ref, sizes, seed=5)
    assert_agree(ref, fast, arrays, hyper)
    assert_gradients(fast, arrays, hyper)
