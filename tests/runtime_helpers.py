"""Shared helpers of the runtime tests: which generated folder, finite differences."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from symcnn.runtime.loader import GENERATED_DIR

#: The generated folder the runtime tests load (SYMCNN_TEST_GENERATED overrides generated/).
GENERATED = Path(os.environ.get("SYMCNN_TEST_GENERATED", GENERATED_DIR))


def batch(rng: np.random.Generator, n: int, dtype: str = "float64", classes: int = 10):
    """Random images (n, 1, 28, 28) and one-hot targets (n, classes)."""
    x = rng.random((n, 1, 28, 28)).astype(dtype)
    t = np.zeros((n, classes), dtype=dtype)
    t[np.arange(n), rng.integers(0, classes, n)] = 1
    return x, t


def directional_check(net, x, t, rng, h: float = 1e-6) -> list[tuple[str, float, float]]:
    """For each parameter p: (name, ⟨∂L/∂p, v⟩, central difference of L along v) for a random v."""
    net.loss(x, t)
    net.backward()
    grads = {k: g.copy() for k, g in net.gradients().items()}
    out = []
    for name, p in net.parameters().items():
        v = rng.standard_normal(p.shape)
        keep = p.copy()
        p += h * v
        plus = net.loss(x, t)
        p[...] = keep - h * v
        minus = net.loss(x, t)
        p[...] = keep
        out.append((name, float(np.sum(grads[name] * v)), (plus - minus) / (2 * h)))
    return out
