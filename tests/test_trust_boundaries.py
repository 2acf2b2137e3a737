"""What symcnn reads is data, and what it writes is whole (#27: the cache, the folder, the kernels' buffers).

- a derivation-cache or stage-cache entry is never written out or run as source; names in it are
  validated as a spec's are, and its text is parsed in bounded time;
- a ``derive --out`` killed at any point leaves a folder every module of which loads, and the next
  derive (or ``--check``) finds and sweeps what it left;
- a buffer that aliases an input, a constant changed between forward and backward, and a pooling
  factor that is not a whole size are refused, not computed into wrong numbers;
- a second derive into a folder being written is told so; a negative count is a usage mistake.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import snapshot, symcnn

from symcnn.errors import ShapeError
from symcnn.runtime.loader import load_layer_module

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
#: A child's peak resident memory (what ``symcnn`` needs to refuse or rebuild, SymPy included).
MEMORY_MB = 300

SPEC = """
from symcnn.model import Equation, Layer, Sum, array, indices, sizes
N, H, K = sizes("N H K")
n, y, a = indices("n y a")
X, W, U = array("X", (N, H + K - 1)), array("W", (K,)), array("U", (N, H))
LAYERS = [Layer("conv1d", (N, H, K), (X,), (W,), (U,),
                (Equation(U[n, y], Sum(X[n, y + a] * W[a], (a, 0, K - 1))),), label="B1", doc="1-D")]
"""


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> Path:
    """SPEC derived once into ``g1`` with a cache of its own: each test copies the cache it may doctor."""
    root = tmp_path_factory.mktemp("derived")
    (root / "spec.py").write_text(SPEC)
    r = symcnn("derive", "--spec", "spec.py", "--out", "g1", cwd=root, cache=root / "cache")
    assert r.code == 0, r.err
    return root


@pytest.fixture
def work(tmp_path, derived) -> Path:
    """A working folder holding the spec and ``g1``, with ``tmp_path / "cache"`` a copy of the warm cache."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "spec.py").write_text(SPEC)
    shutil.copytree(derived / "g1", folder / "g1")
    shutil.copytree(derived / "cache", tmp_path / "cache")
    return folder


# --- 9: the PyTorch function and the generated modules' buffers ----------------------------


def test_a_constant_changed_in_place_before_backward_is_caught():
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedLayer

    conv = GeneratedLayer.load("conv_xcorr_relu", {"K": torch.randn(1, 6, 5, 5) * 0.1, "B": torch.ones(6)},
                               constants={"T": torch.ones(1, 6)})
    x = torch.randn(2, 1, 12, 12, requires_grad=True)
    y = conv(x)
    conv.T.mul_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    assert x.grad is None


def test_a_constant_given_as_an_array_is_read_as_it_was_at_the_forward():
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedLayer

    conv = GeneratedLayer.load("conv_xcorr_identity", {"K": torch.randn(1, 2, 3, 3, dtype=torch.float64),
                                                       "B": torch.zeros(2, dtype=torch.float64)})
    T = np.ones((1, 2))
    x = torch.randn(2, 1, 6, 6, dtype=torch.float64, requires_grad=True)
    conv(x, T=T).sum().backward()
    expected = x.grad.clone()
    x.grad = None
    y = conv(x, T=T)
    T[...] = 0  # after the forward: the backward still differentiates the forward that ran
    y.sum().backward()
    assert torch.equal(x.grad, expected) and expected.abs().sum() > 0


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_an_output_buffer_that_aliases_an_input_is_refused(backend):
    mod = load_layer_module("conv_xcorr_sigmoid", backend, GENERATED)
    rng = np.random.default_rng(0)
    arrays = {"X": rng.random((2, 1, 6, 6)), "K": rng.standard_normal((1, 2, 3, 3)), "B": np.zeros(2),
              "T": np.ones((1, 2))}
    fwd = mod.forward(arrays)
    seeded = {**arrays, **fwd, "dY": np.ones_like(fwd["Y"])}
    before = {k: v.copy() for k, v in seeded.items()}
    with pytest.raises(ShapeError, match=r"out\['dX'\] shares memory with X") as info:
        mod.backward(seeded, out={"dX": seeded["X"]})
    assert "\n" not in str(info.value)
    inside_x = arrays["X"].reshape(-1)[:64].reshape(2, 2, 4, 4)  # U's shape, in X's memory
    with pytest.raises(ShapeError, match=r"out\['U'\] shares memory with X"):
        mod.forward(arrays, out={"U": inside_x})
    for k, v in before.items():
        assert np.array_equal(seeded[k], v), k  # nothing was written
    grads = mod.backward(seeded, out={"dX": np.empty_like(seeded["X"])})  # a buffer of its own is fine
    assert np.isfinite(grads["dK"]).all()


