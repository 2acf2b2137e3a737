"""Every closed form of docs/paper.md as data: label, one-line statement, MATLAB-form expression.

A :class:`Claim` pairs a closed form, written the way the paper writes it
with the functions of :mod:`symcnn.verify.matlab`, with what the derivation
engine says about the same quantity — a gradient of a built-in layer, or two
layers' gradients chained, read as an index expression. The verifier proves
the two equal, or refutes the closed form and searches for its correction.

Closed forms are per pattern, so every claim fixes the batch at ``N = 1``.
Free indices: ``n`` pattern, ``i``/``j`` maps (input/output), ``u, v`` the
entry of a map. Arrays of the next layer ``ℓ+1`` carry the suffix ``1``
(``dU1`` is ``δ^{ℓ+1}``, ``K1`` its kernels).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..derive import Derivation
from ..derive.cache import cached_derive
from ..derive.terms import Term
from ..model import builtin_layers, sigmoid
from ..model.layer import Equation, Layer, indices, sizes
from .compose import at, chase, plug, relabel, resize, rhs_at, unfold
from .matlab import (
    Map,
    MatFn,
    conv2,
    down,
    fprime,
    hadamard,
    minus,
    msum,
    mtimes,
    plus,
    rot180,
    scalar,
    scale,
    sum_uv,
    transpose,
    up,
)

N, I, O, O1 = sizes("N I O O1")  # noqa: E741
C, M, Ho, Wo, KH, KW = sizes("C M Ho Wo KH KW")
Hp, Wp, s = sizes("Hp Wp s")
n, i, j, k, u, v = indices("n i j k u v")


@dataclass(frozen=True)
class Config:
    """One concrete size configuration; ``values`` fixes some arrays (a connection table, say)."""

    sizes: dict
    values: dict = field(default_factory=dict)
    example: bool = False

    def describe(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.sizes.items())


@dataclass(frozen=True)
class Table:
    """A connection table: ``Σ_j T[of, j] · …`` over the maps ``j`` of the next layer.

    ``arrays`` are the next layer's arrays whose last map index is ``j``.
    """

    array: sp.IndexedBase
    extent: sp.Expr
    index: sp.Symbol
    arrays: tuple[str, ...]
    of: sp.Symbol


@dataclass(frozen=True)
class Claim:
    """A closed form of the paper and the derivation's side of the same quantity.

    ``derived`` is a scalar index expression in ``outer`` + ``rows`` + ``cols``;
    the closed form's entry ``(rows, cols)`` must equal it. ``unfold`` lists
    forward equations substituted on both sides before comparing (``Y = f(U)``);
    ``unfold_concrete`` more of them for the exhaustive proofs only (α and Z
    in terms of ``c``: "the identity in c"). ``rewrite`` turns both sides into
    the representation of the symbolic proof (``exp(c) = α Z``: "in α");
    ``term_rewrite`` acts on canonical terms (``Σ_i α_ij = 1``).
    """

    label: str
    case: str
    statement: str
    closed: MatFn
    derived: sp.Expr
    outer: tuple[tuple[sp.Symbol, sp.Expr], ...]
    rows: tuple[sp.Symbol, sp.Expr] | None
    cols: tuple[sp.Symbol, sp.Expr] | None
    configs: tuple[Config, ...]
    layers: tuple[str, ...]
    gradient: str
    unfold: tuple[Equation, ...] = ()
    unfold_concrete: tuple[Equation, ...] = ()
    assume: tuple[tuple[sp.Symbol, sp.Expr], ...] = ((N, sp.S.One),)
    rewrite: Callable[[sp.Expr], sp.Expr] | None = None
    term_rewrite: Callable[[Term], Term | None] | None = None
    constraint: Callable[[Term], Term | None] | None = None
    symbolic: bool = True
    section6: int | None = None
    table: Table | None = None
    selector: sp.IndexedBase | None = None
    expected: np.ndarray | None = None
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.label} ({self.case})" if self.case else self.label

    def frees(self) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
        out = list(self.outer)
        if self.rows:
            out.append(self.rows)
        if self.cols:
            out.append(self.cols)
        return tuple(out)


@functools.cache
def _derived(name: str) -> Derivation:
    return cached_derive(LAYERS[name])


LAYERS: dict[str, Layer] = builtin_layers()


def _arr(layer: str, name: str) -> sp.IndexedBase:
    arrays = LAYERS[layer].arrays()
    if name in arrays:
        return arrays[name]
    base = arrays[name[1:]]
    return sp.IndexedBase(name, shape=base.shape, real=True)


def _eq(layer: str, name: str) -> Equation:
    return next(e for e in LAYERS[layer].equations if str(e.array.label) == name)


def _grad(layer: str, wrt: str, idx: tuple) -> sp.Expr:
    return at(_derived(layer).gradient(wrt), idx)


# Size configurations: non-square maps, kernels 1–5, pooling 2 and 3, several maps.

FC = tuple(Config({N: 1, I: a, O: b}) for a, b in ((3, 2), (1, 4), (5, 5)))
FC2 = tuple(Config({N: 1, I: 2, O: a, O1: b}) for a, b in ((2, 3), (3, 1), (4, 4)))
CONV = tuple(
    Config({N: 1, C: c, M: m, Ho: h, Wo: w, KH: kh, KW: kw})
    for c, m, h, w, kh, kw in ((2, 3, 3, 4, 2, 3), (1, 2, 5, 2, 1, 4), (2, 2, 4, 3, 5, 5))
)
POOL = tuple(
    Config({N: 1, C: c, Ho: h, Wo: w, s: f}) for c, h, w, f in ((2, 2, 3, 2), (1, 3, 2, 3), (3, 1, 4, 2))
)
CONV_POOL = tuple(
    Config({N: 1, M: m, Hp: h, Wp: w, s: f}) for m, h, w, f in ((2, 2, 3, 2), (1, 3, 2, 3), (3, 1, 2, 2))
)
SOFTMAX = tuple(Config({C: c, M: m}) for c, m in ((2, 1), (3, 2), (4, 1)))


def _with_identity(configs: tuple[Config, ...], label: str) -> tuple[Config, ...]:
    out = []
    for cf in configs:
        sz = dict(cf.sizes)
        sz[M] = sz[C]
        out.append(Config(sz, {label: np.eye(sz[C], dtype=int).astype(object)}))
    return tuple(out)


def _sigmoid_y(layer: str, size_map: dict | None = None) -> Equation:
    eq = _eq(layer, "Y")
    return resize(eq, size_map) if size_map else eq


# ---- §1 fully connected -------------------------------------------------------------------------


def _fc_claims() -> list[Claim]:
    fc = "fc_sigmoid"
    X, W, b, U, Y = (_arr(fc, a) for a in ("X", "W", "b", "U", "Y"))
    dU, T = _arr(fc, "dU"), _arr("loss_squared", "T")
    err = minus(Map(T, n), Map(Y, n))
    y_def = _sigmoid_y(fc)
    out = [
        Claim(
            "B1", "", "u^ℓ = W^ℓ x^{ℓ-1} + b^ℓ",
            plus(mtimes(Map(W), Map(X, n)), Map(b)),
            rhs_at(_eq(fc, "U"), (n, u)),
            ((n, N),), (u, O), None, FC, (fc,), "forward",
        ),
        Claim(
            "B2", "", "E^n = ½ Σ_k (t_k^n − y_k^n)²",
            scale(sp.Rational(1, 2), sum_uv(hadamard(err, err))),
            rhs_at(_eq("loss_squared", "L"), (n,)),
            ((n, N),), None, None,
            tuple(Config({N: 1, O: o}) for o in (1, 3, 6)), ("loss_squared",), "forward",
        ),
        Claim(
            "B3", "", "∂E/∂b = δ = ∂E/∂u",
            Map(dU, 0),
            _grad(fc, "b", (u,)),
            (), (u, O), None, FC, (fc,), "db",
        ),
    ]
    seed = chase(_grad("loss_squared", "Y", (n, u)), _derived("loss_squared"))
    seed = plug(seed, "dL", lambda *idx: sp.S.One)
    out.append(
        Claim(
            "B4", "", "δ^L = f'(u^L) ∘ (y^n − t^n)",
            hadamard(fprime(sigmoid, Map(U, n)), minus(Map(Y, n), Map(T, n))),
            plug(_grad(fc, "U", (n, u)), "dY", lambda nn, kk: seed.xreplace({n: nn, u: kk})),
            ((n, N),), (u, O), None, FC, (fc, "loss_squared"), "dU",
            unfold=(y_def,),
        )
    )
    nxt = {I: O, O: O1}
    W1, dU1 = relabel(W, "1", nxt), relabel(dU, "1", nxt)
    d1 = _derived(fc).gradient("X")
    hidden = plug(
        _grad(fc, "U", (n, u)), "dY", lambda nn, kk: relabel(at(d1, (nn, kk)), "1", nxt)
    )
    out.append(
        Claim(
            "B5", "", "δ^ℓ = (W^{ℓ+1})ᵀ δ^{ℓ+1} ∘ f'(u^ℓ)",
            hadamard(mtimes(transpose(Map(W1)), Map(dU1, n)), fprime(sigmoid, Map(U, n))),
            hidden,
            ((n, N),), (u, O), None, FC2, (fc,), "dU",
            unfold=(y_def,),
        )
    )
    out.append(
        Claim(
            "B6", "", "∂E/∂W^ℓ = x^{ℓ-1} (δ^ℓ)ᵀ  (the paper's layout)",
            mtimes(Map(X, 0), transpose(Map(dU, 0))),
            _grad(fc, "W", (u, v)),
            (), (u, O), (v, I), FC, (fc,), "dW",
            section6=5,
            note="symcnn stores W as (outputs, inputs), so u^ℓ = W x^{ℓ-1} + b reads as in [B1]",
        )
    )
    return out


# ---- §2 convolution -----------------------------------------------------------------------------


def _conv_claims() -> list[Claim]:
    out = []
    for conv in ("matlab", "xcorr"):
        lay = f"conv_{conv}_sigmoid"
        X, K, B, T, dU = (_arr(lay, a) for a in ("X", "K", "B", "T", "dU"))
        section = None if conv == "matlab" else 1
        case = "MATLAB conv2 forward" if conv == "matlab" else "cross-correlation forward"
        out.append(
            Claim(
                "B7", case, "u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')",
                plus(
                    msum(i, 0, C - 1, scale(T[i, j], conv2(Map(X, n, i), Map(K, i, j), "valid"))),
                    scalar(B[j]),
                ),
                rhs_at(_eq(lay, "U"), (n, j, u, v)),
                ((n, N), (j, M)), (u, Ho), (v, Wo), CONV, (lay,), "forward",
                section6=section,
            )
        )
    for conv in ("matlab", "xcorr"):
        lay = f"conv_{conv}_sigmoid"
        X, K, B, T, dU = (_arr(lay, a) for a in ("X", "K", "B", "T", "dU"))
        section = None if conv == "matlab" else 1
        case = "MATLAB conv2 forward" if conv == "matlab" else "cross-correlation forward"
        if conv == "matlab":
            out.append(
                Claim(
                    "B9", "", "∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}",
                    sum_uv(Map(dU, 0, j)),
                    _grad(lay, "B", (j,)),
                    ((j, M),), None, None, CONV, (lay,), "dB",
                )
            )
        out.append(
            Claim(
                "B10", case, "∂E/∂k_ij^ℓ = rot180(conv2(x_i^{ℓ-1}, rot180(δ_j^ℓ), 'valid'))  (i ∈ M_j)",
                scale(T[i, j], rot180(conv2(Map(X, 0, i), rot180(Map(dU, 0, j)), "valid"))),
                _grad(lay, "K", (i, j, u, v)),
                ((i, C), (j, M)), (u, KH), (v, KW), CONV, (lay,), "dK",
                section6=section,
            )
        )
    return out


def _b8_claims() -> list[Claim]:
    out = []
    conv = "conv_matlab_sigmoid"
    on_conv = {Ho: s * Hp, Wo: s * Wp}
    for d in ("sum", "mean", "max"):
        pool = f"pool_{d}_sigmoid"
        on_pool = {C: M, Ho: Hp, Wo: Wp}
        dx = _derived(pool).gradient("X")

        def next_dx(nn, cc, yy, xx, pool=pool, dx=dx, on_pool=on_pool):
            e = chase(at(dx, (nn, cc, yy, xx)), _derived(pool), keep=("dU",))
            return relabel(e, "1", on_pool)

        derived = plug(relabel(_grad(conv, "U", (n, j, u, v)), "", on_conv), "dY", next_dx)
        U = relabel(_arr(conv, "U"), "", on_conv)
        beta1, dU1 = relabel(_arr(pool, "beta"), "1", on_pool), relabel(_arr(pool, "dU"), "1", on_pool)
        sel = relabel(_arr(pool, "S"), "1", on_pool) if d == "max" else None
        out.append(
            Claim(
                "B8", f"{d}-pooling next",
                "δ_j^ℓ = β_j^{ℓ+1} ( f'(u_j^ℓ) ∘ up(δ_j^{ℓ+1}) ),  up(x) = x ⊗ 1_{n×n}",
                scale(beta1[j], hadamard(fprime(sigmoid, Map(U, n, j)), up(Map(dU1, n, j), s))),
                derived,
                ((n, N), (j, M)), (u, s * Hp), (v, s * Wp), CONV_POOL, (conv, pool), "dU",
                unfold=(_sigmoid_y(conv, on_conv),),
                section6=None if d == "sum" else 2,
                selector=sel,
            )
        )
    return out


def _b12_claims() -> list[Claim]:
    out = []
    pool = "pool_sum_sigmoid"
    on_pool = {Ho: Ho + KH - 1, Wo: Wo + KW - 1}
    cases = (
        ("matlab", True, "MATLAB conv2 forward, one kernel per map", None),
        ("matlab", False, "MATLAB conv2 forward, connection table", 3),
        ("xcorr", False, "cross-correlation forward, connection table", 1),
    )
    for conv, one, case, section in cases:
        lay = f"conv_{conv}_sigmoid"
        dx = _derived(lay).gradient("X")

        def next_dx(nn, cc, yy, xx, dx=dx):
            return relabel(at(dx, (nn, cc, yy, xx)), "1")

        derived = plug(relabel(_grad(pool, "U", (n, i, u, v)), "", on_pool), "dY", next_dx)
        U = relabel(_arr(pool, "U"), "", on_pool)
        K1, dU1, T1 = (relabel(_arr(lay, a), "1") for a in ("K", "dU", "T"))
        assume = ((N, sp.S.One),)
        rewrite = None
        configs = CONV
        if one:
            assume = ((N, sp.S.One), (M, C))
            configs = _with_identity(CONV, "T1")

            def rewrite(e):
                return plug(e, "T1", sp.KroneckerDelta)

        out.append(
            Claim(
                "B12", case, "δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')",
                hadamard(fprime(sigmoid, Map(U, n, i)), conv2(Map(dU1, n, i), rot180(Map(K1, i, i)), "full")),
                derived,
                ((n, N), (i, C)), (u, Ho + KH - 1), (v, Wo + KW - 1), configs, (pool, lay), "dU",
                unfold=(_sigmoid_y(pool, on_pool),),
                assume=assume,
                rewrite=rewrite,
                section6=section,
                table=Table(T1, M, j, ("dU1", "K1"), i),
            )
        )
    return out


def _b11_b13_claims() -> list[Claim]:
    out = []
    for d in ("sum", "mean", "max"):
        pool = f"pool_{d}_sigmoid"
        X, beta, b = (_arr(pool, a) for a in ("X", "beta", "b"))
        sel = _arr(pool, "S") if d == "max" else None
        out.append(
            Claim(
                "B11", f"down = {d}", "u_j^ℓ = β_j^ℓ down(x_j^{ℓ-1}) + b_j^ℓ  (down sums each n×n block)",
                plus(scale(beta[j], down(Map(X, n, j), s)), scalar(b[j])),
                unfold(rhs_at(_eq(pool, "U"), (n, j, u, v)), (_eq(pool, "D"),)),
                ((n, N), (j, C)), (u, Ho), (v, Wo), POOL, (pool,), "forward",
                section6=None if d == "sum" else 2,
                selector=sel,
            )
        )
    pool = "pool_sum_sigmoid"
    dU, D = _arr(pool, "dU"), _arr(pool, "D")
    out.append(
        Claim(
            "B13", "b", "∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}",
            sum_uv(Map(dU, 0, j)), _grad(pool, "b", (j,)),
            ((j, C),), None, None, POOL, (pool,), "db",
        )
    )
    out.append(
        Claim(
            "B13", "β", "∂E/∂β_j = Σ_{u,v} (δ_j^ℓ ∘ d_j^ℓ)_{uv},  d_j^ℓ = down(x_j^{ℓ-1})",
            sum_uv(hadamard(Map(dU, 0, j), Map(D, 0, j))), _grad(pool, "beta", (j,)),
            ((j, C),), None, None, POOL, (pool,), "dbeta",
        )
    )
    return out


# ---- §4 learned combinations --------------------------------------------------------------------


def softmax_constraint(alpha: sp.IndexedBase, extent: sp.Expr) -> Callable[[Term], Term | None]:
    """``α > 0`` and ``Σ_i α_ij = 1`` on a canonical term: sign(α) = 1, |α| = α, the sum drops out."""

    def rule(t: Term) -> Term:
        body = t.body.replace(
            lambda e: isinstance(e, (sp.sign, sp.Abs)) and isinstance(e.args[0], sp.Indexed)
            and e.args[0].base.label == alpha.label,
            lambda e: sp.S.One if isinstance(e, sp.sign) else e.args[0],
        )
        for b in t.sums:
            if b.lower != (0,) or sp.expand(b.upper[0] - (extent - 1)) != 0 or len(b.upper) != 1:
                continue
            factors = sp.Mul.make_args(body)
            hits = [f for f in factors if f.has(b.index)]
            if (
                len(hits) == 1
                and isinstance(hits[0], sp.Indexed)
                and hits[0].base.label == alpha.label
                and hits[0].indices[0] == b.index
                and not any(x.has(b.index) for x in t.guards)
                and not any(b.index in (e.free_symbols) for o in t.sums for e in o.lower + o.upper)
            ):
                body = sp.Mul(*(f for f in factors if f is not hits[0]))
                return Term(tuple(o for o in t.sums if o is not b), body, t.guards)
        return Term(t.sums, body, t.guards)

    return rule


def _combo_claims() -> list[Claim]:
    out = []
    combo = "combo_sigmoid"
    X, K, B, cc, alpha, Z, V = (_arr(combo, a) for a in ("X", "K", "B", "c", "alpha", "Z", "V"))
    dU, dalpha = _arr(combo, "dU"), _arr(combo, "dalpha")
    z_def, a_def, v_def = _eq(combo, "Z"), _eq(combo, "alpha"), _eq(combo, "V")

    def in_alpha(e: sp.Expr) -> sp.Expr:
        e = e.replace(
            lambda x: isinstance(x, sp.exp) and isinstance(x.args[0], sp.Indexed)
            and x.args[0].base.label == cc.label,
            lambda x: alpha[x.args[0].indices] * Z[x.args[0].indices[1]],
        )
        return e.replace(
            lambda x: isinstance(x, sp.log) and isinstance(x.args[0], sp.Indexed)
            and x.args[0].base.label == alpha.label,
            lambda x: cc[x.args[0].indices] - sp.log(Z[x.args[0].indices[1]]),
        )

    kk = k  # bound in the sums below
    out.append(
        Claim(
            "B14a", "maps", "u_j^ℓ = Σ_i α_ij (x_i^{ℓ-1} ∗ k_i^ℓ) + b_j^ℓ",
            plus(
                msum(i, 0, C - 1, scale(alpha[i, j], conv2(Map(X, n, i), Map(K, i), "valid"))),
                scalar(B[j]),
            ),
            unfold(rhs_at(_eq(combo, "U"), (n, j, u, v)), (v_def,)),
            ((n, N), (j, M)), (u, Ho), (v, Wo), CONV, (combo,), "forward",
            section6=1,
        )
    )
    out.append(
        Claim(
            "B14a", "softmax", "α_ij = exp(c_ij) / Σ_k exp(c_kj)",
            scalar(sp.exp(cc[i, j]) / sp.Sum(sp.exp(cc[kk, j]), (kk, 0, C - 1))),
            unfold(rhs_at(a_def, (i, j)), (z_def,)),
            ((i, C), (j, M)), None, None, SOFTMAX, (combo,), "forward",
            symbolic=False, assume=(),
        )
    )
    constraint = softmax_constraint(alpha, C)
    in_c = (a_def, z_def)
    dc = chase(_grad(combo, "c", (i, j)), _derived(combo), keep=("dalpha",))
    jac = plug(dc, "dalpha", lambda a, b: sp.KroneckerDelta(a, k))
    out.append(
        Claim(
            "B14b", "", "∂α_k/∂c_i = δ_ki α_i − α_i α_k",
            scalar(sp.KroneckerDelta(k, i) * alpha[i, j] - alpha[i, j] * alpha[k, j]),
            jac,
            ((i, C), (j, M), (k, C)), None, None, SOFTMAX, (combo,), "dc",
            unfold_concrete=in_c, assume=(), rewrite=in_alpha,
            note="proven in α (exp(c_ij) = α_ij Z_j) symbolically, in c exhaustively",
        )
    )
    out.append(
        Claim(
            "B14c", "", "∂E/∂α_i = Σ_{u,v} ( δ^ℓ ∘ (x_i^{ℓ-1} ∗ k_i^ℓ) )_{uv}",
            sum_uv(hadamard(Map(dU, 0, j), conv2(Map(X, 0, i), Map(K, i), "valid"))),
            unfold(_grad(combo, "alpha", (i, j)), (v_def,)),
            ((i, C), (j, M)), None, None, CONV, (combo,), "dalpha",
            section6=1,
        )
    )
    out.append(
        Claim(
            "B14d", "", "∂E/∂c_i = α_i ( ∂E/∂α_i − Σ_k ∂E/∂α_k α_k )",
            scalar(alpha[i, j] * (dalpha[i, j] - sp.Sum(dalpha[kk, j] * alpha[kk, j], (kk, 0, C - 1)))),
            dc,
            ((i, C), (j, M)), None, None, SOFTMAX, (combo,), "dc",
            unfold_concrete=in_c, assume=(), rewrite=in_alpha,
        )
    )
    pen = "penalty_l1"
    lam = _arr(pen, "lam")
    one = {"dP": lambda *idx: sp.S.One}
    out.append(
        Claim(
            "B14e", "∂Ω/∂α", "Ω = λ Σ_ij |α_ij|:  ∂Ω/∂α_i = λ sign(α_i)",
            scalar(lam[0] * sp.sign(alpha[i, j])),
            plug(_grad(pen, "alpha", (i, j)), "dP", one["dP"]),
            ((i, C), (j, M)), None, None, SOFTMAX, (pen,), "dalpha",
            unfold_concrete=in_c, assume=(), rewrite=in_alpha,
        )
    )
    l1_dc = plug(chase(_grad(pen, "c", (i, j)), _derived(pen)), "dP", one["dP"])
    out.append(
        Claim(
            "B14e", "∂Ω/∂c", "∂Ω/∂c_i = λ ( |α_i| − α_i Σ_k |α_k| )",
            scalar(
                lam[0] * (sp.Abs(alpha[i, j]) - alpha[i, j] * sp.Sum(sp.Abs(alpha[kk, j]), (kk, 0, C - 1)))
            ),
            l1_dc,
            ((i, C), (j, M)), None, None, SOFTMAX, (pen,), "dc",
            note="under α = softmax(c), α_ij > 0 and Σ_i α_ij = 1, so Σ_ij |α_ij| = M is constant: "
            "the penalty as written cannot make combinations sparse (the entropy penalty below can)",
            unfold_concrete=in_c, assume=(),
            rewrite=lambda e: in_alpha(e).replace(
                lambda x: isinstance(x, sp.Abs), lambda x: x.args[0] * sp.sign(x.args[0])
            ),
            constraint=constraint,
            section6=4,
        )
    )
    ent = "penalty_entropy"
    ent_dc = plug(chase(_grad(ent, "c", (i, j)), _derived(ent)), "dP", one["dP"])
    out.append(
        Claim(
            "B14e", "entropy penalty",
            "Ω = −λ Σ_ij α_ij log α_ij:  ∂Ω/∂c_i = −λ α_i ( log α_i − Σ_k α_k log α_k )",
            scalar(
                -lam[0] * alpha[i, j]
                * (sp.log(alpha[i, j]) - sp.Sum(alpha[kk, j] * sp.log(alpha[kk, j]), (kk, 0, C - 1)))
            ),
            ent_dc,
            ((i, C), (j, M)), None, None, SOFTMAX, (ent,), "dc",
            unfold_concrete=in_c, assume=(), rewrite=in_alpha, term_rewrite=constraint,
            constraint=constraint,
            note="the penalty §6.4 asks for: entropy is least at a one-hot column of α, so "
            "descending on it makes each output map draw on few input maps",
        )
    )
    return out


# ---- §5 the worked example ----------------------------------------------------------------------

EX1_DELTA = np.array([[1, 1], [2, 3]], dtype=object)
EX1_K = np.array([[sp.Rational(x, 10) for x in row] for row in ((2, 3), (5, 6))], dtype=object)
EX1_DX = np.array([[0.2, 0.5, 0.3], [0.9, 2.3, 1.5], [1.0, 2.7, 1.8]])


def _ex1_claims() -> list[Claim]:
    out = []
    for conv in ("xcorr", "matlab"):
        lay = f"conv_{conv}_identity"
        K, dU = _arr(lay, "K"), _arr(lay, "dU")
        kernel = EX1_K if conv == "xcorr" else EX1_K[::-1, ::-1]
        example = Config(
            {N: 1, C: 1, M: 1, Ho: 2, Wo: 2, KH: 2, KW: 2},
            {"K": kernel.reshape(1, 1, 2, 2), "dU": EX1_DELTA.reshape(1, 1, 2, 2),
             "T": np.ones((1, 1), dtype=object)},
            example=True,
        )
        more = tuple(
            Config({N: 1, C: 1, M: 1, Ho: h, Wo: w, KH: a, KW: b}, {"T": np.ones((1, 1), dtype=object)})
            for h, w, a, b in ((2, 2, 2, 2), (3, 4, 2, 3))
        )
        k = rot180(Map(K, 0, 0)) if conv == "xcorr" else Map(K, 0, 0)
        case = "cross-correlation kernel K, k = rot180(K)" if conv == "xcorr" else "MATLAB kernel k"
        out.append(
            Claim(
                "EX1", case, "3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), "
                "centre 2.3",
                conv2(Map(dU, 0, 0), rot180(k), "full"),
                _grad(lay, "X", (0, 0, u, v)),
                (), (u, Ho + KH - 1), (v, Wo + KW - 1), (example, *more), (lay,), "dX",
                assume=((N, sp.S.One), (C, sp.S.One), (M, sp.S.One)),
                rewrite=lambda e: plug(e, "T", lambda *idx: sp.S.One),
                expected=EX1_DX,
            )
        )
    return out


@functools.lru_cache(maxsize=1)
def claims() -> tuple[Claim, ...]:
    """Every closed form of docs/paper.md, in the paper's order."""
    every = (
        _fc_claims() + _conv_claims() + _b8_claims() + _b11_b13_claims() + _b12_claims()
        + _combo_claims() + _ex1_claims()
    )
    order = [
        "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12", "B13",
        "B14a", "B14b", "B14c", "B14d", "B14e", "EX1",
    ]
    return tuple(sorted(every, key=lambda c: order.index(c.label)))


def labels() -> tuple[str, ...]:
    seen: list[str] = []
    for c in claims():
        if c.label not in seen:
            seen.append(c.label)
    return tuple(seen)


def by_label(label: str) -> tuple[Claim, ...]:
    return tuple(c for c in claims() if c.label.lower() == label.lower())
