"""PyTorch interop: any generated layer as a ``torch.autograd.Function`` and a ``torch.nn.Module``.

A generated module (``generated/<layer>_<backend>.py``, or one that ``symcnn
derive --spec FILE --out DIR`` wrote) computes a layer's forward equations and
the gradients symcnn derived for them [B7]–[B14]. Here its ``forward`` and
``backward`` run on the tensors' own memory: a C-contiguous float32/float64
CPU tensor is handed to the kernels as a NumPy view (``tensor.numpy()``), and
the kernels' results come back as tensors over the same memory
(``torch.from_numpy``). A tensor of another layout is made contiguous first
(one copy, PyTorch's); other dtypes and devices are refused.

Importing ``symcnn`` never imports PyTorch; importing this module does::

    from symcnn.torch import GeneratedLayer
    conv = GeneratedLayer.load("conv_xcorr_relu", {"K": torch.randn(1, 6, 5, 5) * 0.1,
                                                   "B": torch.zeros(6)}, constants={"T": torch.ones(1, 6)})
    y = conv(x)            # x: (N, 1, 28, 28) float32 or float64; y.backward(...) fills conv.K.grad

A layer with state (the built-in ``batchnorm``) keeps its buffers as the
module's registered buffers: in ``model.train()`` it runs its training
equations and updates them, in ``model.eval()`` its evaluation equations.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from symcnn.errors import ShapeError
from symcnn.runtime.loader import load_layer_module

__all__ = ["GeneratedFunction", "GeneratedLayer", "apply_layer", "load_module"]

_DTYPES = (torch.float32, torch.float64)


def load_module(
    layer: str, backend: str = "numpy", generated: str | Path | None = None, trust: bool = False
) -> ModuleType:
    """The generated module of ``layer`` (``generated/`` by default, or a ``derive --out`` folder)."""
    return load_layer_module(layer, backend, generated, trust)


def _view(module: ModuleType, name: str, tensor: Any) -> np.ndarray:
    """A NumPy array over ``tensor``'s memory (a copy only when it is not C-contiguous)."""
    if isinstance(tensor, np.ndarray):
        return tensor
    if not isinstance(tensor, torch.Tensor):
        raise ShapeError(f"{module.LAYER}: {name} is a {type(tensor).__name__}, expected a tensor")
    if tensor.device.type != "cpu":
        raise ShapeError(f"{module.LAYER}: {name} is on {tensor.device}; generated kernels run on the CPU")
    if tensor.dtype not in _DTYPES:
        raise ShapeError(f"{module.LAYER}: {name} has dtype {tensor.dtype}, expected float32 or float64")
    return tensor.detach().contiguous().numpy()


def _hyper(module: ModuleType, hyper: Mapping[str, Any] | None) -> dict[str, int]:
    """The hyper-parameters as ints: each an integer of at least 1 (``2.9`` is refused, not truncated)."""
    found = {}
    for name, value in (hyper or {}).items():
        try:
            number = operator.index(value)
        except TypeError:
            number = None
        if number is None or isinstance(value, bool) or number < 1:
            raise ShapeError(
                f"{module.LAYER}: hyper-parameter {name!r} must be an integer >= 1, got {value!r}")
        found[name] = number
    return found


