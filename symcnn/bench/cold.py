"""``symcnn bench --cold``: time to a first result, ``symcnn train`` against a PyTorch script.

Both sides are whole processes timed from start to exit, Python's start-up and
imports included, as a user sees them:

* ``symcnn train --net NET --epochs E --json`` *cold*: a fresh, empty
  ``NUMBA_CACHE_DIR`` (every kernel compiled) and ``SYMCNN_CACHE``; then
  *warm*, again with the caches the cold run filled;
* ``python -m symcnn.bench.torch_train`` (:mod:`.torch_train`): the same
  epochs of the same data and weights in PyTorch eager, run before each
  symcnn run, so that a burst of load hits both sides alike.

The ratios are symcnn's wall time over PyTorch's, cold and warm.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from symcnn.bench.commands import time_command

__all__ = ["bench_cold", "format_cold"]


def bench_cold(
    net: str = "dlt",
    epochs: int = 1,
    data: str | None = None,
    generated: str | None = None,
    timeout: float = 1800,
    log: Callable[[str], None] = lambda msg: None,
) -> dict[str, Any]:
    """Wall seconds of ``symcnn train`` cold and warm, and of the PyTorch script before each."""
    train = [sys.executable, "-m", "symcnn.cli", "train", "--net", net, "--epochs", str(epochs), "--json"]
    torch = [sys.executable, "-m", "symcnn.bench.torch_train", "--net", net, "--epochs", str(epochs)]
    if data:
        train += ["--data", data]
        torch += ["--data", data]
    if generated:
        train += ["--generated", generated]
    result: dict[str, Any] = {"net": net, "epochs": epochs,
                              "symcnn_command": " ".join(["symcnn", *train[3:]]),
                              "torch_command": " ".join(["python", *torch[1:]])}
    with tempfile.TemporaryDirectory(prefix="symcnn-cold-") as tmp:
        env = dict(os.environ, SYMCNN_CACHE=str(Path(tmp) / "cache"),
                   NUMBA_CACHE_DIR=str(Path(tmp) / "numba"))
        for run in ("cold", "warm"):
            log(f"{run}: {result['torch_command']}")
            seconds, out, busy = time_command(torch, dict(os.environ), timeout)
            result[f"torch_{run}_s"], result[f"torch_{run}_busy"] = seconds, busy
            result[f"torch_{run}_epochs"] = _epochs(out)
            log(f"{run}: {result['symcnn_command']}")
            seconds, out, busy = time_command(train, env, timeout)
            result[f"symcnn_{run}_s"], result[f"symcnn_{run}_busy"] = seconds, busy
            result[f"symcnn_{run}_epochs"] = _epochs(out)
            result[f"{run}_ratio"] = result[f"symcnn_{run}_s"] / result[f"torch_{run}_s"]
    return result


def _epochs(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def format_cold(result: dict[str, Any], machine: str = "") -> str:
    """The text report of :func:`bench_cold`."""
    lines = [f"symcnn bench --cold: {result['net']}, {result['epochs']} epoch(s), whole processes"
             + (f", on {machine}" if machine else ""),
             f"{'':<6} {'symcnn s':>9} {'torch s':>8} {'ratio':>6} {'busy':>5}  "
             "epoch s (symcnn / torch), test error (symcnn / torch)"]
    for run in ("cold", "warm"):
        ours, theirs = result[f"symcnn_{run}_epochs"], result[f"torch_{run}_epochs"]
        busy = max(result[f"symcnn_{run}_busy"] or 0.0, result[f"torch_{run}_busy"] or 0.0)
        epoch = " ".join(f"{a['seconds']:.2f}/{b['seconds']:.2f}" for a, b in zip(ours, theirs))
        errors = " ".join(f"{a['test_error']:.4f}/{b['test_error']:.4f}" for a, b in zip(ours, theirs))
        lines.append(f"{run:<6} {result[f'symcnn_{run}_s']:>9.2f} {result[f'torch_{run}_s']:>8.2f} "
                     f"{result[f'{run}_ratio']:>5.2f}x {busy:>5.2f}  {epoch}, {errors}")
    lines.append(f"symcnn: {result['symcnn_command']} (cold: empty Numba and derivation caches)")
    lines.append(f"torch:  {result['torch_command']}")
    lines.append("(busy: CPU cores in use by everything but this process, the command included)")
    return "\n".join(lines)
