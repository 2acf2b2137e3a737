"""Numba kernels compiled in child processes, so the training process loads them from the disk cache.

Numba runs a ``parallel=True`` kernel compiled in the current process slower
than the same kernel loaded from its on-disk cache (numba/numba#10617): on
this project's LeNet-5 a training step took 30-36 ms in the process that
compiled the kernels and 20-21 ms in every later one, for the whole run. A
first ``symcnn train`` therefore compiles the network's kernels in child
processes and then trains on kernels read from the cache:

1. a *planning* child runs one training step on a two-image batch (forward,
   backward, the update of stateful layers' buffers, and an evaluation-mode
   forward pass, as the test set's) with every generated kernel replaced by a
   recorder, which notes the Numba types of its arguments (the kernels are
   compiled per dtype and layout, not size)
   and computes nothing; a built-in kernel with several schedules picks one
   by map counts and sizes, not the batch, so the plan holds the schedules
   training reaches (one the plan missed compiles in-process: slower, never
   wrong);
2. then :data:`JOBS` children compile the kernels it found into the cache,
   one a core, so the compile takes about half the time of one process. The
   planning child is the first of them; the others start beside it and load
   the network's modules while it plans. Each child takes the next kernel no
   other has claimed (a file created once, ``O_EXCL``), the longest sources
   first, so the children finish together whatever the kernels cost. The
   SGD update's kernels (:mod:`.update`) need no plan: the second child
   compiles them while the first plans.

Each child names the kernel it is compiling in a small file of its own (its
tick file's name + ``.now``), so the parent can say which kernels are
compiling and for how long, not only how many are done.

When the cache is already warm, the planning child finds its shortest kernel
there and loads the rest itself, and the others find nothing to claim.
If a child fails, the others are stopped and one child runs a real training
step instead, which compiles every kernel it calls; if that fails too, the
kernels compile in-process as before: slower, never wrong.

``python -m symcnn.runtime.warmup '<json>'`` is a child.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    meanwhile: Callable[[], None] | None = None,
    compiling: Callable[[list[tuple[str, float]]], None] | None = None,
) -> float | None:
    """Compile (or load) every Numba kernel of preset ``net``'s training step in child processes.

    ``net_spec`` (a network file's :meth:`~symcnn.runtime.netfile.NetworkFile.meta`) replaces the preset.
    ``progress(done, total, share)`` is called while the compiling children work (ten
    times a second): ``done`` of ``total`` kernels compiled, ``share`` the fraction of the
    work done (kernels weighted by their source length); ``(0, 0, 0.0)`` while planning.
    ``compiling(now)`` is called just before it with what the children are working on:
    ``(kernel, seconds so far)`` a busy child, ``"conv_xcorr_sigmoid.backward_dK_packed"`` say.
    ``meanwhile`` runs in this process once the children have started (loading the data, building
    the network: work that calls no kernel); if it raises, the children are stopped and the error
    propagates. Returns the children's wall time in seconds, or ``None`` if they failed.
    """
    spec = {"net": net, "dtype": dtype, "convention": convention,
            "generated": None if generated is None else str(generated), "trust": trust, "net_spec": net_spec}
    report = progress or (lambda done, total, share: None)
    busy = compiling or (lambda now: None)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="symcnn-warmup-") as tmp:
        plan, claims = Path(tmp) / "plan.json", Path(tmp) / "claims"
        claims.mkdir()
        ticks = [str(Path(tmp) / f"ticks-{k}") for k in range(JOBS)]

        planned: list = []  # (kernels, their summed cost) once the plan is there: read once
        since: dict[str, tuple[str, float]] = {}  # a child's tick file: (what it works on, since when)

        def poll() -> None:
            busy(_working(ticks, since))
            if not planned and (calls := _planned(plan)) is not None:
                planned.append((len(calls), sum(c for _, c in calls) or 1))
            if not planned:
                report(0, 0, 0.0)
                return
            done, cost = _ticked(ticks)
            report(done, planned[0][0], cost / planned[0][1])

        work = {**spec, "plan": str(plan), "claims": str(claims), "parent": os.getpid()}
        if _children([{**work, "ticks": ticks[k], "planner": k == 0} for k in range(JOBS)], poll, meanwhile):
            return time.perf_counter() - start
    again = time.perf_counter()

    def alone() -> None:  # one child compiles what a real step calls: say how long it has taken so far
        busy([("one training step in one child", time.perf_counter() - again)])
        report(0, 0, 0.0)

    return time.perf_counter() - start if _children([spec], alone) else None


def _planned(plan: Path) -> list | None:
    """The planning child's plan, or ``None`` while it plans (it appears whole: written, then renamed).

    The plan is JSON: ``[[layer, kernel, [argument type, ...]], cost]`` a call, each argument type
    described by :func:`_described`. It is data: reading it imports nothing and runs nothing (the
    parent reads it from a thread while its main thread may be importing Numba).
    """
    try:
        calls = json.loads(plan.read_text())
    except FileNotFoundError:
        return None
    return [((layer, name, tuple(types)), cost) for (layer, name, types), cost in calls]


def _described(t) -> tuple | None:
    """A Numba argument type as JSON data: ``["array", dtype, ndim, layout, readonly]`` or
    ``["scalar", dtype]``; ``None`` for any other type (that call is left out of the plan and
    compiles in the training process: slower, never wrong)."""
    from numba import types
    from numba.np.numpy_support import as_dtype

    if isinstance(t, types.Array):
        return ("array", as_dtype(t.dtype).str, t.ndim, t.layout, not t.mutable)
    if isinstance(t, (types.Number, types.Boolean)):
        return ("scalar", as_dtype(t).str)
    return None


def _signature(described) -> tuple:
    """The Numba argument types :func:`_described` describes, one each."""
    import numpy as np
    from numba import from_dtype, types

    def one(d):
        if d[0] == "array":
            _, dtype, ndim, layout, readonly = d
            return types.Array(from_dtype(np.dtype(dtype)), int(ndim), str(layout), readonly=bool(readonly))
        return from_dtype(np.dtype(d[1]))

    return tuple(one(d) for d in described)


def _working(files: list[str], since: dict[str, tuple[str, float]]) -> list[tuple[str, float]]:
    """What each busy child is compiling (from its ``.now`` file) and for how long, by this process's
    clock; ``since`` keeps, per child, what it was last seen doing and from when."""
    now, out = time.perf_counter(), []
    for name in files:
        try:
            doing = Path(name + ".now").read_text()
        except FileNotFoundError:
            doing = ""
        if not doing:
            since.pop(name, None)
            continue
        if since.get(name, ("",))[0] != doing:
            since[name] = (doing, now)
        out.append((doing, now - since[name][1]))
    return out


def _doing(spec: dict, what: str) -> None:
    """Say (in this child's ``.now`` file) what it works on now; ``""``: nothing worth naming."""
    if "ticks" in spec:
        partial = spec["ticks"] + ".now.part"
        with open(partial, "w") as f:
            f.write(what)
        os.replace(partial, spec["ticks"] + ".now")


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


def _children(specs: list[dict], poll: Callable[[], None] | None = None,
              meanwhile: Callable[[], None] | None = None) -> bool:
    """Run one child per spec, all at once, then ``meanwhile``, calling ``poll`` ten times a second;
    did every one succeed? The first to fail stops the others (they may be waiting for its plan)."""
    runs = [subprocess.Popen([sys.executable, "-m", __name__, json.dumps(s)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for s in specs]
    try:
        if meanwhile is not None:
            with _polling(poll):
                meanwhile()
        while None in (codes := [run.poll() for run in runs]) and not any(codes):  # running, none failed
            if poll is not None:
                poll()
            time.sleep(0.1)
        ok = all(run.poll() == 0 for run in runs)
    finally:  # a child failed, ``meanwhile`` raised, or the parent was interrupted (Ctrl-C): the children go
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
    if poll is not None and ok:
        poll()  # the final count
    return ok


@contextmanager
def _polling(poll: Callable[[], None] | None) -> Iterator[None]:
    """Call ``poll`` ten times a second from a thread while the body runs (``meanwhile``: the
    progress shown goes on while this process loads the data)."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(0.1):
            poll()

    thread = threading.Thread(target=loop, daemon=True) if poll is not None else None
    if thread is not None:
        thread.start()
    try:
        yield
    finally:
        done.set()
        if thread is not None:
            thread.join()


def _network(spec: dict):
    from symcnn.runtime.presets import build_network

    if spec.get("net_spec"):
        from symcnn.runtime.netfile import NetworkFile
        from symcnn.runtime.netspec import build_from_file

        layout = spec["net_spec"]  # the user's own network file, read and checked by the parent
        nf = NetworkFile(layout["file"], layout["layers"], layout["loss"])
        return build_from_file(nf, backend="numba", dtype=spec["dtype"], generated=spec["generated"],
                               trust=spec["trust"])
    return build_network(spec["net"], backend="numba", dtype=spec["dtype"], convention=spec["convention"],
                         generated=spec["generated"], trust=spec["trust"])


def _forward_backward(net, spec: dict) -> None:
    """What training calls on a synthetic batch of :data:`BATCH` images: the network's forward and
    backward pass, its state buffers' update (a batch norm's running statistics) and its
    evaluation-mode forward pass (the test set's), so stateful layers' kernels are planned too."""
    from symcnn.runtime.arch import synthetic_batch

    x, t = synthetic_batch(BATCH, spec["dtype"])
    net.loss(x, t)
    net.backward()
    net.update_buffers()
    net.forward(x, training=False)


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
                    calls[(_layer, _name, tuple(_described(numba.typeof(a)) for a in args))] = _cost

                setattr(module, name, record)
                kept.append((module, name, kernel))
    _forward_backward(net, spec)
    for module, name, kernel in kept:
        setattr(module, name, kernel)
    ordered = sorted(calls.items(), key=lambda kv: -kv[1])
    plan = [(call, cost) for call, cost in ordered if None not in call[2]]
    if plan:
        _doing(spec, "{}.{}".format(*plan[-1][0][:2]))
    if plan and _cached(plan[-1][0], spec):  # the shortest kernel came from the cache: the rest will too
        for (layer, name, types), _ in plan[:-1]:  # named too: one the cache lacks compiles here
            _doing(spec, f"{layer}.{name}")
            _kernel(layer, name, spec).compile(_signature(types))
        _update_once(spec)
        plan = []
    _doing(spec, "")
    partial = spec["plan"] + ".part"
    with open(partial, "w") as f:
        json.dump([[list(call), cost] for call, cost in plan], f)
    os.replace(partial, spec["plan"])


_MODULES: dict[str, dict] = {}  # a child's network's generated modules by layer, per spec


def _kernel(layer: str, name: str, spec: dict):
    """Kernel ``name`` of the network's module of ``layer``: a network file's own layers come from
    their derived folder, not ``spec["generated"]``, so the module is the one the network loaded."""
    key = json.dumps([spec.get(k) for k in ("net", "dtype", "convention", "generated", "trust", "net_spec")])
    if key not in _MODULES:
        net = _network(spec)
        layers = [*net.layers, net.loss_layer, *(p.layer for p in net.penalties)]
        _MODULES[key] = {m.LAYER: m for m in (getattr(x, "module", None) for x in layers) if m}
    return getattr(_MODULES[key][layer], name)


def _cached(call: tuple[str, str, tuple], spec: dict) -> bool:
    """Load or compile one kernel; did it come from the disk cache?"""
    layer, name, types = call
    kernel = _kernel(layer, name, spec)
    kernel.compile(_signature(types))
    return sum(kernel.stats.cache_hits.values()) > 0


def _compile(spec: dict) -> None:
    """Compile the planned kernels no other child has claimed, the longest first, and the update's
    (a child that is not the planner loads the network's modules and compiles the update's kernels
    while it waits for the plan)."""
    if not spec["planner"]:  # while the planner plans: the network's modules, and the update's kernels
        _network(spec)
        _update_once(spec)
    while (calls := _planned(Path(spec["plan"]))) is None:
        if os.getppid() != spec["parent"]:  # the parent is gone: nobody will read what this compiles
            sys.exit(1)
        time.sleep(0.05)
    if not calls:  # the planner found the cache warm and loaded every kernel
        return
    for k, ((layer, name, types), cost) in enumerate(calls):
        if _claim(spec["claims"], str(k)):
            _doing(spec, f"{layer}.{name}")
            _kernel(layer, name, spec).compile(_signature(types))
            with open(spec["ticks"], "a") as f:
                f.write(f"{cost}\n")
    _doing(spec, "")
    _update_once(spec)


def _update_once(spec: dict) -> None:
    """Compile (or load) the update's kernels, unless another child has claimed them."""
    if "claims" not in spec or _claim(spec["claims"], "update"):
        _doing(spec, "update (SGD's kernels)")
        _update_kernels(spec["dtype"])
        _doing(spec, "")


def _claim(folder: str, name: str) -> bool:
    """Take ``name`` for this child: only the first to create its file in ``folder`` gets it."""
    try:
        os.close(os.open(os.path.join(folder, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _update_kernels(dtype: str) -> None:
    """Compile (or load) the update's kernels for parameters of ``dtype``, as SGD calls them."""
    import numpy as np
    from numba import from_dtype, types

    from symcnn.runtime.update import momentum_parallel, momentum_step, sgd_parallel, sgd_step

    scalar = from_dtype(np.dtype(dtype))
    flat = types.Array(scalar, 1, "C")
    sgd_step.compile((flat, flat, flat))
    momentum_step.compile((flat, flat, flat, flat, scalar))
    sgd_parallel.compile((flat, flat, flat, types.intp))
    momentum_parallel.compile((flat, flat, flat, flat, scalar, types.intp))


def _step(spec: dict) -> None:
    """One real training step of the preset on a synthetic batch (and an evaluation pass): compiles
    every kernel they call."""
    from symcnn.runtime.optim import SGD

    net = _network(spec)
    _forward_backward(net, spec)
    SGD(net.parameters(), lr=0.01, momentum=0.9).step(net.gradients())


def _main(spec: dict) -> None:
    if "plan" in spec and spec.get("planner", True):
        _plan(spec)
    if "claims" in spec:
        _compile(spec)
    elif "plan" not in spec:
        _step(spec)


if __name__ == "__main__":
    _main(json.loads(sys.argv[1]))
    sys.stdout.flush()
    os._exit(0)  # done: the kernels are in the cache, and tearing down Numba's runtime only delays the parent
