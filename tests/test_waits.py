"""No wait is a silent one: the compile-ahead names what compiles, in-process compiles are announced.

The pseudo-terminal test checks liveness, not speed: it runs a cold ``symcnn train --net-spec`` (every
layer derived and every kernel compiled from empty caches) and looks at the times its output reaches
the terminal. Every wait draws a line that redraws at least once a second (its seconds count up), so
the widest gap between two outputs must stay under :data:`LIVELY` seconds: 2 s, with 1.5 s of slack
for a busy machine, however long the whole run takes.
"""

from __future__ import annotations

import io
import itertools
import os
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from symcnn.progress import Ticker
from symcnn.runtime.loader import compile_notice

ROOT = Path(__file__).resolve().parent.parent
#: The widest gap allowed between outputs on the terminal, in seconds: 2 s and 1.5 s of slack.
LIVELY = 3.5


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_ticker_counts_a_steps_seconds_from_a_thread(monkeypatch):
    clock = itertools.count(100.0, 0.25)  # every reading of the clock a quarter second later
    monkeypatch.setattr("symcnn.progress.time.perf_counter", lambda: next(clock))
    out = _Tty()
    with Ticker("derive", stream=out, every=0.01) as ticker:
        ticker.show(1, 3, "dilated_conv")
        deadline = time.monotonic() + 60
        while "; 3 s" not in out.getvalue() and time.monotonic() < deadline:  # the thread redraws it
            time.sleep(0.01)
    text = out.getvalue()
    assert "\rderive 1/3 dilated_conv; 0 s" in text and "\rderive 1/3 dilated_conv; 3 s" in text
    assert text.endswith("\r" + " " * len("derive 1/3 dilated_conv; 3 s") + "\r")  # erased when closed
    quiet = io.StringIO()  # not a terminal: nothing at all
    with Ticker("derive", stream=quiet, every=0.01) as ticker:
        ticker.show(1, 3, "x")
        time.sleep(0.05)
    assert quiet.getvalue() == ""


def test_the_compile_line_names_each_busy_child_and_keeps_its_seconds():
    from symcnn.cli.train import busy_text

    both = [("conv_xcorr_relu.backward_dK_packed", 12.3), ("dilated_conv.forward_U", 3.0)]
    assert busy_text(both, 100) == "now conv_xcorr_relu.backward_dK_packed 12 s, dilated_conv.forward_U 3 s"
    assert busy_text(both, 56) == "now backward_dK_packed 12 s, forward_U 3 s"  # layer names go first
    assert busy_text(both[:1], 20) == "now back…cked 12 s" and busy_text([], 80) == ""  # seconds stay


def test_the_parent_reads_what_each_child_compiles_and_since_when(tmp_path):
    from symcnn.runtime.warmup import _doing, _working

    ticks = [str(tmp_path / "ticks-0"), str(tmp_path / "ticks-1")]
    since: dict = {}
    assert _working(ticks, since) == []
    _doing({"ticks": ticks[1]}, "fc_relu.backward_dW")
    (name, first), = _working(ticks, since)
    time.sleep(0.05)
    (_, later), = _working(ticks, since)
    assert name == "fc_relu.backward_dW" and later >= first + 0.04  # the same kernel: its time goes on
    _doing({"ticks": ticks[1]}, "")
    assert _working(ticks, since) == [] and not since


def _pty_run(cmd: list[str], env: dict, cwd: Path, timeout: float = 900) -> tuple[int, str, list[float]]:
    """Run ``cmd`` with stdout and stderr on a pseudo-terminal; its status, output and the times (s after
    the start) at which output arrived."""
    import pty

    leader, follower = pty.openpty()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks, times = [], [0.0]
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([leader], [], [], 0.25)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
            times.append(time.monotonic() - start)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace"), times


def _widest_gap(times: list[float]) -> tuple[float, float]:
    """The widest gap between consecutive outputs, and when it ended (``times[0]``: the start)."""
    return max((b - a, b) for a, b in zip(times, times[1:]))


def test_the_widest_gap_is_measured_between_outputs():
    assert _widest_gap([0.0, 0.5, 3.0, 3.2]) == (2.5, 3.0)
    assert _widest_gap([0.0, 4.0, 4.5]) == (4.0, 4.0)  # the wait for the first output counts too


@pytest.mark.slow  # a cold start: derives the network file's layers and compiles 22 kernels (~60 s, 2 cores)
def test_a_cold_train_net_spec_is_never_silent(tmp_path):
    env = {**os.environ, "SYMCNN_CACHE": str(tmp_path / "cache"), "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
           "PYTHONUNBUFFERED": "1", "COLUMNS": "100"}
    net = ROOT / "examples" / "my_network.py"
    cmd = [sys.executable, "-m", "symcnn.cli.main", "train", "--net-spec", str(net),
           "--limit", "128", "--epochs", "1", "--data", str(ROOT / "symcnn" / "data")]
    status, out, times = _pty_run(cmd, env, tmp_path)
    assert status == 0, out[-2000:]
    # the cold path was taken: derived, then compiled by the children, kernel by kernel, with their names
    assert "deriving the layers of" in out and "compiled 22/22 kernels" in out, out[-2000:]
    assert "now " in out and "backward_dK" in out and " s, " in out  # which kernels compile, for how long
    assert "epoch 1: train loss" in out
    gap, at = _widest_gap(times)
    assert gap <= LIVELY, f"silent for {gap:.1f} s until {at:.1f} s of {times[-1]:.1f} s:\n{out[-3000:]}"


NOTICE = textwrap.dedent("""
    import numpy as np
    from symcnn.runtime.loader import load_layer_module

    mod = load_layer_module("fc_identity", "numba")
    rng = np.random.default_rng(0)
    arrays = {"X": rng.random((2, 3)), "W": rng.random((4, 3)), "b": rng.random(4)}
    mod.forward(arrays, {})
    mod.forward(arrays, {})
""")


def test_a_kernel_compiled_in_this_process_is_announced_once(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # a cold cache: the kernel compiles here
    child = [sys.executable, "-c", NOTICE]
    cold = subprocess.run(child, env=env, capture_output=True, text=True, timeout=300)
    assert cold.returncode == 0, cold.stderr
    assert cold.stderr.count(compile_notice("fc_identity")) == 1, cold.stderr
    warm = subprocess.run(child, env=env, capture_output=True, text=True, timeout=300)
    assert warm.returncode == 0 and "compiling" not in warm.stderr, warm.stderr  # loaded from the cache


@pytest.mark.slow  # cold: SymPy derives and proves each layer (~20 s on 2 cores)
@pytest.mark.parametrize("command", [
    ["derive", "--spec", "examples/batchnorm.py", "--out", "{tmp}/out"],
    ["verify", "--spec", "examples/custom_layers.py", "--backend", "numpy"],
], ids=["derive-spec", "verify-spec"])
def test_a_cold_derive_or_verify_of_a_spec_is_never_silent(tmp_path, command):
    env = {**os.environ, "SYMCNN_CACHE": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1", "COLUMNS": "100"}
    cmd = [sys.executable, "-m", "symcnn.cli.main", *(c.format(tmp=tmp_path) for c in command)]
    status, out, times = _pty_run(cmd, env, ROOT)
    assert status == 0, out[-2000:]
    assert "verified" in out, out[-2000:]
    gap, at = _widest_gap(times)
    assert gap <= LIVELY, f"silent for {gap:.1f} s until {at:.1f} s of {times[-1]:.1f} s:\n{out[-3000:]}"
