"""The built-in layers, each one forward equation in index notation.

Every factory returns a :class:`~symcnn.model.layer.Layer`; nothing here knows
about gradients. Batched arrays are laid out ``(N, C, H, W)``.
"""

from __future__ import annotations

import sympy as sp

from ..errors import SpecError
from .functions import ACTIVATIONS, relu
from .layer import Buffer, Equation, Layer, Record, array, indices, sizes
from .padding import padded

CONVENTIONS = ("xcorr", "matlab")
DOWNS = ("sum", "mean", "max")


def _activate(
    name: str, pre: sp.IndexedBase, idx: tuple[sp.Symbol, ...], layer: str
) -> tuple[list[Equation], sp.IndexedBase]:
    """``Y = f(U)`` as its own equation; identity adds none and returns ``pre``."""
    if name not in ACTIVATIONS:
        raise SpecError(layer, f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}")
    f = ACTIVATIONS[name]
    if f is None:
        return [], pre
    y = array("Y", pre.shape)
    return [Equation(y[idx], f(pre[idx]))], y


def fully_connected(activation: str = "sigmoid") -> Layer:
    """[B1] ``x = f(W x_prev + b)``; ``W`` is (outputs, inputs), so ∂E/∂W = δ xᵀ [B6]."""
    N, I, O = sizes("N I O")  # noqa: E741
    n, k, i = indices("n k i")
    X, W, b = array("X", (N, I)), array("W", (O, I)), array("b", (O,))
    U = array("U", (N, O))
    eqs = [Equation(U[n, k], sp.Sum(W[k, i] * X[n, i], (i, 0, I - 1)) + b[k])]
    act, out = _activate(activation, U, (n, k), "fully_connected")
    return Layer(
        name=f"fc_{activation}",
        sizes=(N, I, O),
        inputs=(X,),
        params=(W, b),
        outputs=(out,),
        equations=tuple(eqs + act),
        label="B1",
        doc="fully connected layer",
    )


def conv2d(activation: str = "sigmoid", convention: str = "xcorr", table: bool = True) -> Layer:
    """[B7] ``x_j = f(Σ_{i∈M_j} x_i ⋆ k_ij + b_j)``, 'valid' size.

    ``convention="xcorr"`` is cross-correlation (most frameworks);
    ``"matlab"`` is MATLAB's ``conv2``, a true convolution with the kernel
    flipped. ``table`` adds a 0/1 connection table ``T[i, j]`` (``i ∈ M_j``).
    """
    if convention not in CONVENTIONS:
        raise SpecError("conv2d", f"unknown convention {convention!r}; choose xcorr or matlab")
    N, C, M, Ho, Wo, KH, KW = sizes("N C M Ho Wo KH KW")
    n, j, y, x, i, a, b = indices("n j y x i a b")
    X = array("X", (N, C, Ho + KH - 1, Wo + KW - 1))
    K, B, T = array("K", (C, M, KH, KW)), array("B", (M,)), array("T", (C, M))
    U = array("U", (N, M, Ho, Wo))
    if convention == "xcorr":
        pixel = X[n, i, y + a, x + b]
    else:
        pixel = X[n, i, y + KH - 1 - a, x + KW - 1 - b]
    mask = T[i, j] if table else sp.S.One
    rhs = sp.Sum(mask * pixel * K[i, j, a, b], (i, 0, C - 1), (a, 0, KH - 1), (b, 0, KW - 1))
    eqs = [Equation(U[n, j, y, x], rhs + B[j])]
    act, out = _activate(activation, U, (n, j, y, x), "conv2d")
    return Layer(
        name=f"conv_{convention}_{activation}" + ("" if table else "_full"),
        sizes=(N, C, M, Ho, Wo, KH, KW),
        inputs=(X,),
        params=(K, B),
        constants=(T,) if table else (),
        outputs=(out,),
        equations=tuple(eqs + act),
        label="B7",
        doc=f"convolution ({convention}), connection table {'on' if table else 'off'}",
        meta=(("convention", convention),),
    )


