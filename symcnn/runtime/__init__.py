"""The symcnn runtime: data loading, checkpoints and training with generated kernels.

Nothing under this package imports SymPy. The names below are imported lazily,
on first use, so ``import symcnn.runtime`` costs next to nothing::

    from symcnn.runtime import build_network, SGD, train_epoch, find_dataset
    net = build_network("dlt", backend="numba", dtype="float32")   # loads generated/
    opt = SGD(net.parameters(), lr=1.0)
    loss = net.loss(x, t); net.backward(); opt.step(net.gradients())
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module (under symcnn.runtime) that defines it.
_EXPORTS = {
    "build_network": "presets", "network_from_meta": "presets", "PRESETS": "presets", "RECIPES": "presets",
    "Network": "network", "Penalty": "network",
    "Layer": "layers", "Flatten": "layers",
    "load_layer_module": "loader", "read_manifest": "loader", "GENERATED_DIR": "loader",
    "SGD": "optim",
    "train_epoch": "train", "evaluate": "train", "confusion_matrix": "train",
    "from_dlt": "dlt", "load_dlt_mat": "dlt",
    "find_dataset": "datasets", "Dataset": "datasets",
    "save_npz": "checkpoint", "load_npz": "checkpoint",
    "plot_training": "plots", "plot_confusion": "plots",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
