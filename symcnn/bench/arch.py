"""The floating-point work of a preset's training step, counted from its layer shapes.

The shapes themselves (:data:`ARCH`) and the initial weights
(:func:`initial_params`) live in :mod:`symcnn.runtime.arch`, beside the
runtime that builds the presets from them; the benchmark counts their work
here and builds the same networks in PyTorch (:mod:`symcnn.bench.torch_ref`).
"""

from __future__ import annotations

from symcnn.runtime.arch import ARCH, CLASSES, INPUT_SHAPE, Op, arch, initial_params

__all__ = ["ARCH", "CLASSES", "INPUT_SHAPE", "Op", "arch", "initial_params", "step_flops"]


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
            if not op.same:
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
