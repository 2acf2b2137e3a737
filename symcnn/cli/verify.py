"""``symcnn verify``: prove every closed form of docs/paper.md against the derivation.

Prints one row per claim — label, statement, verdict, time — with each finding
(a refuted closed form's derived correction, or a gradient that vanishes)
beneath it. Exits 1 when a proof that should hold fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time

from ..errors import SymcnnError
from ..progress import Heartbeat


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="prove the paper's closed forms against the derived gradients",
        description="Prove every closed form of docs/paper.md ([B1]…[B14e], [EX1]) against the derivation: "
        "symbolically for all sizes where the canonical forms agree, exhaustively at three or more "
        "concrete sizes always. Refuted closed forms are reported with the corrected form derived.",
    )
    p.add_argument("--label", help="verify one label only, e.g. B12")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--spec", metavar="FILE.py", help="verify the layers this file defines instead")
    p.add_argument("--backend", choices=("all", "numpy", "numba", "none"), default="all",
                   help="with --spec: which generated backends to check numerically (default all)")
    p.set_defaults(func=main)


def spec_main(args: argparse.Namespace) -> int:
    """``--spec``: every layer's gradients against the oracle, its backends against differences."""
    from ..backends import BACKENDS
    from ..derive.cache import cached_derive
    from ..model.spec import load_spec
    from ..verify.user import verify_layer

    backends = {"all": BACKENDS, "none": ()}.get(args.backend, (args.backend,))
    layers = load_spec(args.spec)
    with Heartbeat("verify", enabled=False if args.json else None) as beat:
        reports = []
        for k, layer in enumerate(layers, 1):
            beat.say(f"{k}/{len(layers)} {layer.name}: deriving")
            reports.append(verify_layer(cached_derive(layer), backends, progress=beat.say))
    if args.json:
        doc = [{"layer": r.layer, "holds": r.holds, "status": r.status,
                "gradients": {v.gradient: v.text() for v in r.verdicts},
                "methods": {v.gradient: v.method for v in r.verdicts}, "unused": r.unused,
                "errors": r.errors, "disagreement": r.disagreement, "modules": r.modules} for r in reports]
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for r in reports:
            print("\n".join(r.lines()))
    return 0 if all(r.holds for r in reports) else 1


def _sections(results) -> str:
    return ", ".join(sorted({f"§6.{r.claim.section6}" for r in results if r.claim.section6 and r.findings}))


#: The report's width: every line of :func:`table` fits a terminal of this many columns.
WIDTH = 100


def _wrapped(text: str, indent: int) -> list[str]:
    """``text`` indented by ``indent`` and wrapped to :data:`WIDTH` columns (long formulas broken too)."""
    pad = " " * indent
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad + "  ",
                         break_on_hyphens=False) or [pad]


def table(results) -> str:
    """One block a claim, within :data:`WIDTH` columns: label, verdict and time on its first line, the
    closed form beneath, then the literal form's counterexample and each finding."""
    lines = []
    for r in results:
        right = f"{r.verdict()}  {r.seconds:.2f}s"
        room = WIDTH - len(right) - 2
        name = r.claim.name if len(r.claim.name) <= room else r.claim.name[: room - 1] + "…"
        lines.append(f"{name:<{room}}  {right}")
        lines += _wrapped(r.claim.statement, 4)
        if not r.proof.holds:
            lines += _wrapped(f"literal form: {r.proof.verdict()}", 4)
        for f in r.findings:
            tag = f"§6.{r.claim.section6} " if r.claim.section6 else ""
            lines += _wrapped(f"{tag}finding: {f.text()}", 4)
        if r.findings and r.claim.note:
            lines += _wrapped(f"note: {r.claim.note}", 4)
        if r.failed:
            lines += _wrapped("FAILED: no derived correction proves it", 4)
    return "\n".join(lines)

def main(args: argparse.Namespace) -> int:
    from ..verify.paper import by_label, labels
    from ..verify.run import run

    if args.spec:
        return spec_main(args)
    if args.label and not by_label(args.label):
        raise SymcnnError(f"no label {args.label!r}; choose from {', '.join(labels())}")
    t0 = time.perf_counter()
    with Heartbeat("verify", enabled=False if args.json else None) as beat:
        results = run(args.label, on_claim=lambda k, n, name: beat.say(f"{k}/{n} {name}"))
    total = time.perf_counter() - t0
    failed = [r for r in results if r.failed]
    if args.json:
        doc = {
            "results": [r.as_dict() for r in results],
            "failed": len(failed),
            "seconds": round(total, 3),
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(table(results))
        found = sum(len(r.findings) for r in results)
        proven = sum(1 for r in results if r.proof.holds)
        print(
            f"\n{len(results)} closed forms: {proven} proven, {len(results) - proven} refuted, "
            f"{found} findings ({_sections(results) or 'none from §6'}), {len(failed)} failed; {total:.1f}s"
        )
    return 1 if failed else 0
