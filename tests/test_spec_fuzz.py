"""Random layer specs, well-formed or broken in one way: derive them or raise SpecError, nothing else.

Well-formed ones exercise the delta-resolution pass on varied affine indices
(flips, strides, dilations, offsets) and must yield a gradient for every input.
"""

from __future__ import annotations

import gradcheck
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symcnn.derive import derive
from symcnn.errors import SpecError
from symcnn.model import Equation, Layer, Sum, array, indices, relu, sigmoid, sizes

N, C, H, K = sizes("N C H K")
n, c, y, a = indices("n c y a")
Z = sp.Symbol("Z", integer=True, positive=True)

# (X's length, its index in the sum over a, W's index): each one well-formed
GOOD = [
    (H + K - 1, y + a, a),
    (H + K - 1, y + K - 1 - a, a),
    (H + K - 1, y + a, K - 1 - a),
    (H + 2 * K - 2, y + 2 * a, a),
    (2 * H + K, 2 * y + a, a),
    (3 * H + K + 2, 3 * y + a + 2, a),
    (H + K, y + a + 1, a),
]
BREAKS = ["none", "name", "non_affine", "out_of_range", "undeclared_shape", "undeclared_sum", "function"]


@st.composite
def specs(draw):
    length, xi, wi = draw(st.sampled_from(GOOD))
    upper = K - 1
    act = draw(st.sampled_from([None, sigmoid, relu, sp.tanh, sp.exp]))
    name, brk = "fuzz", draw(st.sampled_from(BREAKS))
    if brk == "name":
        name = draw(st.sampled_from(["fuzz layer", "for", "_x", "1st", "a-b"]))
    elif brk == "non_affine":
        xi = draw(st.sampled_from([y * a, a * a, y * y + a]))
    elif brk == "out_of_range":
        xi = xi + draw(st.sampled_from([K, H, 5]))
    elif brk == "undeclared_shape":
        length = length + Z
    elif brk == "undeclared_sum":
        upper = Z
    X, W, U, Y = array("X", (N, C, length)), array("W", (K,)), array("U", (N, C, H)), array("Y", (N, C, H))
    eqs = [Equation(U[n, c, y], Sum(X[n, c, xi] * W[wi], (a, 0, upper)))]
    if brk == "function":
        eqs.append(Equation(Y[n, c, y], sp.Function("g")(U[n, c, y])))
    elif act is not None:
        eqs.append(Equation(Y[n, c, y], act(U[n, c, y])))
    out = Y if len(eqs) == 2 else U
    return brk, Layer(name, (N, C, H, K), (X,), (W,), (out,), tuple(eqs))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_random_specs_derive_or_raise_spec_error(case):
    brk, layer = case
    try:
        d = derive(layer)
    except SpecError as exc:
        assert brk != "none", f"a well-formed spec was refused: {exc}"
        assert repr(layer.name) in str(exc)
        return
    assert brk == "none", f"a spec broken by {brk} was derived"
    assert {"X", "W"} <= {g.wrt for g in d.gradients}
    assert all(not t.body.has(sp.KroneckerDelta) for g in d.gradients for t in g.terms)
    env = gradcheck.draw_sizes(layer, 3)
    for array_name, err in gradcheck.check(d, env, 3).items():
        assert err < 1e-6, f"d{array_name} of {layer.equations[0].rhs}: relative error {err:.1e}"
