"""Checking a checkpoint's metadata before a network is built from it.

A checkpoint is data from anywhere: every field :func:`~symcnn.runtime.presets.network_from_meta`
reads is checked for type and range here, so a wrong or hostile value is a
:class:`~symcnn.errors.CheckpointError` naming the field, never a traceback, and
a DeepLearnToolbox layout can never ask for more memory than :data:`MAX_PARAMS`
parameters and :data:`MAX_ACTIVATIONS` values per image and layer.
"""

from __future__ import annotations

from typing import Any

from symcnn.backends import BACKENDS, DTYPES
from symcnn.errors import CheckpointError
from symcnn.runtime.netcheck import (
    LOSSES,
    MAX_LAYERS,
    MAX_NAME,
    MAX_PATH,
    check_layers,
    check_loss,
    custom_layers,
    is_number,
    show,
)

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
        raise CheckpointError(f"{where}: metadata {key!r} is {show(value)}, expected an integer {lo}..{hi}")
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
            raise CheckpointError(f"{at} has type {show(kind)}, expected 'c' or 's'")
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
            raise CheckpointError(f"{where}: metadata {key!r} is {show(meta[key])}; choose from {choices}")
    if "combo_lambda" in meta:
        lam = meta["combo_lambda"]
        if not is_number(lam) or lam < 0:
            raise CheckpointError(f"{where}: metadata 'combo_lambda' is {show(lam)}, not a number >= 0")
    if not isinstance(meta.get("net"), str):
        raise CheckpointError(f"{where}: metadata 'net' is {show(meta.get('net'))}, expected a network name")
    if meta["net"] == "dlt-custom":
        _dlt_layout(meta, where)
    if "spec_hashes" in meta:
        _spec_hashes(meta["spec_hashes"], where)
    if meta["net"] == "net-spec":
        _net_spec(meta, where)
    return meta


def _spec_hashes(hashes: Any, where: str) -> None:
    if type(hashes) is not dict or len(hashes) > 2 * MAX_LAYERS:
        raise CheckpointError(f"{where}: metadata 'spec_hashes' is {show(hashes)}, expected a dict "
                              "from layer names to hashes")
    for layer, digest in hashes.items():
        ok_name = type(layer) is str and 0 < len(layer) <= MAX_NAME and layer.isidentifier()
        if not ok_name or type(digest) is not str or not 1 <= len(digest) <= 64 or not _hex(digest):
            raise CheckpointError(f"{where}: metadata 'spec_hashes' maps {show(layer)} to {show(digest)}, "
                                  "expected a layer name and a hex digest")


def _hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def _net_spec(meta: dict, where: str) -> None:
    """A network file's layers as a checkpoint records them, checked as a network file's are;
    every custom layer must come with its spec hash (the only way its code is checked)."""
    spec = meta.get("net_spec")
    if type(spec) is not dict or any(key not in ("file", "layers", "loss") for key in spec):
        raise CheckpointError(f"{where}: metadata 'net_spec' is {show(spec)}, expected a dict of "
                              "'file', 'layers' and 'loss'")
    file = spec.get("file", "")
    if type(file) is not str or len(file) > MAX_PATH:
        raise CheckpointError(f"{where}: metadata 'net_spec' file is {show(file)}, expected a path")
    layers = check_layers(spec.get("layers"), f"{where}: net_spec", CheckpointError)
    check_loss(spec.get("loss", LOSSES[0]), f"{where}: net_spec", CheckpointError)
    hashes = meta.get("spec_hashes") or {}
    for entry in custom_layers(layers):
        if entry["layer"] not in hashes:
            raise CheckpointError(f"{where}: custom layer {entry['layer']!r} has no recorded spec hash, "
                                  "so no code can be checked against it")
    spec["layers"] = layers
