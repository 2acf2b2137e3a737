"""The command line as a new user reads it: help text, defaults, early errors, notation, plots."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from symcnn.cli.evaluate import format_confusion
from symcnn.cli.main import SUBCOMMANDS, main
from symcnn.cli.text import plain
from symcnn.runtime.datasets import FASHION_MNIST_CLASSES, find_dataset


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # --help and usage mistakes exit through argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_strips_rest_markup():
    assert plain("``symcnn derive``: see :func:`~symcnn.paths.cache_dir` and ``--out``") == (
        "symcnn derive: see symcnn.paths.cache_dir and --out"
    )


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_subcommand_help_has_no_rest_markup(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and out.startswith(f"usage: symcnn {command}")
    assert "``" not in out and ":func:" not in out


@pytest.mark.parametrize("command", ["train", "bench"])
def test_net_and_backend_say_what_they_are_and_their_default(capsys, command):
    out = run(capsys, command, "--help")[1]
    flat = " ".join(out.split())
    assert "preset network (default: dlt)" in flat
    default = "numba" if command == "train" else "all"
    assert f"default: {default})" in flat.split("--backend", 2)[2].split("--dtype")[0]


def test_bare_symcnn_prints_the_full_help(capsys):
    code, _, err = run(capsys)
    assert code == 2 and err.startswith("usage: symcnn")
    assert all(f"    {name}" in err for name in SUBCOMMANDS)


def test_bench_compare_torch_fails_before_measuring_when_torch_is_missing(capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))

    def measured(*args, **kwargs):
        raise AssertionError("measured before checking for torch")

    monkeypatch.setattr("symcnn.bench.run.run_bench", measured)
    code, _, err = run(capsys, "bench", "--compare", "torch", "--steps", "1")
    assert code == 1 and "--compare torch needs PyTorch" in err


def test_show_prints_the_forward_in_the_gradients_sigma_notation(capsys):
    code, out, _ = run(capsys, "derive", "--show", "conv_xcorr_sigmoid")
    forward = out.split("forward:")[1].split("backward:")[0]
    assert code == 0 and "Sum(" not in out
    assert "U[n, j, y, x] = B[j] + Σ_{i=0}^{C - 1} Σ_{a=0}^{KH - 1} Σ_{b=0}^{KW - 1} " in forward


def test_the_embedded_data_names_fashion_mnists_classes():
    data = find_dataset()
    assert data.class_names() == list(FASHION_MNIST_CLASSES)
    assert data.class_names()[9] == "Ankle boot"


def test_the_text_confusion_matrix_names_its_rows():
    matrix = np.arange(100).reshape(10, 10)
    lines = format_confusion(matrix, list(FASHION_MNIST_CLASSES)).splitlines()
    assert lines[1].split()[:3] == ["0", "T-shirt/top", "0"]
    assert lines[10].lstrip().startswith("9 Ankle boot") and lines[10].split()[-1] == "99"


def test_plot_confusion_writes_a_png_with_the_class_names(tmp_path):
    pytest.importorskip("matplotlib")
    from symcnn.runtime import plot_confusion

    seen = []
    import matplotlib.axes

    original = matplotlib.axes.Axes.set_xticks
    matrix = np.eye(10, dtype=int) * 7
    try:
        matplotlib.axes.Axes.set_xticks = lambda self, ticks, labels=None, **kw: (
            seen.append(list(labels)), original(self, ticks, labels, **kw))[1]
        path = plot_confusion(matrix, list(FASHION_MNIST_CLASSES), tmp_path / "c.png")
    finally:
        matplotlib.axes.Axes.set_xticks = original
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert seen == [list(FASHION_MNIST_CLASSES)]


def test_plot_training_labels_and_legends_its_curves(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.figure
    from runtime_helpers import GENERATED

    from symcnn.runtime import build_network, plot_training

    net = build_network("dlt", backend="numpy", dtype="float64", generated=GENERATED, seed=0)
    figures = []
    original = matplotlib.figure.Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    matplotlib.figure.Figure.savefig = keep
    try:
        paths = plot_training(net, [{"epoch": 1, "test_error": 0.3}], [0.5, 0.4, 0.3], tmp_path)
    finally:
        matplotlib.figure.Figure.savefig = original
    assert [p.name for p in paths] == ["loss.png", "kernels.png"] and all(p.stat().st_size for p in paths)
    loss_axes = figures[0].axes
    labels = [t.get_text() for t in loss_axes[0].get_legend().get_texts()]
    assert labels == ["training loss (running mean over the epoch)", "test error after each epoch"]
    assert "(%)" in loss_axes[1].get_ylabel() and loss_axes[0].get_xlabel()


def test_evaluate_plot_draws_the_named_confusion_matrix_or_says_it_needs_matplotlib(tmp_path, capsys):
    from runtime_helpers import GENERATED

    from symcnn.runtime import build_network

    model, png = tmp_path / "m.npz", tmp_path / "plots" / "confusion.png"
    build_network("dlt", backend="numpy", dtype="float32", generated=GENERATED, seed=0).save(model, epoch=0)
    code, out, err = run(capsys, "evaluate", "--model", str(model), "--plot", str(png),
                         "--backend", "numpy", "--generated", str(GENERATED))
    if importlib.util.find_spec("matplotlib") is None:
        assert code == 1 and "needs matplotlib" in err and "test error" not in out and not png.exists()
    else:
        assert code == 0 and png.read_bytes()[:4] == b"\x89PNG" and f"wrote {png}" in err
        assert "0 T-shirt/top" in out and "9 Ankle boot" in out
