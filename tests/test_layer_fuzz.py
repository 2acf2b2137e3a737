"""The layer-space fuzzer: random layers derived, generated, and checked against finite differences.

Each layer drawn by :mod:`fuzz_layers` is derived in-process, its NumPy module
rendered and executed in memory, and its backward compared with central
differences of its own forward (float64, relative, no absolute tolerance) and
with its plain twin (``--schedule plain``: the derived sums as plain loops).
The Numba backend compiles slowly (seconds a layer): it is checked, against
differences and against the plain twin, on every ``NUMBA_EVERY``-th layer.

The default run draws :data:`QUICK` layers (NumPy and plain only);
the ``slow`` run draws ``SYMCNN_FUZZ_LAYERS`` (default 240: at least 200 distinct), Numba on every
``SYMCNN_FUZZ_NUMBA_EVERY``-th (default 20). Every ``SYMCNN_FUZZ_ORACLE_EVERY``-th distinct layer
(default 4 in the default run, 12 in the slow one) is also proven against the oracle
(:func:`symcnn.verify.oracle.check`): every gradient must be proven within the proof's budget.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
import pytest
import sympy as sp
from fuzz_layers import layers
from hypothesis import HealthCheck, Phase, given, settings

from symcnn.codegen.checks import gradient_errors, random_arrays, relative_difference, run_backward, seeds
from symcnn.derive import derive
from symcnn.model import Equation, Layer, Sum, array, indices, sizes
from symcnn.verify.generated import load_source, module_sources
from symcnn.verify.oracle import check

EXAMPLES = int(os.environ.get("SYMCNN_FUZZ_LAYERS", "240"))
NUMBA_EVERY = int(os.environ.get("SYMCNN_FUZZ_NUMBA_EVERY", "20"))
ORACLE_EVERY = int(os.environ.get("SYMCNN_FUZZ_ORACLE_EVERY", "12"))
QUICK, QUICK_NUMBA_EVERY, QUICK_ORACLE_EVERY = 16, 10**9, 4  # the default run: NumPy and plain; Numba slow
#: Shrinking a failure can take minutes: ``SYMCNN_FUZZ_SHRINK=1`` asks for it.
PHASES = tuple(Phase) if os.environ.get("SYMCNN_FUZZ_SHRINK") else (Phase.explicit, Phase.generate)
TOL, AGREE = 1e-6, 1e-10
STATS: dict = {"keys": set(), "worst": 0.0, "numba": 0, "seconds": 0.0, "runs": 0, "proven": {}}


def concrete(mod, rng) -> dict:
    """Small sizes under which every array of the module is non-empty."""
    for _ in range(200):
        z = {s: int(rng.integers(1, 3)) if s in mod.HYPER else int(rng.integers(2, 5)) for s in mod.SIZES}
        if all(v >= 1 for shape in mod.shapes(z).values() for v in shape):
            return z
    raise AssertionError("no sizes give non-empty arrays")


def check_module(mod, z: dict, seed: int = 0) -> float:
    """Worst relative gradient error of ``mod`` at sizes ``z``; a kink-only array checks nothing."""
    hyper = {h: z[h] for h in mod.HYPER}
    # entries of a half: exp of a sum of many triple products stays where differences can resolve it
    arrays = {k: v / 2 for k, v in random_arrays(mod, z, np.random.default_rng(seed)).items()}
    errors = gradient_errors(mod, arrays, hyper, np.random.default_rng(seed + 1))
    finite = [e for e in errors.values() if np.isfinite(e)]
    return max(finite, default=0.0)


def agree(ref, mod, z: dict, backend: str) -> None:
    """``mod``'s forward arrays and gradients equal the plain twin ``ref``'s to :data:`AGREE`."""
    hyper = {h: z[h] for h in ref.HYPER}
    arrays = random_arrays(ref, z, np.random.default_rng(3))
    w = seeds(ref, z, np.random.default_rng(4))
    fa, fb = ref.forward(arrays, hyper), mod.forward(arrays, hyper)
    ga, gb = run_backward(ref, arrays, hyper, w), run_backward(mod, arrays, hyper, w)
    assert set(fa) == set(fb) and tuple(ga) == tuple(gb)
    for name, value in {**fa, **ga}.items():
        other = fb[name] if name in fb else gb[name]
        assert relative_difference(other, value, 1e-300) <= AGREE, f"{backend} and plain differ in {name}"


def check_layer(layer, numba: bool = False) -> float:
    d = derive(layer)
    # the texts symcnn derive writes, from one lowering for every schedule
    texts = module_sources(d, ("numpy", "plain", "numba") if numba else ("numpy", "plain"))
    mod = load_source(texts["numpy"], "fuzz_numpy")
    ref = load_source(texts["plain"], "fuzz_plain")
    z = concrete(mod, np.random.default_rng(len(STATS["keys"])))
    worst = check_module(mod, z)
    assert worst < TOL, f"numpy: relative error {worst:.2e} at {z}"
    agree(ref, mod, z, "numpy")
    if numba:
        fast = load_source(texts["numba"], "fuzz_numba", tempfile.mkdtemp(prefix="symcnn-fuzz-"))
        err = check_module(fast, z)
        assert err < TOL, f"numba: relative error {err:.2e} at {z}"
        agree(ref, fast, z, "numba")
        worst = max(worst, err)
    return worst


def prove(layer) -> None:
    """The oracle's verdict on every gradient of ``layer``: each proven, by a method it names, in time."""
    verdicts = check(derive(layer), use_cache=False)
    assert verdicts and all(v.holds for v in verdicts), [f"{v.gradient}: {v.text()}" for v in verdicts]
    for v in verdicts:
        STATS["proven"][v.method] = STATS["proven"].get(v.method, 0) + 1


