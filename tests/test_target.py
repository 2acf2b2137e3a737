"""Register blocks sized from the target's description, not from one CPU [B1], [B7], [B8], [B12]."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_generated import assert_agree, assert_gradients, case

from symcnn.codegen import loops as L
from symcnn.codegen import target
from symcnn.codegen.emit import source
from symcnn.codegen.lower import lower
from symcnn.codegen.target import BASELINE, TARGETS, Target
from symcnn.derive.cache import cached_derive, spec_hash
from symcnn.model import builtin_layers
from symcnn.pipeline import run_derive
from symcnn.runtime.loader import load_layer_module

LAYERS = builtin_layers()
AVX2, AVX512 = TARGETS["avx2"], TARGETS["avx512"]
#: Sizes that leave edges on both block sizes (11 maps: 2·4 + 3 and 2·5 + 1; 7 units; 5 taps: 4 + 1 and 5).
SIZES = dict(N=11, C=2, M=11, Ho=6, Wo=7, KH=3, KW=5, I=12, O=7)


def test_descriptions_give_lanes_and_registers():
    assert (AVX2.lanes(4), AVX2.lanes(8), AVX2.registers) == (8, 4, 16)
    assert (AVX512.lanes(4), AVX512.lanes(8), AVX512.registers) == (16, 8, 32)
    assert TARGETS["sse2"].lanes(4) == 4
    # w² vectors fit the register file and (w + 1)² do not
    for t in TARGETS.values():
        assert t.block ** 2 <= t.registers < (t.block + 1) ** 2
    assert BASELINE is AVX2


@pytest.mark.parametrize("features,isa", [
    ({"avx512f", "avx2", "avx", "sse2"}, "avx512"),
    ({"avx2", "avx", "sse2"}, "avx2"),
    ({"sse2"}, "sse2"),
    (set(), "scalar"),
])
def test_host_takes_the_widest_isa_llvm_reports(monkeypatch, features, isa):
    monkeypatch.setattr(target, "cpu_features", lambda: ("somecpu", features))
    found = target.host()
    assert found.isa == isa and found.cpu == "somecpu"


def test_host_follows_numba_cpu_features(monkeypatch):
    from numba.core import config

    monkeypatch.setattr(config, "CPU_NAME", "skylake-avx512")
    monkeypatch.setattr(config, "CPU_FEATURES", "+avx512f,+avx2,-sse4a")
    assert target.host() == Target("avx512", 512, 32, "skylake-avx512")
    assert target.named("host").isa == "avx512" and target.named("baseline") is BASELINE
    with pytest.raises(ValueError, match="unknown target"):
        target.named("neon")


def _kernel(layer: str, name: str, t: Target):
    module = lower(cached_derive(LAYERS[layer]), spec_hash(LAYERS[layer]), t)
    return next(k for k in module.backward + module.forward if k.name == name)


def test_avx512_blocks_are_wider_than_avx2_blocks():
    for t in (AVX2, AVX512):
        assert _kernel("fc_relu", "forward_U", t).tile.width == t.block
        forward = _kernel("conv_xcorr_relu", "forward_U", t).window.term.jam
        assert forward.width == t.block and source(forward.head[0][1]) == f"(KW // {t.block})*{t.block}"
        dk = _kernel("conv_xcorr_relu", "backward_dK", t).window.term.jam  # JB maps × FB taps, as the dot
        assert (dk.width, dk.loops[1].step.value) == t.dot
        dx = _kernel("conv_xcorr_relu", "backward_dX", t).terms[0].jam  # JB maps × FB taps, as the dot
        assert (dx.width, dx.loops[1].step.value) == t.dot
    assert (AVX2.block, AVX512.block) == (4, 5)
    # a 5×5 block: 25 sums in flight in the fully connected forward kernel, 16 on AVX2
    for t, sums in ((AVX512, 25), (AVX2, 16)):
        (run,) = [s for s in _kernel("fc_relu", "forward_U", t).tile.whole if isinstance(s, L.Loop)]
        assert sum(isinstance(s, L.Accumulate) for s in run.body) == sums


# Slow: a Numba compile per target (the default run checks the two targets' block sizes, above)
@pytest.fixture(scope="module", params=[pytest.param("avx2", marks=pytest.mark.slow),
                                        pytest.param("avx512", marks=pytest.mark.slow)])
def folder(request, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp(f"generated_{request.param}")
    layers = [LAYERS["conv_xcorr_relu"], LAYERS["fc_relu"]]
    run_derive(layers, out, target=TARGETS[request.param], report=False)
    return out


@pytest.mark.parametrize("layer", [pytest.param("conv_xcorr_relu", marks=pytest.mark.slow), "fc_relu"])
def test_both_targets_kernels_agree_with_numpy_and_finite_differences(folder, layer):
    ref = load_layer_module(layer, "numpy", folder)
    fast = load_layer_module(layer, "numba", folder)
    arrays, hyper = case(ref, SIZES, seed=7)
    assert_agree(ref, fast, arrays, hyper)
    assert_gradients(fast, arrays, hyper)
