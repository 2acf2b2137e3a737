"""A network's layer list checked field by field: from a network file or from a checkpoint's metadata.

Both are data from anywhere (a checkpoint) or a file a careless hand wrote: before
anything is derived, loaded or allocated, every entry's type and range is checked
here, so a wrong value is one line naming the layer and the field, never a
traceback. Sizes are whole numbers in 1..:data:`MAX_SIZE` (what they cost together
is :mod:`symcnn.runtime.budget`'s business), names are plain identifiers, paths are
strings, ``init`` and ``constants`` are flat dicts of numbers (a constant may be a
nested list of numbers, at most :data:`MAX_DEPTH` deep and :data:`MAX_VALUES` long),
and values are printed by :func:`show`, which never walks a nested value and never
prints a 10 000-digit integer. Only the standard library.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from symcnn.errors import SymcnnError
from symcnn.runtime.augment import AUGMENTS

__all__ = [
    "CUSTOM_KEYS", "LOSSES", "MAX_LAYERS", "MAX_SIZE", "RECIPE_KEYS", "RESERVED", "check_layers",
    "check_loss", "check_recipe", "custom_layers", "is_number", "show",
]

#: Keys of a layer entry that are not sizes.
RESERVED = ("name", "layer", "spec", "generated", "init", "constants")
#: Keys that make an entry a custom layer: code outside symcnn's built-in folder.
CUSTOM_KEYS = ("spec", "generated")
#: Built-in losses a network ends in.
LOSSES = ("loss_softmax_ce", "loss_squared")
#: The most layers a network may list.
MAX_LAYERS = 256
#: The largest size (maps, kernel taps, units, pooling factor) one entry may give.
MAX_SIZE = 2**20
#: The longest layer, parameter or constant name.
MAX_NAME = 100
#: The longest path.
MAX_PATH = 4096
#: The most keys in an entry, an ``init`` or a ``constants`` dict.
MAX_KEYS = 64
#: How deeply a constant's lists may nest, and how many numbers it may hold in all.
MAX_DEPTH, MAX_VALUES = 8, 2**20
#: The largest magnitude of a number in ``init``, ``constants`` or a recipe.
MAX_NUMBER = 1e300
#: What a RECIPE may set, checked by :func:`check_recipe`.
RECIPE_KEYS = ("lr", "schedule", "momentum", "batch_size", "epochs", "weight_decay", "augment")
#: The most images a batch and the most epochs a recipe may ask for.
MAX_BATCH, MAX_EPOCHS = 2**31 - 1, 100_000


def show(value: Any) -> str:
    """``value`` for an error message: short, and never by walking it (it may nest 100 000 deep)."""
    kind = type(value)
    if value is None or kind is bool or kind is float:
        return repr(value)
    if kind is int:
        return repr(value) if abs(value) < 10**30 else f"an integer of {value.bit_length()} bits"
    if kind is str:
        return repr(value[:60]) + ("..." if len(value) > 60 else "")
    if kind in (list, tuple, dict):
        return f"a {kind.__name__} of {len(value)}"
    return f"a {kind.__name__}"


def is_number(value: Any) -> bool:
    """A finite real number of plain Python type (not a bool), within :data:`MAX_NUMBER`."""
    if type(value) is int:
        return abs(value) <= MAX_NUMBER
    return type(value) is float and math.isfinite(value) and abs(value) <= MAX_NUMBER


def _identifier(value: Any) -> bool:
    return type(value) is str and 0 < len(value) <= MAX_NAME and value.isidentifier() and value.isascii()


def _path(value: Any) -> bool:
    return type(value) is str and 0 < len(value) <= MAX_PATH and "\x00" not in value


def _constant(value: Any, fail) -> Any:
    """A constant as plain JSON: a number or rectangular nested lists of numbers, bounded."""
    if hasattr(value, "tolist") and hasattr(value, "dtype") and hasattr(value, "size"):
        kind = getattr(value.dtype, "kind", "")
        if kind not in ("b", "i", "u", "f") or value.size > MAX_VALUES or value.ndim > MAX_DEPTH:
            fail(f"is an array of {value.size} {value.dtype} values; give at most {MAX_VALUES} numbers")
        value = value.tolist()
    count = [0]

    def walk(v: Any, depth: int) -> tuple[int, ...]:
        if is_number(v):
            count[0] += 1
            return ()
        if type(v) not in (list, tuple) or depth >= MAX_DEPTH or not v:
            fail(f"holds {show(v)}; give a number or lists of numbers at most {MAX_DEPTH} deep")
        if count[0] + len(v) > MAX_VALUES:
            fail(f"holds more than {MAX_VALUES} numbers")
        shapes = {walk(item, depth + 1) for item in v}
        if len(shapes) != 1:
            fail("is not rectangular: its lists differ in length or depth")
        return (len(v), *shapes.pop())

    walk(value, 0)
    return _plain(value)


def _plain(v: Any) -> Any:
    return [_plain(x) for x in v] if type(v) in (list, tuple) else v


def _table(entry: dict, key: str, fail, check) -> dict:
    table = entry.get(key, {})
    if type(table) is not dict or len(table) > MAX_KEYS:
        fail(f"{key!r} is {show(table)}; give a dict of at most {MAX_KEYS} entries")
    out = {}
    for name, value in table.items():
        if not _identifier(name):
            fail(f"{key!r} has the key {show(name)}, not a plain identifier")
        out[name] = check(name, value)
    return out


def _entry(entry: Any, k: int, where: str, error: type[SymcnnError], home: Path | None) -> dict[str, Any]:
    """One layer entry, checked; with ``home`` (a network file's folder) its paths made absolute."""
    if type(entry) is not dict or not _identifier(entry.get("layer")):
        raise error(f"{where}: layer {k} is {show(entry)}, not a dict with a 'layer' name "
                    "(a plain identifier)")
    if len(entry) > MAX_KEYS:
        raise error(f"{where}: layer {k} has {len(entry)} keys, more than {MAX_KEYS}")
    out = dict(entry)
    out.setdefault("name", "flatten" if entry["layer"] == "flatten" else f"layer{k}")
    name = out["name"]
    if not _identifier(name):
        raise error(f"{where}: layer {k}: name {show(name)} is not a plain identifier")

    def fail(text: str) -> None:
        raise error(f"{where}: layer {name!r}: {text}")

    for key in out:
        if not _identifier(key):
            fail(f"key {show(key)} is not a plain identifier")
    if all(key in out for key in CUSTOM_KEYS):
        fail("gives both 'spec' and 'generated'; choose one")
    for key in CUSTOM_KEYS:
        if key in out:
            if not _path(out[key]):
                fail(f"{key!r} is {show(out[key])}, not a path")
            if home is not None:
                out[key] = str((home / out[key]).resolve())

    def init(param: str, how: Any) -> Any:
        if (type(how) is str and how in ("glorot", "he")) or is_number(how):
            return how
        raise error(f"{where}: layer {name!r}: init of {param!r} is {show(how)}; "
                    "give 'glorot', 'he' or a number")

    def constant(const: str, value: Any) -> Any:
        return _constant(value, lambda text: fail(f"constant {const!r} {text}"))

    if "init" in out:
        out["init"] = _table(out, "init", fail, init)
    if "constants" in out:
        out["constants"] = _table(out, "constants", fail, constant)
    for key, value in out.items():
        if key in RESERVED:
            continue
        if entry["layer"] == "flatten":
            fail(f"flatten takes no sizes, got {key!r}")
        if type(value) is not int or not 1 <= value <= MAX_SIZE:
            fail(f"size {key} = {show(value)} is not a whole number in 1..{MAX_SIZE}")
    return out


def check_layers(layers: Any, where: str, error: type[SymcnnError], home: Path | None = None) -> list[dict]:
    """The layer list ``layers``, every entry checked (``home``: a network file's folder, for its paths)."""
    if type(layers) not in (list, tuple) or not 1 <= len(layers) <= MAX_LAYERS:
        raise error(f"{where}: the layer list is {show(layers)}; give a list of 1 to {MAX_LAYERS} dicts")
    out = [_entry(entry, k, where, error, home) for k, entry in enumerate(layers, 1)]
    names = [e["name"] for e in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise error(f"{where}: layer names must be unique, {dupes[0]!r} is used twice")
    return out


def check_loss(loss: Any, where: str, error: type[SymcnnError]) -> str:
    if type(loss) is not str or loss not in LOSSES:
        raise error(f"{where}: LOSS {show(loss)}; choose from {', '.join(LOSSES)}")
    return loss


def check_recipe(recipe: Any, defaults: dict, where: str, error: type[SymcnnError]) -> dict[str, Any]:
    """``defaults`` updated by ``recipe``, each value checked as the CLI options are."""
    if type(recipe) is not dict or any(key not in RECIPE_KEYS for key in recipe):
        raise error(f"{where}: RECIPE must be a dict with keys from {', '.join(RECIPE_KEYS)}")
    out = {**defaults, **recipe}

    def need(key: str, ok: bool, what: str) -> None:
        if not ok:
            raise error(f"{where}: RECIPE {key!r} is {show(out[key])}; give {what}")

    need("lr", is_number(out["lr"]) and out["lr"] > 0, "a number above 0")
    need("momentum", is_number(out["momentum"]) and 0 <= out["momentum"] < 1, "a number in [0, 1)")
    need("batch_size", type(out["batch_size"]) is int and 1 <= out["batch_size"] <= MAX_BATCH,
         f"a whole number in 1..{MAX_BATCH}")
    need("epochs", type(out["epochs"]) is int and 0 <= out["epochs"] <= MAX_EPOCHS,
         f"a whole number in 0..{MAX_EPOCHS}")
    need("schedule", type(out["schedule"]) is str and out["schedule"] in ("constant", "cosine"),
         "'constant' or 'cosine'")
    if "weight_decay" in out:
        need("weight_decay", is_number(out["weight_decay"]) and 0 <= out["weight_decay"] < 1,
             "a number in [0, 1)")
        out["weight_decay"] = float(out["weight_decay"])
    if "augment" in out:
        need("augment", type(out["augment"]) is str and out["augment"] in AUGMENTS,
             " or ".join(repr(a) for a in AUGMENTS))
    out["lr"], out["momentum"] = float(out["lr"]), float(out["momentum"])
    return out


def custom_layers(layers: list[dict]) -> list[dict]:
    """The entries of ``layers`` whose code is not built in (they give ``spec`` or ``generated``)."""
    return [e for e in layers if any(key in e for key in CUSTOM_KEYS)]
