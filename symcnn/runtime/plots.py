"""PNG plots of a training run: the loss curve and the first layer's kernels.

matplotlib is an optional extra (``pip install 'symcnn[plot]'``); it is
imported only when a plot is asked for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symcnn.errors import SymcnnError
from symcnn.runtime.network import Network

__all__ = ["plot_training"]


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
    ax.plot(np.arange(1, len(batch_losses) + 1), batch_losses, lw=1, label="running train loss")
    ax.set_xlabel("batch")
    ax.set_ylabel("loss")
    if history:
        per_epoch = len(batch_losses) / len(history)
        err = ax.twinx()
        err.plot([per_epoch * h["epoch"] for h in history], [100 * h["test_error"] for h in history],
                 "o-", color="tab:red", label="test error")
        err.set_ylabel("test error (%)")
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
