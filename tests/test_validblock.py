"""A valid convolution's blocks (codegen/validblock.py, codegen/validgrad.py): each pass, the schedules.

Every pass runs on the plain loop nest of a valid convolution's forward
equation or kernel gradient (its body ``K·T·X`` or ``T·X·δ``, the connection
table a third factor) and what it
gives is executed as plain Python (``prange`` as ``range``: an index past an
array's end raises) on random arrays against the unpassed nest
(tests/test_block.py's ``agree``). The Numba-compiled block is compared with the
plain schedule in tests/test_plain_schedule.py (slow: it compiles).
"""

from __future__ import annotations

import pytest

from symcnn.codegen import block, gradblock, validblock, validgrad
from symcnn.codegen.emit import source
from symcnn.codegen.target import TARGETS
from symcnn.codegen.variants import blocked_variants, shapes
from tests.test_block import agree, layer_trees

#: 10 maps (a block of 8 and two left over, or blocks of 3 and one), positions that no block of 16 or 3
#: divides (3 × 5 = 15), a kernel wider than tall; one map of one position; a 1×1 kernel.
SIZES = [dict(N=2, C=2, M=10, Ho=3, Wo=5, KH=2, KW=3), dict(N=1, C=3, M=1, Ho=1, Wo=1, KH=3, KW=2),
         dict(N=2, C=1, M=9, Ho=2, Wo=4, KH=1, KW=1)]


@pytest.fixture(scope="module")
def valid():
    return layer_trees(same=False)


def test_premultiply_folds_the_table_into_a_copy_of_the_weights(valid):
    d, _, trees = valid
    folded = validblock.premultiply("K", "T", shapes(d)["K"], "U")(trees["forward_U"])
    text = source(folded)
    assert "_kt[_k0, _k1, _k2, _k3] = K[_k0, _k1, _k2, _k3]*T[_k0, _k1]" in text
    assert "_acc += _kt[i, j, a, b]*X[n, i, a + y, b + x]" in text and "T[i, j]" not in text
    agree(d, trees["forward_U"], folded, "U", SIZES)


def test_shifted_copies_read_every_position_of_a_map_in_one_run(valid):
    d, _, trees = valid
    copied = validblock.shifted("X", shapes(d)["X"], "U", 16, "n", "x")(trees["forward_U"])
    text = source(copied)
    assert "_wp = Wo" in text and "_xp[_c0, _c1, _wp*_c2 + _c3] = X[n, _c0, _c2, _c1 + _c3]" in text
    assert f"{block.BUFFER}[i, b, _wp*(a + y) + x]" in text
    flat = block.flatten()(copied)
    assert "_xp[i, b, _wp*a + _f]" in source(flat)  # one loop over positions, unit stride, no dead column
    agree(d, trees["forward_U"], copied, "U", SIZES)
    agree(d, trees["forward_U"], flat, "U", SIZES)


@pytest.mark.parametrize("maps, positions", [(3, 2), (8, 16)])
def test_the_valid_outer_product_equals_the_plain_nest(valid, maps, positions):
    d, _, trees = valid
    b = validblock.valid_outer_product(trees["forward_U"], shapes(d), maps, positions, "forward_U_block")
    assert b is not None
    text = source(b.kernel)
    assert "prange(N)" in text and "np.uint64(" in text and f"_kp[j // {maps}, i, a, b, 0]" in text
    assert [source(c) for c in b.conds] == [f"M >= {maps}", "C*KH*KW >= 256",
                                            "C*(Ho + KH - 1)*KW*Wo <= 262144"]
    assert "for j in range(_j_split, _j_split1):" in text  # the maps left over: a block of one map
    agree(d, trees["forward_U"], b.kernel, "U", SIZES)


