"""Bad input, as a user meets it on the command line: a named problem, an exit code, nothing lost.

Each case asserts the exit status (1 for a problem with the input, 2 for a
usage mistake), that stderr is one line naming the offending thing with no
traceback, and, where files are involved, that nothing was written or changed.
The library-level cases live beside the code they test (test_spec_errors,
test_spec_fuzz, test_idx, test_checkpoint, test_runtime_loader, test_codegen).
"""

from __future__ import annotations

import ast
import dataclasses
import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from symcnn.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits on usage mistakes
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


# --- usage mistakes: exit 2 with the usage line --------------------------------------------


@pytest.mark.sampled
@pytest.mark.parametrize(
    "argv",
    [("derive", "--bogus"), ("train", "--net", "alexnet"), ("train", "--epochs", "many"), ()],
)
def test_usage_mistakes_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "usage: symcnn" in err and "Traceback" not in err


# --- specs ---------------------------------------------------------------------------------

BAD_SPEC = """
from symcnn.model import Equation, Layer, Sum, array, indices, sizes
N, H, K = sizes("N H K")
n, y, a = indices("n y a")
X, W, U = array("X", (N, H + K - 1)), array("W", (K,)), array("U", (N, H))
LAYERS = [Layer("squares", (N, H, K), (X,), (W,), (U,),
                (Equation(U[n, y], Sum(X[n, y * a] * W[a], (a, 0, K - 1))),))]
"""


def test_underivable_spec_names_layer_and_term_and_writes_nothing(capsys, tmp_path):
    spec = tmp_path / "bad.py"
    spec.write_text(BAD_SPEC)
    out = tmp_path / "out"
    code, _, err = run(capsys, "derive", "--spec", str(spec), "--out", str(out))
    assert code == 1
    assert_one_line(err, "spec error", "'squares'", "X[n, a*y]", "not affine")
    assert not out.exists() or not any(out.iterdir())


def test_missing_spec_file(capsys, tmp_path):
    code, _, err = run(capsys, "derive", "--spec", str(tmp_path / "nope.py"), "--out", str(tmp_path / "o"))
    assert code == 1
    assert_one_line(err, "nope.py", "not found")


def test_spec_with_unsafe_layer_name(capsys, tmp_path):
    spec = tmp_path / "inject.py"
    spec.write_text(BAD_SPEC.replace('Layer("squares"', 'Layer("x; import os"'))
    code, _, err = run(capsys, "derive", "--spec", str(spec), "--out", str(tmp_path / "o"))
    assert code == 1
    assert_one_line(err, "not a plain Python identifier")
    assert not (tmp_path / "o").exists()


def test_show_unknown_layer(capsys):
    code, _, err = run(capsys, "derive", "--show", "conv_fft")
    assert code == 1
    assert_one_line(err, "conv_fft", "no such layer")


def test_debug_shows_the_traceback(capsys, tmp_path):
    spec = str(tmp_path / "nope.py")
    code, _, err = run(capsys, "--debug", "derive", "--spec", spec, "--out", str(tmp_path))
    assert code == 1 and "Traceback" in err


@pytest.mark.slow  # derives every built-in to compare
def test_stale_generated_folder_is_reported(capsys, tmp_path):
    out = tmp_path / "gen"
    shutil.copytree(ROOT / "generated", out, ignore=shutil.ignore_patterns("__pycache__"))
    target = out / "pool_sum_plain_numpy.py"
    target.write_text(target.read_text() + "\n# edited by hand\n")
    code, _, err = run(capsys, "derive", "--check", "--out", str(out))
    assert code == 1 and "stale" in err and "pool_sum_plain_numpy.py" in err


# --- data ----------------------------------------------------------------------------------


def _copy_subset(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "symcnn" / "data", data, ignore=shutil.ignore_patterns("*.md"))
    return data


