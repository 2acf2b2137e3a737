"""Checkpoints: named NumPy arrays plus JSON metadata in one ``.npz`` file.

Nothing here uses pickle. The metadata is stored as a JSON document in a uint8
array under the reserved name ``__meta__``, and files are read with
``allow_pickle=False``. Writes are atomic (see :mod:`symcnn.fileio`): a crash
or error while saving leaves any previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from symcnn.errors import CheckpointError
from symcnn.fileio import atomic_writer

__all__ = ["FORMAT_VERSION", "META_KEY", "ExpectedSpec", "load_npz", "save_npz"]

#: Reserved array name holding the JSON metadata.
META_KEY = "__meta__"
#: Version of the layout written by :func:`save_npz`.
FORMAT_VERSION = 1

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


def _read_member(name: str, data: np.lib.npyio.NpzFile, key: str) -> np.ndarray:
    try:
        arr = data[key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{name}: array {key!r} cannot be read: {exc}") from exc
    if not isinstance(arr, np.ndarray):
        raise CheckpointError(f"{name}: member {key!r} is not a .npy array")
    return arr


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
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError as exc:
        raise CheckpointError(f"{name}: no such checkpoint") from exc
    except OSError as exc:
        raise CheckpointError(f"{name}: cannot be read: {exc}") from exc
    if magic != b"PK\x03\x04" and not magic.startswith(b"\x93NUM"):
        raise CheckpointError(f"{name}: not an .npz archive (no zip header)")
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError as exc:
        raise CheckpointError(f"{name}: no such checkpoint") from exc
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{name}: not a readable .npz checkpoint: {exc}") from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{name}: a single .npy array, not an .npz checkpoint")
    with data:
        arrays = {key: _read_member(name, data, key) for key in data.files}
    if META_KEY not in arrays:
        raise CheckpointError(f"{name}: no {META_KEY} entry, not a symcnn checkpoint")
    meta = _decode_meta(name, arrays.pop(META_KEY))
    if expected is not None:
        _check_expected(name, arrays, expected)
    return arrays, meta
