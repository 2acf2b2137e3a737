"""The closed forms of ``docs/paper.md`` as text, by the label a built-in layer carries.

Generated kernels quote these beside the sum symcnn derived, so that a reader
finds in one docstring what the kernel computes and what the paper says about
it. :mod:`symcnn.verify.paper` proves each one; a test checks that every text
here is the statement of a claim it proves.
"""

from __future__ import annotations

PAPER = "docs/paper.md"

#: Layer label (or, first, layer name) → array (forward target or gradient)
#: → ((paper label, closed form), ...).
CLOSED_FORMS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "B1": {
        "U": (("B1", "u^ℓ = W^ℓ x^{ℓ-1} + b^ℓ"),),
        "dU": (("B5", "δ^ℓ = (W^{ℓ+1})ᵀ δ^{ℓ+1} ∘ f'(u^ℓ)"),),
        "db": (("B3", "∂E/∂b = δ = ∂E/∂u"),),
        "dW": (("B6", "∂E/∂W^ℓ = x^{ℓ-1} (δ^ℓ)ᵀ  (the paper's layout)"),),
    },
    "B2": {
        "L": (("B2", "E^n = ½ Σ_k (t_k^n − y_k^n)²"),),
        "dY": (("B4", "δ^L = f'(u^L) ∘ (y^n − t^n)"),),
    },
    "B7": {
        "U": (("B7", "u_j^ℓ = Σ_{i∈M_j} x_i^{ℓ-1} ∗ k_ij^ℓ + b_j^ℓ  ('valid')"),),
        "dB": (("B9", "∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}"),),
        "dK": (("B10", "∂E/∂k_ij^ℓ = rot180(conv2(x_i^{ℓ-1}, rot180(δ_j^ℓ), 'valid'))  (i ∈ M_j)"),),
        "dX": (
            ("B12", "δ_j^ℓ = f'(u_j^ℓ) ∘ conv2(δ_j^{ℓ+1}, rot180(k_j^{ℓ+1}), 'full')"),
            (
                "EX1",
                "3×3 input, 2×2 kernel, δ = [[1,1],[2,3]]: ∂E/∂x = conv2(δ, rot180(k), 'full'), centre 2.3",
            ),
        ),
    },
    "B11": {
        "U": (("B11", "u_j^ℓ = β_j^ℓ down(x_j^{ℓ-1}) + b_j^ℓ  (down sums each n×n block)"),),
        "dX": (("B8", "δ_j^ℓ = β_j^{ℓ+1} ( f'(u_j^ℓ) ∘ up(δ_j^{ℓ+1}) ),  up(x) = x ⊗ 1_{n×n}"),),
        "db": (("B13", "∂E/∂b_j = Σ_{u,v} (δ_j^ℓ)_{uv}"),),
        "dbeta": (("B13", "∂E/∂β_j = Σ_{u,v} (δ_j^ℓ ∘ d_j^ℓ)_{uv},  d_j^ℓ = down(x_j^{ℓ-1})"),),
    },
    "B14a": {
        "alpha": (("B14a", "α_ij = exp(c_ij) / Σ_k exp(c_kj)"),),
        "U": (("B14a", "u_j^ℓ = Σ_i α_ij (x_i^{ℓ-1} ∗ k_i^ℓ) + b_j^ℓ"),),
        "dalpha": (("B14c", "∂E/∂α_i = Σ_{u,v} ( δ^ℓ ∘ (x_i^{ℓ-1} ∗ k_i^ℓ) )_{uv}"),),
        "dc": (
            ("B14b", "∂α_k/∂c_i = δ_ki α_i − α_i α_k"),
            ("B14d", "∂E/∂c_i = α_i ( ∂E/∂α_i − Σ_k ∂E/∂α_k α_k )"),
        ),
    },
    "penalty_entropy": {
        "dc": (
            (
                "B14e",
                "Ω = −λ Σ_ij α_ij log α_ij:  ∂Ω/∂c_i = −λ α_i ( log α_i − Σ_k α_k log α_k )",
            ),
        ),
    },
    "B14e": {
        "dalpha": (("B14e", "Ω = λ Σ_ij |α_ij|:  ∂Ω/∂α_i = λ sign(α_i)"),),
        "dc": (("B14e", "∂Ω/∂c_i = λ ( |α_i| − α_i Σ_k |α_k| )"),),
    },
}


def closed_forms(layer: str, label: str, array: str) -> tuple[tuple[str, str], ...]:
    """The paper's closed forms about ``array`` of layer ``layer`` (labelled ``label``); empty when none."""
    table = CLOSED_FORMS.get(layer) or CLOSED_FORMS.get(label, {})
    return table.get(array, ())
