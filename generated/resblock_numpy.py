# Produced by symcnn 0.1.0 with SymPy 1.14.0 from layer resblock, spec hash 527d5e3b4bccb9c9.
# Do not edit: `symcnn derive` rewrites this file and `symcnn derive --check` compares it.
"""resblock: residual block: two 3×3 'same' convolutions with batch norm, identity shortcut (NumPy backend).

Forward and backward kernels derived by symcnn, vectorised: affine reads are
strided views, sums are matrix products. A user layer (no label in
docs/paper.md): its gradients are derived from its forward equations alone.
"""

import numpy as np

from symcnn.support import contract as _contract
from symcnn.support import numpy_ops as _ops

LAYER = "resblock"
LABEL = ""
BACKEND = "numpy"
SPEC_HASH = "527d5e3b4bccb9c9"
INPUTS = ("X",)
PARAMS = ("K1", "G1", "B1", "K2", "G2", "B2")
CONSTANTS = ()
OUTPUTS = ("Y",)
HYPER = ()
RECORDS = ()
INTERMEDIATES = ("U1", "M1", "V1", "Z1", "H1", "U2", "M2", "V2", "Z2")
GRADIENTS = (
    "dZ2",
    "dV2",
    "dM2",
    "dU2",
    "dH1",
    "dZ1",
    "dV1",
    "dM1",
    "dU1",
    "dX",
    "dK1",
    "dG1",
    "dB1",
    "dK2",
    "dG2",
    "dB2"
)
SIZES = ("N", "C", "H", "W")
BUFFERS = ("RM1", "RV1", "RM2", "RV2")
EVALUATION = ("EU1", "EH1", "EU2", "Y")
PARAM_INIT = {"G1": 1.0, "G2": 1.0}
_check = _contract.Contract(LAYER, "X")


def forward_U1(K1, X, U1, N, C, H, W):
    """Forward equation for U1 of a user layer (no label in docs/paper.md).

    U1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _ops.windows_first(
        3 * 3 * C * N * H * W + 3 * 3 * N * C * H * W,
        _ops.window_moved(
            X,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3
        )
        + N * H * W * C
    ):
        _t2 = _ops.window_product(
            X,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3,
            _ops.matrix(K1.transpose(0, 2, 3, 1), 0, 3, "forward_U1._t2.K1"),
            True,
            "forward_U1._t2"
        ).reshape(N, H, W, C)
        U1[...] = _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K1.transpose(2, 3, 1, 0), 0, 3, "forward_U1._t0.K1"),
            _ops.matrix(X.transpose(1, 0, 2, 3), 0, 1, "forward_U1._t0.X"),
            "forward_U1._t0",
            pad=(W, W)
        ).reshape(3, 3, C, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (-1, ((0, 1), (4, 1)), 1),
                (-1, ((1, 1), (5, 1)), 1)
            ),
            ((0, 3), (0, 3), (0, N), (0, C), (0, H), (0, W)),
            2,
            "forward_U1._t1",
            zeros_from=W
        )
        U1[...] = _t1


def forward_M1(U1, M1, N, C, H, W):
    """Forward equation for M1 of a user layer (no label in docs/paper.md).

    M1[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} U1[n, c, y, x])/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _t0 = U1.sum(axis=(0, 2, 3))
    M1[...] = (1/(H*N*W)) * _t0


def forward_V1(M1, U1, V1, N, C, H, W):
    """Forward equation for V1 of a user layer (no label in docs/paper.md).

    V1[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M1[c] + U1[n, c, y, x])**2)/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = (-M1[:, None, None, None] + U1.transpose(1, 0, 2, 3))**2
    _t1 = _f0.sum(axis=(1, 2, 3))
    V1[...] = (1/(H*N*W)) * _t1


def forward_Z1(B1, G1, M1, U1, V1, Z1, N, C, H, W):
    """Forward equation for Z1 of a user layer (no label in docs/paper.md).

    Z1[n, c, y, x] = (-M1[c] + U1[n, c, y, x])*G1[c]/sqrt(V1[c] + 1.0e-5) + B1[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    Z1[...] = B1[:, None, None] + G1[:, None, None]*(-M1[:, None, None] + U1)/np.sqrt(V1[:, None, None] + 1.0e-5)


def forward_H1(Z1, H1, N, C, H, W):
    """Forward equation for H1 of a user layer (no label in docs/paper.md).

    H1[n, c, y, x] = relu(Z1[n, c, y, x])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    np.maximum(Z1, 0, out=H1)


def forward_U2(H1, K2, U2, N, C, H, W):
    """Forward equation for U2 of a user layer (no label in docs/paper.md).

    U2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(H1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _ops.windows_first(
        3 * 3 * C * N * H * W + 3 * 3 * N * C * H * W,
        _ops.window_moved(
            H1,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3
        )
        + N * H * W * C
    ):
        _t2 = _ops.window_product(
            H1,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3,
            _ops.matrix(K2.transpose(0, 2, 3, 1), 0, 3, "forward_U2._t2.K2"),
            True,
            "forward_U2._t2"
        ).reshape(N, H, W, C)
        U2[...] = _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K2.transpose(2, 3, 1, 0), 0, 3, "forward_U2._t0.K2"),
            _ops.matrix(H1.transpose(1, 0, 2, 3), 0, 1, "forward_U2._t0.H1"),
            "forward_U2._t0",
            pad=(W, W)
        ).reshape(3, 3, C, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (-1, ((0, 1), (4, 1)), 1),
                (-1, ((1, 1), (5, 1)), 1)
            ),
            ((0, 3), (0, 3), (0, N), (0, C), (0, H), (0, W)),
            2,
            "forward_U2._t1",
            zeros_from=W
        )
        U2[...] = _t1


def forward_M2(U2, M2, N, C, H, W):
    """Forward equation for M2 of a user layer (no label in docs/paper.md).

    M2[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} U2[n, c, y, x])/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _t0 = U2.sum(axis=(0, 2, 3))
    M2[...] = (1/(H*N*W)) * _t0


def forward_V2(M2, U2, V2, N, C, H, W):
    """Forward equation for V2 of a user layer (no label in docs/paper.md).

    V2[c] = (Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M2[c] + U2[n, c, y, x])**2)/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = (-M2[:, None, None, None] + U2.transpose(1, 0, 2, 3))**2
    _t1 = _f0.sum(axis=(1, 2, 3))
    V2[...] = (1/(H*N*W)) * _t1


def forward_Z2(B2, G2, M2, U2, V2, X, Z2, N, C, H, W):
    """Forward equation for Z2 of a user layer (no label in docs/paper.md).

    Z2[n, c, y, x] = (-M2[c] + U2[n, c, y, x])*G2[c]/sqrt(V2[c] + 1.0e-5) + B2[c] + X[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    Z2[...] = B2[:, None, None] + G2[:, None, None]*(-M2[:, None, None] + U2)/np.sqrt(V2[:, None, None] + 1.0e-5) + X


def forward_Y(Z2, Y, N, C, H, W):
    """Forward equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = relu(Z2[n, c, y, x])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    np.maximum(Z2, 0, out=Y)


def backward_dZ2(dY, Z2, dZ2, N, C, H, W):
    """Gradient dZ2 of a user layer (no label in docs/paper.md).

    dZ2[n, c, y, x] = step(Z2[n, c, y, x])*dY[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    np.greater(Z2, 0, out=dZ2)
    np.multiply(dZ2, dY, out=dZ2)


def backward_dV2(V2, M2, U2, G2, dZ2, dV2, N, C, H, W):
    """Gradient dV2 of a user layer (no label in docs/paper.md).

    dV2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -(-M2[c] + U2[n, c, y, x])*G2[c]*dZ2[n,
        c, y, x]/(2*(V2[c] + 1.0e-5)**(3/2))

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = (V2 + 1.0e-5)**(-3/2)
    _f1 = -M2[:, None, None, None] + U2.transpose(1, 0, 2, 3)
    _t2 = _ops.product(
        _f1.reshape(C, 1, N * H * W),
        _ops.matrix(dZ2.transpose(1, 0, 2, 3), 1, 3, "backward_dV2._t2.dZ2"),
        "backward_dV2._t2"
    ).reshape(C)
    dV2[...] = (-1/2) * _t2 * _f0 * G2


def backward_dM2(G2, M2, U2, V2, dV2, dZ2, dM2, N, C, H, W):
    """Gradient dM2 of a user layer (no label in docs/paper.md).

    dM2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -G2[c]*dZ2[n, c, y, x]/sqrt(V2[c] +
        1.0e-5) + 2*(M2[c] - U2[n, c, y, x])*dV2[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = (
        -G2[:, None, None, None]*dZ2.transpose(1, 0, 2, 3)/np.sqrt(V2[:, None, None, None] + 1.0e-5)
        + 2*dV2[:, None, None, None]*(M2[:, None, None, None] - U2.transpose(1, 0, 2, 3))/(H*N*W)
    )
    _t1 = _f0.sum(axis=(1, 2, 3))
    dM2[...] = _t1


def backward_dU2(G2, M2, U2, V2, dM2, dV2, dZ2, dU2, N, C, H, W):
    """Gradient dU2 of a user layer (no label in docs/paper.md).

    dU2[n, c, y, x] = G2[c]*dZ2[n, c, y, x]/sqrt(V2[c] + 1.0e-5) + 2*(-M2[c] + U2[n, c, y,
        x])*dV2[c]/(H*N*W) + dM2[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    dU2[...] = (
        G2[:, None, None]*dZ2/np.sqrt(V2[:, None, None] + 1.0e-5)
        + dM2[:, None, None]/(H*N*W)
        + 2*dV2[:, None, None]*(-M2[:, None, None] + U2)/(H*N*W)
    )


def backward_dH1(K2, dU2, dH1, N, C, H, W):
    """Gradient dH1 of a user layer (no label in docs/paper.md).

    dH1[n, i, y, x] = Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)} Σ_{b=max(0, -W + x +
        2)}^{min(2, x + 1)} K2[i, c, a, b]*dU2[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _ops.windows_first(
        3 * 3 * C * N * H * W + 3 * 3 * N * C * H * W,
        _ops.window_moved(
            dU2,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (1, ((4, -1), (1, 1)), 1), (1, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3
        )
        + N * H * W * C
    ):
        _t2 = _ops.window_product(
            dU2,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (1, ((4, -1), (1, 1)), 1), (1, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3,
            K2.reshape(C, C * 3 * 3).swapaxes(-1, -2),
            True,
            "backward_dH1._t2"
        ).reshape(N, H, W, C)
        dH1[...] = _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K2.transpose(2, 3, 0, 1), 0, 3, "backward_dH1._t0.K2"),
            _ops.matrix(dU2.transpose(1, 0, 2, 3), 0, 1, "backward_dH1._t0.dU2"),
            "backward_dH1._t0",
            pad=(W, W)
        ).reshape(3, 3, C, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (1, ((0, -1), (4, 1)), 1),
                (1, ((1, -1), (5, 1)), 1)
            ),
            ((0, 3), (0, 3), (0, N), (0, C), (0, H), (0, W)),
            2,
            "backward_dH1._t1",
            zeros_from=W
        )
        dH1[...] = _t1


def backward_dZ1(dH1, Z1, dZ1, N, C, H, W):
    """Gradient dZ1 of a user layer (no label in docs/paper.md).

    dZ1[n, c, y, x] = step(Z1[n, c, y, x])*dH1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    np.greater(Z1, 0, out=dZ1)
    np.multiply(dZ1, dH1, out=dZ1)


def backward_dV1(V1, M1, U1, G1, dZ1, dV1, N, C, H, W):
    """Gradient dV1 of a user layer (no label in docs/paper.md).

    dV1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -(-M1[c] + U1[n, c, y, x])*G1[c]*dZ1[n,
        c, y, x]/(2*(V1[c] + 1.0e-5)**(3/2))

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = (V1 + 1.0e-5)**(-3/2)
    _f1 = -M1[:, None, None, None] + U1.transpose(1, 0, 2, 3)
    _t2 = _ops.product(
        _f1.reshape(C, 1, N * H * W),
        _ops.matrix(dZ1.transpose(1, 0, 2, 3), 1, 3, "backward_dV1._t2.dZ1"),
        "backward_dV1._t2"
    ).reshape(C)
    dV1[...] = (-1/2) * _t2 * _f0 * G1


def backward_dM1(G1, M1, U1, V1, dV1, dZ1, dM1, N, C, H, W):
    """Gradient dM1 of a user layer (no label in docs/paper.md).

    dM1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} -G1[c]*dZ1[n, c, y, x]/sqrt(V1[c] +
        1.0e-5) + 2*(M1[c] - U1[n, c, y, x])*dV1[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = (
        -G1[:, None, None, None]*dZ1.transpose(1, 0, 2, 3)/np.sqrt(V1[:, None, None, None] + 1.0e-5)
        + 2*dV1[:, None, None, None]*(M1[:, None, None, None] - U1.transpose(1, 0, 2, 3))/(H*N*W)
    )
    _t1 = _f0.sum(axis=(1, 2, 3))
    dM1[...] = _t1


def backward_dU1(G1, M1, U1, V1, dM1, dV1, dZ1, dU1, N, C, H, W):
    """Gradient dU1 of a user layer (no label in docs/paper.md).

    dU1[n, c, y, x] = G1[c]*dZ1[n, c, y, x]/sqrt(V1[c] + 1.0e-5) + 2*(-M1[c] + U1[n, c, y,
        x])*dV1[c]/(H*N*W) + dM1[c]/(H*N*W)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    dU1[...] = (
        G1[:, None, None]*dZ1/np.sqrt(V1[:, None, None] + 1.0e-5)
        + dM1[:, None, None]/(H*N*W)
        + 2*dV1[:, None, None]*(-M1[:, None, None] + U1)/(H*N*W)
    )


def backward_dX(dZ2, K1, dU1, dX, N, C, H, W):
    """Gradient dX of a user layer (no label in docs/paper.md).

    dX[n, i, y, x] = dZ2[n, i, y, x] + Σ_{c=0}^{C - 1} Σ_{a=max(0, -H + y + 2)}^{min(2, y + 1)}
        Σ_{b=max(0, -W + x + 2)}^{min(2, x + 1)} K1[i, c, a, b]*dU1[n, c, -a + y + 1, -b + x + 1]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    dX[...] = dZ2
    if _ops.windows_first(
        3 * 3 * C * N * H * W + 3 * 3 * N * C * H * W,
        _ops.window_moved(
            dU1,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (1, ((4, -1), (1, 1)), 1), (1, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3
        )
        + N * H * W * C
    ):
        _t2 = _ops.window_product(
            dU1,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (1, ((4, -1), (1, 1)), 1), (1, ((5, -1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3,
            K1.reshape(C, C * 3 * 3).swapaxes(-1, -2),
            True,
            "backward_dX._t2"
        ).reshape(N, H, W, C)
        dX[...] += _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K1.transpose(2, 3, 0, 1), 0, 3, "backward_dX._t0.K1"),
            _ops.matrix(dU1.transpose(1, 0, 2, 3), 0, 1, "backward_dX._t0.dU1"),
            "backward_dX._t0",
            pad=(W, W)
        ).reshape(3, 3, C, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (1, ((0, -1), (4, 1)), 1),
                (1, ((1, -1), (5, 1)), 1)
            ),
            ((0, 3), (0, 3), (0, N), (0, C), (0, H), (0, W)),
            2,
            "backward_dX._t1",
            zeros_from=W
        )
        dX[...] += _t1


def backward_dK1(X, dU1, dK1, N, C, H, W):
    """Gradient dK1 of a user layer (no label in docs/paper.md).

    dK1[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} X[n, i, a + y - 1, b + x - 1]*dU1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _t0 = _ops.window_product(
        X,
        ((0, ((3, 1),), 1), (0, ((0, 1),), 1), (-1, ((1, 1), (4, 1)), 1), (-1, ((2, 1), (5, 1)), 1)),
        ((0, C), (0, 3), (0, 3), (0, N), (0, H), (0, W)),
        3,
        _ops.matrix(dU1.transpose(0, 2, 3, 1), 0, 3, "backward_dK1._t0.dU1"),
        True,
        "backward_dK1._t0"
    ).reshape(C, 3, 3, C)
    dK1[...] = _t0.transpose(0, 3, 1, 2)


def backward_dG1(V1, M1, U1, dZ1, dG1, N, C, H, W):
    """Gradient dG1 of a user layer (no label in docs/paper.md).

    dG1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M1[c] + U1[n, c, y, x])*dZ1[n, c, y,
        x]/sqrt(V1[c] + 1.0e-5)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = 1/np.sqrt(V1 + 1.0e-5)
    _f1 = -M1[:, None, None, None] + U1.transpose(1, 0, 2, 3)
    _t2 = _ops.product(
        _f1.reshape(C, 1, N * H * W),
        _ops.matrix(dZ1.transpose(1, 0, 2, 3), 1, 3, "backward_dG1._t2.dZ1"),
        "backward_dG1._t2"
    ).reshape(C)
    dG1[...] = _t2 * _f0


def backward_dB1(dZ1, dB1, N, C, H, W):
    """Gradient dB1 of a user layer (no label in docs/paper.md).

    dB1[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dZ1[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _t0 = dZ1.sum(axis=(0, 2, 3))
    dB1[...] = _t0


def backward_dK2(H1, dU2, dK2, N, C, H, W):
    """Gradient dK2 of a user layer (no label in docs/paper.md).

    dK2[i, c, a, b] = Σ_{n=0}^{N - 1} Σ_{y=max(0, 1 - a)}^{min(H - 1, H - a)} Σ_{x=max(0, 1 -
        b)}^{min(W - 1, W - b)} H1[n, i, a + y - 1, b + x - 1]*dU2[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _t0 = _ops.window_product(
        H1,
        ((0, ((3, 1),), 1), (0, ((0, 1),), 1), (-1, ((1, 1), (4, 1)), 1), (-1, ((2, 1), (5, 1)), 1)),
        ((0, C), (0, 3), (0, 3), (0, N), (0, H), (0, W)),
        3,
        _ops.matrix(dU2.transpose(0, 2, 3, 1), 0, 3, "backward_dK2._t0.dU2"),
        True,
        "backward_dK2._t0"
    ).reshape(C, 3, 3, C)
    dK2[...] = _t0.transpose(0, 3, 1, 2)


def backward_dG2(V2, M2, U2, dZ2, dG2, N, C, H, W):
    """Gradient dG2 of a user layer (no label in docs/paper.md).

    dG2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} (-M2[c] + U2[n, c, y, x])*dZ2[n, c, y,
        x]/sqrt(V2[c] + 1.0e-5)

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _f0 = 1/np.sqrt(V2 + 1.0e-5)
    _f1 = -M2[:, None, None, None] + U2.transpose(1, 0, 2, 3)
    _t2 = _ops.product(
        _f1.reshape(C, 1, N * H * W),
        _ops.matrix(dZ2.transpose(1, 0, 2, 3), 1, 3, "backward_dG2._t2.dZ2"),
        "backward_dG2._t2"
    ).reshape(C)
    dG2[...] = _t2 * _f0


def backward_dB2(dZ2, dB2, N, C, H, W):
    """Gradient dB2 of a user layer (no label in docs/paper.md).

    dB2[c] = Σ_{n=0}^{N - 1} Σ_{y=0}^{H - 1} Σ_{x=0}^{W - 1} dZ2[n, c, y, x]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _t0 = dZ2.sum(axis=(0, 2, 3))
    dB2[...] = _t0


def evaluate_EU1(K1, X, EU1, N, C, H, W):
    """Evaluation equation for EU1 of a user layer (no label in docs/paper.md).

    EU1[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(X[n, i, a + y - 1, b + x -
        1])*K1[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _ops.windows_first(
        3 * 3 * C * N * H * W + 3 * 3 * N * C * H * W,
        _ops.window_moved(
            X,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3
        )
        + N * H * W * C
    ):
        _t2 = _ops.window_product(
            X,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3,
            _ops.matrix(K1.transpose(0, 2, 3, 1), 0, 3, "evaluate_EU1._t2.K1"),
            True,
            "evaluate_EU1._t2"
        ).reshape(N, H, W, C)
        EU1[...] = _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K1.transpose(2, 3, 1, 0), 0, 3, "evaluate_EU1._t0.K1"),
            _ops.matrix(X.transpose(1, 0, 2, 3), 0, 1, "evaluate_EU1._t0.X"),
            "evaluate_EU1._t0",
            pad=(W, W)
        ).reshape(3, 3, C, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (-1, ((0, 1), (4, 1)), 1),
                (-1, ((1, 1), (5, 1)), 1)
            ),
            ((0, 3), (0, 3), (0, N), (0, C), (0, H), (0, W)),
            2,
            "evaluate_EU1._t1",
            zeros_from=W
        )
        EU1[...] = _t1


def evaluate_EH1(B1, EU1, G1, RM1, RV1, EH1, N, C, H, W):
    """Evaluation equation for EH1 of a user layer (no label in docs/paper.md).

    EH1[n, c, y, x] = relu((EU1[n, c, y, x] - RM1[c])*G1[c]/sqrt(RV1[c] + 1.0e-5) + B1[c])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    EH1[...] = np.maximum(
        B1[:, None, None] + G1[:, None, None]*(EU1 - RM1[:, None, None])/np.sqrt(RV1[:, None, None] + 1.0e-5),
        0
    )


def evaluate_EU2(EH1, K2, EU2, N, C, H, W):
    """Evaluation equation for EU2 of a user layer (no label in docs/paper.md).

    EU2[n, c, y, x] = Σ_{i=0}^{C - 1} Σ_{a=0}^{2} Σ_{b=0}^{2} padded(EH1[n, i, a + y - 1, b + x -
        1])*K2[i, c, a, b]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    if _ops.windows_first(
        3 * 3 * C * N * H * W + 3 * 3 * N * C * H * W,
        _ops.window_moved(
            EH1,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3
        )
        + N * H * W * C
    ):
        _t2 = _ops.window_product(
            EH1,
            ((0, ((0, 1),), 1), (0, ((3, 1),), 1), (-1, ((4, 1), (1, 1)), 1), (-1, ((5, 1), (2, 1)), 1)),
            ((0, N), (0, H), (0, W), (0, C), (0, 3), (0, 3)),
            3,
            _ops.matrix(K2.transpose(0, 2, 3, 1), 0, 3, "evaluate_EU2._t2.K2"),
            True,
            "evaluate_EU2._t2"
        ).reshape(N, H, W, C)
        EU2[...] = _t2.transpose(0, 3, 1, 2)
    else:
        _t0 = _ops.product(
            _ops.matrix(K2.transpose(2, 3, 1, 0), 0, 3, "evaluate_EU2._t0.K2"),
            _ops.matrix(EH1.transpose(1, 0, 2, 3), 0, 1, "evaluate_EU2._t0.EH1"),
            "evaluate_EU2._t0",
            pad=(W, W)
        ).reshape(3, 3, C, N, H, -1)
        _t1 = _ops.window_sum(
            _t0,
            (
                (0, ((0, 1),), 1),
                (0, ((1, 1),), 1),
                (0, ((3, 1),), 1),
                (0, ((2, 1),), 1),
                (-1, ((0, 1), (4, 1)), 1),
                (-1, ((1, 1), (5, 1)), 1)
            ),
            ((0, 3), (0, 3), (0, N), (0, C), (0, H), (0, W)),
            2,
            "evaluate_EU2._t1",
            zeros_from=W
        )
        EU2[...] = _t1


def evaluate_Y(B2, EU2, G2, RM2, RV2, X, Y, N, C, H, W):
    """Evaluation equation for Y of a user layer (no label in docs/paper.md).

    Y[n, c, y, x] = relu((EU2[n, c, y, x] - RM2[c])*G2[c]/sqrt(RV2[c] + 1.0e-5) + B2[c] + X[n, c, y,
        x])

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    Y[...] = np.maximum(
        B2[:, None, None] + G2[:, None, None]*(EU2 - RM2[:, None, None])/np.sqrt(RV2[:, None, None] + 1.0e-5) + X,
        0
    )


def update_RM1(M1, RM1, _next_RM1, C):
    """Training update of buffer RM1 of a user layer (no label in docs/paper.md).

    RM1[c] = 0.1*M1[c] + 0.9*RM1[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _next_RM1[...] = 0.1*M1 + 0.9*RM1


def update_RV1(RV1, V1, _next_RV1, N, C, H, W):
    """Training update of buffer RV1 of a user layer (no label in docs/paper.md).

    RV1[c] = 0.1*H*N*W*V1[c]/(H*N*W - 1) + 0.9*RV1[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _next_RV1[...] = 0.9*RV1 + 0.1*V1*H*N*W/(H*N*W - 1)


def update_RM2(M2, RM2, _next_RM2, C):
    """Training update of buffer RM2 of a user layer (no label in docs/paper.md).

    RM2[c] = 0.1*M2[c] + 0.9*RM2[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _next_RM2[...] = 0.1*M2 + 0.9*RM2


def update_RV2(RV2, V2, _next_RV2, N, C, H, W):
    """Training update of buffer RV2 of a user layer (no label in docs/paper.md).

    RV2[c] = 0.1*H*N*W*V2[c]/(H*N*W - 1) + 0.9*RV2[c]

    Derived from the layer's forward equation alone, as every built-in layer's is.
    """
    _next_RV2[...] = 0.9*RV2 + 0.1*V2*H*N*W/(H*N*W - 1)


def sizes_of(arrays: dict, hyper: dict | None = None) -> dict[str, int]:
    """Every size of resblock, read off the shapes of its inputs, parameters and constants."""
    hyper = {} if hyper is None else hyper
    _check.rank(arrays, "X", 4)
    _check.rank(arrays, "K1", 4)
    _check.rank(arrays, "G1", 1)
    _check.rank(arrays, "B1", 1)
    _check.rank(arrays, "K2", 4)
    _check.rank(arrays, "G2", 1)
    _check.rank(arrays, "B2", 1)
    N = arrays["X"].shape[0]
    C = arrays["X"].shape[1]
    H = arrays["X"].shape[2]
    W = arrays["X"].shape[3]
    _z = {"N": N, "C": C, "H": H, "W": W}
    _check.positive(_z)
    _dt = _check.dtype(arrays)
    _check.array(arrays, "X", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _check.array(arrays, "K1", (_z["C"], _z["C"], 3, 3), _dt)
    _check.array(arrays, "G1", (_z["C"],), _dt)
    _check.array(arrays, "B1", (_z["C"],), _dt)
    _check.array(arrays, "K2", (_z["C"], _z["C"], 3, 3), _dt)
    _check.array(arrays, "G2", (_z["C"],), _dt)
    _check.array(arrays, "B2", (_z["C"],), _dt)
    return _z


def shapes(sizes: dict) -> dict[str, tuple]:
    """The shape of every array of resblock for these sizes.

    Given, recorded, computed, seeds and gradients.
    """
    _z = sizes
    return {
        "X": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "K1": (_z["C"], _z["C"], 3, 3),
        "G1": (_z["C"],),
        "B1": (_z["C"],),
        "K2": (_z["C"], _z["C"], 3, 3),
        "G2": (_z["C"],),
        "B2": (_z["C"],),
        "U1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "M1": (_z["C"],),
        "V1": (_z["C"],),
        "Z1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "H1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "U2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "M2": (_z["C"],),
        "V2": (_z["C"],),
        "Z2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "Y": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "RM1": (_z["C"],),
        "RV1": (_z["C"],),
        "RM2": (_z["C"],),
        "RV2": (_z["C"],),
        "EU1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "EH1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "EU2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dZ2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dV2": (_z["C"],),
        "dM2": (_z["C"],),
        "dU2": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dH1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dZ1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dV1": (_z["C"],),
        "dM1": (_z["C"],),
        "dU1": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dX": (_z["N"], _z["C"], _z["H"], _z["W"]),
        "dK1": (_z["C"], _z["C"], 3, 3),
        "dG1": (_z["C"],),
        "dB1": (_z["C"],),
        "dK2": (_z["C"], _z["C"], 3, 3),
        "dG2": (_z["C"],),
        "dB2": (_z["C"],),
        "dY": (_z["N"], _z["C"], _z["H"], _z["W"]),
    }


def forward(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Forward pass of resblock: every record, intermediate and output array."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _r = {}
    _r["U1"] = _a["U1"] = _check.buffer(out, "U1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_U1(_a["K1"], _a["X"], _a["U1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["M1"] = _a["M1"] = _check.buffer(out, "M1", (_z["C"],), _dt, _a)
    forward_M1(_a["U1"], _a["M1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["V1"] = _a["V1"] = _check.buffer(out, "V1", (_z["C"],), _dt, _a)
    forward_V1(_a["M1"], _a["U1"], _a["V1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Z1"] = _a["Z1"] = _check.buffer(out, "Z1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Z1(_a["B1"], _a["G1"], _a["M1"], _a["U1"], _a["V1"], _a["Z1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["H1"] = _a["H1"] = _check.buffer(out, "H1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_H1(_a["Z1"], _a["H1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["U2"] = _a["U2"] = _check.buffer(out, "U2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_U2(_a["H1"], _a["K2"], _a["U2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["M2"] = _a["M2"] = _check.buffer(out, "M2", (_z["C"],), _dt, _a)
    forward_M2(_a["U2"], _a["M2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["V2"] = _a["V2"] = _check.buffer(out, "V2", (_z["C"],), _dt, _a)
    forward_V2(_a["M2"], _a["U2"], _a["V2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Z2"] = _a["Z2"] = _check.buffer(out, "Z2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Z2(_a["B2"], _a["G2"], _a["M2"], _a["U2"], _a["V2"], _a["X"], _a["Z2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
    forward_Y(_a["Z2"], _a["Y"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _r


#: The gradients each gradient's kernel reads.
_READS = {
    "dZ2": (),
    "dV2": ("dZ2",),
    "dM2": ("dV2", "dZ2"),
    "dU2": ("dM2", "dV2", "dZ2"),
    "dH1": ("dU2",),
    "dZ1": ("dH1",),
    "dV1": ("dZ1",),
    "dM1": ("dV1", "dZ1"),
    "dU1": ("dM1", "dV1", "dZ1"),
    "dX": ("dZ2", "dU1"),
    "dK1": ("dU1",),
    "dG1": ("dZ1",),
    "dB1": ("dZ1",),
    "dK2": ("dU2",),
    "dG2": ("dZ2",),
    "dB2": ("dZ2",),
}


def backward(arrays: dict, hyper: dict | None = None, out: dict | None = None, wanted=None) -> dict:
    """Backward pass of resblock: the gradients in GRADIENTS, in that order.

    ``wanted`` (default: all) names the gradients the caller needs; kernels no one needs are skipped.
    """
    _need = _contract.needed(GRADIENTS, _READS, wanted)
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U1"] = _check.array(arrays, "U1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M1"] = _check.array(arrays, "M1", (_z["C"],), _dt)
    _a["V1"] = _check.array(arrays, "V1", (_z["C"],), _dt)
    _a["Z1"] = _check.array(arrays, "Z1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["H1"] = _check.array(arrays, "H1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["U2"] = _check.array(arrays, "U2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M2"] = _check.array(arrays, "M2", (_z["C"],), _dt)
    _a["V2"] = _check.array(arrays, "V2", (_z["C"],), _dt)
    _a["Z2"] = _check.array(arrays, "Z2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["dY"] = _check.array(arrays, "dY", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _g = {}
    if "dZ2" in _need:
        _g["dZ2"] = _a["dZ2"] = _check.buffer(out, "dZ2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dZ2(_a["dY"], _a["Z2"], _a["dZ2"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dV2" in _need:
        _g["dV2"] = _a["dV2"] = _check.buffer(out, "dV2", (_z["C"],), _dt, _a)
        backward_dV2(_a["V2"], _a["M2"], _a["U2"], _a["G2"], _a["dZ2"], _a["dV2"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dM2" in _need:
        _g["dM2"] = _a["dM2"] = _check.buffer(out, "dM2", (_z["C"],), _dt, _a)
        backward_dM2(
            _a["G2"],
            _a["M2"],
            _a["U2"],
            _a["V2"],
            _a["dV2"],
            _a["dZ2"],
            _a["dM2"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dU2" in _need:
        _g["dU2"] = _a["dU2"] = _check.buffer(out, "dU2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dU2(
            _a["G2"],
            _a["M2"],
            _a["U2"],
            _a["V2"],
            _a["dM2"],
            _a["dV2"],
            _a["dZ2"],
            _a["dU2"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dH1" in _need:
        _g["dH1"] = _a["dH1"] = _check.buffer(out, "dH1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dH1(_a["K2"], _a["dU2"], _a["dH1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dZ1" in _need:
        _g["dZ1"] = _a["dZ1"] = _check.buffer(out, "dZ1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dZ1(_a["dH1"], _a["Z1"], _a["dZ1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dV1" in _need:
        _g["dV1"] = _a["dV1"] = _check.buffer(out, "dV1", (_z["C"],), _dt, _a)
        backward_dV1(_a["V1"], _a["M1"], _a["U1"], _a["G1"], _a["dZ1"], _a["dV1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dM1" in _need:
        _g["dM1"] = _a["dM1"] = _check.buffer(out, "dM1", (_z["C"],), _dt, _a)
        backward_dM1(
            _a["G1"],
            _a["M1"],
            _a["U1"],
            _a["V1"],
            _a["dV1"],
            _a["dZ1"],
            _a["dM1"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dU1" in _need:
        _g["dU1"] = _a["dU1"] = _check.buffer(out, "dU1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dU1(
            _a["G1"],
            _a["M1"],
            _a["U1"],
            _a["V1"],
            _a["dM1"],
            _a["dV1"],
            _a["dZ1"],
            _a["dU1"],
            _z["N"],
            _z["C"],
            _z["H"],
            _z["W"]
        )
    if "dX" in _need:
        _g["dX"] = _a["dX"] = _check.buffer(out, "dX", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt, _a)
        backward_dX(_a["dZ2"], _a["K1"], _a["dU1"], _a["dX"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dK1" in _need:
        _g["dK1"] = _a["dK1"] = _check.buffer(out, "dK1", (_z["C"], _z["C"], 3, 3), _dt, _a)
        backward_dK1(_a["X"], _a["dU1"], _a["dK1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dG1" in _need:
        _g["dG1"] = _a["dG1"] = _check.buffer(out, "dG1", (_z["C"],), _dt, _a)
        backward_dG1(_a["V1"], _a["M1"], _a["U1"], _a["dZ1"], _a["dG1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dB1" in _need:
        _g["dB1"] = _a["dB1"] = _check.buffer(out, "dB1", (_z["C"],), _dt, _a)
        backward_dB1(_a["dZ1"], _a["dB1"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dK2" in _need:
        _g["dK2"] = _a["dK2"] = _check.buffer(out, "dK2", (_z["C"], _z["C"], 3, 3), _dt, _a)
        backward_dK2(_a["H1"], _a["dU2"], _a["dK2"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dG2" in _need:
        _g["dG2"] = _a["dG2"] = _check.buffer(out, "dG2", (_z["C"],), _dt, _a)
        backward_dG2(_a["V2"], _a["M2"], _a["U2"], _a["dZ2"], _a["dG2"], _z["N"], _z["C"], _z["H"], _z["W"])
    if "dB2" in _need:
        _g["dB2"] = _a["dB2"] = _check.buffer(out, "dB2", (_z["C"],), _dt, _a)
        backward_dB2(_a["dZ2"], _a["dB2"], _z["N"], _z["C"], _z["H"], _z["W"])
    return _g


def initial_buffers(sizes: dict, dtype="float64") -> dict:
    """New buffers of resblock for these sizes, each at its initial value."""
    _z = sizes
    _b = {}
    _b["RM1"] = _contract.aligned((_z["C"],), dtype)
    _b["RM1"][...] = 0.0
    _b["RV1"] = _contract.aligned((_z["C"],), dtype)
    _b["RV1"][...] = 1.0
    _b["RM2"] = _contract.aligned((_z["C"],), dtype)
    _b["RM2"][...] = 0.0
    _b["RV2"] = _contract.aligned((_z["C"],), dtype)
    _b["RV2"][...] = 1.0
    return _b


def forward_eval(arrays: dict, hyper: dict | None = None, out: dict | None = None) -> dict:
    """Evaluation-mode forward pass of resblock: its evaluation equations, reading the buffers."""
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["RM1"] = _check.array(arrays, "RM1", (_z["C"],), _dt)
    _a["RV1"] = _check.array(arrays, "RV1", (_z["C"],), _dt)
    _a["RM2"] = _check.array(arrays, "RM2", (_z["C"],), _dt)
    _a["RV2"] = _check.array(arrays, "RV2", (_z["C"],), _dt)
    _r = {}
    _r["EU1"] = _a["EU1"] = _check.buffer(out, "EU1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_EU1(_a["K1"], _a["X"], _a["EU1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["EH1"] = _a["EH1"] = _check.buffer(out, "EH1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_EH1(_a["B1"], _a["EU1"], _a["G1"], _a["RM1"], _a["RV1"], _a["EH1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["EU2"] = _a["EU2"] = _check.buffer(out, "EU2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_EU2(_a["EH1"], _a["K2"], _a["EU2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _r["Y"] = _a["Y"] = _check.buffer(out, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    evaluate_Y(
        _a["B2"],
        _a["EU2"],
        _a["G2"],
        _a["RM2"],
        _a["RV2"],
        _a["X"],
        _a["Y"],
        _z["N"],
        _z["C"],
        _z["H"],
        _z["W"]
    )
    return _r


def update_buffers(arrays: dict, hyper: dict | None = None) -> None:
    """A training step's update of the buffers of resblock, in place in ``arrays``.

    ``arrays``: what the training forward pass was given and made, and the buffers. Each buffer's new
    value is computed from the old values before any is replaced.
    """
    _z = sizes_of(arrays, hyper)
    _dt = _check.dtype(arrays)
    _a = {_name: arrays[_name] for _name in INPUTS + PARAMS + CONSTANTS}
    _a["U1"] = _check.array(arrays, "U1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M1"] = _check.array(arrays, "M1", (_z["C"],), _dt)
    _a["V1"] = _check.array(arrays, "V1", (_z["C"],), _dt)
    _a["Z1"] = _check.array(arrays, "Z1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["H1"] = _check.array(arrays, "H1", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["U2"] = _check.array(arrays, "U2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["M2"] = _check.array(arrays, "M2", (_z["C"],), _dt)
    _a["V2"] = _check.array(arrays, "V2", (_z["C"],), _dt)
    _a["Z2"] = _check.array(arrays, "Z2", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["Y"] = _check.array(arrays, "Y", (_z["N"], _z["C"], _z["H"], _z["W"]), _dt)
    _a["RM1"] = _check.array(arrays, "RM1", (_z["C"],), _dt)
    _a["RV1"] = _check.array(arrays, "RV1", (_z["C"],), _dt)
    _a["RM2"] = _check.array(arrays, "RM2", (_z["C"],), _dt)
    _a["RV2"] = _check.array(arrays, "RV2", (_z["C"],), _dt)
    _a["_next_RM1"] = _contract.aligned((_z["C"],), _dt)
    update_RM1(_a["M1"], _a["RM1"], _a["_next_RM1"], _z["C"])
    _a["_next_RV1"] = _contract.aligned((_z["C"],), _dt)
    update_RV1(_a["RV1"], _a["V1"], _a["_next_RV1"], _z["N"], _z["C"], _z["H"], _z["W"])
    _a["_next_RM2"] = _contract.aligned((_z["C"],), _dt)
    update_RM2(_a["M2"], _a["RM2"], _a["_next_RM2"], _z["C"])
    _a["_next_RV2"] = _contract.aligned((_z["C"],), _dt)
    update_RV2(_a["RV2"], _a["V2"], _a["_next_RV2"], _z["N"], _z["C"], _z["H"], _z["W"])
    _a["RM1"][...] = _a["_next_RM1"]
    _a["RV1"][...] = _a["_next_RV1"]
    _a["RM2"][...] = _a["_next_RM2"]
    _a["RV2"][...] = _a["_next_RV2"]
