"""``symcnn bench``: training-step throughput of generated kernels, and of PyTorch beside them.

One measurement, in order:

1. the machine: CPUs, threads, float32 (or float64) matmul peak;
2. each contender (a symcnn backend, or the PyTorch reference) is built from
   the same initial weights, and its first training step is timed on its own:
   that is where Numba loads its cache, its kernels having been compiled in a
   child processes first (timed too: ``compile_ahead_s``; see
   :mod:`symcnn.runtime.warmup` for why);
3. a few warm-up steps, then timed *rounds*: in each round every contender
   runs one window of steps, in rotating order, so a burst of load from
   other processes hits all of them alike; throughput is the median over
   windows, with min and max, and the CPU other processes used meanwhile;
4. for each symcnn backend, a profiled pass times every layer's forward and
   backward kernel and the update.

Numba's thread count is set before every step by a
:class:`~symcnn.runtime.threads.ThreadGovernor`: ``threads`` if given, else
one a free core, as in ``symcnn train``. ``one_thread`` adds a contender
``numba@1``, the same network on one thread, timed in the same rounds;
``contended`` runs one busy process of the bench's own beside the timed
rounds (:mod:`symcnn.bench.busy`) and implies ``one_thread``.

A training step is forward + loss + backward + SGD update on a synthetic
batch (random images in [0, 1), random one-hot targets): throughput does not
depend on the pixel values, and no data needs to be present. Each contender
steps through :data:`BATCHES` distinct batches in turn, as training never
sees one batch twice running: the NumPy backend keeps a convolution's
unfolded windows for its kernel gradient, and on one batch repeated, a
step's forward pass would find the last step's windows still valid.
"""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symcnn import __version__
from symcnn.bench.arch import step_flops
from symcnn.bench.peak import matmul_peak, stream_bandwidth
from symcnn.bench.timing import QUIET_CORES, Window, cpu_count, summarize, time_windows
from symcnn.errors import SymcnnError
from symcnn.runtime.arch import synthetic_batch
from symcnn.runtime.threads import ThreadGovernor, check_threads, settings

__all__ = ["BATCHES", "BenchConfig", "batches", "format_report", "run_bench", "synthetic_batch"]

#: The distinct synthetic batches every contender steps through in turn.
BATCHES = 3
#: Images and one-hot targets of one step.
Batch = tuple[np.ndarray, np.ndarray]


def batches(size: int, dtype: str, seed: int = 0, count: int = BATCHES) -> list[Batch]:
    """``count`` distinct synthetic batches of ``size`` images (seeds ``seed``, ``seed + 1``, …)."""
    return [synthetic_batch(size, dtype, seed + k) for k in range(count)]

TORCH = "torch"
COMPILED = "torch-compile"
#: The Numba backend held at one thread, beside the governed default.
ONE_THREAD = "numba@1"


@dataclass
class BenchConfig:
    net: str = "dlt"
    backends: tuple[str, ...] = ("numba",)
    dtype: str = "float32"
    batch_size: int = 50
    steps: int = 200  # timed steps per contender, over all windows
    windows: int = 5
    warmup: int = 3
    seed: int = 0
    compare_torch: bool = False
    compare_compiled: bool = False  # torch.compile beside eager
    peak: bool = True
    layers: bool = True
    threads: int | None = None  # Numba's and PyTorch's threads (default: one a free core for Numba)
    one_thread: bool = False  # also time the Numba backend on one thread, in the same rounds
    contended: bool = False  # one busy process beside the timed rounds (implies one_thread)
    generated: str | None = None
    trust: bool = False
    log: Callable[[str], None] = field(default=lambda msg: None)


def numba_threads(threads: int | None = None) -> int:
    """Numba's most threads, or ``threads`` if given (checked against the pool's size)."""
    import numba

    if threads is not None:
        check_threads(threads)
        return threads
    return int(numba.config.NUMBA_NUM_THREADS)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


# -- contenders ----------------------------------------------------------------------------------


@dataclass
class Contender:
    name: str
    step: Callable[[], object]
    info: dict[str, Any]


