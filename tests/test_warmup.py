"""Numba kernels compiled in a child process first: the training process only loads them [runtime.warmup]."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from symcnn.runtime.warmup import _described, _planned, _signature, compile_ahead

PARENT = textwrap.dedent("""
    import numpy as np
    from numba.core.dispatcher import Dispatcher
    from symcnn.runtime import update
    from symcnn.runtime.optim import SGD
    from symcnn.runtime.presets import build_network
    from symcnn.runtime.warmup import compile_ahead

    seen = []
    assert compile_ahead("dlt", dtype="float32", progress=lambda *a: seen.append(a))
    assert seen[0] == (0, 0, 0.0)  # planning
    counts = [a for a in seen if a[1]]
    assert counts[-1][0] == counts[-1][1] > 0 and counts[-1][2] == 1.0 and len({a[1] for a in counts}) == 1
    assert all(a[0] <= b[0] and a[2] <= b[2] for a, b in zip(counts, counts[1:]))
    net = build_network("dlt", backend="numba", dtype="float32")
    x = np.random.default_rng(0).random((3, 1, 28, 28)).astype("float32")
    net.loss(x, np.eye(10, dtype="float32")[[1, 2, 3]])
    net.backward()
    for momentum in (0.0, 0.9):  # the update's kernels, plain and with momentum
        SGD(net.parameters(), lr=0.1, momentum=momentum).step(net.gradients())
    hits = misses = 0
    for module in [*(getattr(layer, "module", object) for layer in [*net.layers, net.loss_layer]), update]:
        for kernel in vars(module).values():
            if isinstance(kernel, Dispatcher):
                hits += sum(kernel.stats.cache_hits.values())
                misses += sum(kernel.stats.cache_misses.values())
    print(hits, misses)
