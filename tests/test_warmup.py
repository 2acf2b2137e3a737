"""Numba kernels compiled in a child process first: the training process only loads them [runtime.warmup]."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from symcnn.runtime.warmup import compile_ahead

PARENT = textwrap.dedent("""
    import numpy as np
    from numba.core.dispatcher import Dispatcher
    from symcnn.runtime.presets import build_network
    from symcnn.runtime.warmup import compile_ahead

    assert compile_ahead("dlt", dtype="float32") is not None
    net = build_network("dlt", backend="numba", dtype="float32")
    x = np.random.default_rng(0).random((3, 1, 28, 28)).astype("float32")
    net.loss(x, np.eye(10, dtype="float32")[[1, 2, 3]])
    net.backward()
    hits = misses = 0
    for layer in net.layers:
        for kernel in vars(getattr(layer, "module", object)).values():
            if isinstance(kernel, Dispatcher):
                hits += sum(kernel.stats.cache_hits.values())
                misses += sum(kernel.stats.cache_misses.values())
    print(hits, misses)
""")


def test_training_process_loads_every_kernel_from_the_cache(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # a cold cache: the child compiles everything
    done = subprocess.run([sys.executable, "-c", PARENT], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    hits, misses = map(int, done.stdout.split())
    assert hits > 0 and misses == 0


def test_a_failed_child_is_reported_not_raised():
    assert compile_ahead("no-such-net", dtype="float32") is None
