"""``symcnn bench``: the harness, its counts, and the PyTorch reference nets.

The PyTorch tests skip when torch is absent (CI does not install it); tests
that need generated kernels skip while ``generated/`` lacks them. Nothing here
asserts anything about speed.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from symcnn.bench.arch import ARCH, initial_params, step_flops
from symcnn.bench.commands import time_command
from symcnn.bench.peak import matmul_peak, stream_bandwidth
from symcnn.bench.report import render
from symcnn.bench.run import batches, profile_layers, summarize, synthetic_batch
from symcnn.bench.timing import machine_busy, time_windows
from symcnn.cli.main import main
from symcnn.errors import GeneratedCodeError, SymcnnError
from symcnn.support.vector import vector_bits

NETS = tuple(ARCH)


def symcnn_net(net: str, dtype: str = "float64", backend: str = "numba"):
    from symcnn.runtime.presets import build_network

    try:
        return build_network(net, backend=backend, dtype=dtype, seed=3)
    except GeneratedCodeError as exc:
        pytest.skip(f"no generated kernels: {exc}")


# -- counts and timing ---------------------------------------------------------------------------


def test_dlt_flops_match_the_issue_count():
    flops = step_flops("dlt")
    assert flops["per_image"] == 1_048_320  # conv1 86,400 + conv2 115,200 + fc 1,920 MACs
    assert flops["per_image"] * 60_000 == pytest.approx(62.9e9, rel=1e-3)
    assert step_flops("dlt", 50)["total"] == 50 * flops["per_image"]
    assert [layer["name"] for layer in flops["layers"]] == ["conv1", "conv2", "fc"]
    # the first layer has no input gradient: its backward is one weight-gradient pass
    assert flops["layers"][0]["backward"] == flops["layers"][0]["forward"]
    assert flops["layers"][1]["backward"] == 2 * flops["layers"][1]["forward"]


def test_every_preset_has_a_flop_count():
    for net in NETS:
        assert step_flops(net)["per_image"] > 0


def test_windows_split_the_steps_and_measure_load():
    calls = []
    windows = time_windows(lambda: calls.append(1), 10, 3)
    assert [w.steps for w in windows] == [4, 3, 3] and len(calls) == 10
    assert all(w.seconds > 0 and w.own_cpu_cores >= 0 for w in windows)
    if machine_busy() is not None:
        assert all(w.other_cpu_cores is not None and w.other_cpu_cores >= 0 for w in windows)
    assert len(time_windows(lambda: None, 2, 5)) == 2  # never an empty window


def test_summary_reports_median_min_max():
    windows = time_windows(lambda: sum(range(1000)), 9, 3)
    s = summarize(windows, images_per_step=50)
    rates = sorted(w.steps * 50 / w.seconds for w in windows)
    assert s["images_per_s"] == {"median": rates[1], "min": rates[0], "max": rates[2]}
    assert s["steps"] == 9 and len(s["windows"]) == 3
    assert s["step_ms"]["min"] <= s["step_ms"]["median"] <= s["step_ms"]["max"]


def test_stream_bandwidth_is_positive():
    b = stream_bandwidth(1000, repeats=3)
    assert b["gbps"] > 0 and b["elements"] == 1000 and b["dtype"] == "float32"


def test_matmul_peak_is_positive():
    p = matmul_peak(n=64, repeats=3, min_seconds=0.0)
    assert p["gflops"] >= p["gflops_median"] > 0 and p["products"] >= 3


def test_synthetic_batch_is_one_hot():
    x, t = synthetic_batch(7, "float32", seed=1)
    assert x.shape == (7, 1, 28, 28) and x.dtype == np.float32 and 0 <= x.min() and x.max() < 1
    assert t.shape == (7, 10) and (t.sum(axis=1) == 1).all()


def test_each_contender_steps_through_distinct_batches_in_turn(monkeypatch):
    """No step sees the batch the step before it saw: a kernel keeping what it unfolded from its input
    (the NumPy backend's windows) would find it still valid, as training never does."""
    from symcnn.bench import run
    from symcnn.runtime import presets

    seen = []

    class Net(_FakeNet):
        def loss(self, x, t):
            seen.append(x)
            return super().loss(x, t)

        def parameters(self):
            return {}

    monkeypatch.setattr(presets, "build_network", lambda *a, **kw: Net())
    data = batches(3, "float32")
    assert len(data) == run.BATCHES >= 2
    assert all(not np.array_equal(a[0], b[0]) for a, b in zip(data, data[1:]))
    cfg = run.BenchConfig(net="dlt", backends=("numpy",), threads=1)
    contender, _ = run.symcnn_contender(cfg, "numpy", data)
    for _ in range(2 * len(data)):
        contender.step()
    assert [next(k for k, (x, _) in enumerate(data) if x is s) for s in seen] == [0, 1, 2, 0, 1, 2]


class _FakeLayer:
    def __init__(self, name):
        self.name, self.kind, self.calls = name, "fake", 0

    def forward(self, x=None, **kw):
        self.calls += 1
        return x

    def backward(self, d):
        self.calls += 1
        return d


class _FakeNet:
    def __init__(self):
        self.layers = [_FakeLayer("a"), _FakeLayer("b")]
        self.loss_layer, self.penalties = _FakeLayer("loss"), []

    def loss(self, x, t):
        for layer in self.layers:
            x = layer.forward(x)
        self.loss_layer.forward(x, T=t)
        return 0.0

    def backward(self):
        d = self.loss_layer.backward(1.0)
        for layer in reversed(self.layers):
            d = layer.backward(d)

    def gradients(self):
        return {}


class _FakeOpt:
    def step(self, grads):
        pass


def test_profile_times_every_layer_and_restores_the_methods():
    net, opt = _FakeNet(), _FakeOpt()
    prof = profile_layers(net, opt, [(1.0, 0.0), (2.0, 0.0)], steps=4)
    assert [layer["name"] for layer in prof["layers"]] == ["a", "b", "loss"]
    assert all(layer["forward_ms"] >= 0 and layer["backward_ms"] >= 0 for layer in prof["layers"])
    assert prof["steps"] == 4 and prof["update_ms"] >= 0
    assert all(layer.calls == 8 for layer in [*net.layers, net.loss_layer])
    assert "forward" not in vars(net.layers[0]) and "step" not in vars(opt)


def test_failing_command_is_one_symcnn_error():
    with pytest.raises(SymcnnError, match="status 3"):
        time_command([sys.executable, "-c", "import sys; sys.exit(3)"], {}, timeout=60)


def test_backend_none_without_torch_is_an_error(capsys):
    assert main(["bench", "--backend", "none", "--steps", "1"]) == 1
    assert "--compare torch" in capsys.readouterr().err


def test_missing_torch_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    args = ["bench", "--backend", "none", "--compare", "torch", "--steps", "1", "--no-peak", "--json"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "symcnn[torch]" in err and "torch==2.13.0" in err and len(err.strip().splitlines()) == 1


# -- with generated kernels ----------------------------------------------------------------------


@pytest.mark.parametrize("net", NETS)
def test_initial_params_are_the_presets(net):
    ours = symcnn_net(net, "float32").parameters()
    drawn = initial_params(net, seed=3, dtype="float32")
    assert sorted(drawn) == sorted(ours)
    for name in ours:
        np.testing.assert_array_equal(drawn[name], ours[name], err_msg=name)


@pytest.mark.slow  # times and profiles every backend: about a minute
def test_cli_json_has_the_fields(capsys):
    symcnn_net("dlt", "float32", "numba")
    symcnn_net("dlt", "float32", "numpy")
    args = ["bench", "--steps", "4", "--windows", "2", "--warmup", "1", "--no-peak", "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["results"]) == {"numba", "numpy"}
    for r in result["results"].values():
        assert set(r["images_per_s"]) == {"median", "min", "max"}
        assert r["first_step_s"] > 0 and r["build_s"] >= 0 and r["steps"] == 4
        assert len(r["windows"]) == 2 and "other_cpu_cores" in r and r["gflops"] > 0
        names = [layer["name"] for layer in r["profile"]["layers"]]
        assert names == ["conv1", "pool1", "conv2", "pool2", "flatten", "fc", "loss"]
        bound = r["profile"]["update_bound_ms"]
        assert bound["parameters"] == sum(v.size for v in initial_params("dlt", 0, "float32").values())
        assert bound["ms"] > 0 and bound["gbps"] > 0
    assert result["flops_per_image"] == 1_048_320
    assert "img/s median" in render(result)
    m = result["machine"]
    assert m["isa"] in ("sse2", "avx", "avx2", "avx512") and m["f32_lanes"] * 32 in (128, 256, 512)
    assert m["kernels_target"] == {"isa": "avx2", "block": 4}  # generated/ is rendered for the baseline


@pytest.mark.slow  # compiles and times a whole preset
def test_cli_text_report(capsys):
    symcnn_net("dlt", "float32")
    assert main(["bench", "--backend", "numba", "--steps", "2", "--windows", "2", "--no-peak"]) == 0
    out = capsys.readouterr().out
    assert "img/s median" in out and "numba" in out and "conv2" in out
    assert "isa: " in out and "kernels sized for avx2 (block 4)" in out
    assert f"outer-product blocks for {vector_bits()}-bit vectors" in out


# -- the PyTorch reference -----------------------------------------------------------------------


def _activate(u, act):
    if act == "sigmoid":
        return 1 / (1 + np.exp(-u))
    if act == "relu":
        return np.maximum(u, 0)
    return u


def _softmax0(c):
    e = np.exp(c - c.max(axis=0))
    return e / e.sum(axis=0)


def numpy_loss(net: str, p: dict[str, np.ndarray], x: np.ndarray, t: np.ndarray) -> float:
    """The preset's loss written directly from its equations, in float64 NumPy."""
    a = x
    for op in ARCH[net]["layers"]:
        n = a.shape[0]
        if op.kind in ("conv", "combo"):
            if op.same:  # zero padding by k // 2 on each side
                r = op.k // 2
                a = np.pad(a, ((0, 0), (0, 0), (r, r), (r, r)))
            win = sliding_window_view(a, (op.k, op.k), axis=(2, 3))  # (N, C, Ho, Wo, k, k)
            kern = p[f"{op.name}.K"]
            if op.kind == "combo":
                kern = kern * _softmax0(p[f"{op.name}.c"])[:, :, None, None]
            a = np.einsum("ncyxab,cmab->nmyx", win, kern) + p[f"{op.name}.B"][None, :, None, None]
        elif op.kind.startswith("pool"):
            c, h, w = a.shape[1:]
            blocks = a.reshape(n, c, h // op.s, op.s, w // op.s, op.s)
            if op.kind == "pool_max":
                a = blocks.max(axis=(3, 5))
            elif op.kind == "pool_mean":
                a = blocks.mean(axis=(3, 5))
            else:
                beta, b = p[f"{op.name}.beta"], p[f"{op.name}.b"]
                a = blocks.sum(axis=(3, 5)) * beta[None, :, None, None] + b[None, :, None, None]
        elif op.kind == "flatten":
            a = a.reshape(n, -1)
        elif op.kind == "fc":
            a = a @ p[f"{op.name}.W"].T + p[f"{op.name}.b"]
        a = _activate(a, op.act)
    if ARCH[net]["loss"] == "squared":
        loss = 0.5 * ((a - t) ** 2).sum() / len(a)
    else:
        z = a - a.max(axis=1, keepdims=True)
        loss = -(t * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))).sum() / len(a)
    if "entropy" in ARCH[net]:
        alpha = _softmax0(p["conv2.c"])
        loss += -ARCH[net]["entropy"] * (alpha * np.log(alpha)).sum()
    return float(loss)


def _random_params(net, rng):
    """The preset's initial weights with every zero-initialised array made random too."""
    params = initial_params(net, seed=5, dtype="float64")
    return {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}


@pytest.mark.parametrize("net", [n if n in ("dlt", "lenet5") else pytest.param(n, marks=pytest.mark.slow)
                                 for n in NETS])
def test_torch_net_is_the_preset_and_its_gradients_match_finite_differences(net):
    pytest.importorskip("torch")
    from symcnn.bench.torch_ref import TorchNet

    rng = np.random.default_rng(11)
    params = _random_params(net, rng)
    x, t = synthetic_batch(4, "float64", seed=2)
    loss, grads = TorchNet(net, params, "float64").gradients(x, t)
    assert loss == pytest.approx(numpy_loss(net, params, x, t), rel=1e-12)
    # 'same' convolutions keep every map whole: ~10⁵ ReLU units, one of which is nearly always within
    # 1e-5 of its kink; a step of 1e-7 crosses none while round-off stays near 1e-16 / 1e-7
    h = 1e-7 if any(op.same for op in ARCH[net]["layers"]) else 1e-5
    for name, value in params.items():  # a random direction per parameter array
        d, fd = smooth_difference(lambda e, n=name, v=value: numpy_loss(net, {**params, n: v + e}, x, t),
                                  value.shape, rng, h)
        assert np.sum(grads[name] * d) == pytest.approx(fd, rel=1e-6, abs=1e-12), name


def smooth_difference(loss, shape, rng, h: float = 1e-5, tries: int = 8) -> tuple[np.ndarray, float]:
    """A random direction ``d`` along which ``loss`` is smooth within ±h·d, and its central difference.

    A ReLU or max-pool kink within the step makes the differences at ``h`` and
    ``h/2`` disagree (their truncation errors, smooth, differ by ``O(h²)``); such a
    direction is drawn again. ``h`` is large enough that round-off in the loss
    (~1e-14) stays far below the 1e-6 the gradients are held to. The two differences
    may also differ by the round-off of the loss itself, a few units in its last place
    over the smaller step (how many depends on the machine's BLAS kernels): up to 16
    are not taken for a kink, which is still far below the 1e-6 asked of the gradient.
    """
    for _ in range(tries):
        d = rng.standard_normal(shape)
        fd, scale = [], 0.0
        for s in (h, h / 2):
            up, down = loss(s * d), loss(-s * d)
            fd.append((up - down) / (2 * s))
            scale = max(scale, abs(up), abs(down))
        noise = 16 * np.spacing(scale) / h  # round-off of a difference at the step h / 2
        if abs(fd[0] - fd[1]) <= 1e-8 * max(abs(fd[1]), 1e-6) + noise:
            return d, fd[1]
    raise AssertionError(f"no direction without a kink within ±{h}·d in {tries} draws")


def test_smooth_difference_steps_over_kinks():
    rng = np.random.default_rng(0)
    kink = 5e-6  # |x| has its kink this far from where the difference is taken, along d[0]
    d, fd = smooth_difference(lambda e: abs(kink + e[0]) + e[1] ** 2, (2,), rng, tries=100)
    assert kink > 1e-5 * abs(d[0]) and fd == pytest.approx(d[0], rel=1e-9)
    with pytest.raises(AssertionError, match="no direction"):
        smooth_difference(lambda e: abs(1e-9 + e[0]), (1,), rng)  # every likely direction crosses the kink


def test_torch_step_is_sgd_with_the_preset_rate():
    pytest.importorskip("torch")
    from symcnn.bench.torch_ref import TorchNet

    params = initial_params("dlt", seed=0, dtype="float64")
    x, t = synthetic_batch(5, "float64")
    tnet = TorchNet("dlt", params, "float64", lr=0.5)
    _, grads = tnet.gradients(x, t)
    tnet.step(tnet.tensor(x), tnet.tensor(t))
    after = tnet.parameters()
    for name in params:
        np.testing.assert_allclose(after[name], params[name] - 0.5 * grads[name], rtol=1e-12, atol=1e-15)


@pytest.mark.slow  # whole networks in float64 in both libraries: 20-110 s each on a loaded 2-core machine
@pytest.mark.parametrize("net", NETS)
def test_torch_gradients_match_symcnn(net):
    pytest.importorskip("torch")
    from symcnn.bench.torch_ref import TorchNet

    ours = symcnn_net(net, "float64")
    params = {k: v.copy() for k, v in ours.parameters().items()}
    x, t = synthetic_batch(6, "float64", seed=4)
    loss = ours.loss(x, t)
    ours.backward()
    ref_loss, ref_grads = TorchNet(net, params, "float64").gradients(x, t)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    for name, g in ours.gradients().items():
        np.testing.assert_allclose(g, ref_grads[name], rtol=1e-8, atol=1e-12, err_msg=name)


def test_torch_only_bench_json(capsys):
    pytest.importorskip("torch")
    args = ["bench", "--backend", "none", "--compare", "torch", "--steps", "4", "--windows", "2",
            "--warmup", "0", "--json", "--no-peak"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    r = result["results"]["torch"]
    assert "torch" in render(result)
    assert r["version"].startswith("2.13.0") and r["images_per_s"]["median"] > 0 and r["steps"] == 4


# -- cold start and torch.compile ----------------------------------------------------------------


def test_torch_script_trains_the_epoch_symcnn_trains(capsys):
    pytest.importorskip("torch")
    from symcnn.bench import torch_train

    args = ["--net", "dlt", "--epochs", "1", "--limit", "150"]
    assert torch_train.main(args) == 0
    theirs = json.loads(capsys.readouterr().out)
    assert main(["train", "--backend", "numpy", "--json", *args]) == 0
    ours = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert theirs["epoch"] == ours["epoch"] == 1
    assert theirs["train_loss"] == pytest.approx(ours["train_loss"], rel=1e-5)  # same data, weights, order
    assert theirs["test_error"] == pytest.approx(ours["test_error"], abs=2e-3)


def test_cold_run_starts_symcnn_from_empty_caches(monkeypatch):
    from symcnn.bench import cold

    seen = []

    def fake(argv, env, timeout):
        seen.append((argv, env))
        numba_dir = env.get("NUMBA_CACHE_DIR")
        side = "torch" if "symcnn.bench.torch_train" in argv else "symcnn"
        if side == "symcnn":  # the cold run finds nothing cached, the warm run what the cold one left
            from pathlib import Path

            cached = Path(numba_dir) / "kernel.nbi"
            assert cached.exists() == (len(seen) == 4)
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.touch()
        seconds = {"torch": 2.0, "symcnn": 5.0 if len(seen) == 2 else 1.0}[side]
        return seconds, '{"epoch": 1, "seconds": 0.5, "test_error": 0.25}\n', 0.1

    monkeypatch.setattr(cold, "time_command", fake)
    result = cold.bench_cold("dlt", data="/some/data")
    assert [("torch_train" in " ".join(a)) for a, _ in seen] == [True, False, True, False]
    assert seen[1][1]["NUMBA_CACHE_DIR"] == seen[3][1]["NUMBA_CACHE_DIR"] != seen[0][1].get("NUMBA_CACHE_DIR")
    assert all("--data" in a and "/some/data" in a for a, _ in seen)
    assert result["cold_ratio"] == 2.5 and result["warm_ratio"] == 0.5
    text = cold.format_cold(result, "some CPU")
    assert "some CPU" in text and "2.50x" in text and "0.50x" in text


def test_a_failing_torch_compile_is_skipped_with_its_reason(monkeypatch):
    torch = pytest.importorskip("torch")
    from symcnn.bench.run import BenchConfig, compiled_contender

    logged = []

    def broken(fn, *a, **kw):
        raise RuntimeError("no compiler here\nmore")

    cfg = BenchConfig(net="dlt", log=logged.append)
    monkeypatch.setattr(torch, "compile", broken)
    assert compiled_contender(cfg, initial_params("dlt", 0, "float32"), 1, batches(2, "float32")) is None
    assert logged and "torch.compile failed" in logged[0] and "no compiler here" in logged[0]
