"""A network built from a network file (:mod:`symcnn.runtime.netfile`): sizes read off the chain.

Each layer's sizes that its entry does not give are read off the shape of
what the layer before it outputs: the generated module's ``shapes(sizes)``
states the shape of its input in terms of its sizes, affinely in each (the
index language is affine), so two probes a size give its coefficient and one
integer solve gives the sizes. A layer whose input cannot be that shape — the
two layers do not chain — is a :class:`~symcnn.errors.NetworkError` naming
both layers and both shapes. No SymPy, except to print the shape wanted when
there is such an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from symcnn.errors import CheckpointError, GeneratedCodeError, NetworkError
from symcnn.runtime.arch import CLASSES, INPUT_SHAPE, glorot, he
from symcnn.runtime.budget import Budget, check, layer_cost
from symcnn.runtime.layers import DTYPES, Flatten, Layer
from symcnn.runtime.loader import declared_spec_hash, load_layer_module, resolve_folder
from symcnn.runtime.metadata import check_meta
from symcnn.runtime.netcheck import CUSTOM_KEYS, check_layers, check_loss
from symcnn.runtime.netfile import RESERVED, NetworkFile, derived_folder
from symcnn.runtime.network import Network

__all__ = ["NET_SPEC", "build_from_file", "network_from_net_meta", "resolve_sizes"]

#: The ``net`` a checkpoint of a network-file network records.
NET_SPEC = "net-spec"
#: The batch size the chain is resolved with (sizes other than the batch do not depend on it).
_PROBE_N = 2

Log = Callable[[str], None]


def build_from_file(
    nf: NetworkFile, *, backend: str = "numba", dtype: str = "float64", seed: int = 0,
    generated: str | Path | None = None, trust: bool = False, log: Log | None = None,
    budget: Budget | None = None,
) -> Network:
    """The network ``nf`` lists, its weights drawn from ``numpy.random.default_rng(seed)``.

    Every layer's sizes are read off the chain and its bytes estimated against ``budget``
    (default: :class:`~symcnn.runtime.budget.Budget`, one image) before any array is allocated.
    """
    if np.dtype(dtype).name not in DTYPES:
        raise GeneratedCodeError(f"unknown dtype {dtype!r}; choose float32 or float64")
    dtype = np.dtype(dtype).name
    nf = NetworkFile(nf.path, check_layers(nf.layers, nf.path or "network", NetworkError),
                     check_loss(nf.loss, nf.path or "network", NetworkError), nf.recipe)
    plan, loss, shape = _plan(nf, backend, generated, trust, log)
    budget = budget or Budget()
    itemsize = np.dtype(dtype).itemsize
    costs = [layer_cost(module, entry["name"], sizes, itemsize, backend, budget)
             for entry, module, sizes in plan if module is not None]
    where = f"network {Path(nf.path).name}" if nf.path else "the network"
    check(costs, budget, int(np.prod(INPUT_SHAPE)), itemsize, where)
    rng = np.random.default_rng(seed)
    layers, hashes = [], {}
    for entry, module, sizes in plan:
        if module is None:
            layers.append(Flatten(entry["name"], "C"))
            continue
        shapes = module.shapes(sizes)
        maps_in = shapes[module.INPUTS[0]][1]
        declared = getattr(module, "PARAM_INIT", {})  # a module derived before specs declared any: none
        params = {p: _initial(entry, p, shapes[p], maps_in, shapes[module.OUTPUTS[0]][1], rng, declared)
                  for p in module.PARAMS}
        constants = {c: _constant(entry, c, shapes[c]) for c in module.CONSTANTS}
        hyper = {h: sizes[h] for h in module.HYPER}
        buffers = module.initial_buffers(sizes, dtype)  # a batch norm's running statistics: 0 and 1
        layers.append(Layer(module, entry["name"], params, constants, hyper, dtype, buffers))
        hashes[module.LAYER] = module.SPEC_HASH
    hashes[loss.LAYER] = loss.SPEC_HASH
    meta = {"net": NET_SPEC, "backend": backend, "dtype": dtype, "spec_hashes": dict(sorted(hashes.items())),
            "net_spec": nf.meta()}
    return Network(layers, Layer(loss, "loss", {}, dtype=dtype), input_shape=INPUT_SHAPE, meta=meta)


def _plan(nf: NetworkFile, backend: str, generated: Any, trust: bool, log: Log | None):
    """Each entry with its module (None: flatten) and sizes at :data:`_PROBE_N` images, the loss
    module, and the output shape; nothing is allocated."""
    shape, prev, plan = (_PROBE_N, *INPUT_SHAPE), None, []
    for entry in nf.layers:
        if entry["layer"] == "flatten":
            shape = (shape[0], int(np.prod(shape[1:])))
            plan.append((entry, None, {}))
            prev = entry
            continue
        module = _module(entry, backend, generated, trust, log)
        sizes = resolve_sizes(module, _given(entry, module), shape, _who(entry, module), _from(prev, shape))
        plan.append((entry, module, sizes))
        shape, prev = tuple(module.shapes(sizes)[module.OUTPUTS[0]]), entry
    loss = load_layer_module(nf.loss, backend, generated, trust)
    want = (shape[0], CLASSES)
    if shape != want:
        raise NetworkError(f"the loss {nf.loss} cannot take the output of {_from(prev, shape)}: "
                           f"it takes (N, {CLASSES}), a score for each of the {CLASSES} classes"
                           + _flatten_hint(len(shape), 2))
    return plan, loss, shape


def _constant(entry: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """``entry["constants"][name]`` (a number fills the array) of ``shape``, else ones."""
    value = entry.get("constants", {}).get(name)
    if value is None:
        return np.ones(shape)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(shape, float(arr))
    if arr.shape != tuple(shape):
        raise NetworkError(f"layer {entry['name']!r}: constant {name!r} has shape {arr.shape}, "
                           f"expected {tuple(shape)}")
    return arr


def network_from_net_meta(meta: dict, *, backend: str | None = None, generated: str | Path | None = None,
                          trust: bool = False, log: Log | None = None, custom: Sequence[str | Path] = (),
                          budget: Budget | None = None, where: str = "checkpoint") -> Network:
    """Rebuild the (untrained) network a checkpoint's ``net_spec`` metadata records.

    The metadata is data: it must have passed :func:`~symcnn.runtime.metadata.check_meta`, and no
    path it records is used. A custom layer (one its entry gives ``spec`` or ``generated`` for) is
    loaded only from the folders in ``custom``, which the user named (``evaluate --spec FILE``, derived,
    and ``--generated DIR``), and only if the ``SPEC_HASH`` its module declares is the one the
    checkpoint recorded. A built-in layer comes from ``generated`` when it holds it, else the
    built-in folder.
    """
    if check_meta(meta, where)["net"] != NET_SPEC:
        raise CheckpointError(f"{where}: not the checkpoint of a network file (net is {meta['net']!r:.40})")
    spec = meta["net_spec"]
    recorded = meta.get("spec_hashes") or {}
    backend = backend or meta.get("backend", "numba")
    layers = [_placed(entry, backend, generated, custom, recorded, where) for entry in spec["layers"]]
    nf = NetworkFile(str(spec.get("file", "")), layers, spec.get("loss", "loss_softmax_ce"))
    net = build_from_file(nf, backend=backend, dtype=meta.get("dtype", "float64"), generated=None,
                          trust=trust, log=log, budget=budget)  # each entry says its folder now
    for layer, was in recorded.items():
        now = net.meta["spec_hashes"].get(layer)
        if now != was:
            raise CheckpointError(f"{where}: layer {layer} was trained with spec hash {was}, but now "
                                  f"derives {now} (its spec changed since the checkpoint was saved)")
    net.meta["net_spec"] = spec
    return net


def _placed(entry: dict, backend: str, generated: Any, custom: Sequence[str | Path], recorded: dict,
            where: str) -> dict:
    """A checkpoint's layer entry pointing at the folder its module is loaded from: never one the
    checkpoint names."""
    out = {k: v for k, v in entry.items() if k not in CUSTOM_KEYS}
    if entry["layer"] == "flatten":
        return out
    filename = f"{entry['layer']}_{backend}.py"
    if not any(key in entry for key in CUSTOM_KEYS):
        mine = generated is not None and (Path(generated) / filename).is_file()
        return {**out, "generated": str(generated)} if mine else out
    for folder in custom:
        path = Path(folder) / filename
        if path.is_file():
            declared, want = declared_spec_hash(path), recorded[entry["layer"]].lower()
            if declared != want:
                raise CheckpointError(
                    f"{where}: layer {entry['name']!r} ({entry['layer']}) was trained with spec hash {want}, "
                    f"but {path} declares {declared}; pass the spec it was trained with")
            return {**out, "generated": str(folder)}
    named = f" (none of {', '.join(str(f) for f in custom)} holds {filename})" if custom else ""
    raise CheckpointError(
        f"{where}: layer {entry['name']!r} is the custom layer {entry['layer']!r}, whose code the checkpoint "
        f"does not carry and symcnn does not run from it{named}; pass --spec FILE (the spec file that "
        "defines it) or --generated DIR (a folder `symcnn derive --spec FILE --out DIR` wrote)")


def _module(entry: dict, backend: str, generated: Any, trust: bool, log: Log | None) -> ModuleType:
    if "spec" in entry:
        folder = derived_folder(entry["spec"], log)
    else:
        folder = entry.get("generated", generated)
    path = resolve_folder(folder) / f"{entry['layer']}_{backend}.py"
    if not path.is_file():
        found = sorted(p.name[: -len(f"_{backend}.py")] for p in path.parent.glob(f"*_{backend}.py"))
        where = "the built-in layers" if "spec" not in entry and "generated" not in entry else str(folder)
        raise NetworkError(f"layer {entry['name']!r}: no layer {entry['layer']!r} in {where}; "
                           f"choose from flatten, {', '.join(found)}")
    return load_layer_module(entry["layer"], backend, folder, trust)


def _given(entry: dict, module: ModuleType) -> dict[str, int]:
    given = {k: v for k, v in entry.items() if k not in RESERVED}
    who = _who(entry, module)
    for key in given:
        if key not in module.SIZES or key == "N":
            sizes = ", ".join(s for s in module.SIZES if s != "N")
            raise NetworkError(f"{who}: {key!r} is not one of its sizes ({sizes})")
    for h in module.HYPER:
        if h not in given:
            raise NetworkError(f"{who}: give its hyper-parameter {h!r}")
    if len(module.INPUTS) != 1:
        raise NetworkError(f"{who}: has {len(module.INPUTS)} inputs; a network chains one-input layers")
    return given


def resolve_sizes(module: ModuleType, given: dict[str, int], shape: tuple[int, ...],
                  who: str, source: str) -> dict[str, int]:
    """Every size of ``module`` for an input of ``shape``, given the sizes ``given``."""
    x = module.INPUTS[0]
    unknown = [s for s in module.SIZES if s not in given]
    base = {**given, **{u: 1 for u in unknown}}

    def input_shape(sizes: dict[str, int]) -> np.ndarray:
        return np.array(module.shapes(sizes)[x], dtype=np.int64)

    f0 = input_shape(base)
    if len(f0) != len(shape):
        raise _no_chain(module, given, unknown, shape, who, source)
    columns = []
    for u in unknown:
        f1, f2 = input_shape({**base, u: 2}), input_shape({**base, u: 3})
        if np.any(f2 - f1 != f1 - f0):
            raise NetworkError(f"{who}: its input's shape is not affine in {u}; give {u}")
        columns.append(f1 - f0)
    loose = [u for u, c in zip(unknown, columns) if not c.any()]
    if loose:
        raise NetworkError(f"{who}: give {', '.join(loose)} (its input's shape does not fix it)")
    a = np.stack(columns, axis=1).astype(float) if columns else np.zeros((len(f0), 0))
    if np.linalg.matrix_rank(a) < len(unknown):
        raise NetworkError(f"{who}: sizes {', '.join(unknown)} cannot all be read off its input; "
                           "give some of them")
    step = np.linalg.lstsq(a, np.array(shape) - f0, rcond=None)[0] if unknown else []
    sizes = {**given, **{u: 1 + int(round(d)) for u, d in zip(unknown, step)}}
    if tuple(input_shape(sizes)) != tuple(shape) or min(sizes.values()) < 1:
        raise _no_chain(module, given, unknown, shape, who, source)
    return sizes


def _no_chain(module: ModuleType, given: dict, unknown: list[str], shape: tuple, who: str,
              source: str) -> NetworkError:
    wanted = module.shapes({**given, **{u: _Size(u) for u in unknown}})[module.INPUTS[0]]
    text = "(" + ", ".join(str(s) for s in wanted) + ")"
    return NetworkError(f"{who} cannot take the output of {source}: its input {module.INPUTS[0]} "
                        f"is {text}" + (f" with {_sizes_text(given)}" if given else "")
                        + _flatten_hint(len(shape), len(wanted)))


class _Size:
    """A size left unknown, printed in a shape as the expression the layer's ``shapes`` makes of it."""

    def __init__(self, text: str, compound: bool = False) -> None:
        self.text, self.compound = text, compound

    def __str__(self) -> str:
        return self.text

    @staticmethod
    def _factor(x: object) -> str:
        return f"({x})" if isinstance(x, _Size) and x.compound else str(x)

    def __add__(self, other: object) -> _Size:
        if isinstance(other, int) and other < 0:
            return _Size(f"{self} - {-other}", True)
        return _Size(f"{self} + {other}", True) if other != 0 else self

    def __radd__(self, other: object) -> _Size:
        return _Size(f"{other} + {self}", True) if other != 0 else self

    def __sub__(self, other: object) -> _Size:
        return _Size(f"{self} - {self._factor(other)}", True)

    def __rsub__(self, other: object) -> _Size:
        return _Size(f"{other} - {self._factor(self)}", True)

    def __mul__(self, other: object) -> _Size:
        return _Size(f"{self._factor(other)}*{self._factor(self)}") if other != 1 else self

    __rmul__ = __mul__

    def __floordiv__(self, other: object) -> _Size:
        return _Size(f"floor({self}/{other})")