class GeneratedFunction(torch.autograd.Function):
    """``apply(module, hyper, constants, *tensors)``: one generated layer as an autograd function.

    ``tensors`` are the module's ``INPUTS`` then its ``PARAMS``, in that
    order; ``constants`` maps each of its ``CONSTANTS`` to a tensor or array
    (not differentiated); ``hyper`` its hyper-parameters. Returns the
    ``OUTPUTS`` (one tensor, or a tuple when there are several). The backward
    runs the module's derived ``backward`` for only the gradients autograd asks for.
    """

    @staticmethod
    def forward(ctx: Any, module: ModuleType, hyper: Mapping[str, int] | None,
                constants: Mapping[str, Any] | None, *tensors: torch.Tensor) -> Any:
        names = tuple(module.INPUTS) + tuple(module.PARAMS)
        if len(tensors) != len(names):
            raise ShapeError(f"{module.LAYER}: given {len(tensors)} tensors, expected {', '.join(names)}")
        arrays = {name: _view(module, name, t) for name, t in zip(names, tensors)}
        fixed = [v for v in (constants or {}).values() if isinstance(v, torch.Tensor)]
        # a constant given as an array is copied: nothing can change what the backward reads
        arrays.update({c: _view(module, c, v).copy() if isinstance(v, np.ndarray) else _view(module, c, v)
                       for c, v in (constants or {}).items()})
        hyper = _hyper(module, hyper)
        made = module.forward(arrays, hyper)
        outputs = tuple(torch.from_numpy(made[o]) for o in module.OUTPUTS)
        ctx.module, ctx.hyper, ctx.names = module, hyper, names
        ctx.arrays = {**arrays, **made}  # views on the tensors' memory, kept for the backward
        # saved, so that an in-place change to an input, output or constant tensor is caught
        ctx.save_for_backward(*tensors, *outputs, *fixed)
        return outputs[0] if len(outputs) == 1 else outputs

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, *grads: torch.Tensor | None) -> tuple:
        _ = ctx.saved_tensors  # raises if an input, output or constant tensor changed in place since
        module, arrays = ctx.module, dict(ctx.arrays)
        for name, grad in zip(module.OUTPUTS, grads):
            seed = np.zeros_like(arrays[name]) if grad is None else _view(module, "d" + name, grad)
            arrays["d" + name] = seed
        wanted = [f"d{n}" for n, need in zip(ctx.names, ctx.needs_input_grad[3:]) if need]
        found = module.backward(arrays, ctx.hyper, wanted=wanted) if wanted else {}
        out = tuple(torch.from_numpy(found[f"d{n}"]) if f"d{n}" in wanted else None for n in ctx.names)
        return (None, None, None, *out)


def apply_layer(module: ModuleType, *tensors: torch.Tensor, hyper: Mapping[str, int] | None = None,
                constants: Mapping[str, Any] | None = None) -> Any:
    """:class:`GeneratedFunction` applied to ``tensors`` (inputs, then parameters)."""
    return GeneratedFunction.apply(module, hyper, constants, *tensors)


class _Training(GeneratedFunction):
    """:class:`GeneratedFunction` that then updates the layer's buffers, given among ``constants``, in place
    from the arrays the forward pass made (the module's ``update_buffers``); its backward is the same."""

    @staticmethod
    def forward(ctx: Any, module: ModuleType, hyper: Mapping[str, int] | None,
                constants: Mapping[str, Any] | None, *tensors: torch.Tensor) -> Any:
        outputs = GeneratedFunction.forward(ctx, module, hyper, constants, *tensors)
        module.update_buffers(ctx.arrays, ctx.hyper)
        return outputs


