"""A generated Numba module loaded by hand (README) and by the runtime share one on-disk cache safely."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BY_HAND = textwrap.dedent("""
    import importlib.util, numpy as np
    spec = importlib.util.spec_from_file_location("fc", "{path}")
    fc = importlib.util.module_from_spec(spec); spec.loader.exec_module(fc)  # no sys.modules entry
    arrays = {{"X": np.ones((2, 4)), "W": np.ones((3, 4)), "b": np.zeros(3)}}
    print(fc.forward(arrays)["Y"].sum())
""")
BY_RUNTIME = textwrap.dedent("""
    import numpy as np
    from symcnn.runtime.loader import load_layer_module
    fc = load_layer_module("fc_sigmoid", "numba")
    print(fc.forward({"X": np.ones((2, 4)), "W": np.ones((3, 4)), "b": np.zeros(3)})["Y"].sum())
""")


def _run(code: str, cache: Path) -> str:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.slow  # compiles into a cold cache in a child process
def test_a_module_loaded_by_hand_leaves_a_cache_the_runtime_can_read(tmp_path):
    by_hand = BY_HAND.format(path=ROOT / "generated" / "fc_sigmoid_numba.py")
    first = _run(by_hand, tmp_path)  # compiles, and writes the cache
    assert _run(BY_RUNTIME, tmp_path) == first  # reads what the first process wrote
    assert _run(by_hand, tmp_path) == first
