"""Checkpoints round-trip, refuse what does not match, and are never half-written."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import symcnn.fileio as fileio
from symcnn.errors import CheckpointError
from symcnn.fileio import atomic_write_bytes, atomic_write_text
from symcnn.runtime.checkpoint import META_KEY, load_npz, save_npz


def arrays() -> dict[str, np.ndarray]:
    return {
        "k1": np.arange(6 * 25, dtype=np.float64).reshape(6, 5, 5),
        "b1": np.zeros(6, dtype=np.float32),
        "step": np.array(7, dtype=np.int64),
    }


EXPECTED = {"k1": ((6, 5, 5), np.float64), "b1": ((6,), "float32"), "step": ((), np.int64)}
META = {"epoch": 3, "spec": "lenet", "lr": 0.5, "history": [1.0, 0.5]}


def test_round_trip(tmp_path):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), META)
    got, meta = load_npz(path, EXPECTED)
    assert meta == META
    assert set(got) == set(arrays())
    for name, value in arrays().items():
        np.testing.assert_array_equal(got[name], value)
        assert got[name].dtype == value.dtype


def test_round_trip_compressed_without_expectation(tmp_path):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), {}, compress=True)
    got, meta = load_npz(str(path))
    assert meta == {} and got["k1"].shape == (6, 5, 5)


def test_path_is_used_as_given(tmp_path):
    path = tmp_path / "weights.ckpt"
    save_npz(path, arrays(), META)
    assert os.listdir(tmp_path) == ["weights.ckpt"]


def test_no_pickle_inside(tmp_path):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), META)
    with np.load(path, allow_pickle=False) as data:
        assert data[META_KEY].dtype == np.uint8
        doc = json.loads(data[META_KEY].tobytes())
    assert doc["meta"] == META


def test_wildcard_axis(tmp_path):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), META)
    load_npz(path, {**EXPECTED, "k1": ((None, 5, 5), np.float64)})


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        ({**EXPECTED, "k1": ((6, 5, 4), np.float64)}, r"'k1' has shape \(6, 5, 5\)"),
        ({**EXPECTED, "k1": ((6, 25), np.float64)}, r"'k1' has shape"),
        ({**EXPECTED, "b1": ((6,), np.float64)}, r"'b1' has dtype float32"),
        ({**EXPECTED, "ffW": ((10, 192), np.float64)}, r"missing array 'ffW'"),
        ({"k1": EXPECTED["k1"], "b1": EXPECTED["b1"]}, r"unexpected array 'step'"),
    ],
)
def test_mismatch_names_the_key(tmp_path, expected, message):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), META)
    with pytest.raises(CheckpointError, match=message) as info:
        load_npz(path, expected)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("bad_arrays", "bad_meta"),
    [
        ({"__meta__": np.zeros(1)}, {}),
        ({"": np.zeros(1)}, {}),
        ({"o": np.array([object()], dtype=object)}, {}),
        ({"s": np.array(["text"])}, {}),
        ({"w": np.zeros(1)}, {"x": object()}),
        ({"w": np.zeros(1)}, {"x": float("nan")}),
    ],
)
def test_save_refuses_what_cannot_be_stored_safely(tmp_path, bad_arrays, bad_meta):
    with pytest.raises(CheckpointError):
        save_npz(tmp_path / "ck.npz", bad_arrays, bad_meta)
    assert os.listdir(tmp_path) == []


def test_load_missing(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_npz(tmp_path / "absent.npz")


@pytest.mark.parametrize(
    "content", [b"", b"not a zip at all", b"PK\x03\x04 broken", b"\x93NUMPY garbage"]
)
def test_load_garbage(tmp_path, content):
    path = tmp_path / "ck.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=str(path)):
        load_npz(path)


def test_load_truncated(tmp_path):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), META)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError):
        load_npz(path)


def test_load_plain_npy_and_foreign_npz(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="not an .npz"):
        load_npz(tmp_path / "a.npy")
    np.savez(tmp_path / "b.npz", w=np.ones(3))
    with pytest.raises(CheckpointError, match="not a symcnn checkpoint"):
        load_npz(tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", o=np.array([{}], dtype=object))
    with pytest.raises(CheckpointError, match="'o'"):
        load_npz(tmp_path / "c.npz")
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match="readme.txt"):
        load_npz(tmp_path / "d.npz")


def test_bad_meta(tmp_path):
    path = tmp_path / "ck.npz"
    np.savez(path, **{META_KEY: np.frombuffer(b"{not json", dtype=np.uint8)})
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_npz(path)
    np.savez(path, **{META_KEY: np.frombuffer(b'{"symcnn_checkpoint": 99}', dtype=np.uint8)})
    with pytest.raises(CheckpointError, match="format version"):
        load_npz(path)


# --- atomicity -----------------------------------------------------------------------------


def test_failed_replace_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), {"epoch": 1})
    before = path.read_bytes()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", boom)
    new = {name: value + 1 for name, value in arrays().items()}
    with pytest.raises(OSError, match="disk full"):
        save_npz(path, new, {"epoch": 2})
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ck.npz"]
    assert path.read_bytes() == before
    assert load_npz(path, EXPECTED)[1] == {"epoch": 1}


def test_failing_writer_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    save_npz(path, arrays(), {"epoch": 1})
    before = path.read_bytes()

    def broken_savez(file, **kwargs):
        file.write(b"PK partial")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(RuntimeError, match="interrupted"):
        save_npz(path, arrays(), {"epoch": 2})
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ck.npz"]
    assert path.read_bytes() == before


def test_atomic_write_helpers(tmp_path):
    target = tmp_path / "gen.py"
    atomic_write_text(target, "x = 'é'\n")
    assert target.read_text(encoding="utf-8") == "x = 'é'\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    target.chmod(0o600)
    atomic_write_bytes(target, b"y = 1\n")
    assert target.read_bytes() == b"y = 1\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["gen.py"]


def test_atomic_write_into_missing_folder_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "no" / "such" / "f", b"x")
    assert os.listdir(tmp_path) == []
