"""The preset networks in PyTorch (eager), the reference symcnn's throughput is compared with.

Each net is built from :data:`symcnn.bench.arch.ARCH` with PyTorch's own
operators (``conv2d``, ``avg_pool2d``/``max_pool2d``, ``linear``) and autograd,
takes its weights from a symcnn network's ``parameters()`` (so both start
equal), uses the same loss (½Σ(o−y)² or softmax cross-entropy, averaged over
the batch, plus the ``combo`` net's entropy penalty once per batch) and
``torch.optim.SGD`` with the preset's learning rate and momentum.

PyTorch is optional (``pip install 'symcnn[torch]'``, pinned to 2.13.0); it is
imported only here, and only when a reference network is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from symcnn.bench.arch import arch
from symcnn.errors import SymcnnError

__all__ = ["TorchNet", "import_torch"]

TORCH_VERSION = "2.13.0"


def import_torch() -> Any:
    """``torch``, or a SymcnnError saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise SymcnnError(
            f"PyTorch is not installed; `pip install 'symcnn[torch]'` installs torch=={TORCH_VERSION}"
        ) from exc
    return torch


def _to_torch_layout(name: str, value: np.ndarray) -> np.ndarray:
    # symcnn keeps kernels as K[i, j] (input map i → output map j); PyTorch as weight[j, i]
    return value.transpose(1, 0, 2, 3) if name.endswith(".K") else value


class TorchNet:
    """One preset in PyTorch with symcnn's parameter names and layouts at its boundary."""

    def __init__(
        self,
        net: str,
        params: Mapping[str, np.ndarray],
        dtype: str = "float32",
        lr: float | None = None,
        momentum: float | None = None,
        threads: int | None = None,
    ) -> None:
        torch = self.torch = import_torch()
        from symcnn.runtime.presets import RECIPES

        self.net, self.spec = net, arch(net)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        if threads is not None:
            torch.set_num_threads(threads)
        self.params = {
            name: torch.nn.Parameter(torch.tensor(_to_torch_layout(name, np.asarray(v)), dtype=self.dtype))
            for name, v in params.items()
        }
        recipe = RECIPES[net]
        self.optimizer = torch.optim.SGD(
            list(self.params.values()),
            lr=recipe["lr"] if lr is None else lr,
            momentum=recipe["momentum"] if momentum is None else momentum,
        )

    def tensor(self, a: np.ndarray) -> Any:
        return self.torch.from_numpy(np.ascontiguousarray(a)).to(self.dtype)

    def forward(self, x: Any) -> Any:
        """Output of the network for an ``(N, 1, 28, 28)`` tensor."""
        F, p = self.torch.nn.functional, self.params
        for op in self.spec["layers"]:
            if op.kind == "conv":
                x = F.conv2d(x, p[f"{op.name}.K"], p[f"{op.name}.B"], padding=op.k // 2 if op.same else 0)
            elif op.kind == "combo":  # Σ_i α_ij (x_i ⋆ k_ij): one conv with α folded into the kernel
                alpha = self.torch.softmax(p[f"{op.name}.c"], dim=0).t()
                x = F.conv2d(x, alpha[:, :, None, None] * p[f"{op.name}.K"], p[f"{op.name}.B"])
            elif op.kind == "pool_mean":
                x = F.avg_pool2d(x, op.s)
            elif op.kind == "pool_max":
                x = F.max_pool2d(x, op.s)
            elif op.kind == "pool_sum":
                beta, b = p[f"{op.name}.beta"], p[f"{op.name}.b"]
                x = F.avg_pool2d(x, op.s) * (op.s * op.s * beta[None, :, None, None]) + b[None, :, None, None]
            elif op.kind == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif op.kind == "fc":
                x = F.linear(x, p[f"{op.name}.W"], p[f"{op.name}.b"])
            if op.act == "sigmoid":
                x = self.torch.sigmoid(x)
            elif op.act == "relu":
                x = self.torch.relu(x)
        return x

    def loss(self, x: Any, t: Any) -> Any:
        """Mean over the batch of the preset's loss, plus its penalty (once per batch)."""
        torch = self.torch
        y = self.forward(x)
        if self.spec["loss"] == "squared":
            loss = 0.5 * ((y - t) ** 2).sum() / y.shape[0]
        else:
            loss = -(t * torch.log_softmax(y, dim=1)).sum() / y.shape[0]
        lam = self.spec.get("entropy")
        if lam:
            for op in self.spec["layers"]:
                if op.kind == "combo":
                    c = self.params[f"{op.name}.c"]
                    loss = loss - lam * (torch.softmax(c, dim=0) * torch.log_softmax(c, dim=0)).sum()
        return loss

    def step(self, x: Any, t: Any) -> Any:
        """One training step (forward, backward, SGD update) on tensors; returns the loss tensor."""
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(x, t)
        loss.backward()
        self.optimizer.step()
        return loss

    def gradients(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """(loss, ∂loss/∂p by symcnn name and layout) for one batch, without updating."""
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.tensor(x), self.tensor(t))
        loss.backward()
        grads = {n: _to_torch_layout(n, p.grad.detach().numpy()).copy() for n, p in self.params.items()}
        return loss.item(), grads

    def parameters(self) -> dict[str, np.ndarray]:
        """Current parameters by symcnn name and layout."""
        return {n: _to_torch_layout(n, p.detach().numpy()).copy() for n, p in self.params.items()}
