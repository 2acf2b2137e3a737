"""``symcnn verify``: prove every closed form of docs/paper.md against the derivation.

Prints one row per claim — label, statement, verdict, time — with each finding
(a refuted closed form's derived correction, or a gradient that vanishes)
beneath it. Exits 1 when a proof that should hold fails.
"""

from __future__ import annotations

import argparse
import json
import sys
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


def table(results) -> str:
    rows = []
    for r in results:
        rows.append((r.claim.name, r.claim.statement, r.verdict(), f"{r.seconds:.2f}s"))
    w0 = max(len("label"), *(len(x[0]) for x in rows))
    w1 = max(len("statement"), *(len(x[1]) for x in rows))
    w2 = max(len("verdict"), *(len(x[2]) for x in rows))
    lines = [f"{'label':<{w0}}  {'statement':<{w1}}  {'verdict':<{w2}}  time", "-" * (w0 + w1 + w2 + 12)]
    for r, row in zip(results, rows):
        lines.append(f"{row[0]:<{w0}}  {row[1]:<{w1}}  {row[2]:<{w2}}  {row[3]}")
        pad = " " * (w0 + 2)
        if not r.proof.holds:
            lines.append(f"{pad}literal form: {r.proof.verdict()}")
        for f in r.findings:
            tag = f"§6.{r.claim.section6} " if r.claim.section6 else ""
            lines.append(f"{pad}{tag}finding: {f.text()}")
        if r.findings and r.claim.note:
            lines.append(f"{pad}note: {r.claim.note}")
        if r.failed:
            lines.append(f"{pad}FAILED: no derived correction proves it")
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
