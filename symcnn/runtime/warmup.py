"""Numba kernels compiled in child processes, so the training process loads them from the disk cache.

Numba runs a ``parallel=True`` kernel compiled in the current process slower
than the same kernel loaded from its on-disk cache (numba/numba#10617): on
this project's LeNet-5 a training step took 30-36 ms in the process that
compiled the kernels and 20-21 ms in every later one, for the whole run. A
first ``symcnn train`` therefore compiles the network's kernels in child
processes and then trains on kernels read from the cache:

1. a *planning* child runs one training step on a two-image batch with every
   generated kernel replaced by a recorder, which notes the Numba types of
   its arguments (the kernels are compiled per dtype and layout, not size)
   and computes nothing; a built-in kernel with several schedules picks one
   by map counts and sizes, not the batch, so the plan holds the schedules
   training reaches (one the plan missed compiles in-process: slower, never
   wrong);
2. :data:`JOBS` *compiling* children share the kernels it found, the
   longest sources first, and compile each for its types into the cache —
   one a core, so the compile takes about half the time of one process; the
   first also compiles the SGD update's kernels (:mod:`.update`).

When the cache is already warm, the planning child finds its shortest kernel
there and loads the rest itself: one child, about a second.
If planning fails, one child runs a real training step instead, which
compiles every kernel it calls; if that fails too, the kernels compile
in-process as before: slower, never wrong.

``python -m symcnn.runtime.warmup '<json>'`` is a child.
"""

from __future__ import annotations

import inspect
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: Images in the planning child's training step: kernels are compiled per dtype and layout, not per size.
BATCH = 2
#: Compiling children run at once: one a core, at most two (this project's machines have two).
JOBS = max(1, min(2, os.cpu_count() or 1))


def compile_ahead(
    net: str,
    *,
    dtype: str,
    convention: str = "xcorr",
    generated: str | Path | None = None,
    trust: bool = False,
    net_spec: dict | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> float | None:
    """Compile (or load) every Numba kernel of preset ``net``'s training step in child processes.

    ``net_spec`` (a network file's :meth:`~symcnn.runtime.netfile.NetworkFile.meta`) replaces the preset.
    ``progress(done, total, share)`` is called while the compiling children work (a few
    times a second): ``done`` of ``total`` kernels compiled, ``share`` the fraction of the
    work done (kernels weighted by their source length); ``(0, 0, 0.0)`` while planning.
    Returns the children's wall time in seconds, or ``None`` if they failed.
    """
    spec = {"net": net, "dtype": dtype, "convention": convention,
            "generated": None if generated is None else str(generated), "trust": trust, "net_spec": net_spec}
    report = progress or (lambda done, total, share: None)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="symcnn-warmup-") as tmp:
        plan = Path(tmp) / "plan.pickle"
        report(0, 0, 0.0)
        if _children([{**spec, "plan": str(plan)}]):
            calls = pickle.loads(plan.read_bytes())
            ticks = [str(Path(tmp) / f"ticks-{k}") for k in range(JOBS)]
            work = sum(cost for _, cost in calls) or 1

            def poll() -> None:
                done, cost = _ticked(ticks)
                report(done, len(calls), cost / work)

            if not calls or _children(
                [{**spec, "compile": str(plan), "part": k, "parts": JOBS, "ticks": ticks[k]}
                 for k in range(JOBS)], poll
            ):
                return time.perf_counter() - start
    return time.perf_counter() - start if _children([spec]) else None


def _ticked(files: list[str]) -> tuple[int, int]:
    """Kernels the compiling children have finished, and their summed cost: a line each
    (the kernel's cost) in the children's tick files."""
    costs = []
    for name in files:
        try:
            with open(name) as f:
                costs += [int(line) for line in f if line.endswith("\n")]
        except FileNotFoundError:
            pass
    return len(costs), sum(costs)


