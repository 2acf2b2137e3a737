"""Finite-difference checks of derived gradients, through the test interpreter."""

from __future__ import annotations

import interpret
import numpy as np
import sympy as sp

from symcnn.derive import Derivation
from symcnn.model.layer import Layer

SIZE_CHOICES = {
    "N": (1, 2),
    "C": (1, 2, 3),
    "M": (1, 2, 3),
    "I": (2, 3, 5),
    "O": (2, 3, 4),
    "Ho": (1, 2, 3, 4),
    "Wo": (1, 2, 3, 5),
    "KH": (1, 2, 3, 4, 5),
    "KW": (1, 2, 3, 5),
    "s": (2, 3),
    "d": (1, 2),
}


def draw_sizes(layer: Layer, seed: int) -> dict:
    """Concrete sizes: small, non-square, kernels 1–5, pooling factor 2 or 3."""
    rng = np.random.default_rng(seed)
    for _ in range(100):  # sizes under which every array is non-empty (padding can shrink an input)
        env = {s: int(rng.choice(SIZE_CHOICES.get(str(s), (1, 2, 3)))) for s in layer.sizes}
        if all(int(sp.sympify(e).subs(env)) >= 1 for a in layer.arrays().values() for e in a.shape):
            break
    hw = [s for s in layer.sizes if str(s) in ("Ho", "Wo")]
    if len(hw) == 2 and env[hw[0]] == env[hw[1]]:
        env[hw[1]] += 1  # never square
    return env


def draw_arrays(layer: Layer, env: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed + 100)
    arrays = {}
    for a in layer.inputs + layer.params:
        arrays[str(a.label)] = rng.uniform(-1.0, 1.0, interpret.shape_of(a, env))
    for a in layer.constants:
        shape = interpret.shape_of(a, env)
        name = str(a.label)
        if name == "T" and len(shape) == 2 and layer.name.startswith("loss"):
            onehot = np.zeros(shape)
            onehot[np.arange(shape[0]), rng.integers(0, shape[1], shape[0])] = 1.0
            arrays[name] = onehot
        elif name == "T":  # a connection table with at least one connection per output map
            table = (rng.uniform(size=shape) < 0.6).astype(float)
            table[rng.integers(0, shape[0], shape[1]), np.arange(shape[1])] = 1.0
            arrays[name] = table
        else:
            arrays[name] = rng.uniform(0.1, 1.0, shape)
    return arrays


def loss(layer: Layer, env: dict, arrays: dict, weights: dict) -> float:
    out = interpret.forward(layer, env, arrays)
    return float(sum(np.sum(weights[k] * out[k]) for k in weights))


def check(d: Derivation, env: dict, seed: int = 0, gradients=None, samples: int = 6) -> dict:
    """Relative error of each input/parameter gradient against central differences.

    For every array: the directional derivative along a random direction and
    ``samples`` single entries, all compared as one vector: ``‖g − fd‖ / ‖fd‖``
    with no absolute tolerance.
    """
    layer = d.layer
    rng = np.random.default_rng(seed + 7)
    arrays = draw_arrays(layer, env, seed)
    weights = {str(o.label): rng.uniform(-1, 1, interpret.shape_of(o, env)) for o in layer.outputs}
    fwd = interpret.forward(layer, env, arrays)
    seeds = {f"d{k}": w for k, w in weights.items()}
    back = interpret.backward(d, env, {**fwd, **seeds}, gradients)
    h = 1e-6
    errors = {}
    for a in layer.inputs + layer.params:
        name = str(a.label)
        g = back[f"d{name}"]
        probes = [rng.uniform(-1, 1, g.shape)]
        for flat in rng.choice(g.size, size=min(samples, g.size), replace=False):
            e = np.zeros(g.size)
            e[flat] = 1.0
            probes.append(e.reshape(g.shape))
        derived, numeric = [], []
        for v in probes:
            plus = loss(layer, env, {**arrays, name: arrays[name] + h * v}, weights)
            minus = loss(layer, env, {**arrays, name: arrays[name] - h * v}, weights)
            numeric.append((plus - minus) / (2 * h))
            derived.append(float(np.sum(g * v)))
        numeric, derived = np.array(numeric), np.array(derived)
        scale = np.linalg.norm(numeric)
        errors[name] = float(np.linalg.norm(derived - numeric) / scale) if scale else float(
            np.linalg.norm(derived) > 0
        )
    return errors


def env_text(env: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(env.items(), key=lambda kv: str(kv[0])))


def replace_body(d: Derivation, wrt: str, fn) -> list:
    """The derivation's gradients with one gradient's bodies rewritten by ``fn`` (a mutation)."""
    from dataclasses import replace

    out = []
    for g in d.gradients:
        if g.wrt == wrt:
            g = replace(g, terms=tuple(replace(t, body=fn(t.body, g, t)) for t in g.terms))
        out.append(g)
    return out


__all__ = ["check", "draw_sizes", "env_text", "replace_body", "sp"]