def test_torch_hyper_parameters_must_be_whole_sizes():
    torch = pytest.importorskip("torch")
    from symcnn.torch import GeneratedLayer

    for s in (0, 2.9, True, -2):
        with pytest.raises(ShapeError, match="hyper-parameter 's' must be an integer >= 1"):
            GeneratedLayer.load("pool_max_plain", {}, hyper={"s": s})
    pool = GeneratedLayer.load("pool_max_plain", {}, hyper={"s": np.int64(2)})
    assert pool(torch.ones(1, 1, 4, 4)).shape == (1, 1, 2, 2)


# --- 11: concurrent derives, negative counts ---------------------------------------------


def test_a_derive_into_a_folder_another_is_writing_is_told_so(work, tmp_path):
    """The writer has created the folder and begun (its journal, a module) but has no manifest yet."""
    cache = tmp_path / "cache"
    out = work / "out"
    out.mkdir()
    (out / ".MANIFEST.pending.json").write_text('{"symcnn": "0", "files": {}}')
    (out / "conv1d_numpy.py").write_text("# Produced by symcnn, half way\n")
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        before = snapshot(work)
        r = symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache)
    finally:
        os.close(fd)
    assert r.code == 1 and r.peak_mb < MEMORY_MB, r.peak_mb
    r.error_line("generated code error", "another `symcnn derive` is writing this folder")
    assert snapshot(work) == before


