"""A user layer's Numba module, checked twice, is loaded from one file that is written once."""

from __future__ import annotations

import os

from symcnn.derive import derive
from symcnn.model import builtin_layers
from symcnn.verify.generated import load_backends


def test_the_numba_module_of_one_text_is_written_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path))
    d = derive(builtin_layers()["fc_sigmoid"])
    first = load_backends(d, ("numba",))["numba"].__file__
    stamp = os.stat(first).st_mtime_ns
    os.utime(first, ns=(stamp - 10**9, stamp - 10**9))  # an older stamp: a rewrite would change it
    second = load_backends(d, ("numba",))["numba"].__file__
    assert first == second and str(tmp_path / "verify") in first
    assert os.stat(second).st_mtime_ns == stamp - 10**9
