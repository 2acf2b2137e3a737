"""PNG plots: a training run's loss and error curves, the first layer's kernels, a confusion matrix.

matplotlib is an optional extra (``pip install 'symcnn[plot]'``); it is
imported only when a plot is asked for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symcnn.errors import SymcnnError
from symcnn.runtime.network import Network

__all__ = ["plot_confusion", "plot_training"]


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise SymcnnError("plotting needs matplotlib: pip install 'symcnn[plot]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_training(net: Network, history: list[dict], batch_losses: list[float], folder: Path) -> list[Path]:
    """Write ``loss.png`` and ``kernels.png`` into ``folder``; return their paths."""
    plt = _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    lines = ax.plot(np.arange(1, len(batch_losses) + 1), batch_losses, lw=1,
                    label="training loss (running mean over the epoch)")
    ax.set_xlabel("update (batches since the start)")
    ax.set_ylabel("training loss (per image)")
    if history:
        per_epoch = len(batch_losses) / len(history)
        err = ax.twinx()
        lines += err.plot([per_epoch * h["epoch"] for h in history], [100 * h["test_error"] for h in history],
                          "o-", color="tab:red", label="test error after each epoch")
        err.set_ylabel("test error (%)")
    ax.legend(lines, [line.get_label() for line in lines], loc="upper right")
    ax.set_title(f"symcnn train: {net.describe()}")
    fig.tight_layout()
    loss_path = folder / "loss.png"
    fig.savefig(loss_path, dpi=100)
    plt.close(fig)

    first = next(layer for layer in net.layers if "K" in layer.params)
    kernels = first.params["K"]  # (C, M, KH, KW) or (C, KH, KW)
    kernels = kernels.reshape(-1, *kernels.shape[-2:])
    cols = min(len(kernels), 8)
    rows = -(-len(kernels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.2 * rows), squeeze=False)
    for ax, k in zip(axes.flat, list(kernels) + [None] * (rows * cols - len(kernels))):
        ax.axis("off")
        if k is not None:
            ax.imshow(k, cmap="gray", interpolation="nearest")
    fig.suptitle(f"{first.name} kernels ({net.meta.get('convention', 'xcorr')})")
    kern_path = folder / "kernels.png"
    fig.savefig(kern_path, dpi=100)
    plt.close(fig)
    return [loss_path, kern_path]


def plot_confusion(matrix: np.ndarray, classes: list[str], path: Path, title: str = "") -> Path:
    """Write the confusion matrix (rows: true class, columns: predicted) as a PNG, classes named."""
    plt = _pyplot()
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(8, 7))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, label="test images")
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes, rotation=45, ha="right")
    ax.set_yticks(ticks, classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    high = matrix.max(initial=0) / 2
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                color="white" if count > high else "black")
    ax.set_title(title or "confusion matrix")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