def symcnn_contender(cfg: BenchConfig, backend: str, data: Sequence[Batch],
                     threads: int | None = None, name: str | None = None) -> tuple[Contender, Any]:
    """A symcnn network of ``backend`` with a training step on each batch of ``data`` in turn; also
    returns (net, opt).

    Numba's threads are set before each step: ``threads``, else ``cfg.threads``, else one a free core."""
    from symcnn.runtime.optim import SGD
    from symcnn.runtime.presets import RECIPES, build_network
    from symcnn.runtime.warmup import compile_ahead

    recipe = RECIPES[cfg.net]
    info: dict[str, Any] = {}
    if backend == "numba" and name is None:  # compiled in-process they run slower (runtime.warmup)
        info["compile_ahead_s"] = compile_ahead(cfg.net, dtype=cfg.dtype, generated=cfg.generated,
                                                trust=cfg.trust)
    net, build_s = _timed(lambda: build_network(
        cfg.net, backend=backend, dtype=cfg.dtype, generated=cfg.generated, trust=cfg.trust, seed=cfg.seed
    ))
    opt = SGD(net.parameters(), lr=recipe["lr"], momentum=recipe["momentum"])
    governor = ThreadGovernor(threads if threads is not None else cfg.threads)
    ring = itertools.cycle(data)

    def step() -> None:
        governor.tick()
        x, t = next(ring)
        net.loss(x, t)  # forward
        net.backward()  # backward
        opt.step(net.gradients())  # update
        governor.tock()

    info["threading"] = governor.report  # filled in as the steps run
    return Contender(name or backend, step, {"build_s": build_s, **info}), (net, opt)


def torch_contender(cfg: BenchConfig, params: dict[str, np.ndarray], threads: int,
                    data: Sequence[Batch]) -> Contender:
    from symcnn.bench.torch_ref import TorchNet

    tnet, build_s = _timed(lambda: TorchNet(cfg.net, params, cfg.dtype, threads=threads))
    ring = itertools.cycle([(tnet.tensor(x), tnet.tensor(t)) for x, t in data])
    torch = tnet.torch
    return Contender(TORCH, lambda: tnet.step(*next(ring)), {
        "build_s": build_s, "version": torch.__version__, "threads": torch.get_num_threads(),
    })


def compiled_contender(cfg: BenchConfig, params: dict[str, np.ndarray], threads: int,
                       data: Sequence[Batch]) -> Contender | None:
    """PyTorch's ``torch.compile`` (default mode) of the same training step, its first step (the
    compilation) timed; ``None``, said in the log, where it fails on this machine."""
    from symcnn.bench.torch_ref import TorchNet

    tnet, build_s = _timed(lambda: TorchNet(cfg.net, params, cfg.dtype, threads=threads))
    ring = itertools.cycle([(tnet.tensor(x), tnet.tensor(t)) for x, t in data])
    torch = tnet.torch
    try:
        step = torch.compile(tnet.step)
        _, first = _timed(lambda: step(*next(ring)))
    except Exception as exc:  # noqa: BLE001 - any failure of the compiler stack means: no contender
        reason = (str(exc).strip().splitlines() or [""])[0][:200]
        cfg.log(f"torch.compile failed on this machine, timing eager only: {type(exc).__name__}: {reason}")
        return None
    return Contender(COMPILED, lambda: step(*next(ring)), {
        "build_s": build_s, "first_step_s": first, "version": torch.__version__,
        "threads": torch.get_num_threads(),
    })


# -- timing --------------------------------------------------------------------------------------


#: Pause before each timed window, so the previous contender's spinning threads go to sleep.
SETTLE_SECONDS = 0.2


