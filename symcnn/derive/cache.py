"""On-disk cache of derivations, keyed by a hash of the layer spec and the SymPy version.

A content-hash file name is the whole mechanism: same spec, same SymPy, same
engine → same file. Nothing to lock or clean: a stale entry is never read.
"""

from __future__ import annotations

import hashlib
import pickle

import sympy as sp

from .. import __version__
from ..fileio import atomic_write_bytes
from ..model.layer import Layer
from ..paths import cache_dir
from .engine import Derivation, derive

ENGINE_VERSION = "1"


def spec_hash(layer: Layer) -> str:
    """The hash of a layer spec; generated files carry it in their header."""
    text = f"{layer.key()}\nsympy={sp.__version__}\nengine={ENGINE_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_derive(layer: Layer, use_cache: bool = True) -> Derivation:
    """:func:`derive`, read from or written to the cache."""
    if not use_cache:
        return derive(layer)
    path = cache_dir() / f"{layer.name}-{spec_hash(layer)}-{__version__}.pickle"
    if path.exists():
        try:
            with path.open("rb") as fh:
                found = pickle.load(fh)
            if isinstance(found, Derivation) and found.layer.key() == layer.key():
                return found
        except Exception:  # a damaged cache entry is re-derived, never trusted
            pass
    result = derive(layer)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, pickle.dumps(result))
    except OSError:
        pass  # a read-only cache only costs time
    return result
