"""The SGD update as one in-place pass over each parameter array [B6].

``v ← μ·v − s·g; p ← p + v`` (``s``: the step size, η times the parameter's
rate; μ = 0: ``p ← p − s·g``) written as NumPy operations makes four passes
over the arrays and allocates ``s·g``: LeNet-5's update took 1.7 ms for 431 k
parameters, most of a step's non-kernel time. Here each element is read once
and written once, with the same roundings in the parameter's dtype (no
contraction into fused multiply-adds: Numba's default), so the result is the
NumPy rule's bit for bit.

An array of :data:`PARALLEL` elements or more (LeNet-5's fc1 and fc2
weights) is cut into one contiguous chunk a thread, each updated by the serial
kernel: with momentum, fc1's 400 k float32 weights took 0.11-0.12 ms on one
core and 0.09-0.10 ms on two. Below that (the biases, most kernels) a thread
pool's launch costs more than it saves, and the array stays serial. A serial
kernel runs as fast compiled in the training process as loaded from Numba's
disk cache; a parallel one can run slower (see :mod:`.warmup`), so the
warm-up compiles all four in a child process and training loads them.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

__all__ = ["PARALLEL", "momentum_parallel", "momentum_step", "sgd_parallel", "sgd_step", "update"]

#: Arrays of this many elements or more are updated by every thread, each on its own contiguous chunk.
PARALLEL = 1 << 15


@njit(cache=True, nogil=True)
def sgd_step(p, g, s):  # pragma: no cover - compiled
    """``p -= s·g`` over flat ``p``, ``g``; ``s`` holds one step size or one per element."""
    if s.size == 1:
        c = s[0]
        for i in range(p.size):
            p[i] -= c * g[i]
    else:
        for i in range(p.size):
            p[i] -= s[i] * g[i]


@njit(cache=True, nogil=True)
def momentum_step(p, g, v, s, mu):  # pragma: no cover - compiled
    """``v = μ·v − s·g; p += v`` over flat ``p``, ``g``, ``v`` (``s`` as in :func:`sgd_step`)."""
    if s.size == 1:
        c = s[0]
        for i in range(p.size):
            u = mu * v[i] - c * g[i]
            v[i] = u
            p[i] += u
    else:
        for i in range(p.size):
            u = mu * v[i] - s[i] * g[i]
            v[i] = u
            p[i] += u


@njit(cache=True, nogil=True, parallel=True)
def sgd_parallel(p, g, s, chunks):  # pragma: no cover - compiled
    """:func:`sgd_step` on ``chunks`` contiguous chunks at once (one a thread)."""
    w = (p.size + chunks - 1) // chunks
    for j in prange(chunks):
        lo = min(p.size, j * w)
        hi = min(p.size, lo + w)
        sgd_step(p[lo:hi], g[lo:hi], s if s.size == 1 else s[lo:hi])


@njit(cache=True, nogil=True, parallel=True)
def momentum_parallel(p, g, v, s, mu, chunks):  # pragma: no cover - compiled
    """:func:`momentum_step` on ``chunks`` contiguous chunks at once (one a thread)."""
    w = (p.size + chunks - 1) // chunks
    for j in prange(chunks):
        lo = min(p.size, j * w)
        hi = min(p.size, lo + w)
        momentum_step(p[lo:hi], g[lo:hi], v[lo:hi], s if s.size == 1 else s[lo:hi], mu)


def fusable(p: np.ndarray, g: np.ndarray, s: np.ndarray, v: np.ndarray | None = None) -> bool:
    """Can :func:`update` run on these arrays: one dtype, C-contiguous (so flat views), ``g`` of ``p``'s
    shape, ``s`` one step size or one per element, ``p`` and ``v`` writable?"""
    arrays = (p, g, s) if v is None else (p, g, s, v)
    return (all(a.dtype == p.dtype and a.flags.c_contiguous for a in arrays) and g.shape == p.shape
            and s.size in (1, p.size) and p.flags.writeable and (v is None or v.flags.writeable))


def update(p: np.ndarray, g: np.ndarray, s: np.ndarray, v: np.ndarray | None, mu: float) -> None:
    """One update of ``p`` in place (and of its velocity ``v`` with momentum ``mu``, if given)."""
    flat = p.reshape(-1)
    step = s.reshape(-1)
    mu = p.dtype.type(mu)
    if flat.size < PARALLEL:
        if v is None:
            sgd_step(flat, g.reshape(-1), step)
        else:
            momentum_step(flat, g.reshape(-1), v.reshape(-1), step, mu)
    elif v is None:
        sgd_parallel(flat, g.reshape(-1), step, get_num_threads())
    else:
        momentum_parallel(flat, g.reshape(-1), v.reshape(-1), step, mu, get_num_threads())
