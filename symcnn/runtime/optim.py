"""Stochastic gradient descent with momentum and per-parameter learning rates [B6].

The update of parameter ``p`` with gradient ``g`` is ``Δp = −η·r_p·g``, where
``r_p`` is a rate multiplier for ``p``: a scalar, or an array of ``p``'s shape
giving each weight its own rate ``η_ij`` as [B6] allows. With momentum ``μ``,
``v ← μ·v − η·r_p·g; p ← p + v`` (μ = 0 is plain SGD, DeepLearnToolbox's rule).
Updates happen in place, in the parameters' own dtype, one pass over each
array (:mod:`.update`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from symcnn.errors import ShapeError

__all__ = ["SCHEDULES", "SGD", "scheduled_lr"]

#: Learning-rate schedules over a run: ``constant`` keeps η; ``cosine`` anneals it from η
#: towards 0 along half a cosine, step by step, over all the run's updates.
SCHEDULES = ("constant", "cosine")


class SGD:
    """SGD over the live ``params`` (name → array), e.g. ``Network.parameters()``."""

    def __init__(
        self,
        params: Mapping[str, np.ndarray],
        lr: float,
        momentum: float = 0.0,
        rates: Mapping[str, float | np.ndarray] | None = None,
        weight_decay: float = 0.0,
    ) -> None:
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if not 0 <= weight_decay < 1:
            raise ValueError(f"weight decay must be in [0, 1), got {weight_decay}")
        self.params, self.lr, self.momentum = dict(params), float(lr), float(momentum)
        unknown = sorted(set(rates or {}) - set(self.params))
        if unknown:
            raise ShapeError(f"per-parameter rate for unknown parameter {unknown[0]!r}")
        self.rate: dict[str, np.ndarray] = {}
        for name, p in self.params.items():
            rate = np.asarray((rates or {}).get(name, 1.0), dtype=p.dtype)
            if rate.ndim and rate.shape != p.shape:
                raise ShapeError(f"rate for {name!r} has shape {rate.shape}, expected () or {p.shape}")
            self.rate[name] = rate
        self.step_size: dict[str, np.ndarray] = {}
        self.set_lr(self.lr)
        self.velocity = {name: np.zeros_like(p) for name, p in self.params.items()} if momentum else {}
        # L2 weight decay λ/2·Σw² on the weights (kernels, matrices: 2 or more axes), not on biases or scales
        self.decay = {name: p.dtype.type(weight_decay) for name, p in self.params.items()
                      if weight_decay and p.ndim >= 2}

    def set_lr(self, lr: float) -> None:
        """Make ``lr`` the global rate η from the next :meth:`step` on (a schedule calls this)."""
        if lr <= 0 or not np.isfinite(lr):
            raise ValueError(f"learning rate must be positive, got {lr}")
        if self.step_size and float(lr) == self.lr:
            return  # a constant schedule: every step size is already this rate's
        self.lr = float(lr)
        for name, p in self.params.items():
            self.step_size[name] = (self.rate[name] * p.dtype.type(self.lr)).astype(p.dtype)

    def step(self, grads: Mapping[str, np.ndarray]) -> None:
        """Apply one update with ``grads`` (name → ∂E/∂p, batch-averaged)."""
        from symcnn.runtime.update import fusable, update

        for name, p in self.params.items():
            g, v = grads[name], self.velocity.get(name)
            if name in self.decay:
                g = g + self.decay[name] * p  # ∂/∂w of E + λ/2·Σw²
            if fusable(p, g, self.step_size[name], v):
                update(p, g, self.step_size[name], v, self.momentum)
                continue
            step = self.step_size[name] * g
            if self.momentum:
                v = self.velocity[name]
                v *= self.momentum
                v -= step
                p += v
            else:
                p -= step


def scheduled_lr(schedule: str, lr: float, step: int, total: int) -> float:
    """The learning rate of update ``step`` (from 0) of ``total`` under ``schedule`` with base ``lr``.

    ``cosine`` is ``η·(1 + cos(π·step/total))/2``: η at the first update, still
    positive at the last.
    """
    if schedule == "constant":
        return lr
    if schedule == "cosine":
        return lr * 0.5 * (1.0 + math.cos(math.pi * step / max(total, 1)))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")
