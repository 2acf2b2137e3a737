"""The kernel gradient's register-blocked lane sums (symcnn/codegen/gradblock.py): each pass, the schedule.

Every pass runs on the plain loop nest of a 'same' convolution's kernel
gradient, and what it gives is executed as plain Python (``prange`` as
``range``: an index past an array's end raises) on random arrays against the
unpassed nest (tests/test_block.py's ``agree``). The Numba-compiled block is
compared with the plain schedule and checked against finite differences at
the end (slow: it compiles).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from symcnn.codegen import block, gradblock, loops
from symcnn.codegen.checks import gradient_errors, random_arrays
from symcnn.codegen.emit import source
from symcnn.codegen.passes import interchange
from symcnn.codegen.target import TARGETS
from symcnn.codegen.variants import blocked_variants, shapes
from symcnn.runtime.loader import load_layer_module
from tests.test_block import agree, layer_trees

GENERATED = Path(__file__).resolve().parent.parent / "generated"
#: Odd sizes: one image and three (slices of 1 and of 0–1 images); 5 input maps (a block of 4 and a
#: rest), 3 (the rest only) and 8; 10 output maps (blocks of 2, and in the rest 4 + 4 + 2); rows of
#: positions that are no multiple of the 8 lanes; five rows of taps, five taps a row. Last, an odd
#: number of output maps, which the block's dispatch refuses (it sums them two at a time).
SIZES = [dict(N=1, C=5, M=10, H=4, W=5, RH=1, RW=1), dict(N=3, C=3, M=6, H=3, W=2, RH=2, RW=1),
         dict(N=3, C=8, M=4, H=1, W=1, RH=1, RW=1), dict(N=2, C=2, M=4, H=3, W=4, RH=1, RW=2),
         dict(N=2, C=4, M=5, H=3, W=3, RH=1, RW=1)]


@pytest.fixture(scope="module")
def conv():
    return layer_trees()


def early(d, tree: loops.Kernel) -> loops.Kernel:
    """The nest through :func:`~.gradblock.split`, the buffers and :func:`~.block.flatten`."""
    kernel = gradblock.split("n", 3, "dK")(tree)
    kernel = block.pad("X", shapes(d)["X"], "dK", 8, loop="n")(kernel)
    for step in (gradblock.widen("dU", shapes(d)["dU"], "dK", 8, "n"), gradblock.hoist(block.BUFFER, "n"),
                 gradblock.hoist(gradblock.DELTA, "n"), block.flatten((block.BUFFER, gradblock.DELTA))):
        kernel = step(kernel)
    return kernel


def test_split_sums_slices_of_images_across_threads(conv):
    d, _, trees = conv
    split = gradblock.split("n", 2, "dK")(trees["backward_dK"])
    text = source(split)
    assert "_np = min(N, 2)" in text and "for _t in prange(_np):" in text
    assert "for n in range(_t*N // _np, (_t + 1)*N // _np):" in text
    assert "_part[_t, i, j, a, b] += _acc" in text and "_acc += _part[_t, i, j, a, b]" in text
    agree(d, trees["backward_dK"], split, "dK", SIZES)


def test_the_buffers_are_filled_once_an_image_and_allocated_once_a_slice(conv):
    d, _, trees = conv
    flat = early(d, trees["backward_dK"])
    text = source(flat)
    slice_, image = text.index("for _t in prange"), text.index("for n in range")
    assert slice_ < text.index("_xp = np.zeros(") < image and slice_ < text.index("_dp = np.zeros(") < image
    assert "_dp[_d0, _wp*_d1 + _d2] = dU[n, _d0, _d1, _d2]" in text
    assert "_acc += _xp[i, _wp*a + b + _f]*_dp[j, _f]" in text  # one position loop, unit stride
    assert "max(" not in text.split("for i in range(C)")[1]  # no clipped loop is left
    agree(d, trees["backward_dK"], flat, "dK", SIZES)


def test_lanes_interleave_the_positions_into_a_last_index_of_the_partial_sum(conv):
    d, _, trees = conv
    laned = gradblock.lanes("_f", 8, gradblock.DELTA)(early(d, trees["backward_dK"]))
    text = source(laned)
    assert "for _g in range((H*_wp + 7) // 8):" in text
    assert "_acc += _xp[i, _wp*a + b + 8*_g + _l]*_dp[j, 8*_g + _l]" in text
    assert "_part[_t, i, j, a, b, _l] += _acc" in text and "_acc += _part[_t, i, j, a, b, _l1]" in text
    agree(d, trees["backward_dK"], laned, "dK", SIZES)


def test_jam_names_a_scalar_an_input_map_output_map_and_lane(conv):
    d, _, trees = conv
    laned = gradblock.lanes("_f", 4, gradblock.DELTA)(early(d, trees["backward_dK"]))
    for outer, inner in (("j", "a"), ("i", "a"), ("j", "b"), ("i", "b")):
        laned = interchange(outer, inner)(laned)
    jammed = gradblock.jam([("i", 2), ("j", 2), ("_l", 4)], "dK")(laned)
    text = source(jammed)
    assert "for i in range(0, _i_split, 2):" in text and "for i in range(_i_split, C):" in text
    assert "_acc_1_1_3 = dK.dtype.type(0)" in text
    assert "_part[_t, i + 1, j + 1, a, b, 3] += _acc_1_1_3" in text
    assert "for _l in" not in text.split("for i in range(_i_split, C)")[0]  # the lanes are one block
    body = text.split("for _g in")[1].split("_part[")[0]
    assert body.count("= _xp[") == 2 * 4 and body.count("= _dp[") == 2 * 4  # each read once a step
    even = [s for s in SIZES if s["M"] % 2 == 0]
    agree(d, trees["backward_dK"], jammed, "dK", even)
    rest = gradblock.jam([("j", 4), ("_l", 4)], "dK")(jammed)  # only the input maps left over are a nest
    assert "_acc_3_3 = dK.dtype.type(0)" in source(rest)
    agree(d, trees["backward_dK"], rest, "dK", even)


@pytest.mark.parametrize("convention", ["xcorr", "matlab"])
def test_the_schedule_equals_the_plain_nest(convention):
    d, _, trees = layer_trees(convention)
    b = gradblock.kernel_gradient(trees["backward_dK"], shapes(d), 4, 2, 8, "backward_dK_block")
    assert b is not None and b.note == gradblock.NOTE
    assert [source(c) for c in b.conds] == ["M % 2 == 0", "C*M*(2*RH + 1)*(2*RW + 1) <= 36864"]
    text = source(b.kernel)
    assert "prange(_np)" in text and "np.uint64(" in text and "_acc_3_1_7" in text
    assert "_acc_3_7 = dK.dtype.type(0)" in text  # the input maps left over, 4 output maps at a time
    # one slice of images a thread of the pool the dispatch passes, at most PARTS
    assert b.kernel.params[-1] == gradblock.POOL and "_np = min(N, _threads, 8)" in text
    reached = [s for s in SIZES if all(eval(source(c), {}, dict(s)) for c in b.conds)]  # noqa: S307
    assert reached == SIZES[:4]
    for pool in (1, 2, 16):
        agree(d, trees["backward_dK"], b.kernel, "dK", [{**s, gradblock.POOL: pool} for s in reached])


def test_the_block_is_chosen_by_the_target_and_only_for_a_clipped_gradient(conv):
    d, module, trees = conv
    assert TARGETS["avx2"].gradient == TARGETS["avx512"].gradient == (4, 2, 8)
    (only,) = blocked_variants(d, module, TARGETS["avx2"])["backward_dK"]  # the same on every ISA
    assert only.kernel.name == "backward_dK_block"
    assert "codegen/gradblock.py" in only.kernel.doc[1]
    assert gradblock.kernel_gradient(trees["forward_U"], shapes(d), 4, 2, 8, "x") is None
    valid, _, vtrees = layer_trees(same=False)  # 'valid': nothing is clipped, nothing to pad
    assert gradblock.kernel_gradient(vtrees["backward_dK"], shapes(valid), 4, 2, 8, "x") is None


def test_each_pass_refuses_a_tree_not_of_its_shape(conv):
    d, _, trees = conv
    dk, forward = trees["backward_dK"], trees["forward_U"]
    with pytest.raises(ValueError, match="no sum over n into a local"):
        gradblock.split("n", 8, "U")(forward)
    with pytest.raises(ValueError, match="sets no row length"):
        gradblock.widen("dU", shapes(d)["dU"], "dK", 8, "n")(gradblock.split("n", 8, "dK")(dk))
    split = gradblock.split("n", 8, "dK")(dk)
    padded = block.pad("X", shapes(d)["X"], "dK", 8, loop="n")(split)
    width = loops.Assign(loops.Var(block.WIDTH), loops.Var("W"))
    rows = dataclasses.replace(split, body=(width, *split.body))
    with pytest.raises(ValueError, match="is not read at loop indices"):
        gradblock.widen("X", shapes(d)["X"], "dK", 8, "n")(rows)  # X[n, i, -RH + a + y, …]: no rows to copy
    with pytest.raises(ValueError, match="allocates no _dp"):
        gradblock.hoist(gradblock.DELTA, "n")(padded)
    with pytest.raises(ValueError, match="no two loops read"):
        block.flatten((block.BUFFER, gradblock.DELTA))(padded)  # δ is not in rows yet
    flat = early(d, dk)
    with pytest.raises(ValueError, match="reads no factor from dU"):
        gradblock.lanes("_f", 8, "dU")(flat)  # steps past the end would read no zeros
    with pytest.raises(ValueError, match="no loop over _g"):
        gradblock.lanes("_g", 8, gradblock.DELTA)(flat)
    with pytest.raises(ValueError, match="nests of loops over j, b"):
        gradblock.jam([("j", 4), ("b", 3)], "dK")(flat)  # the taps' row a lies between them


@pytest.mark.slow
def test_the_compiled_block_matches_finite_differences():
    """The Numba module symcnn ships, at sizes where its kernel gradient takes the block (three images
    in slices, 5 input maps: a block of 4 and a rest; 10 output maps), against central differences of
    its own forward pass."""
    mod = load_layer_module("conv_xcorr_relu_same", "numba", GENERATED)
    kernel = "backward_dK_block"
    sizes = dict(N=3, C=5, M=10, H=5, W=3, RH=1, RW=1)
    arrays = random_arrays(mod, sizes, np.random.default_rng(0))
    errors = gradient_errors(mod, arrays, {}, np.random.default_rng(1))
    assert set(errors) >= {"K", "X"} and all(e < 1e-6 for e in errors.values()), errors
    assert getattr(mod, kernel).signatures  # it ran
