"""The preset networks as plain layer shapes: what the benchmark counts and rebuilds.

The runtime builds each preset (:mod:`symcnn.runtime.presets`) from generated
layers; the benchmark needs only its shapes, to count the floating-point work
of a training step and to build the same network in PyTorch. :data:`ARCH`
lists them in the ``xcorr`` convention (the one every framework uses).

:func:`initial_params` draws the presets' initial weights in the order
``build_network`` draws them, so a reference network can start equal to a
symcnn one even when no generated code is at hand; when a symcnn network
exists, copy its ``parameters()`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symcnn.errors import SymcnnError

__all__ = ["ARCH", "INPUT_SHAPE", "Op", "initial_params", "step_flops"]

INPUT_SHAPE = (1, 28, 28)
CLASSES = 10
#: λ of the ``combo`` preset's entropy penalty (``symcnn.runtime.presets.COMBO_LAMBDA``).
COMBO_LAMBDA = 1e-3


@dataclass(frozen=True)
class Op:
    """One layer: ``kind`` is conv, combo, pool_mean, pool_max, pool_sum, flatten or fc.

    ``c, m`` are input and output maps of a conv/combo layer (or inputs and
    outputs of an fc layer), ``k`` the kernel size, ``s`` a pooling factor,
    ``act`` the activation (sigmoid, relu, identity; ``None`` for none).
    """

    kind: str
    name: str
    act: str | None = None
    c: int = 0
    m: int = 0
    k: int = 0
    s: int = 0
    init: str = "glorot"


def _dlt_like(pool: str, conv2: str) -> list[Op]:
    act = "sigmoid" if pool == "pool_sum" else None
    return [
        Op("conv", "conv1", "sigmoid", c=1, m=6, k=5),
        Op(pool, "pool1", act, c=6, s=2),
        Op(conv2, "conv2", "sigmoid", c=6, m=12, k=5),
        Op(pool, "pool2", act, c=12, s=2),
        Op("flatten", "flatten"),
        Op("fc", "fc", "sigmoid", c=192, m=10),
    ]


#: Layers of each preset, and its loss (``squared``: ½Σ(o−y)²; ``softmax_ce``).
ARCH: dict[str, dict] = {
    "dlt": {"layers": _dlt_like("pool_mean", "conv"), "loss": "squared"},
    "bouvrie": {"layers": _dlt_like("pool_sum", "conv"), "loss": "squared"},
    "combo": {"layers": _dlt_like("pool_mean", "combo"), "loss": "squared", "entropy": COMBO_LAMBDA},
    "lenet5": {
        "layers": [
            Op("conv", "conv1", "relu", c=1, m=20, k=5, init="he"),
            Op("pool_max", "pool1", c=20, s=2),
            Op("conv", "conv2", "relu", c=20, m=50, k=5, init="he"),
            Op("pool_max", "pool2", c=50, s=2),
            Op("flatten", "flatten"),
            Op("fc", "fc1", "relu", c=800, m=500, init="he"),
            Op("fc", "fc2", "relu", c=500, m=84, init="he"),
            Op("fc", "fc3", "identity", c=84, m=10),
        ],
        "loss": "softmax_ce",
    },
}


def arch(net: str) -> dict:
    if net not in ARCH:
        raise SymcnnError(f"unknown network {net!r}; choose from {', '.join(ARCH)}")
    return ARCH[net]


def initial_params(net: str, seed: int = 0, dtype: str = "float32") -> dict[str, np.ndarray]:
    """The preset's initial parameters, drawn like ``build_network(net, seed=seed)`` draws them."""
    from symcnn.runtime.presets import glorot, he

    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for op in arch(net)["layers"]:
        if op.kind in ("conv", "combo"):
            shape, fan_in, fan_out = (op.c, op.m, op.k, op.k), op.c * op.k * op.k, op.m * op.k * op.k
            w = glorot(rng, shape, fan_in, fan_out) if op.init == "glorot" else he(rng, shape, fan_in)
            if op.kind == "combo":  # α starts uniform (1/C), so kernels start C times larger
                params[f"{op.name}.K"] = op.c * w
                params[f"{op.name}.c"] = np.zeros((op.c, op.m))
            else:
                params[f"{op.name}.K"] = w
            params[f"{op.name}.B"] = np.zeros(op.m)
        elif op.kind == "pool_sum":  # the sigmoid starts centred on a block of 0.5s
            params[f"{op.name}.beta"] = np.ones(op.c)
            params[f"{op.name}.b"] = np.full(op.c, -op.s**2 / 2)
        elif op.kind == "fc":
            shape = (op.m, op.c)
            w = glorot(rng, shape, op.c, op.m) if op.init == "glorot" else he(rng, shape, op.c)
            params[f"{op.name}.W"] = w
            params[f"{op.name}.b"] = np.zeros(op.m)
    return {k: np.ascontiguousarray(v, dtype=dtype) for k, v in params.items()}


def step_flops(net: str, batch: int = 1) -> dict:
    """Floating-point operations of one training step on ``batch`` images, from layer shapes.

    Only the multiply-adds of convolutions and fully connected layers count,
    2 FLOPs each: the forward pass once, the backward pass once for the
    weight gradient and once for the input gradient, except the first layer
    whose input is the data and needs none. Activations, pooling, the loss
    and the update are left out (a few per cent for these nets). For ``dlt``
    this gives 1,048,320 FLOPs an image, 62.9 GFLOP a 60,000-image epoch.
    """
    c, h, w = INPUT_SHAPE
    forward = backward = 0
    first = True
    layers = []
    for op in arch(net)["layers"]:
        macs = 0
        if op.kind in ("conv", "combo"):
            h, w = h - op.k + 1, w - op.k + 1
            macs = op.m * h * w * op.c * op.k * op.k
            c = op.m
        elif op.kind.startswith("pool"):
            h, w = h // op.s, w // op.s
        elif op.kind == "flatten":
            c, h, w = c * h * w, 1, 1
        elif op.kind == "fc":
            macs, c = op.c * op.m, op.m
        if macs:
            fwd, bwd = 2 * macs, 2 * macs * (1 if first else 2)
            forward, backward, first = forward + fwd, backward + bwd, False
            layers.append({"name": op.name, "forward": fwd * batch, "backward": bwd * batch})
    return {
        "forward": forward * batch,
        "backward": backward * batch,
        "total": (forward + backward) * batch,
        "per_image": forward + backward,
        "layers": layers,
    }
