"""Checking a checkpoint's metadata before a network is built from it.

A checkpoint is data from anywhere: every field :func:`~symcnn.runtime.presets.network_from_meta`
reads is checked for type and range here, so a wrong or hostile value is a
:class:`~symcnn.errors.CheckpointError` naming the field, never a traceback, and
a DeepLearnToolbox layout can never ask for more memory than :data:`MAX_PARAMS`
parameters and :data:`MAX_ACTIVATIONS` values per image and layer.
"""

from __future__ import annotations

import math
from typing import Any

from symcnn.backends import BACKENDS, DTYPES
from symcnn.errors import CheckpointError

__all__ = ["MAX_ACTIVATIONS", "MAX_PARAMS", "check_meta"]

#: The most parameters a ``dlt-custom`` layout may describe (the presets have under 500 000).
MAX_PARAMS = 4_000_000
#: The most values one image's feature maps may take in one layer (DeepLearnToolbox's example: 3 456),
#: so evaluating a batch of 1 000 images stays within a few hundred MB.
MAX_ACTIVATIONS = 50_000
_CHOICES = {"dtype": DTYPES, "convention": ("xcorr", "matlab"), "backend": BACKENDS}


def _int(meta: dict, key: str, lo: int, hi: int, where: str) -> int:
    value = meta.get(key)
    if type(value) is not int or not lo <= value <= hi:
        raise CheckpointError(f"{where}: metadata {key!r} is {value!r:.60}, expected an integer {lo}..{hi}")
    return value


def _dlt_layout(meta: dict, where: str) -> None:
    size = _int(meta, "input_size", 1, 1024, where)
    layers = meta.get("dlt_layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= 32 or layers[0] != {"type": "i"}:
        raise CheckpointError(f"{where}: metadata 'dlt_layers' is not a DeepLearnToolbox layout")
    maps, params = 1, 0
    for pos, spec in enumerate(layers[1:], 2):
        at = f"{where}: dlt_layers[{pos}]"
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind == "c":
            k, m = _int(spec, "kernelsize", 1, size, at), _int(spec, "outputmaps", 1, 4096, at)
            params += maps * m * k * k + m
            maps, size = m, size - k + 1
        elif kind == "s":
            size //= _int(spec, "scale", 1, size, at)
        else:
            raise CheckpointError(f"{at} has type {kind!r:.40}, expected 'c' or 's'")
        if size < 1 or params > MAX_PARAMS or maps * size * size > MAX_ACTIVATIONS:
            raise CheckpointError(f"{at}: the layout leaves no image, needs over {MAX_PARAMS} parameters "
                                  f"or over {MAX_ACTIVATIONS} values per image")
    classes = _int(meta, "classes", 1, 1000, where) if "classes" in meta else 10
    if params + classes * (maps * size * size + 1) > MAX_PARAMS:
        raise CheckpointError(f"{where}: the layout needs over {MAX_PARAMS} parameters")


def check_meta(meta: Any, where: str) -> dict:
    """``meta`` when every field a network is rebuilt from is well formed; else :class:`CheckpointError`."""
    if not isinstance(meta, dict):
        raise CheckpointError(f"{where}: metadata is not a JSON object")
    for key, choices in _CHOICES.items():
        if key in meta and meta[key] not in choices:
            raise CheckpointError(f"{where}: metadata {key!r} is {meta[key]!r:.60}; choose from {choices}")
    if "combo_lambda" in meta:
        lam = meta["combo_lambda"]
        if type(lam) not in (int, float) or not math.isfinite(lam) or lam < 0:
            raise CheckpointError(f"{where}: metadata 'combo_lambda' is {lam!r:.60}, not a number >= 0")
    if not isinstance(meta.get("net"), str):
        raise CheckpointError(f"{where}: metadata 'net' is {meta.get('net')!r:.60}, expected a network name")
    if meta["net"] == "dlt-custom":
        _dlt_layout(meta, where)
    return meta