def conv2d_same(activation: str = "relu", convention: str = "xcorr") -> Layer:
    """[B7] with 'same' zero padding: the output maps are as large as the input maps.

    The kernel is ``(2·RH + 1) × (2·RW + 1)`` — any odd size from 3 — and reads
    ``padded(X)``, zero outside the image, ``RH`` rows and ``RW`` columns beyond each
    edge. ``"xcorr"`` correlates, ``"matlab"`` is ``conv2(x, k, 'same')``.
    """
    if convention not in CONVENTIONS:
        raise SpecError("conv2d_same", f"unknown convention {convention!r}; choose xcorr or matlab")
    N, C, M, H, W, RH, RW = sizes("N C M H W RH RW")
    n, j, y, x, i, a, b = indices("n j y x i a b")
    X, U = array("X", (N, C, H, W)), array("U", (N, M, H, W))
    K, B = array("K", (C, M, 2 * RH + 1, 2 * RW + 1)), array("B", (M,))
    if convention == "xcorr":
        pixel = padded(X)[n, i, y + a - RH, x + b - RW]
    else:
        pixel = padded(X)[n, i, y + RH - a, x + RW - b]
    rhs = sp.Sum(pixel * K[i, j, a, b], (i, 0, C - 1), (a, 0, 2 * RH), (b, 0, 2 * RW))
    act, out = _activate(activation, U, (n, j, y, x), "conv2d_same")
    return Layer(
        name=f"conv_{convention}_{activation}_same",
        sizes=(N, C, M, H, W, RH, RW),
        inputs=(X,),
        params=(K, B),
        outputs=(out,),
        equations=(Equation(U[n, j, y, x], rhs + B[j]), *act),
        label="B7",
        doc=f"convolution ({convention}), 'same' zero padding",
        meta=(("convention", convention),),
    )


#: AlexNet's local response normalisation constants: b = a / (k + α/n · Σ a²)^β.
LRN_K, LRN_ALPHA, LRN_BETA = sp.Integer(2), sp.Rational(1, 10000), sp.Rational(3, 4)


def local_response_norm() -> Layer:
    """AlexNet's local response normalisation across ``n = 2R + 1`` neighbouring maps.

    ``S = Σ_{e=max(-R, -c)}^{min(R, C-1-c)} X[c + e]²`` is a window clipped at the
    first and last map; ``Y = X · (k + α/n · S)^(-β)`` with k = 2, α = 1e-4, β = 3/4.
    """
    N, C, H, W, R = sizes("N C H W R")
    n, c, y, x, e = indices("n c y x e")
    X, S, Y = array("X", (N, C, H, W)), array("S", (N, C, H, W)), array("Y", (N, C, H, W))
    idx = (n, c, y, x)
    window = sp.Sum(X[n, c + e, y, x] ** 2, (e, sp.Max(-R, -c), sp.Min(R, C - 1 - c)))
    scale = LRN_K + LRN_ALPHA / (2 * R + 1) * S[idx]
    return Layer(
        name="lrn",
        sizes=(N, C, H, W, R),
        inputs=(X,),
        params=(),
        outputs=(Y,),
        equations=(Equation(S[idx], window), Equation(Y[idx], X[idx] * scale ** (-LRN_BETA))),
        hyper=(R,),
        doc="local response normalisation across 2R + 1 maps (AlexNet)",
    )


#: PyTorch's defaults for batch normalisation (``torch.nn.BatchNorm2d``).
BN_EPS, BN_MOMENTUM = 1e-5, 0.1


def _normalised(
    u: sp.IndexedBase, g: sp.IndexedBase, bt: sp.IndexedBase, mean: sp.IndexedBase, var: sp.IndexedBase,
    idx: tuple[sp.Symbol, ...], eps: sp.Float,
) -> sp.Expr:
    """``G[c]·(U − mean[c])/sqrt(var[c] + eps) + Bt[c]`` at ``idx = (n, c, y, x)``."""
    c = idx[1]
    return g[c] * (u[idx] - mean[c]) / sp.sqrt(var[c] + eps) + bt[c]


def _statistics(
    u: sp.IndexedBase, mean: sp.IndexedBase, var: sp.IndexedBase, idx: tuple[sp.Symbol, ...]
) -> tuple[Equation, Equation]:
    """The batch's mean and biased variance of ``u`` per map, over ``n, y, x``."""
    n, c, y, x = idx
    N, _, H, W = u.shape
    over = ((n, 0, N - 1), (y, 0, H - 1), (x, 0, W - 1))
    return (Equation(mean[c], sp.Sum(u[idx], *over) / (N * H * W)),
            Equation(var[c], sp.Sum((u[idx] - mean[c]) ** 2, *over) / (N * H * W)))


