"""The machine's measured matrix-multiply peak, the yardstick for training throughput.

A training step's useful work is its multiply-adds (:func:`symcnn.bench.arch.step_flops`);
the fastest this machine does multiply-adds is a large matrix product through
NumPy's BLAS. Their ratio says how much of the machine a backend uses.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from symcnn.bench.timing import LoadMeter

__all__ = ["matmul_peak", "stream_bandwidth"]


def matmul_peak(n: int = 1024, dtype: str = "float32", repeats: int = 20, min_seconds: float = 1.0) -> dict:
    """GFLOP/s of ``n×n @ n×n`` products (``2n³`` FLOPs each) in ``dtype``.

    Runs at least ``repeats`` products and at least ``min_seconds``, after one
    warm-up product; reports the best (the peak: on a shared machine the
    fastest product is the one least disturbed), the median, and the CPU
    cores other processes used meanwhile.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)
    flops = 2.0 * n**3
    rates: list[float] = []
    meter = LoadMeter().start()
    start = time.perf_counter()
    while len(rates) < repeats or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        rates.append(flops / max(time.perf_counter() - t0, 1e-9) / 1e9)
    _, _, other, _ = meter.stop()
    return {
        "gflops": max(rates),
        "gflops_median": statistics.median(rates),
        "n": n,
        "dtype": np.dtype(dtype).name,
        "products": len(rates),
        "other_cpu_cores": other,
    }


def stream_bandwidth(n: int, dtype: str = "float32", repeats: int = 50) -> dict:
    """GB/s of ``c = a + b`` over ``n`` elements (two arrays read, one written), the best of ``repeats``:
    what an elementwise pass over arrays of that size can move, the yardstick of the update."""
    a = np.ones(n, dtype=dtype)
    b, c = a.copy(), np.empty_like(a)
    np.add(a, b, out=c)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.add(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return {"gbps": 3 * a.nbytes / max(best, 1e-9) / 1e9, "elements": n, "dtype": np.dtype(dtype).name}
