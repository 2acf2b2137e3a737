"""A memory budget: what a network will take, estimated from its shapes before anything is allocated.

Every generated module states the shape of each of its arrays in terms of its
sizes (``shapes(sizes)``), so a layer's bytes follow from its sizes and the batch
without allocating any of them:

* **parameters**: its parameters and constants, four times over when training
  (the weights, their gradients, the momentum and the initial draw), twice for
  evaluation (the weights and the checkpoint's copy);
* **activations**: what one forward pass keeps (records, intermediates, outputs)
  and, when training, what the backward pass makes (every gradient), at the
  training batch, plus a forward pass at the evaluation batch (both stay
  buffered);
* **workspace**: the largest array unfolded over its windows (an axis of
  extent ``Ho + KH - 1`` counted as ``Ho · KH``, and the taps of the weights'
  window it does not carry, all but their largest size, multiplied in): the
  NumPy backend's im2col matrix of a convolution, twice (it is kept with a copy
  of the array it unfolds, for the kernel gradient); the Numba kernels loop
  instead, so for them the largest array.

A network whose sum is over :attr:`Budget.limit` is refused with a
:class:`~symcnn.errors.BudgetError` naming the layer that costs most and the
bytes, before a byte is allocated. The default is :data:`DEFAULT_MAX_MEMORY`
(``--max-memory`` changes it). The estimate is an upper bound for the NumPy
backend (the tests check it against what training allocates), not a promise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from symcnn.errors import BudgetError

__all__ = ["DEFAULT_MAX_MEMORY", "EVAL_BATCH", "Budget", "LayerCost", "check", "estimate_network",
           "format_bytes", "layer_cost", "parse_bytes", "solve_sizes"]

#: The memory a command may plan to use unless ``--max-memory`` says otherwise: 4 GiB.
DEFAULT_MAX_MEMORY = 4 * 2**30
#: Images per batch when a network is evaluated (:func:`symcnn.runtime.train.evaluate`).
EVAL_BATCH = 1000
_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


@dataclass(frozen=True)
class Budget:
    """``limit`` bytes for a network trained at ``batch`` images (``training``) or evaluated,
    with forward passes at ``eval_batch`` images beside."""

    limit: int = DEFAULT_MAX_MEMORY
    batch: int = 1
    training: bool = False
    eval_batch: int = 0


@dataclass(frozen=True)
class LayerCost:
    """A layer's bytes: parameters and constants, activations, workspace."""

    name: str
    params: int
    activations: int
    workspace: int

    @property
    def total(self) -> int:
        return self.params + self.activations + self.workspace


def parse_bytes(text: str) -> int:
    """``"4G"``, ``"512M"``, ``"1.5G"``, ``"300000000"``: bytes (binary units). ValueError otherwise."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in _UNITS else ""
    try:
        number = float(t[: len(t) - len(unit)])
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0 or number * _UNITS[unit] > 2**60:
        raise ValueError(f"{text!r} is not a size such as 4G, 512M or 300000000")
    return int(number * _UNITS[unit])


def format_bytes(n: int) -> str:
    """``n`` bytes in the largest binary unit that keeps a digit before the point (``6.4 GiB``)."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}" if n < 1000 * 2**40 else f"{n / 2**40:.3g} TiB"
    return f"{n} bytes"


def _unfolded(shape: tuple[int, ...], deps: list[set[str]], sizes: Mapping[str, int]) -> int:
    """The elements of an array whose axes are unfolded into the sizes they depend on."""
    return math.prod(max(extent, math.prod(sizes[s] for s in dep)) for extent, dep in zip(shape, deps))


def _window(weight: str | None, shapes: dict, deps: dict, array: str) -> int:
    """The taps of the window the weight ``weight`` slides over ``array``: the extents of its axes
    whose sizes ``array`` does not carry, but the largest (the maps on the other side)."""
    if weight is None:
        return 1
    carried = set().union(*deps[array])
    taps = sorted(n for n, dep in zip(shapes[weight], deps[weight]) if not dep <= carried)
    return math.prod(taps[:-1])


def _dependencies(module: ModuleType, sizes: Mapping[str, int]) -> dict[str, list[set[str]]]:
    """For each array, each axis's sizes: those whose change by one changes the axis's extent."""
    base = module.shapes(dict(sizes))
    deps = {name: [set() for _ in shape] for name, shape in base.items()}
    for s in sizes:
        moved = module.shapes({**sizes, s: sizes[s] + 1})
        for name, shape in base.items():
            for axis, (a, b) in enumerate(zip(shape, moved[name])):
                if a != b:
                    deps[name][axis].add(s)
    return deps


