"""``symcnn verify --spec``: a proof for every layer a user writes.

For each layer of a spec file: every derived gradient against the oracle of
:mod:`.oracle` (at sizes chosen to reach every case of the derived bounds:
exhaustively with a symbol per entry where the forward has no root, and by a
randomized identity test, exact modulo a prime, at every size; each verdict
names its method), and every generated backend's backward against central
differences of its own forward in float64 (and the backends against each
other), at three further sizes. A warning names equations that reach no output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..codegen.checks import gradient_errors, random_arrays, relative_difference, run_backward, seeds
from ..derive.engine import Derivation
from ..fileio import text_sha256
from ..model.validate import unused_text
from .generated import BACKENDS, load_texts, module_sources
from .oracle import Verdict, check

#: A backend's gradient passes when its relative error against central differences is below this.
FD_TOL = 1e-6
#: Backends agree when their gradients differ by at most this, relative.
AGREE_TOL = 1e-10
#: Sizes for the numerical checks: a little larger than the oracle's.
NUMERIC_CHOICES, NUMERIC_HYPER = (2, 3, 4), (1, 2)


@dataclass
class LayerReport:
    """Everything checked on one layer: oracle verdicts and each backend's worst error per array."""

    layer: str
    verdicts: list[Verdict]
    errors: dict[str, dict[str, float]] = field(default_factory=dict)
    disagreement: float | None = None
    #: what the spec's validator warns about: equations whose results reach no output
    unused: str = ""
    #: The SHA-256 of each module checked, by file name: what ``symcnn derive``'s manifest records.
    modules: dict[str, str] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return self.status == "verified"

    @property
    def status(self) -> str:
        """``verified``; ``FAILED`` (a gradient refuted, a backend off); ``NOT PROVEN`` (out of time)."""
        fd = all(e < FD_TOL for errs in self.errors.values() for e in errs.values())
        agree = self.disagreement is None or self.disagreement <= AGREE_TOL
        if not fd or not agree or any(v.refuted for v in self.verdicts):
            return "FAILED"
        return "verified" if all(v.holds for v in self.verdicts) else "NOT PROVEN"

    def lines(self) -> list[str]:
        out = [f"layer {self.layer}: {self.status}"]
        if self.unused:
            out.append(f"  warning: {self.unused}")
        cases = next((v.cases for v in self.verdicts if v.cases), "")
        if cases:
            out.append(f"  proof sizes: {cases}")
        for v in self.verdicts:
            out.append(f"  {v.gradient}: {v.text()}")
        for backend, errs in self.errors.items():
            worst = ", ".join(f"d{k} {e:.1e}" for k, e in errs.items())
            ok = "ok" if all(e < FD_TOL for e in errs.values()) else "FAILED"
            out.append(f"  {backend} backend vs central differences (float64, relative): {worst} — {ok}")
        if self.disagreement is not None:
            ok = "ok" if self.disagreement <= AGREE_TOL else "FAILED"
            out.append(f"  numpy vs numba: {self.disagreement:.1e} relative — {ok}")
        return out

    def _repr_markdown_(self) -> str:
        """In a notebook: the verdict in bold, then each check on its own line."""
        head, *rest = self.lines()
        return "\n".join([f"**{head}**", "", *(f"- `{line.strip()}`" for line in rest)]) + "\n"


def numeric_sizes(mod, count: int = 3, seed: int = 0) -> list[dict[str, int]]:
    """``count`` size assignments of a generated module under which every array is non-empty."""
    rng = np.random.default_rng(seed)
    out: list[dict] = []
    for _ in range(500):
        z = {s: int(rng.choice(NUMERIC_HYPER if s in mod.HYPER else NUMERIC_CHOICES)) for s in mod.SIZES}
        shapes = mod.shapes(z)
        if all(v >= 1 for shape in shapes.values() for v in shape) and z not in out:
            out.append(z)
        if len(out) == count:
            break
    return out


def backend_errors(mod, sizes: list[dict[str, int]]) -> dict[str, float]:
    """The worst relative error of each input/parameter gradient of ``mod`` over ``sizes``."""
    worst: dict[str, float] = {}
    for k, z in enumerate(sizes):
        hyper = {h: z[h] for h in mod.HYPER}
        arrays = random_arrays(mod, z, np.random.default_rng(k))
        for name, e in gradient_errors(mod, arrays, hyper, np.random.default_rng(100 + k)).items():
            worst[name] = max(worst.get(name, 0.0), e)
    return worst


def disagreement(a, b, sizes: list[dict[str, int]]) -> float:
    """The largest relative difference between two backends' gradients over ``sizes``."""
    worst = 0.0
    for k, z in enumerate(sizes):
        hyper = {h: z[h] for h in a.HYPER}
        arrays = random_arrays(a, z, np.random.default_rng(k))
        w = seeds(a, z, np.random.default_rng(200 + k))
        ga, gb = run_backward(a, arrays, hyper, w), run_backward(b, arrays, hyper, w)
        worst = max([worst, *(relative_difference(ga[n], gb[n]) for n in ga)])
    return worst


def verify_layer(d: Derivation, backends: tuple[str, ...] = BACKENDS, folder=None,
                 progress: Callable[[str], None] | None = None, use_cache: bool = True) -> LayerReport:
    """The oracle's verdicts on ``d`` and, for each backend asked for, its numerical checks.

    ``progress(text)`` hears each step as it begins.
    """
    say = progress or (lambda text: None)
    name = d.written.name
    verdicts = check(d, progress=say, use_cache=use_cache)
    report = LayerReport(name, verdicts, unused=unused_text(d.written))
    if not backends:
        return report
    say(f"{name}: generating {', '.join(backends)}")
    texts = module_sources(d, backends)
    report.modules = {f"{name}_{b}.py": text_sha256(t) for b, t in texts.items()}
    mods = load_texts(name, texts, folder)
    sizes = numeric_sizes(next(iter(mods.values())))
    for backend, mod in mods.items():
        say(f"{name}: {backend} backend against central differences")
        report.errors[backend] = backend_errors(mod, sizes)
    if len(mods) > 1:
        report.disagreement = disagreement(mods["numpy"], mods["numba"], sizes)
    return report
