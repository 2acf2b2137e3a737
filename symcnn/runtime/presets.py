"""The preset networks, built from generated layers.

=========  ==============================================================================
``dlt``    DeepLearnToolbox's ``test_example_CNN``: conv 6@5×5 sigmoid → mean-pool 2 →
           conv 12@5×5 sigmoid (all 6 inputs per map) → mean-pool 2 → fc 192→10 sigmoid;
           loss ½Σ(o−y)² averaged over the batch. Its pooling is ``pool_mean_plain``,
           the general sub-sampling equation [B11] with β = 1, b = 0 frozen, identity f.
``bouvrie`` ``dlt`` with the paper's full sub-sampling layers [B11]: ``pool_sum_sigmoid``,
           ``f(β·Σblock + b)`` with a trainable β and b per map; β starts at 1 and b at
           −s²/2 = −2, so each sigmoid starts centred on a block of 0.5s (with β = 1/s²,
           b = 0 the sigmoid squashes its input into [0.5, 0.73] and one epoch learns nothing).
``lenet5`` LeNet-5's layers at the widths of Caffe's LeNet: conv 20@5×5 ReLU → max-pool 2 →
           conv 50@5×5 ReLU → max-pool 2 → fc 800→500 ReLU → fc 500→84 ReLU → fc 84→10;
           softmax cross-entropy, trained with momentum and a cosine learning-rate schedule.
           (At LeNet-5's own widths, 6 and 16 maps, 10 epochs reach 10.7–11.1 % on Fashion-MNIST.)
``combo``  ``dlt`` whose second convolution learns its map combinations [B14]
           (``combo_sigmoid_pairs``: ``f(Σ_i α_ij (x_i ⋆ k_ij) + b_j)``, α = softmax(c)),
           with the entropy penalty ``−λ Σ α log α`` on c (``penalty_entropy``), the
           sparsity penalty that works under the softmax (docs/paper.md §6.4).
``vgg``    A small VGG-style net of 3×3 'same' convolutions (zero-padded, ``conv_*_relu_same``):
           conv 16 → conv 16 → max-pool 2 → conv 32 → conv 32 → max-pool 2 → fc 1568→128
           ReLU → fc 128→10; softmax cross-entropy, momentum and a cosine schedule.
``resnet`` A small residual net with batch norm (xcorr only), two stages: stem conv 32@3×3
           'same' (``conv_xcorr_identity_same``) → batch norm + ReLU (``batchnorm_relu``) →
           max-pool 2 → a residual block of 32 maps at 14×14 (``resblock``: two 3×3 'same'
           convolutions with batch norm, identity shortcut) → max-pool 2 → conv 48@3×3 'same'
           → batch norm + ReLU → two residual blocks of 48 maps at 7×7 → global average
           pooling → fc 48→10; softmax cross-entropy, momentum and a cosine schedule. Its batch
           norms' running statistics (``bn.RM``, ``block1.RV2``, …) are saved with the weights.
=========  ==============================================================================

Parameter (checkpoint) names: ``conv1.K`` (C, M, 5, 5), ``conv1.B`` (M,), ``pool1.beta``
and ``pool1.b`` (C,) for ``bouvrie``, ``conv2.c`` (C, M) for ``combo``, ``fc.W`` (O, I) and
``fc.b`` (O,) (``fc1``…``fc3`` for ``lenet5``). In the ``matlab`` convention ``K[i, j]`` is
DeepLearnToolbox's ``k{i}{j}`` as is (true convolution); in ``xcorr`` it is ``rot180`` of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from symcnn.errors import GeneratedCodeError
from symcnn.runtime.arch import CLASSES, COMBO_LAMBDA, INPUT_SHAPE, Op, arch, glorot, he, initial_params
from symcnn.runtime.budget import EVAL_BATCH, Budget, estimate_network
from symcnn.runtime.layers import DTYPES, Flatten, Layer
from symcnn.runtime.loader import BACKENDS, load_layer_module
from symcnn.runtime.metadata import check_meta
from symcnn.runtime.network import Network, Penalty

__all__ = ["CONVENTIONS", "PRESETS", "RECIPES", "build_network", "check_preset", "network_from_meta"]

PRESETS = ("dlt", "bouvrie", "lenet5", "combo", "vgg", "resnet")
CONVENTIONS = ("xcorr", "matlab")
#: Default training recipe per preset: learning rate, its schedule, momentum, batch size, epochs; and,
#: where given, weight decay and the training images' augmentation (:mod:`.augment`).
RECIPES = {
    "dlt": {"lr": 1.0, "schedule": "constant", "momentum": 0.0, "batch_size": 50, "epochs": 1},
    "bouvrie": {"lr": 1.0, "schedule": "constant", "momentum": 0.0, "batch_size": 50, "epochs": 1},
    "lenet5": {"lr": 0.01, "schedule": "cosine", "momentum": 0.9, "batch_size": 64, "epochs": 10},
    "combo": {"lr": 1.0, "schedule": "constant", "momentum": 0.0, "batch_size": 50, "epochs": 1},
    "vgg": {"lr": 0.02, "schedule": "cosine", "momentum": 0.9, "batch_size": 64, "epochs": 10},
    "resnet": {"lr": 0.1, "schedule": "cosine", "momentum": 0.9, "batch_size": 64, "epochs": 10,
               "weight_decay": 5e-4, "augment": "flip"},
}
#: The ``resnet`` preset's stages: maps and residual blocks of each; every stage after the first
#: starts with a max-pool 2 and a 3×3 'same' convolution (with batch norm and ReLU) to its maps.
RESNET_STAGES = ((32, 1), (48, 2))


class _Builder:
    """Loads modules and makes layers of one backend, dtype and generated folder."""

    def __init__(self, backend: str, dtype: str, generated: str | Path | None, trust: bool) -> None:
        if backend not in BACKENDS:
            raise GeneratedCodeError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
        self.backend, self.dtype, self.generated, self.trust = backend, dtype, generated, trust
        self.hashes: dict[str, str] = {}

    def layer(self, kind: str, name: str, params=None, constants=None, hyper=None, sizes=None) -> Layer:
        """Layer ``name`` of generated layer ``kind``; its buffers (if any) at their initial values for
        ``sizes``."""
        module = load_layer_module(kind, self.backend, self.generated, self.trust)
        self.hashes[kind] = module.SPEC_HASH
        buffers = module.initial_buffers(sizes or {}, self.dtype) if module.BUFFERS else None
        return Layer(module, name, params or {}, constants, hyper, self.dtype, buffers)

    def resnet(self, seed: int) -> list[Layer]:
        """The ``resnet`` preset's layers, He-initialised (from ``seed``); batch norms start at γ = 1, β = 0.

        A residual block is one derived layer (``resblock``) whose last equation adds its input:
        the network stays a chain, and the shortcut's gradient is derived with the rest of the block.
        A stage after the first halves the maps' sides (max-pool 2) and widens them with a 3×3 'same'
        convolution, batch norm and ReLU (``pool2``, ``conv2``, ``bn2``) before its blocks.
        """
        rng, c = np.random.default_rng(seed), RESNET_STAGES[0][0]
        layers = [
            self.layer("conv_xcorr_identity_same", "stem", {"K": he(rng, (1, c, 3, 3), 9), "B": np.zeros(c)}),
            self.layer("batchnorm_relu", "bn", {"G": np.ones(c), "Bt": np.zeros(c)}, sizes={"C": c}),
            self.layer("pool_max_plain", "pool", hyper={"s": 2}),
        ]
        block = 0
        for stage, (maps, blocks) in enumerate(RESNET_STAGES, 1):
            if stage > 1:
                conv = {"K": he(rng, (c, maps, 3, 3), 9 * c), "B": np.zeros(maps)}
                layers += [
                    self.layer("pool_max_plain", f"pool{stage}", hyper={"s": 2}),
                    self.layer("conv_xcorr_identity_same", f"conv{stage}", conv),
                    self.layer("batchnorm_relu", f"bn{stage}", {"G": np.ones(maps), "Bt": np.zeros(maps)},
                               sizes={"C": maps}),
                ]
                c = maps
            ones, zeros = np.ones(c), np.zeros(c)
            for _ in range(blocks):
                block += 1
                params = {"K1": he(rng, (c, c, 3, 3), 9 * c), "G1": ones, "B1": zeros,
                          "K2": he(rng, (c, c, 3, 3), 9 * c), "G2": ones, "B2": zeros}
                layers.append(self.layer("resblock", f"block{block}", params, sizes={"C": c}))
        fc = {"W": glorot(rng, (CLASSES, c), c, CLASSES), "b": np.zeros(CLASSES)}
        return layers + [self.layer("global_avg_pool", "gap"), self.layer("fc_identity", "fc", fc)]

    def op(self, op: Op, convention: str, params: dict[str, np.ndarray]) -> Layer | Flatten:
        """The generated layer (or flatten step) of one :class:`Op`, with its initial ``params``."""
        own = {key.split(".", 1)[1]: value for key, value in params.items() if key.startswith(op.name + ".")}
        if op.kind == "flatten":
            return Flatten(op.name, "F" if convention == "matlab" else "C")
        if op.kind == "conv":
            if op.same:
                return self.layer(f"conv_{convention}_{op.act}_same", op.name, own)
            return self.layer(f"conv_{convention}_{op.act}", op.name, own, {"T": np.ones((op.c, op.m))})
        if op.kind == "combo":
            if convention == "matlab":
                raise GeneratedCodeError(
                    "the combo net has no matlab-convention layer; use --convention xcorr"
                )
            return self.layer(f"combo_{op.act}_pairs", op.name, own)
        if op.kind.startswith("pool_"):
            return self.layer(f"{op.kind}_{op.act or 'plain'}", op.name, own, hyper={"s": op.s})
        return self.layer(f"fc_{op.act}", op.name, own)


def build_network(
    name: str,
    *,
    backend: str = "numba",
    dtype: str = "float64",
    convention: str = "xcorr",
    generated: str | Path | None = None,
    trust: bool = False,
    seed: int = 0,
    combo_lambda: float = COMBO_LAMBDA,
) -> Network:
    """Build preset ``name`` (:data:`~symcnn.runtime.arch.ARCH`) with weights drawn from ``seed``."""
    if name not in PRESETS:
        raise GeneratedCodeError(f"unknown network {name!r}; choose from {', '.join(PRESETS)}")
    if convention not in CONVENTIONS:
        raise GeneratedCodeError(f"unknown convention {convention!r}; choose xcorr or matlab")
    if np.dtype(dtype).name not in DTYPES:
        raise GeneratedCodeError(f"unknown dtype {dtype!r}; choose float32 or float64")
    dtype = np.dtype(dtype).name
    if name == "resnet":
        return _resnet(_Builder(backend, dtype, generated, trust), convention, seed)
    spec = arch(name)
    params = initial_params(name, seed, "float64")
    b = _Builder(backend, dtype, generated, trust)
    layers = [b.op(op, convention, params) for op in spec["layers"]]
    penalties: list[Penalty] = []
    if "entropy" in spec:  # −λ Σ α log α on the combination layer's c (docs/paper.md §6.4)
        owner = next(layer for layer, op in zip(layers, spec["layers"]) if op.kind == "combo")
        pen = b.layer("penalty_entropy", "entropy", {"c": owner.params["c"]}, {"lam": [combo_lambda]})
        penalties.append(Penalty(pen, owner, "c"))
    loss = b.layer(f"loss_{spec['loss']}", "loss")
    meta = {"net": name, "convention": convention, "backend": backend, "dtype": dtype,
            "spec_hashes": dict(sorted(b.hashes.items()))}
    if name == "combo":
        meta["combo_lambda"] = combo_lambda
    return Network(layers, loss, penalties, input_shape=INPUT_SHAPE, meta=meta)


def _resnet(b: _Builder, convention: str, seed: int) -> Network:
    if convention != "xcorr":
        raise GeneratedCodeError("the resnet net has no matlab-convention layers; use --convention xcorr")
    layers = b.resnet(seed)
    loss = b.layer("loss_softmax_ce", "loss")
    meta = {"net": "resnet", "convention": convention, "backend": b.backend, "dtype": b.dtype,
            "spec_hashes": dict(sorted(b.hashes.items()))}
    return Network(layers, loss, input_shape=INPUT_SHAPE, meta=meta)


def network_from_meta(
    meta: dict, *, backend: str | None = None, generated: str | Path | None = None, trust: bool = False,
    where: str = "checkpoint", custom: Sequence[str | Path] = (), budget: Budget | None = None,
) -> Network:
    """Rebuild the (untrained) network a checkpoint's metadata describes (checked by :mod:`.metadata`).

    Nothing the metadata names is run: a network file's custom layers come only from the folders
    in ``custom`` (see :func:`~symcnn.runtime.netspec.network_from_net_meta`). The network is held
    to ``budget`` (evaluation in batches of 1 000 by default) before its activations exist.
    """
    check_meta(meta, where)
    net = meta.get("net")
    budget = budget or Budget(batch=EVAL_BATCH)
    options = {
        "backend": backend or meta.get("backend", "numba"),
        "dtype": meta.get("dtype", "float64"),
        "convention": meta.get("convention", "xcorr"),
        "generated": generated,
        "trust": trust,
    }
    if net == "net-spec":  # a network file's net: its layers are in the metadata
        from symcnn.runtime.netspec import network_from_net_meta

        return network_from_net_meta(meta, backend=backend, generated=generated, trust=trust, custom=custom,
                                     budget=budget, where=where)
    if net == "dlt-custom":
        from symcnn.runtime.dlt import from_dlt

        built = from_dlt(_blank_dlt(meta), **options)
    elif net in PRESETS:
        extra = {"combo_lambda": meta["combo_lambda"]} if "combo_lambda" in meta else {}
        built = build_network(net, **options, **extra)
    else:
        raise GeneratedCodeError(f"checkpoint is of network {net!r}, which symcnn cannot rebuild")
    estimate_network(built, budget, options["backend"], f"{where}: network {net}")
    return built


def check_preset(name: str, budget: Budget, *, dtype: str = "float32", convention: str = "xcorr",
                 backend: str = "numpy") -> int:
    """Refuse preset ``name`` at ``budget`` before its activations exist; its estimated bytes.

    The preset is built with the NumPy modules (its parameters are small; the shapes are the
    same in every backend) and dropped again.
    """
    conv = convention if name != "combo" else "xcorr"
    net = build_network(name, backend="numpy", dtype=dtype, convention=conv)
    return estimate_network(net, budget, backend, f"network {name}")


def _blank_dlt(meta: dict) -> dict:
    """A DeepLearnToolbox ``cnn`` dict of zeros with the layout recorded in ``meta``."""
    layers, maps, size = [], 1, int(meta["input_size"])
    for spec in meta["dlt_layers"]:
        layer = dict(spec)
        if spec["type"] == "c":
            k, m = spec["kernelsize"], spec["outputmaps"]
            layer["k"] = [[np.zeros((k, k)) for _ in range(m)] for _ in range(maps)]
            layer["b"] = [0.0] * m
            maps, size = m, size - k + 1
        elif spec["type"] == "s":
            size //= spec["scale"]
        layers.append(layer)
    return {"layers": layers, "ffW": np.zeros((meta.get("classes", 10), maps * size * size)),
            "ffb": np.zeros(meta.get("classes", 10))}
