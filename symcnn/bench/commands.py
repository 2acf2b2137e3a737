"""``symcnn bench --derive``: cold and warm wall time of symcnn's own commands.

Each command runs as a subprocess, twice: *cold* with empty caches (a fresh
``SYMCNN_CACHE`` for derivations, a fresh ``NUMBA_CACHE_DIR`` for compiled
kernels), then *warm*, again with the caches the cold run filled. The times
include starting Python and importing symcnn, as a user sees them.

The commands: ``symcnn derive`` (into a temporary folder, never over
``generated/``), ``symcnn verify``, and the first training step of the Numba
backend (``symcnn bench --steps 1``), whose cold run is Numba's compile time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from symcnn.bench.timing import LoadMeter
from symcnn.errors import SymcnnError

__all__ = ["bench_commands"]


def _symcnn(*args: str) -> list[str]:
    return [sys.executable, "-m", "symcnn.cli", *args]


def time_command(argv: list[str], env: dict[str, str], timeout: float) -> tuple[float, str, float | None]:
    """(wall seconds, stdout, CPU cores others used meanwhile) of ``argv``; a SymcnnError if it fails.

    "Others" excludes this process but not its child: the command's own CPU
    counts as someone else's, so subtract the command's usual load (about one core).
    """
    meter = LoadMeter().start()
    try:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise SymcnnError(f"`{' '.join(argv[2:])}` took over {timeout:.0f} s") from exc
    seconds, _, busy, _ = meter.stop()
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SymcnnError(f"`{' '.join(argv[2:])}` failed with status {proc.returncode}: {last}")
    return seconds, proc.stdout, busy


def bench_commands(
    net: str = "dlt",
    generated: str | None = None,
    timeout: float = 1800,
    log: Callable[[str], None] = lambda msg: None,
) -> dict[str, Any]:
    """Cold and warm seconds of ``derive``, ``verify`` and the first Numba training step."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="symcnn-bench-") as tmp:
        root = Path(tmp)
        step = ["bench", "--net", net, "--backend", "numba", "--steps", "1", "--windows", "1",
                "--warmup", "0", "--no-peak", "--no-layers", "--json"]
        if generated:
            step += ["--generated", generated]
        commands = {
            "derive": _symcnn("derive", "--out", str(root / "generated")),
            "verify": _symcnn("verify"),
            "first_step": _symcnn(*step),
        }
        for name, argv in commands.items():
            env = dict(os.environ)
            env["SYMCNN_CACHE"] = str(root / f"{name}-cache")
            env["NUMBA_CACHE_DIR"] = str(root / f"{name}-numba")
            entry: dict[str, Any] = {"command": " ".join(["symcnn", *argv[3:]])}
            for run in ("cold", "warm"):
                log(f"{run}: {entry['command']}")
                seconds, out, busy = time_command(argv, env, timeout)
                entry[f"{run}_s"] = seconds
                entry[f"{run}_busy_cores"] = busy
                if name == "first_step":
                    entry[f"{run}_step_s"] = json.loads(out)["results"]["numba"]["first_step_s"]
            result[name] = entry
    return result


def format_commands(result: dict[str, Any]) -> str:
    lines = [f"{'command':<11} {'cold s':>8} {'warm s':>8} {'busy':>5}  what"]
    for name, e in result.items():
        busy = max((e.get(f"{r}_busy_cores") or 0.0) for r in ("cold", "warm"))
        lines.append(f"{name:<11} {e['cold_s']:>8.2f} {e['warm_s']:>8.2f} {busy:>5.2f}  {e['command']}")
        if "cold_step_s" in e:
            lines.append(f"{'':<11} {e['cold_step_s']:>8.2f} {e['warm_step_s']:>8.2f} {'':>5}  "
                         "the first training step alone (Numba compiling / loading its cache)")
    lines.append("(busy: CPU cores in use by everything but this process, the command included, "
                 "at most over its two runs)")
    return "\n".join(lines)
