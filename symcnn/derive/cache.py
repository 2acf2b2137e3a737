"""On-disk cache of derivations, keyed by a hash of the layer spec and the SymPy version.

A content-hash file name is the whole mechanism: same spec, same SymPy, same
engine → same file. Nothing to lock or clean: a stale entry is never read.
Entries are data, never code: JSON with SymPy ``srepr`` text that
:mod:`.store` rebuilds through an allow-list (no ``pickle``, no ``eval``), and
that must name the full spec it was derived from, label and doc included.
"""

from __future__ import annotations

import hashlib

import sympy as sp

from .. import __version__
from ..fileio import atomic_write_text
from ..model.layer import Layer
from ..paths import cache_dir
from . import store
from .engine import Derivation, derive

ENGINE_VERSION = "1"


def spec_hash(layer: Layer) -> str:
    """The hash of a layer spec; generated files carry it in their header."""
    text = f"{layer.key()}\nsympy={sp.__version__}\nengine={ENGINE_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_key(layer: Layer) -> str:
    """The hash of everything a derivation depends on or carries: the spec, label, doc and versions."""
    text = "\n".join([layer.key(), f"label={layer.label!r}", f"doc={layer.doc!r}",
                      f"meta={layer.meta!r}", f"sympy={sp.__version__}", f"engine={ENGINE_VERSION}",
                      f"symcnn={__version__}"])
    return hashlib.sha256(text.encode()).hexdigest()


def cached_derive(layer: Layer, use_cache: bool = True) -> Derivation:
    """:func:`derive`, read from or written to the cache."""
    if not use_cache:
        return derive(layer)
    key = cache_key(layer)
    path = cache_dir() / f"{layer.name}-{spec_hash(layer)}-{key[:16]}-{__version__}.json"
    try:
        if path.is_file() and path.stat().st_size <= store.MAX_DOC:
            return store.load(path.read_text(encoding="utf-8"), layer, key)
    except (OSError, UnicodeDecodeError, store.StoreError):
        pass  # a damaged or foreign cache entry is re-derived, never trusted
    result = derive(layer)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, store.dump(result, key))
    except OSError:
        pass  # a read-only cache only costs time
    return result
