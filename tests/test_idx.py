"""The IDX reader accepts good files and turns every malformed one into a DataError."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symcnn.errors import DataError
from symcnn.runtime.datasets import Dataset, find_dataset
from symcnn.runtime.idx import load_split, read_idx

EMBEDDED = Path(__file__).resolve().parent.parent / "symcnn" / "data"


def idx_bytes(array: np.ndarray, dtype_code: int = 0x08, magic: bytes = b"\x00\x00") -> bytes:
    """A small independent IDX writer."""
    head = magic + bytes([dtype_code, array.ndim])
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return head + dims + array.astype(np.uint8).tobytes()


def write(path: Path, data: bytes) -> Path:
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def write_split(folder: Path, split: str, n_images: int, n_labels: int, gz: bool) -> None:
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    images = rng.integers(0, 256, (n_images, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n_labels, dtype=np.uint8)
    write(folder / f"{split}-images-idx3-ubyte{suffix}", idx_bytes(images))
    write(folder / f"{split}-labels-idx1-ubyte{suffix}", idx_bytes(labels))


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_round_trip(tmp_path, name):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    got = read_idx(write(tmp_path / name, idx_bytes(array)))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, array)


def test_empty_payload(tmp_path):
    got = read_idx(write(tmp_path / "e", idx_bytes(np.zeros((0, 28, 28), np.uint8))))
    assert got.shape == (0, 28, 28)


@pytest.mark.parametrize("name", ["t", "t.gz"])
@pytest.mark.parametrize("cut", [0, 3, 4, 9, 16, 17, 30])
def test_truncated(tmp_path, name, cut):
    data = idx_bytes(np.ones((2, 2, 4), np.uint8))[:cut]
    with pytest.raises(DataError, match=r"(?i)truncated") as info:
        read_idx(write(tmp_path / name, data))
    assert str(tmp_path / name) in str(info.value)


def test_truncated_gzip_stream(tmp_path):
    blob = gzip.compress(idx_bytes(np.ones((50, 28, 28), np.uint8)))
    path = tmp_path / "x.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=str(path)):
        read_idx(path)


@pytest.mark.parametrize("name", ["t", "t.gz"])
def test_trailing_garbage(tmp_path, name):
    data = idx_bytes(np.ones((2, 3), np.uint8)) + b"junk"
    with pytest.raises(DataError, match="trailing"):
        read_idx(write(tmp_path / name, data))


def test_trailing_garbage_after_gzip_member(tmp_path):
    path = tmp_path / "t.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.ones((2, 3), np.uint8))) + b"garbage!")
    with pytest.raises(DataError, match=str(path)):
        read_idx(path)


@pytest.mark.parametrize("magic", [b"\x00\x01", b"\x08\x03", b"PK"])
def test_wrong_magic(tmp_path, magic):
    with pytest.raises(DataError, match="magic"):
        read_idx(write(tmp_path / "m", idx_bytes(np.ones(3, np.uint8), magic=magic)))


def test_unsupported_dtype(tmp_path):
    with pytest.raises(DataError, match="0x0d"):
        read_idx(write(tmp_path / "f", idx_bytes(np.ones(3, np.uint8), dtype_code=0x0D)))


def test_zero_dimensions(tmp_path):
    path = tmp_path / "z"
    path.write_bytes(b"\x00\x00\x08\x00")
    with pytest.raises(DataError, match="dimensions"):
        read_idx(path)


def test_huge_header_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge"
    path.write_bytes(b"\x00\x00\x08\x03" + b"\xff\xff\xff\xff" * 3)
    with pytest.raises(DataError, match="promises"):
        read_idx(path)


def test_not_gzip_though_named_gz(tmp_path):
    path = tmp_path / "t.gz"
    path.write_bytes(idx_bytes(np.ones(3, np.uint8)))
    with pytest.raises(DataError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_gzip_though_not_named_gz(tmp_path):
    path = tmp_path / "t"
    path.write_bytes(gzip.compress(idx_bytes(np.ones(3, np.uint8))))
    with pytest.raises(DataError, match="gzip"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_idx(tmp_path / "nothing")


def test_directory_is_a_data_error(tmp_path):
    with pytest.raises(DataError):
        read_idx(tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_load_split(tmp_path, gz):
    write_split(tmp_path, "train", 5, 5, gz)
    images, labels = load_split(tmp_path, "train")
    assert images.shape == (5, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (5,) and labels.dtype == np.uint8


def test_load_split_mismatched_counts(tmp_path):
    write_split(tmp_path, "t10k", 5, 4, gz=True)
    with pytest.raises(DataError, match="5 images but 4 labels"):
        load_split(tmp_path, "t10k")


def test_load_split_wrong_image_shape(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((2, 27, 28), np.uint8)))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(2, np.uint8)))
    with pytest.raises(DataError, match=r"\(N, 28, 28\)"):
        load_split(tmp_path, "train")


def test_load_split_label_out_of_range(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((2, 28, 28), np.uint8)))
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([3, 10], np.uint8)))
    with pytest.raises(DataError, match="label 10"):
        load_split(tmp_path, "train")


def test_load_split_missing_and_unknown(tmp_path):
    with pytest.raises(DataError, match="missing train-images-idx3-ubyte"):
        load_split(tmp_path, "train")
    with pytest.raises(DataError, match="unknown split"):
        load_split(tmp_path, "validation")


# --- the embedded subset and dataset discovery ------------------------------------------


def test_embedded_subset_is_small_balanced_and_valid():
    total = sum(p.stat().st_size for p in EMBEDDED.glob("*.gz"))
    assert total <= 2 * 1024 * 1024
    for split, per_class in (("train", 300), ("t10k", 100)):
        images, labels = load_split(EMBEDDED, split)
        assert images.shape == (10 * per_class, 28, 28)
        np.testing.assert_array_equal(np.bincount(labels, minlength=10), [per_class] * 10)
    assert "MIT" in (EMBEDDED / "README.md").read_text()


def test_find_dataset_falls_back_to_embedded(monkeypatch, tmp_path):
    import symcnn.runtime.datasets as datasets

    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    ds = find_dataset(None)
    assert isinstance(ds, Dataset)
    assert ds.name == "fashion-mnist-subset" and "embedded" in ds.source
    x = ds.images("train")
    assert x.dtype == np.float64 and x.shape == (3000, 28, 28)
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert ds.test_y.dtype.kind == "i" and ds.test_y.shape == (1000,)
    assert ds.one_hot("test").sum(axis=1).tolist() == [1.0] * 1000


def test_find_dataset_data_dir(tmp_path):
    write_split(tmp_path, "train", 4, 4, gz=False)
    write_split(tmp_path, "t10k", 2, 2, gz=True)
    ds = find_dataset(tmp_path)
    assert ds.train_x.shape == (4, 28, 28) and ds.test_x.shape == (2, 28, 28)
    assert ds.source == str(tmp_path)
    assert ds.images("test", np.float32).dtype == np.float32


def test_find_dataset_data_dir_missing_files(tmp_path):
    write_split(tmp_path, "train", 4, 4, gz=False)
    with pytest.raises(DataError, match="t10k-images"):
        find_dataset(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        find_dataset(tmp_path / "nope")


# --- fuzzing: only DataError may escape --------------------------------------------------

REAL = idx_bytes(np.random.default_rng(1).integers(0, 256, (3, 28, 28), dtype=np.uint8))
REAL_GZ = gzip.compress(REAL, mtime=0)
FUZZ = settings(
    max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _read_or_data_error(path: Path) -> None:
    try:
        read_idx(path)
    except DataError:
        pass


@FUZZ
@given(data=st.binary(max_size=64), gz_name=st.booleans())
def test_fuzz_random_bytes(tmp_path, data, gz_name):
    _read_or_data_error(write(tmp_path / ("r.gz" if gz_name else "r"), data))


@FUZZ
@given(
    header=st.binary(min_size=0, max_size=24).map(lambda b: b"\x00\x00\x08" + b),
    tail=st.binary(max_size=64),
)
def test_fuzz_plausible_headers(tmp_path, header, tail):
    path = tmp_path / "h"
    path.write_bytes(header + tail)
    _read_or_data_error(path)


@FUZZ
@given(cut=st.integers(0, len(REAL)), flip=st.integers(0, len(REAL) - 1))
def test_fuzz_truncations_of_real_file(tmp_path, cut, flip):
    path = tmp_path / "t"
    path.write_bytes(REAL[:cut])
    if cut == len(REAL):
        assert read_idx(path).shape == (3, 28, 28)
    else:
        with pytest.raises(DataError):
            read_idx(path)
    corrupt = bytearray(REAL)
    corrupt[flip] ^= 0xFF
    path.write_bytes(bytes(corrupt))
    _read_or_data_error(path)


@FUZZ
@given(cut=st.integers(0, len(REAL_GZ)), flip=st.integers(0, len(REAL_GZ) - 1))
def test_fuzz_truncations_of_real_gzip(tmp_path, cut, flip):
    path = tmp_path / "t.gz"
    path.write_bytes(REAL_GZ[:cut])
    if cut == len(REAL_GZ):
        assert read_idx(path).shape == (3, 28, 28)
    else:
        with pytest.raises(DataError):
            read_idx(path)
    corrupt = bytearray(REAL_GZ)
    corrupt[flip] ^= 0xFF
    path.write_bytes(bytes(corrupt))
    _read_or_data_error(path)


def test_runtime_data_modules_do_not_import_sympy():
    import subprocess
    import sys

    code = (
        "import sys, symcnn.runtime.idx, symcnn.runtime.datasets, symcnn.runtime.checkpoint, "
        "symcnn.runtime.make_subset, symcnn.fileio; assert 'sympy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