@pytest.mark.slow
def test_two_derives_at_once_never_blame_the_folder(work, tmp_path):
    """Run together into one new folder: each either writes it or is told another derive is writing."""
    cache = tmp_path / "cache"
    results = []

    def one() -> None:
        results.append(symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert any(r.code == 0 for r in results)
    for r in results:
        assert "did not write" not in r.err and "Traceback" not in r.err, r.err
        if r.code:
            r.error_line("another `symcnn derive`")
    assert symcnn("derive", "--spec", "spec.py", "--out", "out", "--check", cwd=work, cache=cache).code == 0


@pytest.mark.parametrize("option", ["--warmup", "--seed", "--steps", "--windows"])
def test_bench_negative_counts_are_usage_mistakes(work, tmp_path, option):
    before = snapshot(work)
    r = symcnn("bench", option, "-1", cwd=work, cache=tmp_path / "cache")
    r.usage(option)
    assert r.peak_mb < MEMORY_MB, r.peak_mb
    assert snapshot(work) == before


# --- 2-3: the cache holds data; what it holds is checked or rebuilt, never run -------------


def _modules(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*_num*.py"))}


def _planted(text: str, sentinel: Path) -> str:
    """``text`` with a line that creates ``sentinel`` when the module is imported."""
    head, rest = text.split("\n", 1)
    return f"{head}\nopen({str(sentinel)!r}, 'w').close()\n{rest}"


def test_a_planted_stage_cache_entry_is_never_written_out_or_run(work, tmp_path, monkeypatch):
    """Module text under the exact key an earlier symcnn read from ``$SYMCNN_CACHE/stages/``."""
    from symcnn import pipeline
    from symcnn.codegen.target import named
    from symcnn.model.spec import load_spec

    cache, sentinel = tmp_path / "cache", tmp_path / "pwned"
    real = _modules(work / "g1")
    monkeypatch.chdir(work)
    keys = pipeline.stage_keys(load_spec(work / "spec.py"), target=named("baseline"))
    (cache / "stages").mkdir(parents=True, exist_ok=True)
    for key in keys.modules.values():
        planted = {name: _planted(text, sentinel) for name, text in real.items()}
        (cache / "stages" / f"{key}.json").write_text(json.dumps(planted))
    r = symcnn("derive", "--spec", "spec.py", "--out", "g2", cwd=work, cache=cache)
    assert r.code == 0, r.err
    assert _modules(work / "g2") == real
    assert r.peak_mb < MEMORY_MB, r.peak_mb
    # the planted text in the folder itself: --check, which trusts no stamp and no cached text, says so
    (work / "g2" / "conv1d_numpy.py").write_text(_planted(real["conv1d_numpy.py"], sentinel))
    r = symcnn("derive", "--spec", "spec.py", "--out", "g2", "--check", cwd=work, cache=cache)
    assert r.code == 1 and "stale: " in r.err and "conv1d_numpy.py" in r.err
    for name in ("conv1d_numpy", "conv1d_numba"):
        load_layer_module(name.rsplit("_", 1)[0], name.rsplit("_", 1)[1], work / "g1")
    assert not sentinel.exists()


def _doctor_derivation(cache: Path, edit) -> None:
    """Apply ``edit`` to every srepr body of every derivation in ``cache``."""
    entries = sorted(cache.glob("conv1d-*.json"))
    assert entries
    for entry in entries:
        doc = json.loads(entry.read_text())
        for g in doc["gradients"]:
            for t in g["terms"]:
                t["body"] = edit(t["body"])
        entry.write_text(json.dumps(doc))


@pytest.mark.sampled
@pytest.mark.parametrize("name", ['dU[__import__("os").system("touch {s}")]', "import", "a b", "x" * 65,
                                  "Q"])  # the last an identifier, but no array of the layer's
def test_a_derivation_cache_entry_naming_a_bad_array_is_derived_again(work, tmp_path, name):
    cache, sentinel = tmp_path / "cache", tmp_path / "pwned"
    bad = name.format(s=sentinel)
    _doctor_derivation(cache, lambda body: body.replace("Symbol('X'", f"Symbol({bad!r}"))
    before = snapshot(work)
    r = symcnn("derive", "--spec", "spec.py", "--out", "g2", cwd=work, cache=cache)
    assert r.code == 0 and "Traceback" not in r.err, r.err
    assert r.peak_mb < MEMORY_MB, r.peak_mb
    assert _modules(work / "g2") == _modules(work / "g1")
    assert {k: v for k, v in snapshot(work).items() if not k.startswith("g2/")} == before
    assert not sentinel.exists()


def test_stored_text_is_bounded_before_it_is_rebuilt():
    import sympy as sp

    from symcnn.derive.store import MAX_NODES, StoreError, parse_srepr

    symbols = [f"Symbol('x{i}')" for i in range(400)]
    for text in (f"Max({', '.join(symbols)})", f"Min({', '.join(symbols[:9])})",
                 f"Add({', '.join(symbols * (MAX_NODES // 1000))})", "Symbol('dU[__import__(1)]')",
                 "IndexedBase('a.b')", "Symbol('x', integer=Symbol('y'))", "Symbol('x', 'y')"):
        with pytest.raises(StoreError):
            parse_srepr(text)
    n = sp.Symbol("n", integer=True)
    assert parse_srepr(sp.srepr(sp.Max(0, n - 2, 5 - n))) == sp.Max(0, n - 2, 5 - n)
    assert parse_srepr(f"Add({', '.join(symbols[:200])})") == sum(sp.symbols("x0:200"), sp.S.Zero)


def test_a_spec_layer_folder_in_the_cache_is_checked_on_every_use(work, tmp_path, monkeypatch):
    """The folder ``derived_folder`` keeps in ``<cache>/layers/``, doctored with its manifest, is
    compared with what the spec generates the next time it is used, and rewritten."""
    from symcnn.pipeline import derive_spec
    from symcnn.runtime.netfile import derived_folder

    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path / "cache"))
    sentinel = tmp_path / "pwned"
    folder = derived_folder(work / "spec.py", derive=derive_spec)
    module = folder / "conv1d_numpy.py"
    real = module.read_text()
    assert real == (work / "g1" / "conv1d_numpy.py").read_text()
    module.write_text(_planted(real, sentinel))
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    manifest["files"][module.name]["sha256"] = hashlib.sha256(module.read_bytes()).hexdigest()
    (folder / "MANIFEST.json").write_text(json.dumps(manifest))
    assert derived_folder(work / "spec.py", derive=derive_spec) == folder
    assert module.read_text() == real
    load_layer_module("conv1d", "numpy", folder)
    assert not sentinel.exists()