def layer_cost(
    module: ModuleType, name: str, sizes: Mapping[str, int], itemsize: int, backend: str, budget: Budget,
) -> LayerCost:
    """The bytes of layer ``name`` (``module`` at ``sizes``, whose ``N`` is replaced by the batches)."""
    fixed = set(module.PARAMS) | set(module.CONSTANTS)
    forward = [*module.RECORDS, *module.INTERMEDIATES, *module.OUTPUTS]

    def at(n: int) -> dict[str, int]:
        return {**sizes, "N": n} if "N" in sizes else dict(sizes)

    def count(shapes: dict, names) -> int:
        return sum(math.prod(shapes[a]) for a in dict.fromkeys(names) if a in shapes)

    train = module.shapes(at(budget.batch))
    params = count(train, fixed) * (4 if budget.training else 2)
    act = count(train, [*forward, *(module.GRADIENTS if budget.training else ())])
    if budget.eval_batch:
        act += count(module.shapes(at(budget.eval_batch)), forward)
    widest = at(max(budget.batch, budget.eval_batch))
    shapes = module.shapes(widest)
    if backend == "numpy":
        deps = _dependencies(module, widest)
        weight = max(module.PARAMS, key=lambda p: math.prod(shapes[p]), default=None)
        # twice: the unfolded matrix, and the copy of the array it came from that it is kept with
        work = 2 * max((_unfolded(shapes[a], deps[a], widest) * _window(weight, shapes, deps, a)
                        for a in shapes if a not in fixed), default=0)
    else:
        work = max((math.prod(s) for a, s in shapes.items() if a not in fixed), default=0)
    return LayerCost(name, params * itemsize, act * itemsize, work * itemsize)


def check(costs: list[LayerCost], budget: Budget, input_values: int, itemsize: int, what: str) -> int:
    """The network's estimated bytes (its layers' plus the input batch); :class:`BudgetError` over budget."""
    batch = max(budget.batch, budget.eval_batch)
    total = sum(c.total for c in costs) + 2 * batch * input_values * itemsize
    if total > budget.limit:
        worst = max(costs, key=lambda c: c.total, default=LayerCost("input", 0, 0, 0))
        mode = "training" if budget.training else "evaluation"
        raise BudgetError(
            f"{what} needs about {format_bytes(total)} for {mode} at a batch of {batch} images, more than "
            f"the {format_bytes(budget.limit)} budget; layer {worst.name!r} alone needs "
            f"{format_bytes(worst.total)} ({worst.total} bytes); lower the batch size or sizes, "
            "or raise --max-memory"
        )
    return total


def solve_sizes(module: ModuleType, given: Mapping[str, int],
                known: Mapping[str, tuple[int, ...]]) -> dict[str, int] | None:
    """Every size of ``module`` whose arrays ``known`` have these shapes (``given`` sizes fixed),
    read off by two probes a size (shapes are affine in each); ``None`` if they do not fix them."""
    unknown = [s for s in module.SIZES if s not in given]
    base = {**given, **{u: 1 for u in unknown}}

    def flat(sizes: dict) -> np.ndarray:
        shapes = module.shapes(sizes)
        return np.array([d for name in known for d in shapes[name]], dtype=np.int64)

    target = np.array([d for name in known for d in known[name]], dtype=np.int64)
    f0 = flat(base)
    if len(f0) != len(target):
        return None
    if unknown:
        a = np.stack([flat({**base, u: 2}) - f0 for u in unknown], axis=1).astype(float)
        step = np.linalg.lstsq(a, (target - f0).astype(float), rcond=None)[0]
        base = {**given, **{u: 1 + int(round(d)) for u, d in zip(unknown, step)}}
    return base if np.array_equal(flat(base), target) else None


def estimate_network(net, budget: Budget, backend: str, what: str) -> int:
    """Check a built :class:`~symcnn.runtime.network.Network` (its parameters exist, its
    activations not yet) against ``budget``; return its estimated bytes."""
    from symcnn.runtime.layers import Layer

    itemsize = np.dtype(net.dtype).itemsize
    shape, costs = (1, *net.input_shape), []
    layers = [*net.layers, net.loss_layer, *(p.layer for p in net.penalties)]
    for k, layer in enumerate(layers):
        if not isinstance(layer, Layer):  # flatten: a view
            shape = (1, math.prod(shape[1:]))
            continue
        m = layer.module
        known = {name: a.shape for name, a in (*layer.params.items(), *layer.constants.items())}
        if layer.input is not None and k <= len(net.layers):
            known[layer.input] = shape
        sizes = solve_sizes(m, {**layer.hyper, **({"N": 1} if "N" in m.SIZES else {})}, known)
        if sizes is None:  # cannot happen for a network that runs; count what is known
            costs.append(LayerCost(layer.name, sum(math.prod(s) for s in known.values()) * itemsize, 0, 0))
            continue
        costs.append(layer_cost(m, layer.name, sizes, itemsize, backend, budget))
        if k < len(net.layers):
            shape = tuple(m.shapes(sizes)[layer.output])
    return check(costs, budget, math.prod(net.input_shape), itemsize, what)
