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
from symcnn.runtime.budget import EVAL_BATCH
from symcnn.runtime.network import Network
from symcnn.runtime.optim import SGD
from symcnn.runtime.threads import ThreadGovernor
from symcnn.support.numpy_ops import forget_windows

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
    threads: ThreadGovernor | None = None,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> tuple[float, int, bool]:
    """One pass over ``images`` in a random order; return (mean loss, images seen, stopped early).

    ``on_batch(batch, images_done, loss)`` is called after each update (a progress
    callback); ``progress=True`` draws a bar on stderr instead or as well. When
    ``stop()`` turns true the loop ends after the current batch. ``lr_at(batch)``,
    if given, sets the learning rate of each update (``batch`` counts from 1). ``threads``, if
    given, sets Numba's thread count for each batch (:mod:`symcnn.runtime.threads`). ``augment``, if
    given, varies each batch's images (:mod:`symcnn.runtime.augment`) before the forward pass.
    """
    if progress:
        bar = EpochBar(epoch, 0, len(images), live=True)
        callback = on_batch

        def on_batch(batch: int, done: int, loss: float) -> None:
            bar.update(batch, done, loss)
            if callback is not None:
                callback(batch, done, loss)

        try:
            return train_epoch(net, opt, images, targets, batch_size, rng, epoch, on_batch, stop, lr_at,
                               threads=threads, augment=augment)
        finally:
            bar.close()
    order = rng.permutation(len(images))
    total, seen = 0.0, 0
    for batch, start in enumerate(range(0, len(order), batch_size), 1):
        idx = order[start : start + batch_size]
        if threads is not None:
            threads.tick()
        batch_images = images[idx] if augment is None else augment(images[idx], rng)
        loss = net.loss(batch_images, targets[idx])  # forward
        if not np.isfinite(loss):
            raise TrainingError(f"loss is {loss} at epoch {epoch}, batch {batch}; training stopped")
        net.backward()  # backward
        net.update_buffers()  # running statistics, from this batch's forward pass
        if lr_at is not None:
            opt.set_lr(lr_at(batch))
        opt.step(net.gradients())  # update
        if threads is not None:
            threads.tock()
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
    net: Network, images: np.ndarray, labels: np.ndarray, batch_size: int = EVAL_BATCH, classes: int = 10,
    threads: ThreadGovernor | None = None,
) -> tuple[float, np.ndarray]:
    """Return (error rate, confusion matrix) of ``net`` on ``images`` with integer ``labels``.

    The images go through the network ``batch_size`` at a time and only the confusion matrix
    is kept between batches (the NumPy backend's unfolded windows are dropped after each), so
    memory does not grow with the test set (``images`` may be a memory map). The layers run their
    evaluation equations (a batch norm reads its running statistics, not the test batch's).
    ``threads``, if given, sets Numba's thread count for each batch.
    """
    matrix = np.zeros((classes, classes), dtype=np.int64)
    for start in range(0, len(images), batch_size):
        if threads is not None:
            threads.tick()
        batch = np.ascontiguousarray(images[start : start + batch_size])
        predicted = np.argmax(net.forward(batch, training=False), axis=1)  # a batch norm's running statistics
        if threads is not None:
            threads.tock()
        matrix += confusion_matrix(labels[start : start + batch_size], predicted, classes)
        forget_windows()  # kept for a backward pass that inference never runs
    seen = int(matrix.sum())
    error = float((seen - np.trace(matrix)) / seen) if seen else 0.0
    return error, matrix


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``m[t, p]``: how many images of true class ``t`` were predicted as ``p``."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix
