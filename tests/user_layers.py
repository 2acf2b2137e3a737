"""Layers a user would write that no built-in covers, shared by the tests that check them."""

from __future__ import annotations

from symcnn.model import Equation, Layer, Sum, array, indices, padded, sizes, tanh


def strided_dilated_padded() -> Layer:
    """``U = Σ padded(X)[n, i, s·y + d·a - P, s·x + d·b - P] K[j, i, a, b]``: PyTorch's kernel order."""
    N, C, M, Ho, Wo, KH, KW, s, d, P = sizes("N C M Ho Wo KH KW s d P")
    n, j, y, x, i, a, b = indices("n j y x i a b")
    X = array("X", (N, C, s * (Ho - 1) + d * (KH - 1) + 1 - 2 * P, s * (Wo - 1) + d * (KW - 1) + 1 - 2 * P))
    K, B = array("K", (M, C, KH, KW)), array("B", (M,))
    U, Y = array("U", (N, M, Ho, Wo)), array("Y", (N, M, Ho, Wo))
    read = padded(X)[n, i, s * y + d * a - P, s * x + d * b - P]
    return Layer(
        name="conv_sdp",
        sizes=(N, C, M, Ho, Wo, KH, KW, s, d, P),
        hyper=(s, d, P),
        inputs=(X,),
        params=(K, B),
        outputs=(Y,),
        equations=(
            Equation(
                U[n, j, y, x], Sum(read * K[j, i, a, b], (i, 0, C - 1), (a, 0, KH - 1), (b, 0, KW - 1)) + B[j]
            ),
            Equation(Y[n, j, y, x], tanh(U[n, j, y, x])),
        ),
    )
