"""Bad input, as a user meets it on the command line: a named problem, an exit code, nothing lost.

Each case asserts the exit status (1 for a problem with the input, 2 for a
usage mistake), that stderr is one line naming the offending thing with no
traceback, and, where files are involved, that nothing was written or changed.
The library-level cases live beside the code they test (test_spec_errors,
test_spec_fuzz, test_idx, test_checkpoint, test_runtime_loader, test_codegen).
"""

from __future__ import annotations

import gzip
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
    code, _, err = run(capsys, "--debug", "derive", "--spec", str(tmp_path / "nope.py"), "--out", str(tmp_path))
    assert code == 1 and "Traceback" in err


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