@pytest.mark.slow
def test_a_net_spec_layer_planted_in_the_cache_never_runs(tmp_path):
    """``<cache>/layers/`` holds what a network file's spec derived; a module doctored there (its
    manifest too) is checked against the spec on the next use and rewritten, never run."""
    from symcnn.runtime.datasets import EMBEDDED_DIR

    work, cache, sentinel = tmp_path / "work", tmp_path / "cache", tmp_path / "pwned"
    work.mkdir()
    (work / "custom_layers.py").write_text((ROOT / "examples" / "custom_layers.py").read_text())
    (work / "net.py").write_text(
        'NETWORK = [{"name": "c", "layer": "dilated_conv", "spec": "custom_layers.py", "M": 2, '
        '"KH": 3, "KW": 3, "d": 2}, {"layer": "flatten"}, {"name": "fc", "layer": "fc_identity", "O": 10}]\n'
        'LOSS = "loss_softmax_ce"\n')
    argv = ("train", "--net-spec", "net.py", "--backend", "numpy", "--limit", "8", "--epochs", "1",
            "--batch-size", "8", "--data", str(EMBEDDED_DIR))
    first = symcnn(*argv, cwd=work, cache=cache)
    assert first.code == 0, first.err
    (folder,) = (cache / "layers").iterdir()
    module = folder / "dilated_conv_numpy.py"
    real = module.read_text()
    module.write_text(_planted(real, sentinel))
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    manifest["files"][module.name]["sha256"] = hashlib.sha256(module.read_bytes()).hexdigest()
    (folder / "MANIFEST.json").write_text(json.dumps(manifest))
    again = symcnn(*argv, cwd=work, cache=cache)
    assert again.code == 0, again.err
    assert module.read_text() == real and not sentinel.exists()


# --- 7: a derive killed at any point leaves a folder that loads ---------------------------

_LAYERS = ("fc_sigmoid", "fc_tanh", "loss_squared")


def _generations() -> tuple[dict[str, str], dict[str, str]]:
    """Two generations of a folder of NumPy modules: the second changes two layers and drops one."""
    from symcnn.codegen.generate import assemble
    from symcnn.model import builtin_layers

    layers = builtin_layers()
    modules = {f"{n}_numpy.py": (GENERATED / f"{n}_numpy.py").read_text() for n in _LAYERS}
    old = assemble([layers[n] for n in _LAYERS], modules, backends=("numpy",))
    changed = {k: v + "# the next generation\n" for k, v in modules.items() if not k.startswith("loss")}
    new = assemble([layers[n] for n in _LAYERS[:2]], changed, backends=("numpy",))
    return old, new


