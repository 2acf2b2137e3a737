"""A generated layer wrapped as an object: parameters, gradients and buffers.

:class:`Layer` owns one generated module (its ``forward``/``backward``
kernels), the layer's parameters, constants and hyper-parameters, its state
buffers where its spec declares some (a batch norm's running statistics:
updated by :meth:`Layer.update_buffers` after a training pass, read by
:meth:`Layer.forward_eval`), and the output arrays it hands back to the
kernels on the next call with the same input shape, so a training loop
allocates nothing after its first batch.

Arrays are checked once per call here, at the layer boundary (rank, shape,
dtype, C-contiguity); the kernels themselves do no checking in their loops.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

import numpy as np

from symcnn.backends import DTYPES
from symcnn.errors import ShapeError

__all__ = ["DTYPES", "Flatten", "Layer", "check_array"]

#: How many input shapes a layer keeps buffers for (training batch, last batch, evaluation).
_BUFFER_SHAPES = 4


def check_array(
    where: str, name: str, value: object, shape: tuple[int | None, ...], dtype: np.dtype
) -> np.ndarray:
    """Return ``value`` if it is a C-contiguous ``dtype`` array of ``shape``, else raise ShapeError.

    ``None`` in ``shape`` matches any length.
    """
    if (
        isinstance(value, np.ndarray)
        and value.dtype == dtype
        and value.flags.c_contiguous
        and (value.shape == shape or _matches(value.shape, shape))
    ):
        return value  # the common case, checked in a few hundred nanoseconds: this runs per layer per step
    want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
    if not isinstance(value, np.ndarray):
        raise ShapeError(f"{where}: {name} is a {type(value).__name__}, expected a {dtype} array {want}")
    if not _matches(value.shape, shape):
        raise ShapeError(f"{where}: {name} has shape {value.shape}, expected {want}")
    if value.dtype != dtype:
        raise ShapeError(f"{where}: {name} has dtype {value.dtype}, expected {dtype}")
    if not value.flags.c_contiguous:
        raise ShapeError(f"{where}: {name} is not C-contiguous (use np.ascontiguousarray)")
    return value


def _matches(got: tuple[int, ...], shape: tuple[int | None, ...]) -> bool:
    return len(got) == len(shape) and all(s is None or s == g for s, g in zip(shape, got))


class Layer:
    """One generated layer in a network.

    ``params`` and ``constants`` map the module's array names to arrays of the
    layer's dtype; ``hyper`` gives its hyper-parameters (e.g. ``{"s": 2}``).
    After :meth:`backward`, ``grads[p]`` holds ``∂E/∂p`` for each parameter.
    ``frozen`` parameters (none of the built-in presets use it) stay fixed.
    ``buffers`` gives the initial value of each of the module's ``BUFFERS``
    (copied; ``module.initial_buffers(sizes)`` makes them at the spec's initial values).
    """

    def __init__(
        self,
        module: ModuleType,
        name: str,
        params: Mapping[str, np.ndarray],
        constants: Mapping[str, np.ndarray] | None = None,
        hyper: Mapping[str, int] | None = None,
        dtype: str | np.dtype = "float64",
        buffers: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.module, self.name, self.kind = module, name, module.LAYER
        self.dtype = np.dtype(dtype)
        if self.dtype.name not in DTYPES:
            raise ShapeError(f"layer {name}: dtype {self.dtype} not supported, choose float32 or float64")
        self.hyper = {k: int(v) for k, v in (hyper or {}).items()}
        if set(self.hyper) != set(module.HYPER):
            raise ShapeError(
                f"layer {name}: hyper-parameters {sorted(self.hyper)}, expected {list(module.HYPER)}"
            )
        self.params = {p: self._own(p, params, "parameter") for p in module.PARAMS}
        self.constants = {c: self._own(c, constants or {}, "constant") for c in module.CONSTANTS
                          if c in (constants or {})}
        self.buffers = {b: self._own(b, buffers or {}, "buffer") for b in module.BUFFERS}
        self.input = module.INPUTS[0] if module.INPUTS else None
        self.output = module.OUTPUTS[0]
        self.grads: dict[str, np.ndarray] = {}
        self.arrays: dict[str, np.ndarray] = {}  # everything the last forward saw and made
        self.gradients: dict[str, np.ndarray] = {}  # everything the last backward made
        self.seed: np.ndarray | None = None  # ∂E/∂output the last backward was given
        self._fwd_out: dict[tuple[int, ...], dict[str, np.ndarray]] = {}
        self._bwd_out: dict[tuple[int, ...], dict[str, np.ndarray]] = {}
        self._eval_out: dict[tuple[int, ...], dict[str, np.ndarray]] = {}
        self._trained = False  # whether self.arrays are a training pass's, which update_buffers reads

    def _own(self, key: str, given: Mapping[str, np.ndarray], what: str) -> np.ndarray:
        if key not in given:
            raise ShapeError(f"layer {self.name} ({self.kind}): missing {what} {key!r}")
        return np.array(given[key], dtype=self.dtype, order="C", copy=True)  # the layer owns its arrays

    def _check(self, arrays: dict[str, np.ndarray]) -> None:
        """Validate dtypes, layout and sizes of one call's arrays (once per call, not per pixel)."""
        for key, arr in arrays.items():
            check_array(f"layer {self.name} ({self.kind})", key, arr, np.shape(arr), self.dtype)
        # sizes: the generated forward() starts with sizes_of(), which raises ShapeError naming
        # what was expected before any kernel runs; calling it here too doubled the cost.

    @staticmethod
    def _buffers(cache: dict, key: tuple[int, ...]) -> dict[str, np.ndarray] | None:
        return cache.get(key)

    @staticmethod
    def _keep(cache: dict, key: tuple[int, ...], result: dict[str, np.ndarray]) -> None:
        if key not in cache and len(cache) >= _BUFFER_SHAPES:
            cache.pop(next(iter(cache)))
        cache[key] = result

    def _given(self, x: np.ndarray | None, constants: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        arrays = dict(self.params)
        arrays.update(self.constants)
        arrays.update(constants)
        if self.input is not None:
            if x is None:
                raise ShapeError(f"layer {self.name}: no input {self.input!r} given")
            arrays[self.input] = x
        self._check(arrays)
        return arrays

    def forward(self, x: np.ndarray | None = None, **constants: np.ndarray) -> np.ndarray:
        """Run the forward kernel (the training equations) on input ``x``; return the layer's output array.

        The returned array is a buffer that the next call with the same input
        shape overwrites; copy it to keep it.
        """
        arrays = self._given(x, constants)
        key = tuple(np.shape(x)) if x is not None else ()
        result = self.module.forward(arrays, self.hyper, self._buffers(self._fwd_out, key))
        self._keep(self._fwd_out, key, result)
        arrays.update(result)
        self.arrays, self._trained = arrays, True
        return result[self.output]

    def forward_eval(self, x: np.ndarray | None = None, **constants: np.ndarray) -> np.ndarray:
        """The output in evaluation mode: the layer's evaluation equations, reading its buffers (the
        training equations where it has none). Nothing of it can be back-propagated."""
        arrays = self._given(x, constants)
        arrays.update(self.buffers)
        key = tuple(np.shape(x)) if x is not None else ()
        result = self.module.forward_eval(arrays, self.hyper, self._buffers(self._eval_out, key))
        self._keep(self._eval_out, key, result)
        arrays.update(result)
        self.arrays, self._trained = arrays, False
        return result[self.output]

    def update_buffers(self) -> None:
        """Update the buffers from the last training forward pass (no-op for a layer without any)."""
        if not self.module.BUFFERS:
            return
        if not self._trained:
            raise ShapeError(f"layer {self.name}: buffers are updated after a training forward pass")
        self.module.update_buffers({**self.arrays, **self.buffers}, self.hyper)

    def backward(self, seed: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Back-propagate ``seed`` (∂E/∂output); fill :attr:`grads`; return ∂E/∂input.

        With ``input_grad=False`` (the first layer of a network) ∂E/∂input is
        not computed and None is returned.
        """
        self.seed = seed
        arrays = dict(self.arrays)
        arrays["d" + self.output] = seed
        key = tuple(np.shape(self.arrays[self.input])) if self.input is not None else ()
        wanted = None
        if not input_grad and self.input is not None:
            wanted = ["d" + p for p in self.params]
        result = self.module.backward(arrays, self.hyper, self._buffers(self._bwd_out, key), wanted=wanted)
        self._keep(self._bwd_out, key, result)
        self.gradients = result
        self.grads = {p: result["d" + p] for p in self.params}
        return result.get("d" + self.input) if self.input is not None and input_grad else None

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in self.params.items())
        return f"Layer({self.name}: {self.kind}{' ' + str(self.hyper) if self.hyper else ''} [{shapes}])"


class Flatten:
    """Reshape ``(N, C, H, W)`` maps into ``(N, C·H·W)`` feature vectors and back.

    ``order="C"`` flattens each sample in C order (the xcorr convention).
    ``order="F"`` is DeepLearnToolbox's feature vector: per map, its pixels in
    column-major order (``reshape(a, H*W, N)``), maps one after another.
    """

    kind = "flatten"
    params: dict[str, np.ndarray] = {}
    buffers: dict[str, np.ndarray] = {}
    grads: dict[str, np.ndarray] = {}

    def __init__(self, name: str = "flatten", order: str = "C") -> None:
        if order not in ("C", "F"):
            raise ValueError(f"flatten order {order!r}, expected 'C' or 'F'")
        self.name, self.order = name, order
        self.shape: tuple[int, ...] = ()

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4:
            raise ShapeError(f"layer {self.name}: input has shape {x.shape}, expected (N, C, H, W)")
        self.shape = x.shape
        if self.order == "F":
            x = x.transpose(0, 1, 3, 2)
        return np.ascontiguousarray(x).reshape(x.shape[0], -1)

    forward_eval = forward

    def backward(self, seed: np.ndarray) -> np.ndarray:
        n, c, h, w = self.shape
        if self.order == "F":
            return np.ascontiguousarray(seed.reshape(n, c, w, h).transpose(0, 1, 3, 2))
        return seed.reshape(self.shape)

    def __repr__(self) -> str:
        return f"Flatten({self.name}, order={self.order})"
