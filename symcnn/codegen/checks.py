"""Numerical checks of generated modules: finite differences and backend agreement.

A generated backward is checked against central differences of the
generated forward of the same module, in float64, with relative errors and
no absolute tolerance: ``E = Σ_o Σ w_o ∘ o`` over the outputs with random
weights ``w``, so the seeds are ``d<o> = w_o``. A kernel shifted by one
index, missing a term or off by a factor fails by orders of magnitude.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np


def random_arrays(mod: ModuleType, sizes: dict, rng: np.random.Generator, dtype=np.float64) -> dict:
    """Random inputs, parameters and constants of ``mod`` for these sizes (0/1 for a table ``T``)."""
    shapes = mod.shapes(sizes)
    out = {}
    for name in mod.INPUTS + mod.PARAMS + mod.CONSTANTS:
        if name in mod.CONSTANTS and name == "T" and name not in mod.INPUTS:
            a = (rng.random(shapes[name]) < 0.7).astype(dtype)
        else:
            a = rng.standard_normal(shapes[name]).astype(dtype)
        out[name] = np.ascontiguousarray(a)
    return out


def loss(mod: ModuleType, arrays: dict, hyper: dict, weights: dict) -> float:
    outs = mod.forward(arrays, hyper)
    return float(sum(np.sum(weights["d" + o] * outs[o]) for o in mod.OUTPUTS))


def run_backward(mod: ModuleType, arrays: dict, hyper: dict, weights: dict) -> dict:
    fwd = mod.forward(arrays, hyper)
    return mod.backward({**arrays, **fwd, **weights}, hyper)


def seeds(mod: ModuleType, sizes: dict, rng: np.random.Generator, dtype=np.float64) -> dict:
    shapes = mod.shapes(sizes)
    return {"d" + o: rng.standard_normal(shapes["d" + o]).astype(dtype) for o in mod.OUTPUTS}


def gradient_errors(
    mod: ModuleType,
    arrays: dict,
    hyper: dict,
    rng: np.random.Generator,
    h: float = 1e-5,
    entries: int = 3,
) -> dict[str, float]:
    """Worst relative error, per differentiable array, of directional and per-entry derivatives."""
    sizes = mod.sizes_of(arrays, hyper)
    weights = seeds(mod, sizes, rng)
    grads = run_backward(mod, arrays, hyper, weights)
    fwd = mod.forward(arrays, hyper)
    # the loss is rounded at the scale of the values it is computed from (which may cancel to ~0):
    # central differences cannot resolve less than that, and below it zero is exact
    data = max(float(np.max(np.abs(a), initial=0.0)) for a in (*arrays.values(), *fwd.values()))
    magnitude = data * sum(float(np.sum(np.abs(w))) for w in weights.values())
    floor = 64 * np.finfo(np.float64).eps * magnitude / h
    errors = {}
    for name in mod.INPUTS + mod.PARAMS:
        g = grads["d" + name]
        directions = [rng.standard_normal(arrays[name].shape)]
        # single entries, drawn from the larger half of |g| so rounding cannot swamp them
        big = np.flatnonzero(np.abs(g) >= np.median(np.abs(g)))
        for flat in rng.choice(big, size=min(entries, big.size), replace=False) if big.size else ():
            e = np.zeros(arrays[name].shape)
            e.flat[flat] = 1.0
            directions.append(e)
        worst, used = 0.0, 0
        for v in directions:
            fd = _central(mod, arrays, hyper, weights, name, v, h)
            if abs(fd - _central(mod, arrays, hyper, weights, name, v, h / 2)) > 1e-6 * abs(fd) + floor:
                continue  # a kink (ReLU at 0, a max changing hands) inside ±h: differences say nothing
            used += 1
            exact = float(np.sum(g * v))
            scale = max(abs(fd), abs(exact))
            if scale == 0.0:
                continue
            if scale < floor:  # a zero gradient (§6.4): both sides must be within rounding of 0
                worst = max(worst, 0.0 if abs(fd - exact) < floor else 1.0)
                continue
            worst = max(worst, abs(fd - exact) / scale)
        errors[name] = worst if used else float("inf")  # no smooth direction: nothing was checked
    return errors


def _central(mod, arrays: dict, hyper: dict, weights: dict, name: str, v: np.ndarray, h: float) -> float:
    plus = {**arrays, name: arrays[name] + h * v}
    minus = {**arrays, name: arrays[name] - h * v}
    return (loss(mod, plus, hyper, weights) - loss(mod, minus, hyper, weights)) / (2 * h)


def relative_difference(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> float:
    """``max|a - b| / max|b|`` (0 when both are zero).

    ``floor`` is the rounding level of the data ``b`` was computed from: a
    result that is identically zero (§6.4) is rounding noise in both, and
    agrees when ``a`` is below the floor too.
    """
    top = float(np.max(np.abs(b))) if b.size else 0.0
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    if top < floor:  # b is rounding noise of a zero: so must a be
        return 0.0 if diff < floor else float("inf")
    if top == 0.0:
        return 0.0 if diff == 0.0 else float("inf")
    return diff / top
