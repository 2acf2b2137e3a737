"""The preset networks as layer shapes, and their initial weights.

:data:`ARCH` lists each preset's layers (kind, maps, kernel size, pooling
factor, activation, initialisation) and its loss, in the ``xcorr``
convention. :func:`symcnn.runtime.presets.build_network` makes generated
layers of them; the benchmark counts their work and builds the same nets in
PyTorch; :func:`initial_params` draws the weights both start from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symcnn.errors import GeneratedCodeError

__all__ = [
    "ARCH", "CLASSES", "COMBO_LAMBDA", "INPUT_SHAPE", "Op", "arch", "glorot", "he", "initial_params",
    "synthetic_batch",
]

INPUT_SHAPE = (1, 28, 28)
CLASSES = 10
#: λ of the ``combo`` preset's entropy penalty.
COMBO_LAMBDA = 1e-3


def synthetic_batch(batch: int, dtype: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random images in [0, 1) of shape ``(batch, 1, 28, 28)`` and one-hot targets ``(batch, 10)``."""
    rng = np.random.default_rng(seed)
    x = rng.random((batch, *INPUT_SHAPE)).astype(dtype)
    t = np.zeros((batch, CLASSES), dtype=dtype)
    t[np.arange(batch), rng.integers(0, CLASSES, batch)] = 1
    return x, t


def glorot(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    """Uniform in ±√(6/(fan_in+fan_out)), DeepLearnToolbox's (and Glorot's) initialisation."""
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, size=shape)


def he(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """Uniform in ±√(6/fan_in), for ReLU layers."""
    r = np.sqrt(6.0 / fan_in)
    return rng.uniform(-r, r, size=shape)


@dataclass(frozen=True)
class Op:
    """One layer: ``kind`` is conv, combo, pool_mean, pool_max, pool_sum, flatten or fc.

    ``c, m`` are input and output maps of a conv/combo layer (or inputs and
    outputs of an fc layer), ``k`` the kernel size, ``s`` a pooling factor,
    ``act`` the activation (sigmoid, relu, identity; ``None`` for none),
    ``same`` a convolution zero-padded by ``k // 2`` on each side.
    """

    kind: str
    name: str
    act: str | None = None
    c: int = 0
    m: int = 0
    k: int = 0
    s: int = 0
    init: str = "glorot"
    same: bool = False  #: a conv with 'same' zero padding (odd k): its maps keep their size


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


def _vgg() -> list[Op]:
    """Two VGG blocks (pairs of 3×3 'same' convs + ReLU, then max-pool 2) and two fc layers."""
    conv = [("conv1", 1, 16), ("conv2", 16, 16), ("conv3", 16, 32), ("conv4", 32, 32)]
    ops = [Op("conv", name, "relu", c=c, m=m, k=3, init="he", same=True) for name, c, m in conv]
    return [
        *ops[:2], Op("pool_max", "pool1", c=16, s=2),
        *ops[2:], Op("pool_max", "pool2", c=32, s=2),
        Op("flatten", "flatten"),
        Op("fc", "fc1", "relu", c=32 * 7 * 7, m=128, init="he"),
        Op("fc", "fc2", "identity", c=128, m=10),
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
    "vgg": {"layers": _vgg(), "loss": "softmax_ce"},
}


def arch(net: str) -> dict:
    """The layers and loss of preset ``net``."""
    if net not in ARCH:
        raise GeneratedCodeError(f"unknown network {net!r}; choose from {', '.join(ARCH)}")
    return ARCH[net]


def initial_params(net: str, seed: int = 0, dtype: str = "float32") -> dict[str, np.ndarray]:
    """The preset's initial parameters, drawn from ``numpy.random.default_rng(seed)`` layer by layer.

    Kernels and fully connected weights use :func:`glorot` (``init="glorot"``)
    or :func:`he`; biases start at 0, β at 1 and sub-sampling biases at −s²/2
    (the sigmoid then starts centred on a block of 0.5s); a combination layer's
    c starts at 0, so α is uniform, and its kernels C times larger.
    """
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