class GeneratedLayer(torch.nn.Module):
    """A generated layer holding its parameters as ``nn.Parameter``\\ s, named as in the module.

    ``params`` gives the initial value of each of ``module.PARAMS`` (copied);
    ``constants`` the layer's fixed arrays (a convolution's connection table
    ``T``; a loss's targets may instead be passed to :meth:`forward`), kept
    as buffers; ``hyper`` its hyper-parameters (a pooling factor ``s``, a
    dilation ``d``). ``forward(*inputs, **constants)`` returns the outputs.

    A layer with state buffers (``module.BUFFERS``: a batch norm's running
    mean and variance) holds them as buffers too, from ``buffers`` or, where not
    given, at the module's initial values on the first forward pass. In
    training mode each forward pass updates them; in evaluation mode the
    layer's evaluation equations (``module.EVALUATION``) run instead of its
    training equations. symcnn derives no gradient of evaluation equations:
    their outputs do not require grad.
    """

    def __init__(self, module: ModuleType, params: Mapping[str, Any],
                 constants: Mapping[str, Any] | None = None, hyper: Mapping[str, int] | None = None,
                 buffers: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.module = module
        self.hyper = _hyper(module, hyper)
        if set(self.hyper) != set(module.HYPER):
            raise ShapeError(f"{module.LAYER}: hyper-parameters {sorted(self.hyper)}, "
                             f"expected {list(module.HYPER)}")
        missing = [p for p in module.PARAMS if p not in params]
        if missing:
            raise ShapeError(f"{module.LAYER}: missing parameter {missing[0]!r}")
        for p in module.PARAMS:
            self.register_parameter(p, torch.nn.Parameter(torch.as_tensor(params[p]).detach().clone()))
        for c, value in (constants or {}).items():
            if c not in module.CONSTANTS:
                raise ShapeError(f"{module.LAYER}: {c!r} is not a constant of it {list(module.CONSTANTS)}")
            self.register_buffer(c, torch.as_tensor(value).detach().clone())
        state = getattr(module, "BUFFERS", ())
        for b in buffers or {}:
            if b not in state:
                raise ShapeError(f"{module.LAYER}: {b!r} is not a buffer of it {list(state)}")
        for b in state:
            given = (buffers or {}).get(b)
            self.register_buffer(b, None if given is None else torch.as_tensor(given).detach().clone())

    @classmethod
    def load(cls, layer: str, params: Mapping[str, Any], *, constants: Mapping[str, Any] | None = None,
             hyper: Mapping[str, int] | None = None, backend: str = "numpy",
             generated: str | Path | None = None, trust: bool = False,
             buffers: Mapping[str, Any] | None = None) -> GeneratedLayer:
        """The layer ``layer`` of ``generated`` (default ``generated/``), e.g. a ``derive --out`` folder."""
        return cls(load_module(layer, backend, generated, trust), params, constants, hyper, buffers)

    def forward(self, *inputs: torch.Tensor, **constants: Any) -> Any:
        fixed = {c: getattr(self, c) for c in self.module.CONSTANTS if c in self._buffers}
        fixed.update(constants)
        params = [getattr(self, p) for p in self.module.PARAMS]
        state = tuple(getattr(self.module, "BUFFERS", ()))
        if not state:
            return GeneratedFunction.apply(self.module, self.hyper, fixed, *inputs, *params)
        self._start_buffers(inputs, params, fixed)
        fixed.update({b: getattr(self, b) for b in state})
        if self.training:
            return _Training.apply(self.module, self.hyper, fixed, *inputs, *params)
        if not self.module.EVALUATION:  # the training equations serve in both modes
            return GeneratedFunction.apply(self.module, self.hyper, fixed, *inputs, *params)
        return self._evaluate(inputs, params, fixed)

    def _arrays(self, inputs: tuple, params: list, fixed: Mapping[str, Any]) -> dict[str, np.ndarray]:
        names = tuple(self.module.INPUTS) + tuple(self.module.PARAMS)
        if len(inputs) + len(params) != len(names):
            raise ShapeError(f"{self.module.LAYER}: given {len(inputs)} inputs, expected "
                             f"{', '.join(self.module.INPUTS)}")
        arrays = {n: _view(self.module, n, t) for n, t in zip(names, (*inputs, *params))}
        arrays.update({c: _view(self.module, c, v) for c, v in fixed.items()})
        return arrays

    def _start_buffers(self, inputs: tuple, params: list, fixed: Mapping[str, Any]) -> None:
        """Buffers not given start at the module's initial values, sized by the first inputs."""
        missing = [b for b in self.module.BUFFERS if getattr(self, b) is None]
        if missing:
            arrays = self._arrays(inputs, params, fixed)
            sizes = self.module.sizes_of(arrays, self.hyper)
            made = self.module.initial_buffers(sizes, arrays[self.module.INPUTS[0]].dtype)
            for b in missing:
                setattr(self, b, torch.from_numpy(np.array(made[b])))

    def _evaluate(self, inputs: tuple, params: list, fixed: Mapping[str, Any]) -> Any:
        """The evaluation equations' outputs (no autograd graph: no gradient of them is derived)."""
        made = self.module.forward_eval(self._arrays(inputs, params, fixed), self.hyper)
        outputs = tuple(torch.from_numpy(made[o]) for o in self.module.OUTPUTS)
        return outputs[0] if len(outputs) == 1 else outputs

    def extra_repr(self) -> str:
        hyper = f", hyper={self.hyper}" if self.hyper else ""
        return f"{self.module.LAYER} ({self.module.BACKEND}){hyper}"
