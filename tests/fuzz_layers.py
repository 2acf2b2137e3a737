"""A hypothesis strategy over the layer language: random layers that must derive and run correctly.

A drawn layer has one to three equations and one to four sums in all:

1. ``U[f…] = Σ_k Π reads (+ b[f0])`` — each input axis is read at a plain free
   index, at ``c₁·f + c₂·k + o`` (coefficients 1–3, offsets) from a 'valid'
   extent, at ``c₁·f + c₂·k − o`` through ``padded()``, or at ``f + e`` in a
   window clipped at the array's edge (``e`` from ``max(−R, −f)`` to
   ``min(R, F − 1 − f)``); one or two inputs, a weight ``W`` over the summed
   indices; every array's axes in a random order;
2. optionally ``Y = act(U)``, act from the known activations;
3. optionally ``V[f…] = Σ_e Y[f0 + e, …] · Y[f…]``, a clipped window over
   the previous result.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from symcnn.model import Equation, Layer, Sum, array, indices, padded, relu, sigmoid, sizes

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": sp.tanh, "relu": relu, "exp": sp.exp, "identity": None}
FREE = sizes("F G")
WINDOW = sizes("K L M")
R = sizes("R")[0]
FREE_IDX = indices("f g")
SUM_IDX = indices("k l m")
CLIP_IDX = indices("e h")


@st.composite
def axis_read(draw, free: list, sums: list):
    """One axis of an input: ``(extent, index, needs padding)``; extents stay readable off the arrays."""
    f = draw(st.sampled_from(free))
    F = FREE[FREE_IDX.index(f)]
    kind = draw(st.sampled_from(["plain", "valid", "padded", "clipped"] if sums else ["plain", "padded"]))
    if kind == "plain":
        return F, f, False, None
    if kind == "clipped":
        return F, f, False, "clip"
    c1, c2 = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    if not sums:  # a padded shift of a free index: U[f] = padded(X)[c1·f - o]
        return F, c1 * f - draw(st.integers(0, 2)), True, None
    k = draw(st.sampled_from(sums))
    K = WINDOW[SUM_IDX.index(k)]
    kk = (K - 1 - k) if draw(st.booleans()) else k
    if kind == "valid":
        o = draw(st.integers(0, 2))
        return c1 * (F - 1) + c2 * (K - 1) + o + 1, c1 * f + c2 * kk + o, False, None
    o = draw(st.integers(0, 2))
    return F, c1 * f + c2 * kk - o, True, None


@st.composite
def layers(draw) -> Layer:
    nfree = draw(st.integers(1, 2))
    free = list(FREE_IDX[:nfree])
    nsums = draw(st.integers(0, 2))
    sums = list(SUM_IDX[:nsums])
    ninputs = draw(st.integers(1, 2))
    factors, inputs, clip_used = [], [], []
    for name in ("X", "Z")[:ninputs]:
        rank = draw(st.integers(1, 3))
        axes = [draw(axis_read(free, sums)) for _ in range(rank)]
        if not any(isinstance(ix, sp.Symbol) and ix in free for _, ix, _, c in axes if c is None):
            axes.append((FREE[0], free[0], False, None))  # every input reaches a free index plainly once
        axes = draw(st.permutations(axes))
        index, shape, pad = [], [], False
        for extent, ix, needs_pad, clip in axes:
            if clip:
                e = CLIP_IDX[len(clip_used)] if len(clip_used) < 2 else None
                if e is None:
                    ix, clip = ix, None
                else:
                    clip_used.append((e, ix))
                    ix = ix + e
            index.append(ix)
            shape.append(extent)
            pad |= needs_pad
        A = array(name, tuple(shape))
        inputs.append(A)
        factors.append(padded(A)[tuple(index)] if pad else A[tuple(index)])
    power = draw(st.integers(1, 2))
    body = sp.Mul(*factors) ** power if power > 1 and len(factors) == 1 else sp.Mul(*factors)
    params = []
    if sums:
        order = draw(st.permutations(sums))
        W = array("W", tuple(WINDOW[SUM_IDX.index(k)] for k in order))
        params.append(W)
        body = body * W[tuple(order)]
    limits = [(k, 0, WINDOW[SUM_IDX.index(k)] - 1) for k in sums]
    for e, f in clip_used:
        F = FREE[FREE_IDX.index(f)]
        limits.append((e, sp.Max(-R, -f), sp.Min(R, F - 1 - f)))
    rhs = Sum(body, *limits) if limits else body
    if draw(st.booleans()):
        bias = array("b", (FREE[0],))
        params.append(bias)
        rhs = rhs + bias[free[0]]
    out_shape = tuple(FREE[:nfree])
    U = array("U", out_shape)
    eqs = [Equation(U[tuple(free)], rhs)]
    last = U
    act = ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]
    if act is not None:
        Y = array("Y", out_shape)
        eqs.append(Equation(Y[tuple(free)], act(U[tuple(free)])))
        last = Y
    windows = len(sums) + len(clip_used)
    if windows < 4 and draw(st.booleans()):
        e, f = sp.Symbol("q", integer=True), free[0]
        V = array("V", out_shape)
        shifted = (f + e, *free[1:])
        rhs = Sum(last[shifted] * last[tuple(free)], (e, sp.Max(-R, -f), sp.Min(R, FREE[0] - 1 - f)))
        eqs.append(Equation(V[tuple(free)], rhs))
        last = V
        clip_used.append((e, f))
    used = set().union(*(sp.sympify(s).free_symbols for a in inputs + params for s in a.shape))
    size_list = [s for s in (*FREE, *WINDOW) if s in used]
    hyper = [R] if clip_used else []
    missing = [s for s in FREE[:nfree] if s not in used]
    if missing:  # an output extent no input carries: read it off a bias over that axis
        extra = array("c", tuple(missing))
        params.append(extra)
        eqs[0] = Equation(eqs[0].lhs, eqs[0].rhs + extra[tuple(free[FREE.index(s)] for s in missing)])
        size_list = [s for s in (*FREE, *WINDOW) if s in used | set(missing)]
    return Layer(
        name="fuzz",
        sizes=tuple(size_list + hyper),
        hyper=tuple(hyper),
        inputs=tuple(inputs),
        params=tuple(params),
        outputs=(last,),
        equations=tuple(eqs),
    )