def test_only_an_unclipped_forward_with_one_column_of_taps_is_blocked(valid):
    d, module, trees = valid
    assert validblock.valid_outer_product(trees["backward_dK"], shapes(d), 8, 16, "x") is None  # over images
    assert validblock.valid_outer_product(trees["backward_dX"], shapes(d), 8, 16, "x") is None  # clipped
    same, _, same_trees = layer_trees()
    assert validblock.valid_outer_product(same_trees["forward_U"], shapes(same), 8, 16, "x") is None
    flipped, _, flipped_trees = layer_trees("matlab", same=False)  # X read at KH - 1 - a + y: not b + x
    assert validblock.valid_outer_product(flipped_trees["forward_U"], shapes(flipped), 8, 16, "x") is None
    with pytest.raises(ValueError, match="one column of taps"):
        validblock.shifted("X", shapes(same)["X"], "U", 16, "n", "x")(same_trees["forward_U"])
    with pytest.raises(ValueError, match="no product of K and B"):
        validblock.premultiply("K", "B", shapes(d)["K"], "U")(trees["forward_U"])


def test_the_valid_block_is_carried_for_512_bit_vectors_only(valid):
    d, module, _ = valid
    variants = blocked_variants(d, module, TARGETS["avx2"])
    assert set(variants) == {"forward_U", "backward_dK"}
    (wide,) = variants["forward_U"]
    assert wide.kernel.name == "forward_U_block512" and wide.body.name == "forward_U_block512_one"
    assert source(wide.conds[0]) == "_VECTOR_BITS >= 512"
    (host,) = blocked_variants(d, module, TARGETS["avx512"])["forward_U"]  # rendered for the machine
    assert host.kernel.name == "forward_U_block" and "_VECTOR_BITS" not in source(host.conds[0])


#: Sizes for the kernel gradient: one image and three (slices of 1 and of 0–1 images, on 2 threads),
#: 10 maps (a block of 8 and two left over), rows of positions that are no multiple of the 8 lanes.
GRADIENT_SIZES = [dict(N=1, C=2, M=10, Ho=3, Wo=5, KH=2, KW=3, _threads=2),
                  dict(N=3, C=3, M=9, Ho=2, Wo=2, KH=3, KW=2, _threads=2),
                  dict(N=3, C=1, M=1, Ho=1, Wo=1, KH=1, KW=1, _threads=1)]


def test_factored_multiplies_the_table_into_the_final_sum(valid):
    d, _, trees = valid
    split = gradblock.split("n", 2, "dK", gradblock.POOL)(trees["backward_dK"])
    out = validgrad.factored("T", "dK")(split)
    text = source(out)
    assert "dK[i, j, a, b] = T[i, j]*_acc" in text and "_acc += X[n, i, a + y, b + x]*dU[n, j, y, x]" in text
    agree(d, trees["backward_dK"], out, "dK", GRADIENT_SIZES)
    with pytest.raises(ValueError, match="not stored once, as a local"):
        validgrad.factored("T", "dK")(trees["forward_U"])


def test_the_valid_kernel_gradient_equals_the_plain_nest(valid):
    d, _, trees = valid
    b = validgrad.valid_kernel_gradient(trees["backward_dK"], shapes(d), 8, 8, "backward_dK_block")
    assert b is not None
    text = source(b.kernel)
    assert "for _t in prange(_np):" in text and "_xp[i, b, np.uint64(_wp*a + 8*_g)]" in text
    assert "for j in range(0, _j_split, 8):" in text and "for j in range(_j_split, _j_split1):" in text
    assert [source(c) for c in b.conds] == ["M >= 8", "C*KH*KW >= 256", "C*M*KH*KW <= 36864",
                                            "C*(Ho + KH - 1)*KW*Wo <= 262144"]
    agree(d, trees["backward_dK"], b.kernel, "dK", GRADIENT_SIZES)
    assert validgrad.valid_kernel_gradient(trees["forward_U"], shapes(d), 8, 8, "x") is None
    same, _, same_trees = layer_trees()  # a 'same' convolution's reads are clipped: codegen/gradblock.py's
    assert validgrad.valid_kernel_gradient(same_trees["backward_dK"], shapes(same), 8, 8, "x") is None
