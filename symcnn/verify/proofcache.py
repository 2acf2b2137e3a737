"""Verdicts of the oracle kept in the cache folder, so one ``symcnn derive --spec`` proves a layer once.

The key covers the layer spec, the derivation proven (its stored text), the
source of :mod:`symcnn.verify` and SymPy's version. Entries are JSON data —
strings, numbers, booleans — read back into :class:`~.oracle.Verdict` fields
and checked; nothing in them runs. Verdicts cut short by the time budget are
never kept (another run may finish).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sympy as sp

from .. import __version__
from ..derive import store
from ..derive.cache import cache_key
from ..derive.engine import Derivation
from ..fileio import atomic_write_text
from ..paths import cache_dir

_HERE = Path(__file__).resolve().parent
_FIELDS = {"gradient": str, "holds": bool, "sizes": list, "detail": str, "symbolic": list, "randomized": list,
           "points": int, "bound": float, "refuted": bool, "cases": str}


def _key(d: Derivation, count: int) -> str:
    h = hashlib.sha256()
    h.update(f"{__version__}/{sp.__version__}/{count}/{cache_key(d.layer)}\0".encode())
    h.update(store.dump(d, "").encode())
    for path in sorted(_HERE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _path(d: Derivation, count: int) -> Path:
    return cache_dir() / "proofs" / f"{d.layer.name}-{_key(d, count)[:32]}.json"


def load(d: Derivation, count: int) -> list[dict] | None:
    """The verdicts' fields kept for ``d``, or None (absent, damaged or foreign entries are None)."""
    try:
        doc = json.loads(_path(d, count).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, list):
        return None
    out = []
    for item in doc:
        if not isinstance(item, dict) or set(item) != set(_FIELDS):
            return None
        if not all(isinstance(item[k], (int, float) if t is float else t) for k, t in _FIELDS.items()):
            return None
        if not all(isinstance(x, str) for k in ("sizes", "symbolic", "randomized") for x in item[k]):
            return None
        out.append({k: tuple(v) if isinstance(v, list) else v for k, v in item.items()})
    return out


def save(d: Derivation, count: int, verdicts: list[dict]) -> None:
    """Keep the verdicts' fields (a read-only cache only costs time)."""
    path = _path(d, count)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(verdicts, sort_keys=True) + "\n")
    except OSError:
        pass
