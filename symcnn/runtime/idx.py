"""Reader for IDX files, the format of MNIST and Fashion-MNIST, raw or gzip'ed.

An IDX file is a 4-byte magic number ``00 00 <dtype> <ndim>``, then ``ndim``
big-endian uint32 dimensions, then the data in C order. Only dtype ``0x08``
(unsigned byte) is supported, which is all the (Fashion-)MNIST files use.

The reader checks the header before it reads the data, so a malformed file is
rejected without being loaded: the expected payload size comes from the header,
the payload is read into a buffer of exactly that size, and anything short of
it (truncation) or beyond it (trailing bytes) is a :class:`DataError` that names
the file and says what is wrong. A file is treated as gzip exactly when its name
ends in ``.gz``.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from symcnn.errors import DataError

__all__ = ["DEFAULT_MAX_IMAGES", "MAX_PAYLOAD_BYTES", "SPLITS", "load_split", "read_idx", "split_paths"]

#: Largest payload the reader accepts (the Fashion-MNIST training images are 47 MB).
MAX_PAYLOAD_BYTES = 1 << 30
#: Most images (items along the first axis) a split may hold unless the caller allows more
#: (``symcnn train --max-images``): 100 000 images are 627 MB as float64, the full Fashion-MNIST
#: training split 60 000. Checked on the header, before a byte of data is read or converted.
DEFAULT_MAX_IMAGES = 100_000
#: Highest number of dimensions accepted in a header.
MAX_NDIM = 8
#: The splits of an MNIST-style folder.
SPLITS = ("train", "t10k")

_UBYTE = 0x08
_DTYPE_NAMES = {
    0x08: "ubyte", 0x09: "byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double"
}
_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


def _read_exact(handle: BinaryIO, n: int) -> bytes:
    """Read up to ``n`` bytes, looping over short reads; fewer only at end of file."""
    parts = []
    while n > 0:
        part = handle.read(n)
        if not part:
            break
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def _parse_header(name: str, handle: BinaryIO) -> tuple[tuple[int, ...], int]:
    """Read and validate the header; return the shape and the header's length in bytes."""
    magic = _read_exact(handle, 4)
    if len(magic) < 4:
        raise DataError(f"{name}: truncated: {len(magic)} bytes, shorter than the 4-byte magic")
    if magic[:2] == _GZIP_MAGIC:
        raise DataError(f"{name}: gzip-compressed data in a file not named .gz")
    if magic[:2] != b"\x00\x00":
        raise DataError(
            f"{name}: wrong magic number {magic.hex()}: an IDX file starts with 00 00"
        )
    dtype, ndim = magic[2], magic[3]
    if dtype != _UBYTE:
        what = _DTYPE_NAMES.get(dtype, "an unknown type")
        raise DataError(
            f"{name}: data type code 0x{dtype:02x} ({what}) is not supported, only 0x08 (ubyte)"
        )
    if not 1 <= ndim <= MAX_NDIM:
        raise DataError(f"{name}: {ndim} dimensions in the header, expected 1 to {MAX_NDIM}")
    raw_dims = _read_exact(handle, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise DataError(
            f"{name}: truncated header: {ndim} dimensions need {4 * ndim} bytes, "
            f"found {len(raw_dims)}"
        )
    shape = tuple(int.from_bytes(raw_dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
    return shape, 4 + 4 * ndim


def _payload_size(name: str, shape: tuple[int, ...], max_items: int | None = None,
                  item_shape: tuple[int, ...] | None = None) -> int:
    """Return the number of payload bytes ``shape`` promises, refusing absurd sizes and,
    with ``item_shape``, any other shape of an item."""
    if item_shape is not None and tuple(shape[1:]) != tuple(item_shape):
        want = "(N" + "".join(f", {d}" for d in item_shape) + ")"
        raise DataError(f"{name}: header shape {shape}, expected {want}; refused before reading its data")
    if max_items is not None and shape and shape[0] > max_items:
        raise DataError(
            f"{name}: header promises {shape[0]} items, more than the {max_items} allowed "
            "(raise the limit with --max-images)"
        )
    size = 1
    for dim in shape:
        size *= dim
    if size > MAX_PAYLOAD_BYTES:
        raise DataError(
            f"{name}: header shape {shape} promises {size} bytes, "
            f"more than the {MAX_PAYLOAD_BYTES} this reader accepts"
        )
    return size


def _read_payload(name: str, handle: BinaryIO, shape: tuple[int, ...], size: int) -> np.ndarray:
    """Read exactly ``size`` bytes into a new uint8 array and make sure nothing follows."""
    out = np.empty(size, dtype=np.uint8)
    view = memoryview(out)
    got = 0
    while got < size:
        n = handle.readinto(view[got : min(size, got + _CHUNK)])
        if not n:
            break
        got += n
    if got < size:
        raise DataError(
            f"{name}: truncated: header shape {shape} promises {size} data bytes, found {got}"
        )
    extra = handle.read(1)
    if extra:
        raise DataError(f"{name}: trailing bytes after the {size} data bytes of shape {shape}")
    return out.reshape(shape)


def _read_gzip(path: Path, max_items: int | None, item_shape: tuple[int, ...] | None) -> np.ndarray:
    name = str(path)
    try:
        with gzip.open(path, "rb") as handle:
            shape, _ = _parse_header(name, handle)
            size = _payload_size(name, shape, max_items, item_shape)
            return _read_payload(name, handle, shape, size)
    except gzip.BadGzipFile as exc:
        raise DataError(f"{name}: not a valid gzip file ({exc})") from exc
    except EOFError as exc:
        raise DataError(f"{name}: truncated gzip stream ({exc})") from exc
    except zlib.error as exc:
        raise DataError(f"{name}: corrupt gzip data ({exc})") from exc


def _read_raw(path: Path, max_items: int | None, item_shape: tuple[int, ...] | None) -> np.ndarray:
    name = str(path)
    with open(path, "rb") as handle:
        file_size = os.fstat(handle.fileno()).st_size
        shape, header = _parse_header(name, handle)
        size = _payload_size(name, shape, max_items, item_shape)
        expected = header + size
        if file_size < expected:
            raise DataError(
                f"{name}: truncated: header shape {shape} needs {expected} bytes, "
                f"the file has {file_size}"
            )
        if file_size > expected:
            raise DataError(
                f"{name}: {file_size - expected} trailing bytes after the data "
                f"of shape {shape} ({expected} bytes expected)"
            )
        return _read_payload(name, handle, shape, size)


def read_idx(path: str | os.PathLike[str], max_items: int | None = None,
             item_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Read an IDX file (gzip'ed when its name ends in ``.gz``) as a uint8 array.

    With ``max_items``, a header promising more items along its first axis is
    refused before any data is read; with ``item_shape``, so is a header whose
    items (the axes after the first) have another shape.

    The array's shape is the one in the file's header. Raises :class:`DataError`
    naming the file when it is missing, unreadable, not gzip though named
    ``.gz``, has a wrong magic number or data type, is truncated, or has bytes
    after its data.
    """
    p = Path(path)
    try:
        if p.name.endswith(".gz"):
            return _read_gzip(p, max_items, item_shape)
        return _read_raw(p, max_items, item_shape)
    except DataError:
        raise
    except FileNotFoundError as exc:
        raise DataError(f"{p}: no such file") from exc
    except OSError as exc:
        raise DataError(f"{p}: cannot read: {exc.strerror or exc}") from exc


def split_paths(folder: str | os.PathLike[str], split: str) -> tuple[Path, Path]:
    """Return the image and label files of ``split`` in ``folder``.

    Each may be named ``<split>-images-idx3-ubyte`` or the same with ``.gz``;
    the uncompressed one wins when both exist. Raises :class:`DataError` when
    ``split`` is unknown or a file is missing.
    """
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}, expected one of {', '.join(SPLITS)}")
    base = Path(folder)
    found = []
    for stem in (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"):
        for candidate in (base / stem, base / f"{stem}.gz"):
            if candidate.is_file():
                found.append(candidate)
                break
        else:
            raise DataError(f"{base}: missing {stem} (or {stem}.gz)")
    return found[0], found[1]


def load_split(
    folder: str | os.PathLike[str],
    split: str,
    num_classes: int = 10,
    max_images: int | None = DEFAULT_MAX_IMAGES,
) -> tuple[np.ndarray, np.ndarray]:
    """Load ``split`` (``"train"`` or ``"t10k"``) of an MNIST-style folder.

    Returns ``(images, labels)``: uint8 arrays of shapes ``(N, 28, 28)`` and
    ``(N,)``. Raises :class:`DataError` when a file is missing or malformed,
    the shapes are wrong, the counts differ, or a label is not below
    ``num_classes``, or either file promises more than ``max_images`` items
    (:data:`DEFAULT_MAX_IMAGES`; ``None`` for no limit but the reader's byte limit).
    """
    image_path, label_path = split_paths(folder, split)
    images = read_idx(image_path, max_images, item_shape=(28, 28))  # a (1000, 1000, 1000) header: refused
    labels = read_idx(label_path, max_images, item_shape=())
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{image_path}: images of shape {images.shape}, expected (N, 28, 28)")
    if labels.ndim != 1:
        raise DataError(f"{label_path}: labels of shape {labels.shape}, expected (N,)")
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{folder}: split {split!r} has {images.shape[0]} images but {labels.shape[0]} labels"
        )
    if labels.size and int(labels.max()) >= num_classes:
        raise DataError(
            f"{label_path}: label {int(labels.max())} out of range for {num_classes} classes"
        )
    return images, labels