def fuzz(layer, every: int, oracle_every: int) -> None:
    """Check one drawn layer (Numba too on every ``every``-th distinct one, the oracle's proof on every
    ``oracle_every``-th) and keep the statistics."""
    key = layer.key()
    fresh = key not in STATS["keys"]
    STATS["keys"].add(key)
    numba = fresh and len(STATS["keys"]) % every == 1
    t0 = time.perf_counter()
    if fresh and len(STATS["keys"]) % oracle_every == 1 % oracle_every:
        prove(layer)
    worst = check_layer(layer, numba)
    STATS["seconds"] += time.perf_counter() - t0
    STATS["runs"] += 1
    STATS["numba"] += numba
    if worst >= STATS["worst"]:
        STATS["worst"], STATS["worst_layer"] = worst, layer


SETTINGS = dict(deadline=None, derandomize=True, database=None, phases=PHASES,
                suppress_health_check=list(HealthCheck))


@settings(max_examples=QUICK, **SETTINGS)
@given(layers())
def test_random_layers_derive_and_run_correctly(layer):
    fuzz(layer, QUICK_NUMBA_EVERY, QUICK_ORACLE_EVERY)


def test_fuzzer_covered_enough_layers(record_property):
    record_property("layer fuzz", report())
    assert len(STATS["keys"]) >= QUICK * 0.9
    assert sum(STATS["proven"].values()) >= 4  # gradients of the sampled layers, proven by the oracle


@pytest.mark.slow  # about 1.2 s a layer on average (later draws are larger), seconds more a Numba compile
@settings(max_examples=EXAMPLES, **SETTINGS)
@given(layers())
def test_many_random_layers_derive_and_run_correctly(layer):
    fuzz(layer, NUMBA_EVERY, ORACLE_EVERY)


@pytest.mark.slow
def test_fuzzer_covered_many_layers(record_property):
    record_property("layer fuzz", report())
    assert len(STATS["keys"]) >= min(200, EXAMPLES * 0.9) and STATS["numba"] >= EXAMPLES * 0.9 // NUMBA_EVERY


def report() -> str:
    """What the fuzzer covered; the run's summary prints it (conftest.py), from any worker."""
    text = (f"{len(STATS['keys'])} distinct layers ({STATS['runs']} runs, numba on {STATS['numba']}), "
            f"worst relative error {STATS['worst']:.1e}, {STATS['seconds']:.0f} s")
    if STATS["proven"]:
        text += "; gradients proven against the oracle: " + ", ".join(
            f"{n} {method}" for method, n in sorted(STATS["proven"].items()))
    if "worst_layer" in STATS:
        text += "\nworst: " + "; ".join(f"{e.lhs} = {e.rhs}" for e in STATS["worst_layer"].equations)
    return text


# -- failures the fuzzer found, each kept as a named regression ---------------------------------------

F, G, K, L, R = sizes("F G K L R")
f, g, k, l, e = indices("f g k l e")  # noqa: E741


def test_regression_free_index_read_on_two_axes_of_a_clipped_window():
    """``U[f] = Σ_k Σ_e W[k] X[f + k, e + f, f]``: the NumPy lowering re-read the axis ``e + f`` at a
    fresh index (the 'full' correlation's scatter) though ``f`` indexes X on other axes too; the
    forward came out wrong by 100 %."""
    X, W, U = array("X", (F + K - 1, F, F)), array("W", (K,)), array("U", (F,))
    window = (e, sp.Max(-R, -f), sp.Min(R, F - f - 1))
    layer = Layer(name="fuzz", sizes=(F, K, R), hyper=(R,), inputs=(X,), params=(W,), outputs=(U,),
                  equations=(Equation(U[f], Sum(W[k] * X[f + k, e + f, f], (k, 0, K - 1), window)),))
    assert check_layer(layer, numba=False) < TOL


def test_regression_rank_one_gradient_of_a_four_loop_term():
    """``U[f, g] = c[g] + Σ_k Σ_l W[k, l] X[f]``: dX[f] sums over g, k, l — four loops for a target of
    rank 1, which the Numba flat-accumulation (pack) planner indexed as if it had two axes."""
    X, W, c = array("X", (F,)), array("W", (K, L)), array("c", (G,))
    U, Y = array("U", (F, G)), array("Y", (F, G))
    layer = Layer(name="fuzz", sizes=(F, G, K, L), inputs=(X,), params=(W, c), outputs=(Y,),
                  equations=(Equation(U[f, g], c[g] + Sum(W[k, l] * X[f], (k, 0, K - 1), (l, 0, L - 1))),
                             Equation(Y[f, g], sp.exp(U[f, g]))))
    assert check_layer(layer, numba=True) < TOL
