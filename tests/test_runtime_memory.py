"""The runtime keeps freed memory for the next step instead of faulting fresh pages in each time."""

from __future__ import annotations

import resource
import sys

import numpy as np
import pytest

from symcnn.runtime.memory import retain_freed_memory

PAGE = resource.getpagesize()
MAP = 4 * 2**20  # a batch of feature maps: above glibc's initial mmap threshold


def _step() -> float:
    """A step's temporaries: several feature maps alive at once, all freed at its end."""
    held = [np.ones(MAP // 8) for _ in range(6)]
    return sum(float(h.sum()) for h in held)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_a_steps_temporaries_reuse_memory_without_page_faults():
    if not retain_freed_memory():
        pytest.skip("not glibc")
    _step()  # the heap grows once
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        _step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # glibc's defaults hand the 24 MiB back every step: ~6,000 faults a step here
    assert faults < MAP // PAGE, faults


def test_network_construction_retains_memory(monkeypatch):
    from symcnn.runtime.presets import build_network

    calls = []
    monkeypatch.setattr("symcnn.runtime.network.retain_freed_memory", lambda: calls.append(1))
    build_network("dlt", backend="numpy", dtype="float32")
    assert calls
