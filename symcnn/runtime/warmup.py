"""Numba kernels compiled in a child process, so the training process loads them from the disk cache.

Numba runs a ``parallel=True`` kernel compiled in the current process slower
than the same kernel loaded from its on-disk cache (numba/numba#10617): on
this project's LeNet-5 a training step took 30-36 ms in the process that
compiled the kernels and 20-21 ms in every later one, for the whole run. A
first ``symcnn train`` therefore compiles the network's kernels in a short
child process — one training step on a two-image batch, which makes every
kernel the step runs, for the network's dtype — and then trains on kernels
read from the cache. When the cache is already warm the child only loads it
(about a second). If the child fails, the kernels compile in-process as
before: slower, never wrong.

``python -m symcnn.runtime.warmup '<json>'`` is the child.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

#: Images in the child's one training step: kernels are compiled per dtype and layout, not per size.
BATCH = 2


def compile_ahead(
    net: str,
    *,
    dtype: str,
    convention: str = "xcorr",
    generated: str | Path | None = None,
    trust: bool = False,
) -> float | None:
    """Compile (or load) every Numba kernel of preset ``net``'s training step in a child process.

    Returns the child's wall time in seconds, or ``None`` if it failed.
    """
    spec = {"net": net, "dtype": dtype, "convention": convention,
            "generated": None if generated is None else str(generated), "trust": trust}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", __name__, json.dumps(spec)],
                          capture_output=True, text=True, check=False)
    return time.perf_counter() - start if done.returncode == 0 else None


def _step(spec: dict) -> None:
    """One training step of the preset on a synthetic batch (the child's whole job)."""
    from symcnn.runtime.arch import synthetic_batch
    from symcnn.runtime.optim import SGD
    from symcnn.runtime.presets import build_network

    net = build_network(spec["net"], backend="numba", dtype=spec["dtype"], convention=spec["convention"],
                        generated=spec["generated"], trust=spec["trust"])
    x, t = synthetic_batch(BATCH, spec["dtype"])
    net.loss(x, t)
    net.backward()
    SGD(net.parameters(), lr=0.01, momentum=0.9).step(net.gradients())


if __name__ == "__main__":
    _step(json.loads(sys.argv[1]))
