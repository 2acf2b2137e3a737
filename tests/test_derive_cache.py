"""The derivation cache: same spec and SymPy → same file; any change → a new derivation."""

from __future__ import annotations

from symcnn.derive import cache
from symcnn.model.builtins import conv2d, subsample


def test_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path))
    layer = subsample("mean")
    first = cache.cached_derive(layer)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and cache.spec_hash(layer) in files[0].name
    second = cache.cached_derive(layer)
    assert second == first and list(tmp_path.iterdir()) == files


def test_hash_follows_the_equation():
    assert cache.spec_hash(conv2d("sigmoid", "xcorr")) != cache.spec_hash(conv2d("sigmoid", "matlab"))
    assert cache.spec_hash(conv2d("sigmoid")) == cache.spec_hash(conv2d("sigmoid"))


def test_damaged_cache_entry_is_rederived(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path))
    layer = subsample("sum")
    good = cache.cached_derive(layer)
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(b"not a pickle")
    assert cache.cached_derive(layer) == good