def _sizes_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sizes.items())


def _flatten_hint(got: int, want: int) -> str:
    return "; put {'layer': 'flatten'} between them" if got > 2 and want == 2 else ""


def _who(entry: dict, module: ModuleType) -> str:
    return f"layer {entry['name']!r} ({module.LAYER})"


def _from(prev: dict | None, shape: tuple[int, ...]) -> str:
    text = "(N, " + ", ".join(str(s) for s in shape[1:]) + ")"
    if prev is None:
        return f"the input images, {text}"
    return f"layer {prev['name']!r} ({prev['layer']}), {text}"


def _initial(entry: dict, name: str, shape: tuple[int, ...], maps_in: int, maps_out: int,
             rng: np.random.Generator, declared: dict[str, float] | None = None) -> np.ndarray:
    """``entry["init"][name]`` (a number, ``"glorot"`` or ``"he"``), else the value the layer's spec
    declares for it (``declared``, the module's ``PARAM_INIT``: a batch norm's ``G`` starts at 1),
    else Glorot for arrays, 0 for vectors.

    Fans: the parameter's entries per output map (fan in) and per input map (fan out).
    """
    default = (declared or {}).get(name, "glorot" if len(shape) >= 2 else 0.0)
    how = entry.get("init", {}).get(name, default)
    size = int(np.prod(shape))
    fan_in, fan_out = max(1, size // max(1, maps_out)), max(1, size // max(1, maps_in))
    if how == "glorot":
        return glorot(rng, shape, fan_in, fan_out)
    if how == "he":
        return he(rng, shape, fan_in)
    if isinstance(how, (int, float)) and not isinstance(how, bool):
        return np.full(shape, float(how))
    raise NetworkError(f"layer {entry['name']!r}: init of {name!r} is {how!r}; "
                       "give 'glorot', 'he' or a number")