def _running(
    mean: sp.IndexedBase, var: sp.IndexedBase, rm: sp.IndexedBase, rv: sp.IndexedBase, count: sp.Expr,
    momentum: sp.Float, c: sp.Symbol,
) -> tuple[Buffer, Buffer]:
    """Running mean and variance (from 0 and 1), moved ``momentum`` of the way toward the batch's mean
    and unbiased variance ``var·count/(count − 1)`` each training step, as PyTorch does."""
    return (Buffer(Equation(rm[c], (1 - momentum) * rm[c] + momentum * mean[c]), 0.0),
            Buffer(Equation(rv[c], (1 - momentum) * rv[c] + momentum * var[c] * count / (count - 1)), 1.0))


def batchnorm(activation: str = "identity", eps: float = BN_EPS, momentum: float = BN_MOMENTUM) -> Layer:
    """Batch normalisation over ``(N, C, H, W)``, per map ``c`` (Ioffe and Szegedy, 2015), then ``f``.

    Training: the mean ``Mean[c]`` and the biased variance ``Var[c]`` over
    ``n, y, x``, ``Y = f(G[c]·(X − Mean[c])/sqrt(Var[c] + eps) + Bt[c])``. Each
    training step moves the running mean ``RM`` and variance ``RV`` (buffers,
    starting at 0 and 1) ``momentum`` of the way toward ``Mean`` and the
    unbiased variance ``Var·M/(M − 1)``, ``M = N·H·W``, as PyTorch does;
    evaluation normalises with them.
    """
    if activation not in ACTIVATIONS:
        choices = ", ".join(ACTIVATIONS)
        raise SpecError("batchnorm", f"unknown activation {activation!r}; choose from {choices}")
    f = ACTIVATIONS[activation] or (lambda e: e)
    N, C, H, W = sizes("N C H W")
    n, c, y, x = indices("n c y x")
    X, Y = array("X", (N, C, H, W)), array("Y", (N, C, H, W))
    G, Bt = array("G", (C,)), array("Bt", (C,))
    Mean, Var, RM, RV = (array(a, (C,)) for a in ("Mean", "Var", "RM", "RV"))
    idx, eps_ = (n, c, y, x), sp.Float(eps)
    normalised = _normalised(X, G, Bt, Mean, Var, idx, eps_)
    if ACTIVATIONS[activation] is None:
        train: tuple[Equation, ...] = (Equation(Y[idx], normalised),)
    else:  # normalised, then f, as equations of their own: f's derivative then reads Z, not the whole norm
        Z = array("Z", (N, C, H, W))
        train = (Equation(Z[idx], normalised), Equation(Y[idx], f(Z[idx])))
    return Layer(
        name="batchnorm" + ("" if activation == "identity" else f"_{activation}"),
        sizes=(N, C, H, W),
        inputs=(X,),
        params=(G, Bt),
        outputs=(Y,),
        equations=(*_statistics(X, Mean, Var, idx), *train),
        buffers=_running(Mean, Var, RM, RV, N * H * W, sp.Float(momentum), c),
        evaluation=(Equation(Y[idx], f(_normalised(X, G, Bt, RM, RV, idx, eps_))),),
        init={"G": 1.0},  # the identity scale: it starts as a plain standardisation
        doc="batch normalisation per map" + ("" if activation == "identity" else f", then {activation}")
        + "; running mean and variance for evaluation",
    )


