"""Three layers that are not built in, defined by their forward equations alone.

``symcnn derive --spec examples/custom_layers.py --out out/my_layers`` derives,
proves and generates both backends for them.
"""

from symcnn.model import Equation, Layer, Sum, array, indices, padded, sizes, tanh

N, C, M, Ho, Wo, KH, KW, d = sizes("N C M Ho Wo KH KW d")
n, j, y, x, i, a, b = indices("n j y x i a b")

# A dilated convolution: kernel taps d pixels apart.
X = array("X", (N, C, Ho + d * (KH - 1), Wo + d * (KW - 1)))
K, B = array("K", (C, M, KH, KW)), array("B", (M,))
U, Y = array("U", (N, M, Ho, Wo)), array("Y", (N, M, Ho, Wo))
dilated = Layer(
    name="dilated_conv",
    sizes=(N, C, M, Ho, Wo, KH, KW, d),
    hyper=(d,),
    inputs=(X,),
    params=(K, B),
    outputs=(Y,),
    equations=(
        Equation(
            U[n, j, y, x],
            Sum(X[n, i, y + d * a, x + d * b] * K[i, j, a, b], (i, 0, C - 1), (a, 0, KH - 1), (b, 0, KW - 1))
            + B[j],
        ),
        Equation(Y[n, j, y, x], tanh(U[n, j, y, x])),
    ),
    doc="dilated convolution, tanh",
)

# A strided convolution: the kernel moves s pixels per output pixel.
st = sizes("s")[0]
Xs = array("X", (N, C, st * (Ho - 1) + KH, st * (Wo - 1) + KW))
Us = array("U", (N, M, Ho, Wo))
strided = Layer(
    name="strided_conv",
    sizes=(N, C, M, Ho, Wo, KH, KW, st),
    hyper=(st,),
    inputs=(Xs,),
    params=(K, B),
    outputs=(Us,),
    equations=(
        Equation(
            Us[n, j, y, x],
            Sum(
                Xs[n, i, st * y + a, st * x + b] * K[i, j, a, b],
                (i, 0, C - 1),
                (a, 0, KH - 1),
                (b, 0, KW - 1),
            )
            + B[j],
        ),
    ),
    doc="strided convolution, identity activation",
)

# Stride, dilation and zero padding together, the kernel stored (out, in, kh, kw) as PyTorch does:
# F.conv2d(x, k, b, stride=s, dilation=d, padding=P), reads outside X are 0.
P = sizes("P")[0]
Xp = array("X", (N, C, st * (Ho - 1) + d * (KH - 1) + 1 - 2 * P, st * (Wo - 1) + d * (KW - 1) + 1 - 2 * P))
Kp = array("K", (M, C, KH, KW))
padded_conv = Layer(
    name="padded_conv",
    sizes=(N, C, M, Ho, Wo, KH, KW, st, d, P),
    hyper=(st, d, P),
    inputs=(Xp,),
    params=(Kp, B),
    outputs=(Y,),
    equations=(
        Equation(
            U[n, j, y, x],
            Sum(
                padded(Xp)[n, i, st * y + d * a - P, st * x + d * b - P] * Kp[j, i, a, b],
                (i, 0, C - 1),
                (a, 0, KH - 1),
                (b, 0, KW - 1),
            )
            + B[j],
        ),
        Equation(Y[n, j, y, x], tanh(U[n, j, y, x])),
    ),
    doc="strided, dilated, zero-padded convolution, (out, in, kh, kw) kernel, tanh",
)

LAYERS = [dilated, strided, padded_conv]