def time_rounds(contenders: list[Contender], steps: int, windows: int) -> dict[str, list[Window]]:
    """``windows`` rounds; in each, every contender runs one window, in rotating order.

    Before each window the process pauses and then runs the contender's step twice
    untimed: the thread pools of the one before (OpenMP's, OpenBLAS's) spin for a
    while after their last call, and would otherwise take cores from this one.
    """
    windows = max(1, min(windows, steps))
    sizes = [steps // windows + (1 if i < steps % windows else 0) for i in range(windows)]
    result: dict[str, list[Window]] = {c.name: [] for c in contenders}
    for r, size in enumerate(sizes):
        order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
        for c in order:
            time.sleep(SETTLE_SECONDS)
            for _ in range(2):
                c.step()
            result[c.name] += time_windows(c.step, size, 1)
    return result


def profile_layers(net: Any, opt: Any, data: Sequence[Batch], steps: int) -> dict[str, Any]:
    """Mean ms per step of each layer's forward and backward call, the update, and the rest, over
    ``steps`` steps on the batches of ``data`` in turn."""
    parts = [(layer, layer.name) for layer in net.layers]
    parts.append((net.loss_layer, "loss"))
    parts += [(pen.layer, f"penalty {pen.layer.name}") for pen in net.penalties]
    spent: dict[tuple[int, str], float] = {}

    def wrap(obj: Any, method: str, key: tuple[int, str]) -> None:
        inner = getattr(obj, method)
        spent[key] = 0.0

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t0

        setattr(obj, method, timed)  # an instance attribute shadows the method until deleted

    try:
        for i, (obj, _) in enumerate(parts):
            wrap(obj, "forward", (i, "forward"))
            wrap(obj, "backward", (i, "backward"))
        wrap(opt, "step", (-1, "update"))
        t0 = time.perf_counter()
        for (x, t), _ in zip(itertools.cycle(data), range(steps)):
            net.loss(x, t)
            net.backward()
            opt.step(net.gradients())
        total = time.perf_counter() - t0
    finally:
        for obj, _ in parts:
            for method in ("forward", "backward"):
                obj.__dict__.pop(method, None)
        opt.__dict__.pop("step", None)
    ms = 1e3 / steps
    layers = [
        {"name": name, "kind": getattr(obj, "kind", type(obj).__name__),
         "forward_ms": spent[(i, "forward")] * ms, "backward_ms": spent[(i, "backward")] * ms}
        for i, (obj, name) in enumerate(parts)
    ]
    accounted = sum(spent.values())
    return {
        "steps": steps,
        "step_ms": total * ms,
        "layers": layers,
        "update_ms": spent[(-1, "update")] * ms,
        "other_ms": max(0.0, total - accounted) * ms,
    }


# -- the whole measurement -----------------------------------------------------------------------


def machine_info(cfg: BenchConfig, threads: int) -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu_count": cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "threads": threads,
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    info.update(_isa(cfg))
    try:
        import numba

        info["numba"] = numba.__version__
        info["numba_threading_layer"] = numba.config.THREADING_LAYER
        info["threading"] = settings()
    except ImportError:  # pragma: no cover - numba is a dependency
        pass
    if cfg.peak:
        cfg.log(f"measuring the {cfg.dtype} matmul peak")
        info["matmul_peak"] = matmul_peak(dtype=cfg.dtype)
    return info


def _isa(cfg: BenchConfig) -> dict[str, Any]:
    """The host's vector ISA as the schedules see it, and the one the generated kernels were sized for."""
    from symcnn.codegen.target import host
    from symcnn.runtime.loader import read_manifest, resolve_folder
    from symcnn.support.vector import vector_bits

    t = host()
    info: dict[str, Any] = {"isa": t.isa, "llvm_cpu": t.cpu, "f32_lanes": t.lanes(4),
                            "vector_registers": t.registers, "block": t.block, "vector_bits": vector_bits()}
    try:
        info["kernels_target"] = (read_manifest(resolve_folder(cfg.generated)) or {}).get("target")
    except SymcnnError:
        info["kernels_target"] = None
    return info


def machine_label() -> str:
    """``AMD EPYC, avx2 (znver3)``: the CPU model and the ISA the schedules see."""
    from symcnn.codegen.target import host

    t = host()
    return f"{_cpu_model() or 'unknown CPU'}, {t.isa} ({t.cpu}), {cpu_count()} CPUs"


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def run_bench(cfg: BenchConfig) -> dict[str, Any]:
    """Measure ``cfg.net`` on every backend of ``cfg.backends`` (and PyTorch); return a JSON-able dict."""
    from symcnn.bench.arch import initial_params

    threads = numba_threads(cfg.threads)
    one_thread = (cfg.one_thread or cfg.contended) and "numba" in cfg.backends
    result: dict[str, Any] = {
        "symcnn": __version__,
        "net": cfg.net,
        "dtype": cfg.dtype,
        "batch_size": cfg.batch_size,
        "steps": cfg.steps,
        "windows": cfg.windows,
        "warmup": cfg.warmup,
        "machine": machine_info(cfg, threads),
    }
    flops = step_flops(cfg.net, cfg.batch_size)
    result["flops_per_step"] = flops["total"]
    result["flops_per_image"] = flops["per_image"]
    data = batches(cfg.batch_size, cfg.dtype, cfg.seed)

    contenders: list[Contender] = []
    nets: dict[str, tuple[Any, Any]] = {}
    params = None
    for backend in cfg.backends:
        cfg.log(f"building {cfg.net} ({backend}, {cfg.dtype})")
        c, nets[backend] = symcnn_contender(cfg, backend, data)
        contenders.append(c)
        if params is None:
            params = {k: v.copy() for k, v in nets[backend][0].parameters().items()}
    if one_thread:
        cfg.log(f"building {cfg.net} (numba on one thread, {cfg.dtype})")
        c, nets[ONE_THREAD] = symcnn_contender(cfg, "numba", data, threads=1, name=ONE_THREAD)
        contenders.append(c)
    if cfg.compare_torch:
        if params is None:  # no symcnn network: the same draws the preset makes
            params = initial_params(cfg.net, cfg.seed, cfg.dtype)
        contenders.append(torch_contender(cfg, params, threads, data))
        if cfg.compare_compiled:
            cfg.log("compiling the PyTorch step with torch.compile")
            compiled = compiled_contender(cfg, params, threads, data)
            result["torch_compile"] = "timed" if compiled else "failed on this machine"
            contenders += [compiled] if compiled else []

    for c in contenders:
        cfg.log(f"first step, then {cfg.warmup} warm-up steps: {c.name}")
        if "first_step_s" not in c.info:
            _, c.info["first_step_s"] = _timed(c.step)
        for _ in range(cfg.warmup):
            c.step()
    names = ", ".join(c.name for c in contenders)
    cfg.log(f"timing {cfg.steps} steps in {cfg.windows} windows each: {names}")
    if cfg.contended:
        from symcnn.bench.busy import SPIN, busy_process

        with busy_process() as busy:
            cfg.log(f"one busy process beside the timing: pid {busy.pid}")
            timed = time_rounds(contenders, cfg.steps, cfg.windows)
        result["contended"] = {"pid": busy.pid, "command": SPIN, "exit": busy.returncode}
    else:
        timed = time_rounds(contenders, cfg.steps, cfg.windows)
    result["machine"]["threading"] = settings()  # the layer Numba runs, now that kernels have run

    peak = result["machine"].get("matmul_peak", {}).get("gflops")
    result["results"] = {}
    for c in contenders:
        entry: dict[str, Any] = {"backend": c.name, **c.info, **summarize(timed[c.name], cfg.batch_size)}
        if callable(entry.get("threading")):
            entry["threading"] = {**entry["threading"](), **result["machine"]["threading"]}
        median_s = entry["step_ms"]["median"] / 1e3
        entry["first_step_overhead_s"] = max(0.0, entry["first_step_s"] - median_s)
        entry["gflops"] = flops["total"] / median_s / 1e9
        entry["peak_fraction"] = entry["gflops"] / peak if peak else None
        if c.name in nets and cfg.layers:
            cfg.log(f"profiling layers: {c.name}")
            net, opt = nets[c.name]
            entry["profile"] = profile_layers(net, opt, data, max(1, cfg.steps // max(cfg.windows, 1)))
            entry["profile"]["update_bound_ms"] = _update_bound(net, opt, cfg.dtype)
        result["results"][c.name] = entry
    if one_thread:
        result["vs_one_thread"] = {"numba": _ratios(timed["numba"], timed[ONE_THREAD], cfg.batch_size)}
    if cfg.compare_torch:
        result["vs_torch"] = {
            b: _ratios(timed[b], timed[TORCH], cfg.batch_size)
            for b in (*cfg.backends, *([ONE_THREAD] if one_thread else []))
        }
        if COMPILED in timed:
            result["vs_torch_compile"] = {
                b: _ratios(timed[b], timed[COMPILED], cfg.batch_size) for b in (*cfg.backends, TORCH)
            }
    return result


def _update_bound(net: Any, opt: Any, dtype: str) -> dict[str, float]:
    """The update's time if it ran at the speed of ``c = a + b`` over arrays of the parameters' size:
    each parameter read and written, its gradient read, and with momentum its velocity read and written."""
    n = sum(p.size for p in net.parameters().values())
    arrays = 5 if opt.momentum else 3
    bw = stream_bandwidth(n, dtype)
    return {"ms": arrays * n * np.dtype(dtype).itemsize / (bw["gbps"] * 1e9) * 1e3, "gbps": bw["gbps"],
            "parameters": n}


def _ratios(ours: list[Window], theirs: list[Window], batch: int) -> dict[str, float]:
    """symcnn/PyTorch images/s: of the medians, and median/min/max over the rounds."""
    rate = [w.steps * batch / w.seconds for w in ours]
    ref = [w.steps * batch / w.seconds for w in theirs]
    per_round = [a / b for a, b in zip(rate, ref)]
    return {
        "ratio": statistics.median(rate) / statistics.median(ref),
        "round_median": statistics.median(per_round),
        "round_min": min(per_round),
        "round_max": max(per_round),
    }


# -- the report ----------------------------------------------------------------------------------


def format_threading(t: dict[str, Any]) -> str:
    """``threads auto, … (1 for 180 steps, 2 for 20; more won 3 of 5 trials), layer omp, …``."""
    at = t.get("steps_at") or {}
    counts = ", ".join(f"{k} for {v} steps" for k, v in at.items())
    how = (f"threads auto, one a free core of {t['most']} while it beats one ({counts}; "
           f"more won {t['trials_won']} of {t['trials']} trials)"
           if t.get("mode") == "auto" else f"threads fixed at {t.get('threads')}")
    spin = f", GOMP_SPINCOUNT {t['spin_count']}" if t.get("spin_count") else ""
    return f"{how}, layer {t.get('threading_layer')}, OMP_WAIT_POLICY {t.get('wait_policy')}{spin}"


def format_report(result: dict[str, Any]) -> str:
    """A human-readable report of :func:`run_bench`'s result."""
    m = result["machine"]
    lines = [
        f"symcnn bench: {result['net']}, batch {result['batch_size']}, {result['dtype']}, "
        f"{result['steps']} steps in {result['windows']} windows after {result['warmup']} warm-up",
        f"machine: {m['cpu_count']} CPUs ({m.get('cpu_model') or 'unknown'}), "
        f"{m['threads']} thread{'s' if m['threads'] != 1 else ''}",
    ]
    if "isa" in m:
        kt = m.get("kernels_target") or {}
        lines.append(f"isa: {m['isa']} ({m['llvm_cpu']}), {m['f32_lanes']} float32 lanes, "
                     f"{m['vector_registers']} vector registers, register block {m['block']}; "
                     f"kernels sized for {kt.get('isa', 'unrecorded')} (block {kt.get('block', '?')}), "
                     f"outer-product blocks for {m.get('vector_bits', '?')}-bit vectors")
    if "matmul_peak" in m:
        p = m["matmul_peak"]
        lines.append(f"matmul peak: {p['gflops']:.1f} GFLOP/s {p['dtype']} "
                     f"(median {p['gflops_median']:.1f}, {p['n']}x{p['n']}, {p['products']} products)")
    lines.append(f"work: {result['flops_per_image'] / 1e6:.3f} MFLOP/image "
                 f"({result['flops_per_image'] * 60000 / 1e9:.1f} GFLOP per 60,000-image epoch)")
    lines.append("")
    w = max(8, *(len(name) for name in result["results"]))
    head = f"{'backend':<{w}} {'img/s median':>12} {'min':>8} {'max':>8} {'ms/step':>8} " \
           f"{'epoch s':>8} {'%peak':>6} {'others':>7} {'1st step':>9}"
    lines += [head, "-" * len(head)]
    for name, r in result["results"].items():
        ips = r["images_per_s"]
        others = f"{r['other_cpu_cores']['mean']:.2f}" if r["other_cpu_cores"] else "-"
        peak = f"{100 * r['peak_fraction']:.1f}" if r.get("peak_fraction") is not None else "-"
        lines.append(
            f"{name:<{w}} {ips['median']:>12.0f} {ips['min']:>8.0f} {ips['max']:>8.0f} "
            f"{r['step_ms']['median']:>8.2f} {60000 / ips['median']:>8.2f} {peak:>6} "
            f"{others:>7} {r['first_step_s']:>8.2f}s"
        )
    lines.append("(others: CPU cores other processes used while timing, mean over windows; "
                 "1st step: first training step, with compilation or cache loading)")
    for name, r in result["results"].items():
        if r.get("threading"):
            lines.append(f"{name}: {format_threading(r['threading'])}")
    if "contended" in result:
        lines.append(f"contended: one busy process of the bench's own (pid {result['contended']['pid']}, "
                     "Python arithmetic on one core) ran beside the timed rounds, stopped after them")
    for name, v in result.get("vs_one_thread", {}).items():
        lines.append(f"{name}/{ONE_THREAD}: {v['ratio']:.2f}x  (per round: median {v['round_median']:.2f}, "
                     f"min {v['round_min']:.2f}, max {v['round_max']:.2f}): the default threads against one")
    for name, r in result["results"].items():
        if "compile_ahead_s" in r:
            took = r["compile_ahead_s"]
            lines.append(f"{name}: kernels compiled (or loaded) in child processes first: "
                         + (f"{took:.2f}s" if took is not None else "failed, compiled in the 1st step"))
    for name, r in result["results"].items():
        others = r["other_cpu_cores"]
        if others and others["mean"] > QUIET_CORES:
            quiet = r["quiet"]
            lines.append(
                f"{name}: other processes used {others['mean']:.2f} cores (up to {others['max']:.2f}) "
                f"of {m['cpu_count']}: "
                + (f"median of the {quiet['windows']} quiet windows {quiet['images_per_s']:.0f} img/s"
                   if quiet else "no quiet window; these numbers say more about the load than the code")
            )
    for name, v in result.get("vs_torch", {}).items():
        lines.append(f"{name}/torch: {v['ratio']:.2f}x  (per round: median {v['round_median']:.2f}, "
                     f"min {v['round_min']:.2f}, max {v['round_max']:.2f}) "
                     f"on {m.get('cpu_model') or 'unknown'}, {m.get('isa', '?')}")
    for name, v in result.get("vs_torch_compile", {}).items():
        lines.append(f"{name}/torch-compile: {v['ratio']:.2f}x  (per round: median {v['round_median']:.2f}, "
                     f"min {v['round_min']:.2f}, max {v['round_max']:.2f})")
    if result.get("torch_compile", "timed") != "timed":
        lines.append(f"torch-compile: {result['torch_compile']} (see the log); eager only")
    for name, r in result["results"].items():
        prof = r.get("profile")
        if not prof:
            continue
        lines += ["", f"{name}: per layer, ms per step (profiled over {prof['steps']} steps, "
                      f"{prof['step_ms']:.2f} ms/step)",
                  f"  {'layer':<18} {'kind':<24} {'forward':>8} {'backward':>9}"]
        for layer in prof["layers"]:
            lines.append(f"  {layer['name']:<18} {layer['kind']:<24} "
                         f"{layer['forward_ms']:>8.3f} {layer['backward_ms']:>9.3f}")
        bound = prof.get("update_bound_ms")
        lines.append(f"  {'update':<18} {'':<24} {prof['update_ms']:>8.3f}"
                     + (f"   ({bound['parameters']:,} parameters; memory-bound estimate {bound['ms']:.3f} ms "
                        f"at {bound['gbps']:.1f} GB/s, c = a + b)" if bound else ""))
        lines.append(f"  {'other':<18} {'':<24} {prof['other_ms']:>8.3f}")
    return "\n".join(lines)
