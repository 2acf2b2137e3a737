"""Checkpoints: named NumPy arrays plus JSON metadata in one ``.npz`` file.

Nothing here uses pickle. The metadata is stored as a JSON document in a uint8
array under the reserved name ``__meta__``, and files are read with
``allow_pickle=False``. Before any array is decompressed, every member's
``.npy`` header (name, shape, dtype) is read on its own and checked: against
the network's arrays when they are known, and against :data:`MAX_BYTES` in
any case, so a small file that inflates to gigabytes is refused unread.
Writes are atomic (see :mod:`symcnn.fileio`): a crash
or error while saving leaves any previous checkpoint intact.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from symcnn.errors import CheckpointError
from symcnn.fileio import atomic_writer

__all__ = ["FORMAT_VERSION", "MAX_BYTES", "META_KEY", "ExpectedSpec", "check_finite", "load_meta", "load_npz",
           "read_headers", "save_npz"]

#: Reserved array name holding the JSON metadata.
META_KEY = "__meta__"
#: Version of the layout written by :func:`save_npz`.
FORMAT_VERSION = 1
#: The most bytes the arrays of a checkpoint may declare (the presets need under 2 MB).
MAX_BYTES = 256 * 2**20
#: The most bytes of JSON metadata.
MAX_META_BYTES = 2**20

#: ``{name: (shape, dtype)}``; a ``None`` in a shape matches any length on that axis.
ExpectedSpec = Mapping[str, tuple[tuple[int | None, ...], Any]]


def _encode_meta(meta: Mapping[str, Any]) -> np.ndarray:
    doc = {"symcnn_checkpoint": FORMAT_VERSION, "meta": dict(meta)}
    try:
        text = json.dumps(doc, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint metadata is not plain JSON: {exc}") from exc
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


def _decode_meta(path: str, raw: np.ndarray) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"{path}: {META_KEY} is not a 1-D uint8 array")
    try:
        doc = json.loads(raw.tobytes().decode("utf-8"))
    except RecursionError:
        raise CheckpointError(f"{path}: {META_KEY} is JSON nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"{path}: {META_KEY} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("symcnn_checkpoint") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: not a symcnn checkpoint of format version {FORMAT_VERSION}"
        )
    meta = doc.get("meta")
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: {META_KEY} holds no metadata object")
    return meta


def _check_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name or name.startswith("__"):
            raise CheckpointError(f"array name {name!r} is empty, not a string or reserved")
        arr = np.asarray(value)
        if arr.dtype.hasobject or arr.dtype.kind not in "biufc":
            raise CheckpointError(f"array {name!r} has dtype {arr.dtype}, expected a number type")
        out[name] = arr
    return out


def save_npz(
    path: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    meta: Mapping[str, Any],
    compress: bool = False,
) -> None:
    """Atomically write ``arrays`` and the JSON-able ``meta`` to the ``.npz`` file ``path``.

    Array names must be non-empty strings not starting with ``__``; arrays must
    have a numeric dtype. Raises :class:`CheckpointError` otherwise. ``path`` is
    used as given (NumPy's habit of appending ``.npz`` is avoided).
    """
    payload = _check_arrays(arrays)
    payload[META_KEY] = _encode_meta(meta)
    saver = np.savez_compressed if compress else np.savez
    with atomic_writer(path) as handle:
        saver(handle, **payload)


def _check_expected(path: str, arrays: dict[str, np.ndarray], expected: ExpectedSpec) -> None:
    missing = sorted(set(expected) - set(arrays))
    if missing:
        raise CheckpointError(f"{path}: missing array {missing[0]!r}")
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise CheckpointError(f"{path}: unexpected array {extra[0]!r}")
    for name, (shape, dtype) in expected.items():
        arr = arrays[name]
        want = tuple(shape)
        if arr.ndim != len(want) or any(
            w is not None and w != g for w, g in zip(want, arr.shape, strict=True)
        ):
            raise CheckpointError(
                f"{path}: array {name!r} has shape {arr.shape}, expected {want}"
            )
        if arr.dtype != np.dtype(dtype):
            raise CheckpointError(
                f"{path}: array {name!r} has dtype {arr.dtype}, expected {np.dtype(dtype)}"
            )


def _header(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype]:
    with archive.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unknown .npy version {version}")
    if dtype.hasobject:
        raise ValueError("holds Python objects")
    return tuple(shape), dtype


def read_headers(path: str | os.PathLike[str]) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """``{array name: (shape, dtype)}`` of an ``.npz`` from its ``.npy`` headers, decompressing no data.

    Raises :class:`CheckpointError` if the archive, a member name or a header is malformed,
    or the arrays declare more than :data:`MAX_BYTES` in all.
    """
    name, found, total = str(path), {}, 0
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > 10_000:
                raise CheckpointError(f"{name}: {len(members)} members; not a checkpoint")
            for info in members:
                if not info.filename.endswith(".npy"):
                    raise CheckpointError(f"{name}: member {info.filename!r:.80} is not a .npy array")
                try:
                    shape, dtype = _header(name, archive, info)
                except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as exc:
                    what = f"{name}: array {info.filename[:-4]!r:.80}"
                    raise CheckpointError(f"{what} cannot be read: {exc}") from None
                key = info.filename[:-4]
                size = dtype.itemsize * math.prod(shape)
                limit = MAX_META_BYTES if key == META_KEY else MAX_BYTES
                total += size
                if size > limit or total > MAX_BYTES:
                    raise CheckpointError(
                        f"{name}: array {key!r:.80} declares {size} bytes; a checkpoint holds at most {limit}"
                    )
                found[key] = (shape, dtype)
    except FileNotFoundError as exc:
        raise CheckpointError(f"{name}: no such checkpoint") from exc
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise CheckpointError(f"{name}: not a readable .npz checkpoint: {exc}") from exc
    return found


def _read_member(name: str, data: np.lib.npyio.NpzFile, key: str) -> np.ndarray:
    try:
        arr = data[key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{name}: array {key!r} cannot be read: {exc}") from exc
    if not isinstance(arr, np.ndarray):
        raise CheckpointError(f"{name}: member {key!r} is not a .npy array")
    return arr


class _Declared:
    """What an ``.npy`` header declares: enough of an array for :func:`_check_expected`."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape, self.dtype, self.ndim = shape, dtype, len(shape)


def _check_magic(name: str, path: str | os.PathLike[str]) -> None:
    """A regular file that starts as a zip archive; a FIFO or device is refused before it is opened."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError as exc:
        raise CheckpointError(f"{name}: no such checkpoint") from exc
    except OSError as exc:
        raise CheckpointError(f"{name}: cannot be read: {exc}") from exc
    if not stat.S_ISREG(mode):
        raise CheckpointError(f"{name}: not a regular file")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise CheckpointError(f"{name}: cannot be read: {exc}") from exc
    if magic != b"PK\x03\x04":
        raise CheckpointError(f"{name}: not an .npz archive (no zip header)")


def load_npz(
    path: str | os.PathLike[str], expected: ExpectedSpec | None = None
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_npz`; return ``(arrays, meta)``.

    With ``expected`` (``{name: (shape, dtype)}``), the file must hold exactly
    those arrays with those shapes and dtypes. Raises :class:`CheckpointError`
    naming the file, and the offending array where there is one, when the file
    is missing, not a symcnn ``.npz`` checkpoint, corrupt, or does not match.
    """
    name = str(path)
    _check_magic(name, path)
    headers = read_headers(path)
    if META_KEY not in headers:
        raise CheckpointError(f"{name}: no {META_KEY} entry, not a symcnn checkpoint")
    keys = sorted(headers)
    if expected is not None:  # names, shapes and dtypes, before a byte of data is inflated
        _check_expected(name, {k: _Declared(shape, dtype)
                               for k, (shape, dtype) in headers.items() if k != META_KEY}, expected)
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError as exc:
        raise CheckpointError(f"{name}: no such checkpoint") from exc
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{name}: not a readable .npz checkpoint: {exc}") from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{name}: a single .npy array, not an .npz checkpoint")
    with data:
        arrays = {key: _read_member(name, data, key) for key in keys}
    meta = _decode_meta(name, arrays.pop(META_KEY))
    if expected is not None:
        _check_expected(name, arrays, expected)
    return arrays, meta


def check_finite(arrays: Mapping[str, np.ndarray], where: str) -> None:
    """Refuse weights holding NaN or Inf (a training that diverged): they can only predict garbage."""
    for name in sorted(arrays):
        arr = arrays[name]
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
            raise CheckpointError(f"{where}: array {name!r} holds {bad} non-finite values (NaN or Inf) of "
                                  f"{arr.size}; the training that wrote it diverged")


def load_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Only the metadata of a checkpoint (its other arrays are not decompressed)."""
    name = str(path)
    _check_magic(name, path)
    if META_KEY not in read_headers(path):
        raise CheckpointError(f"{name}: no {META_KEY} entry, not a symcnn checkpoint")
    try:
        with np.load(path, allow_pickle=False) as data:
            return _decode_meta(name, _read_member(name, data, META_KEY))
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{name}: not a readable .npz checkpoint: {exc}") from exc
