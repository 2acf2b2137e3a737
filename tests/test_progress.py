"""Progress goes to stderr on a terminal only: silent when piped or under --json."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symcnn.progress import Counter

ROOT = Path(__file__).resolve().parent.parent


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_counter_draws_on_a_terminal_and_erases_its_line():
    out = _Tty()
    counter = Counter("derive", stream=out)
    counter.show(3, 25, "conv_xcorr_sigmoid")
    counter.show(4, 25, "fc")
    assert out.getvalue().startswith("\rderive 3/25 conv_xcorr_sigmoid\rderive 4/25 fc")
    counter.close()
    assert out.getvalue().endswith("\r" + " " * len("derive 4/25 fc") + "\r")


def test_a_counter_is_silent_off_a_terminal_or_when_disabled():
    for counter in (Counter("x", stream=io.StringIO()), Counter("x", stream=_Tty(), enabled=False)):
        counter.show(1, 2, "a")
        counter.close()
        assert counter.stream.getvalue() == ""


def test_the_eta_extrapolates_the_time_per_step(monkeypatch):
    clock = iter([100.0, 110.0])
    monkeypatch.setattr("symcnn.progress.time.perf_counter", lambda: next(clock))
    counter = Counter("compiled", stream=_Tty())
    counter.text(0, 8)  # counting starts at t=100
    assert counter.text(2, 8, "kernels", eta=True) == "compiled 2/8 kernels (ETA 30 s)"
    clock = iter([120.0])
    assert counter.text(2, 8, "kernels", eta=True, share=0.5) == "compiled 2/8 kernels (ETA 20 s)"


def _run(args: list[str], tty: bool, cwd: Path) -> tuple[int, str]:
    """Run ``symcnn ARGS`` with stderr on a pseudo-terminal (or a pipe); return (status, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "symcnn.cli.main", *args]
    if not tty:
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=300), b"".join(chunks).decode()


def test_verify_shows_each_label_on_a_terminal_only(tmp_path):
    status, err = _run(["verify", "--label", "B1"], tty=True, cwd=tmp_path)
    assert status == 0 and "\rverify 1/1 B1" in err
    for args, tty in ((["verify", "--label", "B1"], False), (["verify", "--label", "B1", "--json"], True)):
        status, err = _run(args, tty=tty, cwd=tmp_path)
        assert status == 0 and "verify 1/" not in err and "\r" not in err


@pytest.mark.slow  # derives every built-in from an empty cache
def test_derive_counts_layers_as_they_are_derived_and_rendered(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMCNN_CACHE", str(tmp_path / "cache"))  # an empty cache: every layer is derived
    args = ["derive", "--spec", str(ROOT / "examples" / "custom_layers.py"), "--out", str(tmp_path / "g")]
    status, err = _run(args, tty=True, cwd=tmp_path)
    assert status == 0, err
    for phase in ("derive", "render"):
        assert f"\r{phase} 1/3 " in err and f"\r{phase} 3/3 " in err
    status, err = _run([*args, "--check"], tty=False, cwd=tmp_path)
    assert status == 0 and "\r" not in err and "derive 1/" not in err


def test_train_epoch_draws_a_bar_or_calls_back(capsys):
    from runtime_helpers import GENERATED

    from symcnn.runtime import SGD, build_network, train_epoch

    net = build_network("dlt", backend="numpy", dtype="float64", generated=GENERATED, seed=0)
    rng = np.random.default_rng(0)
    x, t = rng.random((20, 1, 28, 28)), np.eye(10)[rng.integers(0, 10, 20)]
    seen = []
    train_epoch(net, SGD(net.parameters(), lr=0.1), x, t, 5, rng, on_batch=lambda *a: seen.append(a))
    assert [s[:2] for s in seen] == [(1, 5), (2, 10), (3, 15), (4, 20)]
    train_epoch(net, SGD(net.parameters(), lr=0.1), x, t, 5, rng, progress=True)
    err = capsys.readouterr().err
    assert "20/20" in err and "loss" in err


def test_train_epoch_without_progress_writes_nothing(capsys):
    from runtime_helpers import GENERATED

    from symcnn.runtime import SGD, build_network, train_epoch

    net = build_network("dlt", backend="numpy", dtype="float64", generated=GENERATED, seed=0)
    rng = np.random.default_rng(0)
    x, t = rng.random((10, 1, 28, 28)), np.eye(10)[rng.integers(0, 10, 10)]
    train_epoch(net, SGD(net.parameters(), lr=0.1), x, t, 5, rng)
    assert capsys.readouterr() == ("", "")
