"""The training loop: forward, backward, update (of the weights and of state buffers) — and evaluation.

:func:`train_epoch` is the whole algorithm; everything else (progress bars,
checkpoints, JSON lines, Ctrl-C) is left to the caller through ``on_batch``
and ``stop``. A NaN or Inf loss stops training with a :class:`TrainingError`
naming the epoch and batch, before the bad gradients touch the weights; an
update that leaves a weight NaN or Inf (the last batch's, whose loss no later
batch computes) stops it too, so no caller saves a diverged network.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from symcnn.errors import TrainingError
from symcnn.progress import EpochBar
from symcnn.runtime.network import Network
from symcnn.runtime.optim import SGD

__all__ = ["confusion_matrix", "evaluate", "train_epoch"]


def train_epoch(
    net: Network,
    opt: SGD,
    images: np.ndarray,
    targets: np.ndarray,
    batch_size: int,
    rng: np.random.Generator,
    epoch: int = 1,
    on_batch: Callable[[int, int, float], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
    lr_at: Callable[[int], float] | None = None,
    progress: bool = False,
) -> tuple[float, int, bool]:
    """One pass over ``images`` in a random order; return (mean loss, images seen, stopped early).

    ``on_batch(batch, images_done, loss)`` is called after each update (a progress
    callback); ``progress=True`` draws a bar on stderr instead or as well. When
    ``stop()`` turns true the loop ends after the current batch. ``lr_at(batch)``,
    if given, sets the learning rate of each update (``batch`` counts from 1).
    """
    if progress:
        bar = EpochBar(epoch, 0, len(images), live=True)
        callback = on_batch

        def on_batch(batch: int, done: int, loss: float) -> None:
            bar.update(batch, done, loss)
            if callback is not None:
                callback(batch, done, loss)

        try:
            return train_epoch(net, opt, images, targets, batch_size, rng, epoch, on_batch, stop, lr_at)
        finally:
            bar.close()
    order = rng.permutation(len(images))
    total, seen = 0.0, 0
    for batch, start in enumerate(range(0, len(order), batch_size), 1):
        idx = order[start : start + batch_size]
        loss = net.loss(images[idx], targets[idx])  # forward
        if not np.isfinite(loss):
            raise TrainingError(f"loss is {loss} at epoch {epoch}, batch {batch}; training stopped")
        net.backward()  # backward
        net.update_buffers()  # running statistics, from this batch's forward pass
        if lr_at is not None:
            opt.set_lr(lr_at(batch))
        opt.step(net.gradients())  # update
        total, seen = total + loss * len(idx), seen + len(idx)
        if on_batch is not None:
            on_batch(batch, seen, total / seen)
        if stop():
            _check_weights(net, epoch, batch)
            return total / seen, seen, True
    _check_weights(net, epoch, -(-len(order) // batch_size))
    return total / max(seen, 1), seen, False


def _check_weights(net: Network, epoch: int, batch: int) -> None:
    """Refuse weights an update made non-finite (each batch's loss catches it for the batch before)."""
    for name, arr in net.parameters().items():
        if not np.isfinite(arr).all():
            raise TrainingError(f"weights {name} became NaN or Inf in the update of epoch {epoch}, "
                                f"batch {batch}; training stopped (try a lower --lr)")


def evaluate(
    net: Network, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000, classes: int = 10
) -> tuple[float, np.ndarray]:
    """Return (error rate, confusion matrix) of ``net`` on ``images`` with integer ``labels``."""
    predicted = net.predict(images, batch_size)
    matrix = confusion_matrix(labels, predicted, classes)
    error = float(np.mean(predicted != labels)) if len(labels) else 0.0
    return error, matrix


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``m[t, p]``: how many images of true class ``t`` were predicted as ``p``."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix
