"""A sequential network of generated layers, a loss, and optional penalties.

``forward`` runs the layers in order; ``loss`` adds the loss layer (averaged
over the batch) and any penalty terms; ``backward`` seeds the loss with
``1/N`` per pattern (so every gradient is a batch average) and each penalty
with 1, then runs every layer's generated backward kernel in reverse.

Parameter names are ``<layer>.<array>`` (``conv1.K``, ``fc.W``, …); these are
also the keys of a saved checkpoint, beside the layers' state buffers, named
alike (``bn1.RM``). A training step updates the buffers (:meth:`Network.update_buffers`);
:meth:`Network.predict` runs the layers' evaluation equations, which read them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from symcnn.errors import CheckpointError, ShapeError
from symcnn.runtime.checkpoint import load_npz, save_npz
from symcnn.runtime.layers import Flatten, Layer, check_array
from symcnn.runtime.memory import retain_freed_memory

__all__ = ["Network", "Penalty"]


class Penalty:
    """A penalty layer whose parameter is another layer's (``owner.params[param]``).

    Its output ``P`` (shape (1,)) is added to the loss once per batch, not per pattern.
    """

    def __init__(self, layer: Layer, owner: Layer, param: str) -> None:
        self.layer, self.owner, self.param = layer, owner, param
        layer.params[param] = owner.params[param]  # the same array: updates reach both


class Network:
    """Layers (generated :class:`Layer`\\ s and :class:`Flatten`), a loss layer and penalties."""

    def __init__(
        self,
        layers: list[Layer | Flatten],
        loss: Layer,
        penalties: list[Penalty] | None = None,
        input_shape: tuple[int, ...] = (1, 28, 28),
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.layers, self.loss_layer, self.penalties = layers, loss, list(penalties or [])
        self.input_shape = tuple(input_shape)
        self.dtype = loss.dtype
        self.meta = dict(meta or {})
        names = [layer.name for layer in layers]
        if len(set(names)) != len(names):
            raise ValueError(f"layer names must be unique: {names}")
        retain_freed_memory()  # steps reuse their temporaries' memory instead of faulting it in anew

    # -- the three steps of training -------------------------------------------------------------

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """The network's output for the batch ``x`` of shape ``(N, *input_shape)``; ``training=False``
        runs each layer's evaluation equations (a batch norm's running statistics) instead."""
        check_array("network input", "x", x, (None, *self.input_shape), self.dtype)
        for layer in self.layers:
            x = layer.forward(x) if training else layer.forward_eval(x)
        return x

    def loss(self, x: np.ndarray, targets: np.ndarray) -> float:
        """Forward through the loss: mean over the batch of the loss, plus the penalties."""
        y = self.forward(x)
        check_array("network targets", "targets", targets, y.shape, self.dtype)
        total = float(np.mean(self.loss_layer.forward(y, T=targets), dtype=np.float64))
        for pen in self.penalties:
            total += float(pen.layer.forward()[0])
        return total

    def backward(self) -> None:
        """Fill every layer's ``grads`` with the gradient of the last :meth:`loss`."""
        n = self.loss_layer.arrays[self.loss_layer.input].shape[0]
        d = self.loss_layer.backward(np.full(n, 1.0 / n, dtype=self.dtype))
        first = self.layers[0] if self.layers else None
        for layer in reversed(self.layers):
            if layer is first and isinstance(layer, Layer):
                layer.backward(d, input_grad=False)  # no one needs ∂E/∂images
            else:
                d = layer.backward(d)
        for pen in self.penalties:
            pen.layer.backward(np.ones(1, dtype=self.dtype))
            pen.owner.grads[pen.param] = pen.owner.grads[pen.param] + pen.layer.grads[pen.param]

    def update_buffers(self) -> None:
        """Update every layer's state buffers from the last :meth:`loss` (a training step's last part)."""
        for layer in self.layers:
            if isinstance(layer, Layer):
                layer.update_buffers()

    # -- parameters and checkpoints --------------------------------------------------------------

    def parameters(self) -> dict[str, np.ndarray]:
        """The live parameter arrays, by ``<layer>.<name>`` (updating them updates the net)."""
        return {f"{layer.name}.{p}": arr for layer in self.layers for p, arr in layer.params.items()}

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradients of the last :meth:`backward`, keyed like :meth:`parameters`."""
        return {f"{layer.name}.{p}": layer.grads[p] for layer in self.layers for p in layer.params}

    def buffers(self) -> dict[str, np.ndarray]:
        """The live state buffers (not trained by gradients), by ``<layer>.<name>``."""
        return {f"{layer.name}.{b}": arr for layer in self.layers for b, arr in layer.buffers.items()}

    def state(self) -> dict[str, np.ndarray]:
        """Everything a checkpoint holds: :meth:`parameters` and :meth:`buffers`."""
        return {**self.parameters(), **self.buffers()}

    def param_spec(self) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
        """``{name: (shape, dtype)}`` of every parameter and buffer, the layout a checkpoint must have."""
        return {k: (v.shape, v.dtype) for k, v in self.state().items()}

    def set_parameters(self, arrays: Mapping[str, np.ndarray], where: str = "parameters") -> None:
        """Copy ``arrays`` into the parameters and buffers after checking names, shapes and dtypes."""
        params = self.state()
        for name in sorted(set(params) | set(arrays)):
            if name not in arrays:
                raise CheckpointError(f"{where}: missing array {name!r}")
            if name not in params:
                raise CheckpointError(f"{where}: unexpected array {name!r} for network {self.describe()}")
            got, want = np.asarray(arrays[name]), params[name]
            if got.shape != want.shape or got.dtype != want.dtype:
                raise CheckpointError(
                    f"{where}: array {name!r} is {got.dtype}{got.shape}, expected {want.dtype}{want.shape}"
                )
        for name, arr in params.items():
            arr[...] = arrays[name]

    def save(self, path: str | os.PathLike[str], **meta: Any) -> None:
        """Write the parameters, the buffers and ``self.meta`` (plus ``meta``) to an ``.npz`` checkpoint."""
        save_npz(path, self.state(), {**self.meta, **meta})

    def load(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Load the parameters of a checkpoint, validated against this network; return its meta."""
        arrays, meta = load_npz(path, self.param_spec())
        self.set_parameters(arrays, str(path))
        return meta

    # -- inference -------------------------------------------------------------------------------

    def predict(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Class indices (argmax of the evaluation-mode output) for the images ``x``, in batches."""
        out = [np.argmax(self.forward(x[i : i + batch_size], training=False), axis=1)
               for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def activations(self) -> dict[str, np.ndarray]:
        """Copies of each layer's output from the last forward pass, by layer name."""
        acts = {}
        for layer in self.layers:
            if isinstance(layer, Layer):
                acts[layer.name] = layer.arrays[layer.output].copy()
        return acts

    def describe(self) -> str:
        name = self.meta.get("net", "network")
        bits = [f"{k}={self.meta[k]}" for k in ("convention", "backend", "dtype") if k in self.meta]
        return f"{name} ({', '.join(bits)})" if bits else name

    def __repr__(self) -> str:
        lines = [f"Network {self.describe()}"]
        lines += [f"  {layer!r}" for layer in self.layers]
        lines.append(f"  loss {self.loss_layer!r}")
        lines += [f"  penalty {p.layer!r} on {p.owner.name}.{p.param}" for p in self.penalties]
        return "\n".join(lines)


def check_targets(targets: np.ndarray, n: int, classes: int, dtype: np.dtype) -> np.ndarray:
    """Targets as the loss wants them: ``(n, classes)`` of ``dtype``."""
    if targets.shape != (n, classes):
        raise ShapeError(f"targets have shape {targets.shape}, expected ({n}, {classes})")
    return np.ascontiguousarray(targets, dtype=dtype)