def test_missing_data_folder(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--data", str(tmp_path / "nowhere"), "--epochs", "1")
    assert code == 1
    assert_one_line(err, "data error", "nowhere")


def test_truncated_images_file(capsys, tmp_path):
    data = _copy_subset(tmp_path)
    images = data / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(images.read_bytes())
    images.write_bytes(gzip.compress(raw[: len(raw) // 2], mtime=0))
    code, _, err = run(capsys, "train", "--data", str(data), "--epochs", "1")
    assert code == 1
    assert_one_line(err, "data error", "train-images-idx3-ubyte.gz")


def test_not_gzip_though_named_gz(capsys, tmp_path):
    data = _copy_subset(tmp_path)
    (data / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x00\x00\x08\x01" + b"\x00" * 8)
    code, _, err = run(capsys, "train", "--data", str(data), "--epochs", "1")
    assert code == 1
    assert_one_line(err, "data error", "t10k-labels-idx1-ubyte.gz")


def test_mismatched_image_and_label_counts(capsys, tmp_path):
    data = _copy_subset(tmp_path)
    labels = data / "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    count = int.from_bytes(raw[4:8], "big") - 1
    raw[4:8] = count.to_bytes(4, "big")
    labels.write_bytes(gzip.compress(bytes(raw[: 8 + count]), mtime=0))
    code, _, err = run(capsys, "train", "--data", str(data), "--epochs", "1")
    assert code == 1
    assert_one_line(err, "data error")
    assert "label" in err and "image" in err


def test_wrong_magic_number(capsys, tmp_path):
    data = _copy_subset(tmp_path)
    images = data / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(images.read_bytes()))
    raw[0:2] = b"PK"
    images.write_bytes(gzip.compress(bytes(raw), mtime=0))
    code, _, err = run(capsys, "train", "--data", str(data), "--epochs", "1")
    assert code == 1
    assert_one_line(err, "data error", "t10k-images-idx3-ubyte.gz", "magic")


# --- checkpoints ---------------------------------------------------------------------------


def test_garbage_checkpoint(capsys, tmp_path):
    model = tmp_path / "model.npz"
    model.write_bytes(b"these are not weights")
    code, _, err = run(capsys, "evaluate", "--model", str(model))
    assert code == 1
    assert_one_line(err, "checkpoint error", "model.npz")


def test_checkpoint_of_another_shape(capsys, tmp_path):
    from symcnn.runtime import build_network
    from symcnn.runtime.checkpoint import load_npz, save_npz

    model = tmp_path / "model.npz"
    build_network("dlt", backend="numpy", dtype="float32").save(model)
    arrays, meta = load_npz(model)
    name = sorted(k for k in arrays if k.endswith(".K"))[0]
    arrays[name] = arrays[name][..., :3, :3]
    save_npz(model, arrays, meta)
    before = model.read_bytes()
    code, _, err = run(capsys, "evaluate", "--model", str(model))
    assert code == 1
    assert_one_line(err, "checkpoint error", name)
    assert model.read_bytes() == before


# --- generated code ------------------------------------------------------------------------


def test_tampered_generated_module_is_refused(capsys, tmp_path):
    gen = tmp_path / "gen"
    shutil.copytree(ROOT / "generated", gen, ignore=shutil.ignore_patterns("__pycache__"))
    target = gen / "fc_sigmoid_numpy.py"
    target.write_text(target.read_text().replace('SPEC_HASH = "', 'SPEC_HASH = "0', 1))
    code, _, err = run(
        capsys, "train", "--net", "dlt", "--backend", "numpy", "--generated", str(gen), "--limit", "50",
        "--epochs", "1",
    )
    assert code == 1
    assert_one_line(err, "fc_sigmoid_numpy.py")


# --- shapes at a layer boundary ------------------------------------------------------------


@pytest.mark.sampled
@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda a: {**a, "X": a["X"][0]}, "X"),
        (lambda a: {**a, "X": a["X"].astype(np.int32)}, "X"),
        (lambda a: {**a, "K": a["K"][:, :, :, ::2]}, "K"),
        (lambda a: {k: v for k, v in a.items() if k != "B"}, "B"),
    ],
)
def test_generated_layer_rejects_wrong_arrays(change, needle):
    from symcnn.errors import ShapeError
    from symcnn.runtime.loader import load_layer_module

    mod = load_layer_module("conv_xcorr_sigmoid", "numpy", ROOT / "generated")
    arrays = {
        "X": np.zeros((2, 1, 6, 6)),
        "K": np.zeros((1, 3, 3, 3)),
        "B": np.zeros(3),
        "T": np.ones((1, 3)),
    }
    mod.forward(arrays)
    with pytest.raises(ShapeError) as info:
        mod.forward(change(arrays))
    assert needle in str(info.value)


# === as a careless user or an attacker: each case through the CLI in a child process ======
#
# Every case below asserts the exit status, one `symcnn: ... error:` line and no traceback,
# and that no file outside the output it asked for was created, changed or removed.

import fcntl  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402

from cli_helpers import snapshot, symcnn  # noqa: E402

GOOD_SPEC = """
from symcnn.model import Equation, Layer, Sum, array, indices, sizes
N, H, K = sizes("N H K")
n, y, a = indices("n y a")
X, W, U = array("X", (N, H + K - 1)), array("W", (K,)), array("U", (N, H))
def conv(name, label="B1", doc="a 1-D convolution"):
    return Layer(name, (N, H, K), (X,), (W,), (U,),
                 (Equation(U[n, y], Sum(X[n, y + a] * W[a], (a, 0, K - 1))),), label=label, doc=doc)
LAYERS = [conv("conv1d")]
"""
MEMORY_MB = 300


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One derivation cache for the module: the first derive of GOOD_SPEC fills it."""
    return tmp_path_factory.mktemp("cache") / "symcnn"


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "spec.py").write_text(GOOD_SPEC)
    return folder


# --- 1-3: derive never removes or clobbers what it did not write -------------------------


def test_spec_without_out_is_a_usage_error_and_leaves_generated_alone(work, cache):
    before = snapshot(ROOT / "generated")
    r = symcnn("derive", "--spec", str(ROOT / "examples" / "custom_layers.py"), cwd=work, cache=cache)
    r.usage("--spec needs --out")
    assert snapshot(ROOT / "generated") == before


def test_foreign_manifest_never_deletes_a_file(work, cache):
    f = work / "f"
    f.mkdir()
    (f / "thesis.tex").write_text("x\n")
    (f / "MANIFEST.json").write_text('{"files":{"thesis.tex":{}}}')
    before = snapshot(work)
    r = symcnn("derive", "--spec", "spec.py", "--out", "f", cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("generated code error", "did not write")
    assert snapshot(work) == before


def test_a_manifest_naming_foreign_files_in_a_derived_folder_removes_only_modules_derive_wrote(work, cache):
    out = work / "out"
    assert symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache).code == 0
    # an earlier derive's module, listed with its true hash: derive wrote it, so it may go
    old = out / "gone_numpy.py"
    old.write_text((out / "conv1d_numpy.py").read_text())
    # a file of the user's, listed in a doctored manifest with its true hash: no header, so it stays
    (out / "thesis.py").write_text("print('my work')\n")
    manifest = json.loads((out / "MANIFEST.json").read_text())
    for name in ("gone_numpy.py", "thesis.py"):
        manifest["files"][name] = {"sha256": hashlib.sha256((out / name).read_bytes()).hexdigest()}
    manifest["files"]["../spec.py"] = {}
    (out / "MANIFEST.json").write_text(json.dumps(manifest))
    r = symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache)
    assert r.code == 0, r.err
    assert "1 removed" in r.out
    assert not old.exists() and (out / "thesis.py").exists() and (work / "spec.py").exists()


def test_a_hand_edited_module_that_is_no_longer_generated_is_kept(work, cache):
    out = work / "out"
    assert symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache).code == 0
    spec = work / "spec.py"
    spec.write_text(GOOD_SPEC.replace('LAYERS = [conv("conv1d")]', 'LAYERS = [conv("conv1e")]'))
    edited = out / "conv1d_numpy.py"
    edited.write_text(edited.read_text() + "# my change\n")
    r = symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache)
    assert r.code == 0, r.err
    assert edited.exists() and not (out / "conv1d_numba.py").exists()


def test_a_second_derive_into_a_locked_folder_is_refused(work, cache):
    out = work / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a derive writing there holds it
        r = symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache)
    finally:
        os.close(fd)
    assert r.code == 1
    r.error_line("generated code error", "another `symcnn derive`")
    assert list(out.iterdir()) == []


# --- 4-5: nothing a spec string or a cache file holds is run ------------------------------

INJECT = "B1\"; __import__(\"os\").system(\"touch pwned\"); X = \""


@pytest.mark.sampled
@pytest.mark.parametrize("label, doc", [(INJECT, "fine"), ("B1\nline two", 'doc """ with \\ and \n')])
def test_labels_and_docs_cannot_inject_code(work, cache, label, doc):
    spec = GOOD_SPEC.replace('LAYERS = [conv("conv1d")]', f"LAYERS = [conv('conv1d', {label!r}, {doc!r})]")
    (work / "spec.py").write_text(spec)
    r = symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache)
    assert r.code == 0, r.err
    for backend in ("numpy", "numba"):
        text = (work / "out" / f"conv1d_{backend}.py").read_text()
        tree = ast.parse(text)
        consts = {t.targets[0].id: t.value.value for t in tree.body
                  if isinstance(t, ast.Assign) and isinstance(t.value, ast.Constant)}
        assert consts["LABEL"] == label and doc in ast.get_docstring(tree)
    check = subprocess.run([sys.executable, "-c", "import conv1d_numpy as m; print(m.LABEL)"],
                           cwd=work / "out", env={**os.environ, "PYTHONPATH": str(ROOT)},
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and check.stdout.rstrip("\n") == label, check.stderr
    assert not (work / "pwned").exists() and not (work / "out" / "pwned").exists()


def test_a_module_that_does_not_parse_is_never_written(tmp_path):
    from symcnn.codegen.generate import write_tree
    from symcnn.errors import GeneratedCodeError

    with pytest.raises(GeneratedCodeError, match="does not parse"):
        write_tree({"x_numpy.py": 'LABEL = "a"b"\n', "MANIFEST.json": "{}\n"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_planted_cache_file_runs_no_code(work, tmp_path, monkeypatch):
    """A file in $SYMCNN_CACHE under the exact name derive reads, holding pickle and `srepr` payloads."""
    from symcnn.derive import cache as dcache
    from symcnn.model.spec import load_spec

    cache = tmp_path / "cache"
    monkeypatch.setenv("SYMCNN_CACHE", str(cache))
    monkeypatch.chdir(work)
    (layer,) = load_spec(work / "spec.py")
    first = dcache.cached_derive(layer)
    (entry,) = cache.iterdir()
    assert entry.suffix == ".json"
    doc = json.loads(entry.read_text())
    doc["gradients"][0]["terms"][0]["body"] = "__import__('os').system('touch pwned')"
    entry.write_text(json.dumps(doc))
    r = symcnn("derive", "--spec", "spec.py", "--out", "out", "--check", cwd=work, cache=cache)
    assert r.code == 1 and "missing" in r.err and "Traceback" not in r.err  # out/ is not there yet
    assert not (work / "pwned").exists()
    entry.write_bytes(b"cos\nsystem\n(S'touch pwned'\ntR.")  # a pickle that runs a command
    assert dcache.cached_derive(layer) == first
    assert not (work / "pwned").exists()


def test_stored_derivations_allow_only_sympy_constructors():
    from symcnn.derive.store import StoreError, parse_srepr

    assert parse_srepr("Add(Symbol('n', integer=True), Integer(1))") == __import__("sympy").Symbol(
        "n", integer=True) + 1
    for text in ["__import__('os').system('true')", "Symbol('x').__class__", "Integer(2).subs",
                 "Pow(Integer(10), Integer(10000000000))", "Integer('1' * 10)", "Float('1e99999999')",
                 "[Integer(1)]", "Symbol(*[1])", "(" * 100_000 + ")" * 100_000]:
        with pytest.raises(StoreError):
            parse_srepr(text)


# --- 7: checkpoints are read by their .npy headers first ---------------------------------


def _dlt_checkpoint(path: Path) -> None:
    from symcnn.runtime import build_network

    build_network("dlt", backend="numpy", dtype="float32").save(path)


def _npy_header(shape: tuple, dtype: str = "<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _add_member(path: Path, name: str, shape: tuple, inflated: int) -> None:
    """Add ``name.npy`` declaring ``shape``, whose data is ``inflated`` zero bytes, deflated."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open(f"{name}.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_header(shape))
            chunk = bytes(1 << 22)
            for _ in range(inflated // len(chunk)):
                fh.write(chunk)


@pytest.mark.sampled
@pytest.mark.parametrize("shape, inflated", [((3 * 2**28,), 2**29), ((2**40,), 2**22)])
def test_checkpoint_bomb_is_refused_unread(work, cache, shape, inflated):
    model = work / "model.npz"
    _dlt_checkpoint(model)
    _add_member(model, "bomb", shape, inflated)  # 3 GiB (512 MiB really there), then 4 TiB
    assert model.stat().st_size < 8 * 2**20
    before = snapshot(work)
    r = symcnn("evaluate", "--model", "model.npz", "--backend", "numpy", cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("checkpoint error", "model.npz", "'bomb' declares")
    assert r.peak_mb < MEMORY_MB, r.peak_mb
    assert snapshot(work) == before


def test_checkpoint_member_of_the_wrong_shape_is_refused_before_inflating(work, cache):
    model = work / "model.npz"
    from symcnn.runtime.checkpoint import load_npz, save_npz

    _dlt_checkpoint(model)
    arrays, meta = load_npz(model)
    arrays["conv1.K"] = np.zeros((6, 1, 5, 5 * 512), np.float32)  # 300 KB of zeros, 30 MB declared
    save_npz(model, arrays, meta, compress=True)
    r = symcnn("evaluate", "--model", "model.npz", "--backend", "numpy", cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("checkpoint error", "conv1.K", "shape")


# --- 8: an IDX header promising too many images ------------------------------------------


def _data(work: Path, train: int | None = None, test: int | None = None) -> Path:
    """The embedded data, with the image and label headers of a split rewritten to promise N."""
    data = work / "data"
    shutil.copytree(ROOT / "symcnn" / "data", data, ignore=shutil.ignore_patterns("*.md"))
    for split, count in (("train", train), ("t10k", test)):
        if count is None:
            continue
        for kind, header in (("images", 16), ("labels", 8)):
            path = data / f"{split}-{kind}-idx{3 if kind == 'images' else 1}-ubyte.gz"
            raw = bytearray(gzip.decompress(path.read_bytes()))
            raw[4:8] = count.to_bytes(4, "big")
            item = 784 if kind == "images" else 1
            with gzip.open(path, "wb", compresslevel=1) as fh:  # streamed: a bomb never sits in memory
                fh.write(bytes(raw[:header]))
                if count <= 3000:
                    fh.write(bytes(raw[header:header + count * item]))
                else:
                    left = count * item
                    while left:
                        fh.write(bytes(min(left, 2**24)))
                        left -= min(left, 2**24)
    return data


def test_idx_bomb_is_refused_before_conversion(work, cache):
    data = _data(work, train=1_360_000)  # 1.07 GB of zero images, 5 MB gzipped: 4.3 GB as float32
    assert (data / "train-images-idx3-ubyte.gz").stat().st_size < 8 * 2**20
    before = snapshot(work)
    r = symcnn("train", "--data", "data", "--backend", "numpy", "--epochs", "0", cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("data error", "1360000", "--max-images")
    assert r.peak_mb < MEMORY_MB, r.peak_mb
    assert snapshot(work) == before
    assert data.is_dir()


def test_max_images_sets_the_bound(work, cache):
    r = symcnn("train", "--data", str(_data(work)), "--max-images", "2999", "--backend", "numpy",
               cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("data error", "3000", "2999")


# --- 9: checkpoint metadata --------------------------------------------------------------


def _with_meta(path: Path, meta_text: str) -> None:
    from symcnn.runtime.checkpoint import load_npz

    arrays, _ = load_npz(path)
    arrays["__meta__"] = np.frombuffer(meta_text.encode(), np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _meta(**changes) -> str:
    meta = {"net": "dlt", "convention": "xcorr", "backend": "numpy", "dtype": "float32", **changes}
    return json.dumps({"symcnn_checkpoint": 1, "meta": {k: v for k, v in meta.items() if v is not None}})


@pytest.mark.sampled
@pytest.mark.parametrize(
    "meta_text, needle",
    [
        (_meta(dtype="nonsense"), "dtype"),
        (_meta(net="combo", combo_lambda="x"), "combo_lambda"),
        (_meta(net="dlt-custom", dlt_layers=[{"type": "i"}]), "input_size"),
        (_meta(net="dlt-custom", input_size=28, dlt_layers=[{"type": "i"}, {"type": "c", "kernelsize": 5,
                                                                             "outputmaps": 4096}] * 2),
         "dlt_layers"),
        ('{"symcnn_checkpoint": 1, "meta": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested"),
        (_meta(net=["dlt"]), "net"),
    ],
    ids=["dtype", "combo_lambda", "no-input_size", "huge-layout", "deep-json", "net-list"],
)
def test_bad_checkpoint_metadata(work, cache, meta_text, needle):
    model = work / "model.npz"
    _dlt_checkpoint(model)
    _with_meta(model, meta_text)
    before = snapshot(work)
    r = symcnn("evaluate", "--model", "model.npz", cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("checkpoint error", needle)
    assert snapshot(work) == before


# --- 10: saving -----------------------------------------------------------------------------


@pytest.mark.sampled
@pytest.mark.parametrize("target", ["nodir/ck.npz", "."])
def test_unwritable_save_target_is_refused_before_training(work, cache, target):
    before = snapshot(work)
    r = symcnn("train", "--backend", "numpy", "--limit", "50", "--save", target, cwd=work, cache=cache,
               timeout=60)
    assert r.code == 1
    r.error_line("--save")
    assert "epoch" not in r.out
    assert snapshot(work) == before


def test_ctrl_c_without_save_writes_into_the_cache_not_the_working_folder(work, cache, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMCNN_CACHE": str(cache)}
    before = snapshot(work)
    proc = subprocess.Popen([sys.executable, "-m", "symcnn.cli.main", "train", "--backend", "numpy",
                             "--epochs", "50"], cwd=work, env=env, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "recipe:" in line:  # the handler goes in just after this line; the epoch takes seconds
            time.sleep(1.5)
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, "".join(lines) + rest
    assert "Traceback" not in rest
    assert snapshot(work) == before
    saved = [ln for ln in rest.splitlines() if "saved checkpoint" in ln]
    assert saved and str(cache) in saved[0]
    assert list((cache / "interrupted").glob("dlt-*.npz"))


# --- 11: option values --------------------------------------------------------------------


@pytest.mark.sampled
@pytest.mark.parametrize(
    "option, value",
    [("--lr", "nan"), ("--lr", "-1"), ("--lr", "inf"), ("--momentum", "5"), ("--seed", "-1"),
     ("--epochs", "-1"), ("--batch-size", "0"), ("--limit", "0"), ("--max-images", "0")],
)
def test_bad_option_values_are_usage_errors(work, cache, option, value):
    before = snapshot(work)
    r = symcnn("train", f"{option}={value}", cwd=work, cache=cache)
    r.usage(option)
    assert snapshot(work) == before


# --- 12: specs that are not lists of layers -----------------------------------------------


LAYERS_LINE = 'LAYERS = [conv("conv1d")]'


@pytest.mark.sampled
@pytest.mark.parametrize(
    "old, new, needle",
    [
        (LAYERS_LINE, "LAYERS = 5", "LAYERS must be a list"),
        (LAYERS_LINE, "def gen():\n    raise RuntimeError('boom')\n    yield\nLAYERS = gen()",
         "LAYERS must be a list"),
        (LAYERS_LINE, "LAYERS = [Layer('s', (N, H, K), (X,), (W,), (U,), ('U[n, y] = X[n, y]',))]",
         "equations"),
        (LAYERS_LINE, "LAYERS = [conv('c', label=5)]", "label"),
        ('sizes("N H K")', 'sizes("arrays H K")', "'arrays' is reserved"),
        (LAYERS_LINE, "LAYERS = [conv('l' * 250)]", "250 characters"),
    ],
    ids=["int", "raising-generator", "string-equation", "int-label", "size-named-arrays", "long-name"],
)
def test_malformed_specs(work, cache, old, new, needle):
    (work / "spec.py").write_text(GOOD_SPEC.replace(old, new))
    before = snapshot(work)
    r = symcnn("derive", "--spec", "spec.py", "--out", "out", cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("spec error", needle)
    assert snapshot(work) == before


# --- 13: leftovers and signals -------------------------------------------------------------


def test_stale_temporaries_are_cleaned_and_live_ones_kept(tmp_path):
    from symcnn.fileio import atomic_write_text

    stale = tmp_path / ".model.npz.abcd1234.tmp"
    stale.write_bytes(b"half a checkpoint")
    live = tmp_path / ".model.npz.live5678.tmp"
    live.write_bytes(b"being written")
    other = tmp_path / ".other.npz.abcd1234.tmp"
    other.write_bytes(b"another file's")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a writer in another process holds it
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from symcnn.fileio import atomic_write_text as w; "
             "w(sys.argv[1], 'new')", str(tmp_path / "model.npz")],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    finally:
        os.close(fd)
    assert proc.returncode == 0, proc.stderr
    assert not stale.exists() and live.exists() and other.exists()
    assert (tmp_path / "model.npz").read_text() == "new"
    atomic_write_text(tmp_path / "model.npz", "newer")
    assert not live.exists()


def test_a_closed_pipe_ends_quietly(work, cache):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMCNN_CACHE": str(cache)}
    proc = subprocess.Popen([sys.executable, "-m", "symcnn.cli.main", "derive", "--show", "fc_sigmoid"],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # `| head -0`: the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) in (0, 1)
    assert "Traceback" not in err and "Exception ignored" not in err, err


# --- 14: degenerate inputs ----------------------------------------------------------------


@pytest.mark.sampled
@pytest.mark.parametrize("split", ["train", "test"])
def test_a_split_of_no_images_is_refused(work, cache, split):
    _data(work, **{split: 0})
    before = snapshot(work)
    r = symcnn("train", "--data", "data", "--backend", "numpy", "--save", "m.npz", cwd=work, cache=cache)
    assert r.code == 1
    r.error_line("data error", f"{split} split holds no images")
    assert snapshot(work) == before


def test_evaluate_on_a_test_split_of_no_images_is_refused(work, cache):
    _dlt_checkpoint(work / "model.npz")
    _data(work, test=0)
    r = symcnn("evaluate", "--model", "model.npz", "--data", "data", "--backend", "numpy", cwd=work,
               cache=cache)
    assert r.code == 1
    r.error_line("data error", "no images")


def test_a_fifo_as_model_is_refused_not_waited_on(work, cache):
    os.mkfifo(work / "model.npz")
    r = symcnn("evaluate", "--model", "model.npz", cwd=work, cache=cache, timeout=60)
    assert r.code == 1
    r.error_line("checkpoint error", "not a regular file")


def test_cache_key_holds_label_and_doc(tmp_path, monkeypatch):
    from symcnn.derive import cache as dcache
    from symcnn.model.builtins import subsample

    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path))
    layer = subsample("mean")
    relabelled = dataclasses.replace(layer, label="Z9", doc="another doc")
    assert dcache.cached_derive(layer).layer.label == layer.label
    got = dcache.cached_derive(relabelled)
    assert got.layer.label == "Z9" and got.layer.doc == "another doc"
    assert len(list(tmp_path.iterdir())) == 2
