"""The register-blocked outer product (symcnn/codegen/block.py): each pass, then the schedule they make.

Every pass is run on the plain loop nest of a 'same' convolution's forward
equation or input gradient and the kernel it gives is executed as plain
Python (``prange`` as ``range``: an index past an array's end raises) on
random arrays against the unpassed nest. Nothing here compiles: the
Numba-compiled block is compared with the plain schedule in
tests/test_plain_schedule.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from symcnn.codegen import block, loops
from symcnn.codegen.emit import source
from symcnn.codegen.lower import lower
from symcnn.codegen.plain import kernel_trees
from symcnn.codegen.target import TARGETS, carried
from symcnn.codegen.variants import blocked_variants, shapes
from symcnn.derive.cache import cached_derive, spec_hash
from symcnn.model import builtins
from symcnn.support.vector import slp

#: Sizes whose blocks do not divide anything: 10 maps (a block of 8 or 4 and a rest), rows of 5 + 2.
SIZES = [dict(N=2, C=3, M=10, H=4, W=5, RH=1, RW=1), dict(N=1, C=9, M=4, H=3, W=2, RH=2, RW=1)]


def layer_trees(convention: str = "xcorr", activation: str = "relu", same: bool = True):
    layer = (builtins.conv2d_same(activation, convention) if same
             else builtins.conv2d(activation, convention))
    d = cached_derive(layer)
    module = lower(d, spec_hash(d.written))
    return d, module, {t.name: t for t in kernel_trees(d, module) if isinstance(t, loops.Kernel)}


@pytest.fixture(scope="module")
def conv():
    return layer_trees()


def run(kernel: loops.Kernel, arrays: dict[str, np.ndarray], sizes: dict[str, int], out: str,
        called: tuple[loops.Kernel, ...] = ()) -> np.ndarray:
    """``kernel`` executed as Python source (beside the kernels it ``called``); the array ``out`` it
    writes (NaN where it writes nothing)."""
    space = {"np": np, "math": math, "prange": range}
    for k in (*called, kernel):
        exec(source(k), space)  # noqa: S102 - the kernel's own printed source, run as a test
    given = {**{k: v.copy() for k, v in arrays.items()}, out: np.full_like(arrays[out], np.nan)}
    space[kernel.name](**{p: given[p] if p in given else sizes[p] for p in kernel.params})
    return given[out]


def arrays_for(d, kernel: loops.Kernel, sizes: dict[str, int], seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = {name: tuple(int(eval(source(e), {}, dict(sizes))) for e in dims)  # noqa: S307 - a size formula
             for name, dims in shapes(d).items()}
    return {p: rng.standard_normal(shape[p]) for p in kernel.params if p in shape}


def agree(d, plain: loops.Kernel, passed: loops.Kernel, out: str, every=SIZES,
          called: tuple[loops.Kernel, ...] = ()) -> None:
    for sizes in every:
        arrays = arrays_for(d, plain, sizes)
        want, got = run(plain, arrays, sizes, out), run(passed, arrays, sizes, out, called)
        assert not np.isnan(want).any()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"{passed.name} at {sizes}")


def test_pad_reads_a_bordered_copy_through_whole_ranges(conv):
    d, _, trees = conv
    padded = block.pad("X", shapes(d)["X"], "U", 8)(trees["forward_U"])
    text = source(padded)
    assert "max(" not in text and "min(" not in text  # no loop is clipped any more
    assert f"{block.BUFFER}[i, {block.WIDTH}*(a + y) + b + x]" in text
    assert "_wp = RW + W" in text  # one band of RW zeros ends a row and starts the next
    agree(d, trees["forward_U"], padded, "U")


def test_pad_finds_the_border_of_a_flipped_read(conv):
    d, _, trees = conv  # dX reads dU[n, j, RH - a + p, RW - b + q]: the border is RH, RW again
    padded = block.pad("dU", shapes(d)["dU"], "dX", 8)(trees["backward_dX"])
    assert f"{block.BUFFER}[j, _wp*(2*RH - a + p) + 2*RW - b + q]" in source(padded)
    agree(d, trees["backward_dX"], padded, "dX")


def test_flatten_fuses_the_positions_and_guards_the_stores(conv):
    d, _, trees = conv
    padded = block.pad("X", shapes(d)["X"], "U", 8)(trees["forward_U"])
    flat = block.flatten()(padded)
    text = source(flat)
    assert "for _f in range(H*_wp):" in text and "if x < W:" in text
    assert f"{block.BUFFER}[i, _wp*a + b + _f]" in text
    agree(d, trees["forward_U"], flat, "U")


@pytest.mark.parametrize("kernel, source_array, out", [("forward_U", "X", "U"), ("backward_dX", "dU", "dX")])
def test_stage_stores_the_points_side_by_side_and_copies_the_rows_after(conv, kernel, source_array, out):
    d, _, trees = conv
    flat = block.flatten()(block.pad(source_array, shapes(d)[source_array], out, 3)(trees[kernel]))
    staged = block.stage(out, out, 3)(flat)
    text = source(staged)
    guard = "if x < W:" if out == "U" else "if q < W:"
    assert guard in source(flat) and guard not in text and "//" not in text
    assert f"{block.STAGE}[{'j' if out == 'U' else 'i'}, _f] = _acc" in text
    assert f"{out}[n, _s0, _s1, _s2] = {block.STAGE}[_s0, _wp*_s1 + _s2]" in text
    agree(d, trees[kernel], staged, out)
    blocked = block.register_block("j" if out == "U" else "i", 4, "_f", 3, out, (block.STAGE,))(staged)
    assert "if _f + 2 < H*_wp" not in source(blocked)  # the buffer holds the block's slack
    agree(d, trees[kernel], blocked, out)
    with pytest.raises(ValueError, match="is not stored once"):
        block.stage(out, out, 3)(trees[kernel])  # not flattened: no loop over _wp·y + x


def test_register_block_jams_named_scalars_and_keeps_a_rest(conv):
    d, _, trees = conv
    flat = block.flatten()(block.pad("X", shapes(d)["X"], "U", 3)(trees["forward_U"]))
    blocked = block.register_block("j", 4, "_f", 3, "U")(flat)
    text = source(blocked)
    assert "for j in range(0, _j_split, 4):" in text and "for j in range(_j_split, M):" in text
    assert "_acc_3_2 = U.dtype.type(0)" in text and "_acc_3_2 += _r3*_r6" in text
    assert text.count(f"= {block.BUFFER}[") == 3  # each position read once a step into a scalar
    agree(d, trees["forward_U"], blocked, "U")


def test_pack_reads_the_weights_of_a_block_side_by_side(conv):
    d, _, trees = conv
    flat = block.flatten()(block.pad("X", shapes(d)["X"], "U", 3)(trees["forward_U"]))
    blocked = block.register_block("j", 4, "_f", 3, "U")(flat)
    packed = block.pack("K", shapes(d)["K"], "j", 4, "U")(blocked)
    text = source(packed)
    assert "_kp[j // 4, i, a, b, 3]" in text and "K[i, j, a, b]" in text  # the rest reads K itself
    agree(d, trees["forward_U"], packed, "U")


@pytest.mark.parametrize("kernel, out", [("forward_U", "U"), ("backward_dX", "dX")])
@pytest.mark.parametrize("convention", ["xcorr", "matlab"])
def test_the_outer_product_schedule_equals_the_plain_nest(kernel, out, convention):
    d, _, trees = layer_trees(convention)
    b = block.outer_product(trees[kernel], shapes(d), 4, 3, f"{kernel}_block")
    assert b is not None
    text = source(b.kernel)
    assert "prange(N)" in text and "np.uint64(" in text
    agree(d, trees[kernel], b.kernel, out)


def test_only_a_clipped_short_contraction_is_blocked(conv):
    d, module, trees = conv  # the kernel gradient's block is codegen/gradblock.py's (tests/test_gradblock.py)
    assert set(blocked_variants(d, module, TARGETS["avx2"])) == {"forward_U", "backward_dX", "backward_dK"}
    wide, b = blocked_variants(d, module, TARGETS["avx2"])["forward_U"]
    assert [source(c) for c in b.conds] == ["M >= 8", "C*(2*RH + 1)*(2*RW + 1) <= 512"]
    assert [source(c) for c in wide.conds] == ["_VECTOR_BITS >= 512", *(source(c) for c in b.conds)]
    assert (b.kernel.name, wide.kernel.name) == ("forward_U_block", "forward_U_block512")
    assert block.outer_product(trees["backward_dK"], shapes(d), 8, 8, "x") is None  # sums over images
    valid, vmodule, vtrees = layer_trees(same=False)
    assert block.outer_product(vtrees["forward_U"], shapes(valid), 8, 8, "x") is None  # nothing clipped
    assert set(blocked_variants(valid, vmodule, TARGETS["avx2"])) == {"forward_U", "backward_dK"}  # valid*.py


def test_a_pass_refuses_a_tree_not_of_its_shape(conv):
    d, _, trees = conv
    valid = layer_trees(same=False)[2]["forward_U"]
    with pytest.raises(ValueError, match="no loop is clipped"):
        block.pad("X", shapes(d)["X"], "U", 8)(valid)
    with pytest.raises(ValueError, match="no two loops"):
        block.flatten()(trees["forward_U"])
    with pytest.raises(ValueError, match="no loop over"):
        block.register_block("j", 8, "x", 8, "U")(trees["forward_U"])


def test_the_block_is_sized_by_the_target():
    assert TARGETS["avx2"].outer == TARGETS["sse2"].outer == (8, 8)
    assert TARGETS["avx512"].outer == (8, 16)
    for t in TARGETS.values():
        maps, positions = t.outer
        assert positions * 32 >= t.vector_bits  # a map's positions fill at least one float32 vector


def test_a_folder_carries_the_block_of_each_wider_isa_widest_first():
    assert [t.isa for t in carried(TARGETS["avx2"])] == ["avx512", "avx2"]
    assert [t.isa for t in carried(TARGETS["sse2"])] == ["avx512", "sse2"]  # avx, avx2: sse2's block
    assert [t.isa for t in carried(TARGETS["avx512"])] == ["avx512"]
    assert [t.isa for t in carried(TARGETS["avx2"], "gradient")] == ["avx2"]  # the same on every ISA


def test_the_vector_width_read_at_import_is_the_widest_isa_numba_compiles_for(monkeypatch):
    from numba.core import config

    from symcnn.support import vector

    for features, bits in (("+avx2,+avx512f,+fma", 512), ("+avx2,-avx512f,+fma", 256), ("+sse2", 128)):
        monkeypatch.setattr(config, "CPU_FEATURES", features)
        vector.vector_bits.cache_clear()
        assert vector.vector_bits() == bits
    vector.vector_bits.cache_clear()  # the next caller reads this machine again


def test_slp_is_on_while_a_kernel_compiles_and_only_then():
    from numba.core import config

    seen = []

    class Kernel:
        def compile(self, sig):
            seen.append((sig, config.SLP_VECTORIZE))
            return "compiled"

    before = config.SLP_VECTORIZE
    k = slp(Kernel())
    assert k.compile("f4(f4)") == "compiled"
    assert seen == [("f4(f4)", 1)] and config.SLP_VECTORIZE == before


def test_every_built_in_blocked_variant_equals_its_plain_nest():
    """Each register-blocked kernel that symcnn derive ships (8 × 8 for AVX2, 8 × 16 for AVX-512), run as
    Python at sizes that reach it, against its plain nest: the 'same' convolutions and the residual
    block's."""
    from symcnn.model import builtin_layers

    sizes = dict(N=2, C=10, M=10, H=3, W=5, RH=1, RW=1, _threads=2,  # a pool of two threads
                 Ho=3, Wo=5, KH=5, KW=6)  # a valid convolution, 300 products a point (codegen/validblock.py)
    checked = []
    for layer in builtin_layers().values():
        d = cached_derive(layer)
        module = lower(d, spec_hash(d.written))
        trees = {t.name: t for t in kernel_trees(d, module) if isinstance(t, loops.Kernel)}
        for name, variants in blocked_variants(d, module, TARGETS["avx2"]).items():
            plain = trees[name]
            out = next(n.target.array for n in loops.walk(plain)
                       if isinstance(n, loops.Assign) and isinstance(n.target, loops.Load))
            for b in variants:
                reached = dict(sizes, _VECTOR_BITS=512)
                assert all(eval(source(c), {}, reached) for c in b.conds)  # noqa: S307 - it runs here
                assert b.body is not None and b.body.name == f"{b.kernel.name}_one"  # the block, outlined
                agree(d, plain, b.kernel, out, [sizes], (b.body,))
                checked.append(f"{layer.name}.{b.kernel.name}")
    assert len(checked) >= 20 and {"resblock.forward_U1_block", "resblock.forward_U1_block512",
                                    "resblock.backward_dK2_block", "conv_xcorr_relu_same.backward_dK_block",
                                    "conv_xcorr_relu_same.backward_dX_block512",
                                    "conv_xcorr_relu.forward_U_block512", "conv_xcorr_relu.backward_dK_block",
                                    "combo_sigmoid_pairs.forward_U_block512"} <= set(checked)