def residual_block(eps: float = BN_EPS, momentum: float = BN_MOMENTUM) -> Layer:
    """A residual block of two 3×3 'same' convolutions with batch norm and an identity shortcut.

    ``H1 = relu(bn1(K1 ⋆ X))``, ``Y = relu(bn2(K2 ⋆ H1) + X)`` (He et al., 2016), ``C`` maps in and out;
    the convolutions correlate ``padded(X)`` and have no bias (the batch norm's ``Bt`` is one). One
    layer, so the shortcut's gradient is derived with the rest; evaluation runs the same chain with
    the running statistics of both batch norms.
    """
    N, C, H, W = sizes("N C H W")
    n, c, y, x, i, a, b = indices("n c y x i a b")
    idx, eps_ = (n, c, y, x), sp.Float(eps)
    X = array("X", (N, C, H, W))
    K1, K2 = array("K1", (C, C, 3, 3)), array("K2", (C, C, 3, 3))
    G1, B1, G2, B2 = (array(name, (C,)) for name in ("G1", "B1", "G2", "B2"))
    maps = ("U1", "Z1", "H1", "U2", "Z2", "Y", "EU1", "EH1", "EU2")
    U1, Z1, H1, U2, Z2, Y, EU1, EH1, EU2 = (array(name, (N, C, H, W)) for name in maps)
    M1, V1, M2, V2, RM1, RV1, RM2, RV2 = (
        array(name, (C,)) for name in ("M1", "V1", "M2", "V2", "RM1", "RV1", "RM2", "RV2")
    )

    def conv(src: sp.IndexedBase, k: sp.IndexedBase) -> sp.Expr:
        pixel = padded(src)[n, i, y + a - 1, x + b - 1]
        return sp.Sum(pixel * k[i, c, a, b], (i, 0, C - 1), (a, 0, 2), (b, 0, 2))

    momentum_ = sp.Float(momentum)
    return Layer(
        name="resblock",
        sizes=(N, C, H, W),
        inputs=(X,),
        params=(K1, G1, B1, K2, G2, B2),
        outputs=(Y,),
        equations=(
            Equation(U1[idx], conv(X, K1)),
            *_statistics(U1, M1, V1, idx),
            Equation(Z1[idx], _normalised(U1, G1, B1, M1, V1, idx, eps_)),
            Equation(H1[idx], relu(Z1[idx])),
            Equation(U2[idx], conv(H1, K2)),
            *_statistics(U2, M2, V2, idx),
            Equation(Z2[idx], _normalised(U2, G2, B2, M2, V2, idx, eps_) + X[idx]),  # the shortcut
            Equation(Y[idx], relu(Z2[idx])),
        ),
        buffers=(*_running(M1, V1, RM1, RV1, N * H * W, momentum_, c),
                 *_running(M2, V2, RM2, RV2, N * H * W, momentum_, c)),
        evaluation=(
            Equation(EU1[idx], conv(X, K1)),
            Equation(EH1[idx], relu(_normalised(EU1, G1, B1, RM1, RV1, idx, eps_))),
            Equation(EU2[idx], conv(EH1, K2)),
            Equation(Y[idx], relu(_normalised(EU2, G2, B2, RM2, RV2, idx, eps_) + X[idx])),
        ),
        init={"G1": 1.0, "G2": 1.0},  # both batch norms start at the identity scale
        doc="residual block: two 3×3 'same' convolutions with batch norm, identity shortcut",
    )


def global_average_pool() -> Layer:
    """``Y[n, c] = Σ_{y, x} X[n, c, y, x] / (H·W)``: each map's mean, a feature vector for a classifier."""
    N, C, H, W = sizes("N C H W")
    n, c, y, x = indices("n c y x")
    X, Y = array("X", (N, C, H, W)), array("Y", (N, C))
    return Layer(
        name="global_avg_pool",
        sizes=(N, C, H, W),
        inputs=(X,),
        params=(),
        outputs=(Y,),
        equations=(Equation(Y[n, c], sp.Sum(X[n, c, y, x], (y, 0, H - 1), (x, 0, W - 1)) / (H * W)),),
        doc="global average pooling: the mean of each map",
    )


