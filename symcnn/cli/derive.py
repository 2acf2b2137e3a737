"""``symcnn derive``: derive every layer and generate its Numba and NumPy modules.

Without ``--spec`` the built-in layers go to ``generated/`` of the checkout
(from an installed wheel, whose own copy is read-only: to ``<cache>/generated``);
with ``--spec FILE.py`` the layers that file defines go to ``--out``,
which is then required (a spec never replaces the built-in modules).
``--check`` writes nothing and exits 1 when the folder is not what derive
would write; ``--show LAYER`` prints one derivation and generates nothing;
``--schedule plain --out DIR`` writes each kernel as its derived sum, one
loop per index (``<layer>_plain.py``). The stages are :mod:`symcnn.pipeline`'s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import SpecError, UsageError
from ..paths import derive_folder, generated_dir, source_tree
from ..progress import Counter
from .text import plain

GENERATED = derive_folder()


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "derive",
        help="derive gradients and generate Numba and NumPy layer modules",
        description=plain(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--spec", metavar="FILE.py", help="derive the layers this file defines, not the built-ins")
    p.add_argument("--out", metavar="DIR", help=f"folder to generate into (default {GENERATED})")
    p.add_argument("--show", metavar="LAYER", help="print one layer's derivation; generate nothing")
    p.add_argument("--latex", action="store_true", help="with --show: print LaTeX")
    p.add_argument("--check", action="store_true", help="exit 1 if the folder is not what derive writes")
    p.add_argument("--no-cache", action="store_true", help="derive from scratch, ignoring the cache")
    p.add_argument(
        "--schedule", choices=("fast", "plain"), default="fast",
        help="plain: each gradient as its derived sum, one loop per index (<layer>_plain.py; needs --out)",
    )
    p.add_argument("--target", default="baseline", metavar="ISA",
                   help="size the Numba register blocks for: baseline (avx2, the default: the same files on "
                        "every machine), host, or sse2|avx|avx2|avx512")
    p.set_defaults(func=run)


def _layers(spec: str | None) -> list:
    if spec:
        from ..model.spec import load_spec

        return load_spec(spec)
    from ..model import builtin_layers

    return list(builtin_layers().values())


def run(args: argparse.Namespace) -> int:
    from ..codegen.target import named
    from ..pipeline import run_derive

    if args.spec and not args.out and not args.show:
        raise UsageError("--spec needs --out DIR: the built-in generated/ holds only the built-in layers")
    layers = _layers(args.spec)
    use_cache = not args.no_cache
    if args.show:
        from ..derive.cache import cached_derive
        from ..derive.show import show

        found = [layer for layer in layers if layer.name == args.show]
        if not found:
            names = ", ".join(layer.name for layer in layers)
            raise SpecError(args.show, f"no such layer; choose from {names}")
        print(show(cached_derive(found[0], use_cache), latex=args.latex))
        return 0
    out = Path(args.out) if args.out else GENERATED
    if args.schedule == "plain" and out.resolve() == GENERATED.resolve():
        print(f"--schedule plain: {GENERATED} holds the fast modules; choose a folder with --out DIR",
              file=sys.stderr)
        return 2
    try:
        target = named(args.target)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    counter = Counter("derive")

    def progress(phase: str, k: int, total: int, name: str) -> None:
        counter.what = phase
        counter.show(k, total, name)

    try:
        report, seconds = run_derive(layers, out, check=args.check, use_cache=use_cache,
                                     schedule=args.schedule, target=target, progress=progress)
    finally:
        counter.close()
    if args.check:
        if report.up_to_date:
            print(f"{out}: up to date ({len(layers)} layers, {len(report.unchanged)} files, {seconds:.1f} s)")
            return 0
        for kind, names in (("stale", report.stale), ("missing", report.missing), ("extra", report.extra)):
            for name in names:
                print(f"{kind}: {out / name}", file=sys.stderr)
        print(f"{out}: out of date; run `symcnn derive`", file=sys.stderr)
        return 1
    print(
        f"{out}: {len(layers)} layers, {len(report.written)} files written, "
        f"{len(report.unchanged)} unchanged, {len(report.extra)} removed ({seconds:.1f} s)"
    )
    if not args.out and source_tree() is None:
        print(f"(symcnn is installed, not a checkout: its own generated modules in {generated_dir()} "
              f"are read-only; train with --generated {out} to load these)")
    return _verdicts(layers, use_cache) if args.spec else 0


def _verdicts(layers: list, use_cache: bool) -> int:
    """A user's layers: each gradient against SymPy's diff of the expanded forward, the NumPy
    backend against central differences (``symcnn verify --spec`` checks Numba too)."""
    from ..derive.cache import cached_derive
    from ..progress import Heartbeat
    from ..verify.user import verify_layer

    with Heartbeat("verify") as beat:
        reports = []
        for k, layer in enumerate(layers, 1):
            beat.say(f"{k}/{len(layers)} {layer.name}")
            reports.append(verify_layer(cached_derive(layer, use_cache), ("numpy",), progress=beat.say,
                                        use_cache=use_cache))
    for r in reports:
        print("\n".join(r.lines()))
    print("numba backend: checked by `symcnn verify --spec`")
    return 0 if all(r.holds for r in reports) else 1