def _children(specs: list[dict], poll: Callable[[], None] | None = None) -> bool:
    """Run one child per spec, all at once, calling ``poll`` a few times a second; did every one succeed?"""
    runs = [subprocess.Popen([sys.executable, "-m", __name__, json.dumps(s)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for s in specs]
    try:
        while poll is not None and any(run.poll() is None for run in runs):
            poll()
            time.sleep(0.25)
        ok = all([run.wait() == 0 for run in runs])
    finally:  # interrupted (Ctrl-C): the children go with the parent
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
    if poll is not None:
        poll()  # the final count
    return ok


def _network(spec: dict):
    from symcnn.runtime.presets import build_network

    if spec.get("net_spec"):
        from symcnn.runtime.netspec import network_from_net_meta

        return network_from_net_meta({"net_spec": spec["net_spec"], "dtype": spec["dtype"]}, backend="numba",
                                     generated=spec["generated"], trust=spec["trust"])
    return build_network(spec["net"], backend="numba", dtype=spec["dtype"], convention=spec["convention"],
                         generated=spec["generated"], trust=spec["trust"])


def _forward_backward(net, spec: dict) -> None:
    """The network's forward and backward pass on a synthetic batch of :data:`BATCH` images."""
    from symcnn.runtime.arch import synthetic_batch

    x, t = synthetic_batch(BATCH, spec["dtype"])
    net.loss(x, t)
    net.backward()


def _plan(spec: dict) -> None:
    """Record every kernel a training step calls, with its argument types, into ``spec["plan"]``
    (an empty plan when the kernels were in the cache: this child then loaded them all)."""
    import numba
    from numba.core.dispatcher import Dispatcher

    net = _network(spec)
    calls: dict[tuple[str, str, tuple], int] = {}
    kept = []
    layers = [*net.layers, net.loss_layer, *(p.layer for p in net.penalties)]
    for module in {id(m): m for m in (getattr(layer, "module", None) for layer in layers) if m}.values():
        for name, kernel in list(vars(module).items()):
            if isinstance(kernel, Dispatcher):
                cost = len(inspect.getsource(kernel.py_func))

                def record(*args, _layer=module.LAYER, _name=name, _cost=cost):
                    calls[(_layer, _name, tuple(numba.typeof(a) for a in args))] = _cost

                setattr(module, name, record)
                kept.append((module, name, kernel))
    _forward_backward(net, spec)
    for module, name, kernel in kept:
        setattr(module, name, kernel)
    plan = sorted(calls.items(), key=lambda kv: -kv[1])
    if plan and _cached(plan[-1][0], spec):  # the shortest kernel came from the cache: the rest will too
        for (layer, name, types), _ in plan[:-1]:
            _kernel(layer, name, spec).compile(types)
        _update_kernels(spec["dtype"])
        plan = []
    with open(spec["plan"], "wb") as f:
        pickle.dump(plan, f)


def _kernel(layer: str, name: str, spec: dict):
    from symcnn.runtime.loader import load_layer_module

    return getattr(load_layer_module(layer, "numba", spec["generated"], trust=spec["trust"]), name)


def _cached(call: tuple[str, str, tuple], spec: dict) -> bool:
    """Load or compile one kernel; did it come from the disk cache?"""
    layer, name, types = call
    kernel = _kernel(layer, name, spec)
    kernel.compile(types)
    return sum(kernel.stats.cache_hits.values()) > 0


def _compile(spec: dict) -> None:
    """Compile this child's share of the planned kernels (every ``parts``-th, longest first)."""
    with open(spec["compile"], "rb") as f:
        calls = pickle.load(f)
    for (layer, name, types), cost in calls[spec["part"] :: spec["parts"]]:
        _kernel(layer, name, spec).compile(types)
        if spec.get("ticks"):
            with open(spec["ticks"], "a") as f:
                f.write(f"{cost}\n")
    if spec["part"] == 0:
        _update_kernels(spec["dtype"])


def _update_kernels(dtype: str) -> None:
    """Compile (or load) the update's kernels for parameters of ``dtype``, as SGD calls them."""
    import numpy as np
    from numba import from_dtype, types

    from symcnn.runtime.update import momentum_step, sgd_step

    scalar = from_dtype(np.dtype(dtype))
    flat = types.Array(scalar, 1, "C")
    sgd_step.compile((flat, flat, flat))
    momentum_step.compile((flat, flat, flat, flat, scalar))


def _step(spec: dict) -> None:
    """One real training step of the preset on a synthetic batch: compiles every kernel it calls."""
    from symcnn.runtime.optim import SGD

    net = _network(spec)
    _forward_backward(net, spec)
    SGD(net.parameters(), lr=0.01, momentum=0.9).step(net.gradients())


def _main(spec: dict) -> None:
    if "plan" in spec:
        _plan(spec)
    elif "compile" in spec:
        _compile(spec)
    else:
        _step(spec)


if __name__ == "__main__":
    _main(json.loads(sys.argv[1]))