""")


SPEC = {"net": "dlt", "dtype": "float32", "convention": "xcorr", "generated": None, "trust": False}


@pytest.mark.slow  # compiles a whole network into a cold cache
def test_training_process_loads_every_kernel_from_the_cache(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # a cold cache: the child compiles everything
    done = subprocess.run([sys.executable, "-c", PARENT], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    hits, misses = map(int, done.stdout.split())
    assert hits > 0 and misses == 0
    # the cache is warm now: the planning child loads every kernel itself and plans no compiling
    plan = tmp_path / "plan.json"
    child = [sys.executable, "-m", "symcnn.runtime.warmup", json.dumps({**SPEC, "plan": str(plan)})]
    done = subprocess.run(child, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(plan.read_text()) == []


def test_a_failed_child_is_reported_not_raised():
    assert compile_ahead("no-such-net", dtype="float32") is None


def test_the_plan_lists_each_kernel_a_step_calls_once_with_its_types(tmp_path):
    plan = tmp_path / "plan.json"
    spec = {**SPEC, "plan": str(plan)}
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "symcnn.runtime.warmup", json.dumps(spec)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    calls = _planned(plan)  # JSON: data the parent reads without importing or running anything
    kernels = [(layer, name) for (layer, name, _), _ in calls]
    assert len(set(kernels)) == len(kernels)  # both convolutions share one module and one signature
    # conv1 (one input map) and conv2 (six: 150 products a point) both reach the packed windows: only
    # those compile, not the inner products or the loops
    conv = {name for layer, name in kernels if layer == "conv_xcorr_sigmoid"}
    assert {"forward_U_packed", "backward_dK_packed"} <= conv
    assert not {"forward_U_dot", "forward_U_loops", "forward_U", "backward_dK_loops", "backward_dK"} & conv
    assert {("pool_mean_plain", "forward_D"), ("fc_sigmoid", "backward_dW"), ("loss_squared", "forward_L"),
            } <= set(kernels)
    types = {(layer, name): t for (layer, name, t), _ in calls}[("conv_xcorr_sigmoid", "forward_U_packed")]
    assert [str(t) for t in _signature(types[:4])] == ["array(float32, 1d, C)", "array(float32, 2d, C)",
                                           "array(float32, 4d, C)", "array(float32, 4d, C)"]
    costs = [cost for _, cost in calls]
    assert costs == sorted(costs, reverse=True)  # the longest first, dealt out in turn to the children
    (probe,) = (tmp_path / "cache").rglob("*.nbc")  # recorded, not compiled, but for the probe of the cache:
    assert f"{calls[-1][0][1]}-" in probe.name  # the shortest kernel (a miss, so the plan stands)


def test_the_plan_holds_the_buffer_update_and_evaluation_kernels_of_stateful_layers(tmp_path):
    """Training calls a batch norm's buffer update every step and its evaluation equations on the test
    set: planned with the rest, they compile in the children, not in the training process."""
    plan = tmp_path / "plan.json"
    spec = {**SPEC, "net": "resnet", "plan": str(plan)}
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "symcnn.runtime.warmup", json.dumps(spec)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    kernels = {(layer, name) for (layer, name, _), _ in _planned(plan)}
    stateful = {("batchnorm_relu", "update_RM"), ("batchnorm_relu", "update_RV"),
                ("batchnorm_relu", "evaluate_Y"), ("resblock", "update_RM1"), ("resblock", "update_RV2"),
                ("resblock", "evaluate_EH1"), ("resblock", "evaluate_Y")}
    assert stateful <= kernels
    # a layer without buffers evaluates with its training kernels: nothing more is planned for it
    assert not any(name.startswith(("evaluate_", "update_")) for layer, name in kernels
                   if layer not in ("batchnorm_relu", "resblock"))


def test_a_failed_child_stops_the_children_waiting_for_its_plan(tmp_path):
    from symcnn.runtime.warmup import _children

    claims = tmp_path / "claims"
    claims.mkdir()
    waiting = {**SPEC, "plan": str(tmp_path / "never.json"), "claims": str(claims), "planner": False,
               "parent": os.getpid(), "ticks": str(tmp_path / "ticks")}
    failing = {**SPEC, "net": "no-such-net"}  # a training step of a net that does not exist
    assert _children([failing, waiting]) is False  # returns: the waiting child was stopped, not waited for


def test_each_kernel_is_claimed_by_one_child(tmp_path):
    from symcnn.runtime.warmup import _claim

    assert [_claim(str(tmp_path), "3"), _claim(str(tmp_path), "3"), _claim(str(tmp_path), "4")] == [
        True, False, True]


def test_work_done_meanwhile_that_fails_stops_the_children(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # a cold cache: the children would compile

    def failing() -> None:
        raise ValueError("no data")

    with pytest.raises(ValueError, match="no data"):
        compile_ahead("dlt", dtype="float32", meanwhile=failing)
    assert not list(tmp_path.rglob("*.nbc"))  # stopped before any kernel was compiled


def test_argument_types_go_through_the_plan_as_data_and_come_back_the_same():
    import numba
    import numpy as np

    args = [np.zeros((2, 3), "float32"), np.zeros(4)[::2], np.zeros((2, 2), order="F"), 3, 0.5,
            np.float32(1.0), np.int64(2), True]
    ro = np.zeros(3)
    ro.setflags(write=False)
    for a in [*args, ro]:
        t = numba.typeof(a)
        assert _signature([json.loads(json.dumps(_described(t)))]) == (t,)
    assert _described(numba.typeof((1, 2))) is None  # a tuple is left out of the plan, not guessed


def test_reading_the_plan_imports_nothing(tmp_path):
    """The parent reads the plan from a thread while its main thread may be importing Numba: a read
    that imported Numba too raced that import (a partially initialised module)."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([[["fc_sigmoid", "forward_U", [["array", "<f4", 2, "C", False]]], 120]]))
    code = ("import sys; from symcnn.runtime.warmup import _planned; "
            f"print(_planned(__import__('pathlib').Path({str(plan)!r}))); print('numba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [
        "[(('fc_sigmoid', 'forward_U', (['array', '<f4', 2, 'C', False],)), 120)]", "False"]