def subsample(down: str = "sum", activation: str = "sigmoid", affine: bool = True) -> Layer:
    """[B11] ``x_j = f(β_j down(x_j_prev) + b_j)`` over distinct n×n blocks.

    ``down`` sums the block (the paper's form), averages it, or takes its
    maximum through a recorded arg-max selector. ``affine=False`` freezes
    β = 1, b = 0 and drops the activation (DeepLearnToolbox's layer).
    """
    if down not in DOWNS:
        raise SpecError("subsample", f"unknown down {down!r}; choose from {', '.join(DOWNS)}")
    N, C, Ho, Wo, s = sizes("N C Ho Wo s")
    n, c, y, x, r, q = indices("n c y x r q")
    X = array("X", (N, C, s * Ho, s * Wo))
    D = array("D", (N, C, Ho, Wo))
    pixel = X[n, c, s * y + r, s * x + q]
    records: tuple[Record, ...] = ()
    if down == "max":
        S = array("S", X.shape)
        records = (Record(S, "block_argmax", X, s),)
        pixel = S[n, c, s * y + r, s * x + q] * pixel
    block = sp.Sum(pixel, (r, 0, s - 1), (q, 0, s - 1))
    if down == "mean":
        block = block / s**2
    idx = (n, c, y, x)
    eqs = [Equation(D[idx], block)]
    params: tuple[sp.IndexedBase, ...] = ()
    out = D
    if affine:
        beta, bias, U = array("beta", (C,)), array("b", (C,)), array("U", D.shape)
        eqs.append(Equation(U[idx], beta[c] * D[idx] + bias[c]))
        act, out = _activate(activation, U, idx, "subsample")
        eqs += act
        params = (beta, bias)
    name = f"pool_{down}" + (f"_{activation}" if affine else "_plain")
    return Layer(
        name=name,
        sizes=(N, C, Ho, Wo, s),
        inputs=(X,),
        params=params,
        outputs=(out,),
        equations=tuple(eqs),
        records=records,
        hyper=(s,),
        label="B11",
        doc=f"sub-sampling, down = {down}" + ("" if affine else ", β and b frozen"),
    )


def combination(activation: str = "sigmoid", per_pair: bool = False) -> Layer:
    """[B14a] ``x_j = f(Σ_i α_ij (x_i ⋆ k_i) + b_j)``, ``α_ij = softmax_i(c_ij)``.

    The softmax is split into ``Z_j = Σ_k exp(c_kj)`` and ``α_ij = exp(c_ij)/Z_j``
    so each step is one equation. ``per_pair`` gives each pair its own kernel
    ``k_ij`` instead of the paper's one kernel per input map.
    """
    N, C, M, Ho, Wo, KH, KW = sizes("N C M Ho Wo KH KW")
    n, j, y, x, i, a, b = indices("n j y x i a b")
    X = array("X", (N, C, Ho + KH - 1, Wo + KW - 1))
    K = array("K", (C, M, KH, KW) if per_pair else (C, KH, KW))
    cc, B = array("c", (C, M)), array("B", (M,))
    kern = K[i, j, a, b] if per_pair else K[i, a, b]
    U = array("U", (N, M, Ho, Wo))
    window = ((a, 0, KH - 1), (b, 0, KW - 1))
    eqs, A = _softmax(cc, C)
    if per_pair:
        rhs = sp.Sum(A[i, j] * X[n, i, y + a, x + b] * kern, (i, 0, C - 1), *window)
        eqs.append(Equation(U[n, j, y, x], rhs + B[j]))
    else:
        V = array("V", (N, C, Ho, Wo))
        eqs.append(Equation(V[n, i, y, x], sp.Sum(X[n, i, y + a, x + b] * kern, *window)))
        eqs.append(Equation(U[n, j, y, x], sp.Sum(A[i, j] * V[n, i, y, x], (i, 0, C - 1)) + B[j]))
    act, out = _activate(activation, U, (n, j, y, x), "combination")
    return Layer(
        name=f"combo_{activation}" + ("_pairs" if per_pair else ""),
        sizes=(N, C, M, Ho, Wo, KH, KW),
        inputs=(X,),
        params=(K, cc, B),
        outputs=(out,),
        equations=tuple(eqs + act),
        label="B14a",
        doc="learned combination of feature maps, α = softmax(c)",
    )


def _softmax(cc: sp.IndexedBase, C: sp.Symbol) -> tuple[list[Equation], sp.IndexedBase]:
    """[B14a]'s ``α_ij = exp(c_ij) / Σ_k exp(c_kj)`` as two equations, through ``Z_j``."""
    i, j, k = indices("i j k")
    Z, A = array("Z", (cc.shape[1],)), array("alpha", cc.shape)
    eqs = [
        Equation(Z[j], sp.Sum(sp.exp(cc[k, j]), (k, 0, C - 1))),
        Equation(A[i, j], sp.exp(cc[i, j]) / Z[j]),
    ]
    return eqs, A


