"""Training-mode batch normalisation, written two ways, and a smaller normalisation.

Per channel ``c`` the mean and the (biased) variance over the batch and the
image, then ``Y = γ (X − μ) / sqrt(σ² + eps) + β``, as
``torch.nn.functional.batch_norm(training=True)`` computes it:

- ``batchnorm_var``: the variance is an intermediate equation of its own;
- ``batchnorm_inline``: the sum sits inside the square root (the engine splits it out).

``scaled_norm``: ``S = Σ_x X²``, ``Y = X·(S + 1)^(-1/2)``, the smallest layer
with a sum under a root.

``symcnn derive --spec examples/batchnorm.py --out DIR`` derives, proves and
generates them; ``symcnn verify --spec examples/batchnorm.py`` proves them again.
"""

from sympy import Rational, sqrt

from symcnn.model import Equation, Layer, Sum, array, indices, sizes

N, C, H, W = sizes("N C H W")
n, c, y, x, m, p, q = indices("n c y x m p q")
EPS = 1e-5  # as F.batch_norm's default
COUNT = N * H * W  # entries a channel's statistics run over

X, Y = array("X", (N, C, H, W)), array("Y", (N, C, H, W))
G, B = array("G", (C,)), array("B", (C,))  # γ and β, one per channel
Mu, V = array("Mu", (C,)), array("V", (C,))
OVER = ((n, 0, N - 1), (y, 0, H - 1), (x, 0, W - 1))

batchnorm_var = Layer(
    name="batchnorm_var",
    sizes=(N, C, H, W),
    inputs=(X,),
    params=(G, B),
    outputs=(Y,),
    equations=(
        Equation(Mu[c], Sum(X[n, c, y, x], *OVER) / COUNT),
        Equation(V[c], Sum((X[n, c, y, x] - Mu[c]) ** 2, *OVER) / COUNT),
        Equation(Y[n, c, y, x], G[c] * (X[n, c, y, x] - Mu[c]) / sqrt(V[c] + EPS) + B[c]),
    ),
    doc="batch normalisation in training mode, the variance an equation of its own",
)

batchnorm_inline = Layer(
    name="batchnorm_inline",
    sizes=(N, C, H, W),
    inputs=(X,),
    params=(G, B),
    outputs=(Y,),
    equations=(
        Equation(Mu[c], Sum(X[n, c, y, x], *OVER) / COUNT),
        Equation(
            Y[n, c, y, x],
            G[c] * (X[n, c, y, x] - Mu[c])
            * (Sum((X[m, c, p, q] - Mu[c]) ** 2, (m, 0, N - 1), (p, 0, H - 1), (q, 0, W - 1)) / COUNT + EPS)
            ** Rational(-1, 2)
            + B[c],
        ),
    ),
    doc="batch normalisation in training mode, the variance's sum inside the root",
)

Xs, S, Ys = array("X", (N, W)), array("S", (N,)), array("Y", (N, W))
scaled_norm = Layer(
    name="scaled_norm",
    sizes=(N, W),
    inputs=(Xs,),
    params=(),
    outputs=(Ys,),
    equations=(
        Equation(S[n], Sum(Xs[n, x] ** 2, (x, 0, W - 1))),
        Equation(Ys[n, x], Xs[n, x] * (S[n] + 1) ** Rational(-1, 2)),
    ),
    doc="each row scaled by (1 + its sum of squares)^(-1/2)",
)

LAYERS = [batchnorm_var, batchnorm_inline, scaled_norm]