def _killed_at(k: int, files: dict[str, str], out: Path) -> int:
    """Run ``write_tree(files, out)`` in a forked child that SIGKILLs itself before its ``k``-th file-system
    step (a temporary file made, synced, renamed or removed); the number of steps when it was not killed."""
    import signal
    import tempfile

    from symcnn.codegen.generate import write_tree

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: count the steps, die at the k-th
        os.close(read)
        steps = [0]

        def step(real):
            def wrapped(*args, **kwargs):
                if steps[0] == k:
                    os.kill(os.getpid(), signal.SIGKILL)
                steps[0] += 1
                return real(*args, **kwargs)
            return wrapped

        os.replace, os.fsync, os.unlink = step(os.replace), step(os.fsync), step(os.unlink)
        tempfile.mkstemp = step(tempfile.mkstemp)
        try:
            write_tree(files, out)
            os.write(write, str(steps[0]).encode())
        finally:
            os._exit(0)
    os.close(write)
    done = os.read(read, 64)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    return int(done) if done else -os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1


def _loads_its_generation(out: Path, old: dict[str, str], new: dict[str, str]) -> None:
    """The manifest is the old one or the new one, and every layer it lists loads."""
    from symcnn.errors import GeneratedCodeError

    manifest = (out / "MANIFEST.json").read_text()
    assert manifest in (old["MANIFEST.json"], new["MANIFEST.json"])
    for layer in json.loads(manifest)["layers"]:
        try:
            load_layer_module(layer, "numpy", out)
        except GeneratedCodeError as exc:
            pytest.fail(f"killed mid-write, {layer} does not load: {exc}")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked child")
def test_a_derive_killed_at_any_step_leaves_a_folder_that_loads(tmp_path):
    from symcnn.codegen.generate import write_tree

    old, new = _generations()
    steps = _killed_at(10**6, new, _fresh(tmp_path / "count", old))
    assert steps > 10  # a journal, 3 files and a manifest, each made, synced and renamed; 2 removals
    for k in range(steps):  # every step: the list is short (a seeded sample would do for a longer one)
        out = _fresh(tmp_path / f"k{k}", old)
        assert _killed_at(k, new, out) == -9
        _loads_its_generation(out, old, new)
        left = [p.name for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".MANIFEST")]
        checked = write_tree(new, out, check=True)
        if left:  # --check counts what the killed derive left, and the next derive sweeps it
            assert not checked.up_to_date and set(left) <= set(checked.extra)
        again = write_tree(new, out)
        assert {n for n in left if n.endswith(".tmp")} <= set(again.extra)  # counted as removed
        assert sorted(p.name for p in out.iterdir() if p.name != "__pycache__") == sorted(new)
        assert write_tree(new, out, check=True).up_to_date
        _loads_its_generation(out, old, new)


def _fresh(out: Path, files: dict[str, str]) -> Path:
    from symcnn.codegen.generate import write_tree

    write_tree(files, out)
    return out


@pytest.mark.slow
def test_a_derive_process_killed_while_it_writes_leaves_a_folder_that_loads(work, tmp_path):
    """``symcnn derive`` itself, SIGKILLed a seeded moment after its journal appears, alternating two
    generations of the folder (their labels differ): every layer the manifest lists loads each time."""
    import random
    import signal
    import subprocess
    import sys
    import time

    cache = tmp_path / "cache"
    spec_b = SPEC.replace('label="B1"', 'label="B1, again"')
    out = work / "out"
    assert symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache).code == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMCNN_CACHE": str(cache)}
    for seed in range(6):
        (work / "spec.py").write_text(spec_b if seed % 2 == 0 else SPEC)
        child = subprocess.Popen([sys.executable, "-m", "symcnn.cli", "derive", "--spec", "spec.py",
                                  "--out", "out"], cwd=work, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        while child.poll() is None and not (out / ".MANIFEST.pending.json").exists():
            time.sleep(0.0005)
        time.sleep(random.Random(seed).uniform(0, 0.004))
        child.send_signal(signal.SIGKILL)
        child.wait()
        manifest = json.loads((out / "MANIFEST.json").read_text())
        for layer in manifest["layers"]:
            load_layer_module(layer, "numpy", out)
    assert symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache).code == 0
    assert symcnn("derive", "--spec", "spec.py", "--out", "out", "--check", cwd=work, cache=cache).code == 0
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".MANIFEST")]