def _penalty(name: str, doc: str, omega) -> Layer:
    """A penalty ``P = Ω(α)`` on the softmax combination weights of [B14e], λ a constant."""
    C, M = sizes("C M")
    i, j = indices("i j")
    lam, cc, P = array("lam", (1,)), array("c", (C, M)), array("P", (1,))
    z = sp.Symbol("z", integer=True)
    eqs, A = _softmax(cc, C)
    over = ((i, 0, C - 1), (j, 0, M - 1))
    eqs.append(Equation(P[z], lam[0] * omega(A[i, j], cc[i, j], eqs[0].array[j], over)))
    return Layer(
        name=name,
        sizes=(C, M),
        inputs=(),
        params=(cc,),
        constants=(lam,),
        outputs=(P,),
        equations=tuple(eqs),
        label="B14e",
        doc=doc,
    )


def l1_penalty() -> Layer:
    """[B14e] ``Ω = λ Σ_ij |α_ij|`` with ``α = softmax(c)`` (as the paper writes it)."""
    return _penalty(
        "penalty_l1",
        "L1 penalty on the softmax combination weights",
        lambda a, c, z, over: sp.Sum(sp.Abs(a), *over),
    )


def entropy_penalty() -> Layer:
    """``Ω = -λ Σ_ij α_ij log α_ij``: a penalty that does make combinations sparse.

    Under the softmax constraint the L1 norm of α is constant (§6.4), but the
    entropy of each column of α is smallest when one input map takes all the
    weight, so descending on it drives every column toward one-hot. It is
    written with ``log α_ij = c_ij − log Z_j``.
    """
    return _penalty(
        "penalty_entropy",
        "entropy penalty on the softmax combination weights",
        lambda a, c, z, over: -sp.Sum(a * (c - sp.log(z)), *over),
    )


def squared_error() -> Layer:
    """[B2] ``E_n = ½ Σ_k (y_k − t_k)²`` per pattern."""
    N, O = sizes("N O")  # noqa: E741
    n, k = indices("n k")
    Y, T, L = array("Y", (N, O)), array("T", (N, O)), array("L", (N,))
    eq = Equation(L[n], sp.Sum((Y[n, k] - T[n, k]) ** 2, (k, 0, O - 1)) / 2)
    return Layer(
        name="loss_squared",
        sizes=(N, O),
        inputs=(Y,),
        params=(),
        constants=(T,),
        outputs=(L,),
        equations=(eq,),
        label="B2",
        doc="squared-error loss",
    )


def softmax_cross_entropy() -> Layer:
    """``E_n = −Σ_k t_k log softmax(y)_k``, shifted by the row maximum so exp cannot overflow."""
    N, O = sizes("N O")  # noqa: E741
    n, k = indices("n k")
    Y, T, L = array("Y", (N, O)), array("T", (N, O)), array("L", (N,))
    Mx, Z = array("Mx", (N,)), array("Z", (N,))
    eqs = (
        Equation(Z[n], sp.Sum(sp.exp(Y[n, k] - Mx[n]), (k, 0, O - 1))),
        Equation(L[n], -sp.Sum(T[n, k] * (Y[n, k] - Mx[n] - sp.log(Z[n])), (k, 0, O - 1))),
    )
    return Layer(
        name="loss_softmax_ce",
        sizes=(N, O),
        inputs=(Y,),
        params=(),
        constants=(T,),
        outputs=(L,),
        equations=eqs,
        records=(Record(Mx, "row_max", Y),),
        label="B2",
        doc="softmax cross-entropy loss",
    )


def builtin_layers() -> dict[str, Layer]:
    """Every built-in layer, by name, in a fixed order."""
    layers = [fully_connected(a) for a in ("sigmoid", "tanh", "relu", "identity")]
    for conv in CONVENTIONS:
        layers += [conv2d(a, conv) for a in ("sigmoid", "tanh", "relu", "identity")]
    layers += [conv2d_same("relu", conv) for conv in CONVENTIONS] + [local_response_norm()]
    layers += [conv2d_same("identity"), batchnorm(), batchnorm("relu"), residual_block()]
    layers += [global_average_pool()]
    layers += [subsample(d, "sigmoid") for d in DOWNS]
    layers += [subsample(d, affine=False) for d in DOWNS]
    layers += [subsample("max", "relu"), combination("sigmoid"), combination("sigmoid", True)]
    layers += [l1_penalty(), entropy_penalty(), squared_error(), softmax_cross_entropy()]
    return {layer.name: layer for layer in layers}
