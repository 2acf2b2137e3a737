"""``symcnn bench``: how fast the generated kernels train, against the machine and PyTorch.

Times training steps (forward + backward + SGD update) on a synthetic batch
in several windows and reports images/s as median, min and max, with the CPU
other processes used meanwhile (these machines are shared), the first step
(Numba's compilation) apart, the fraction of the machine's measured matmul
peak, and per-layer forward/backward times. ``--compare torch`` times the
same network in PyTorch, from the same weights, in the same rounds.
``--compare torch-compile`` adds ``torch.compile`` (default mode) beside eager.
``--derive`` instead times ``symcnn derive`` and ``symcnn verify`` cold and warm;
``--cold`` times ``symcnn train --net NET --epochs 1`` from empty caches and warm,
against a PyTorch script training the same epoch, both whole processes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys

from ..backends import BACKENDS, DTYPES
from ..errors import SymcnnError
from ..runtime.arch import ARCH
from . import options
from .text import plain


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="measure training throughput (and compare with PyTorch)",
                              description=plain(__doc__),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--net", default="dlt", choices=tuple(ARCH),
                   help="preset network (default: %(default)s)")
    p.add_argument("--backend", default="all", choices=(*BACKENDS, "all", "none"),
                   help="symcnn backend(s) to time (none: only --compare torch; default: %(default)s)")
    p.add_argument("--dtype", default="float32", choices=DTYPES,
                   help="floating-point type (default: %(default)s)")
    p.add_argument("--batch-size", type=_positive, default=50, help="images per step (default 50)")
    p.add_argument("--steps", type=_positive, default=200,
                   help="timed steps per backend, over all windows (default 200)")
    p.add_argument("--windows", type=_positive, default=5, help="timed windows (default 5)")
    p.add_argument("--warmup", type=options.nonnegative_int, default=3,
                   help="untimed steps after the first (default 3)")
    p.add_argument("--threads", type=_positive,
                   help="threads for Numba and PyTorch (default: Numba's, one per CPU)")
    p.add_argument("--seed", type=options.seed, default=0, help="seed of the weights and the batch")
    p.add_argument("--compare", choices=("torch", "torch-compile"),
                   help="also time the same network in PyTorch eager (torch-compile: and torch.compile)")
    p.add_argument("--no-peak", action="store_true", help="skip measuring the matmul peak")
    p.add_argument("--no-layers", action="store_true", help="skip the per-layer profile")
    p.add_argument("--derive", action="store_true",
                   help="time `symcnn derive`, `symcnn verify` and the first Numba step, cold and warm")
    p.add_argument("--cold", action="store_true",
                   help="time `symcnn train --epochs 1` from empty caches and warm against PyTorch")
    p.add_argument("--data", metavar="DIR", help="with --cold: the training data folder (as symcnn train)")
    p.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    options.add_max_memory(p)
    p.add_argument("--generated", metavar="DIR",
                   help="folder of generated layer modules (default: generated/ of a checkout, "
                   "else the copy shipped in the package)")
    p.add_argument("--trust-generated", action="store_true",
                   help="load generated modules even if their SPEC_HASH does not match MANIFEST.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    def log(msg: str) -> None:
        if not args.json:
            print(f"bench: {msg}", file=sys.stderr, flush=True)

    if args.derive:
        from ..bench.commands import bench_commands, format_commands

        result = bench_commands(args.net, args.generated, log=log)
        print(json.dumps(result, indent=1) if args.json else format_commands(result))
        return 0

    if args.cold:
        from ..bench.cold import bench_cold, format_cold
        from ..bench.run import machine_label

        result = {**bench_cold(args.net, 1, args.data, args.generated, log=log), "machine": machine_label()}
        print(json.dumps(result, indent=1) if args.json else format_cold(result, result["machine"]))
        return 0

    from ..bench.run import BenchConfig, format_report, run_bench

    if args.compare == "torch" and importlib.util.find_spec("torch") is None:  # before measuring anything
        raise SymcnnError("--compare torch needs PyTorch: pip install 'symcnn[torch]' (torch==2.13.0)")
    backends = {"all": BACKENDS, "none": ()}.get(args.backend, (args.backend,))
    if not backends and not args.compare:
        raise SymcnnError("--backend none times nothing without --compare torch")
    from ..runtime.budget import Budget
    from ..runtime.presets import check_preset

    check_preset(args.net, Budget(args.max_memory, batch=args.batch_size, training=True), dtype=args.dtype,
                 backend="numpy" if "numpy" in backends or args.compare else "numba")
    cfg = BenchConfig(
        net=args.net, backends=backends, dtype=args.dtype, batch_size=args.batch_size,
        steps=args.steps, windows=args.windows, warmup=args.warmup, seed=args.seed,
        threads=args.threads, compare_torch=args.compare is not None,
        compare_compiled=args.compare == "torch-compile",
        peak=not args.no_peak, layers=not args.no_layers,
        generated=args.generated, trust=args.trust_generated, log=log,
    )
    result = run_bench(cfg)
    print(json.dumps(result, indent=1) if args.json else format_report(result))
    return 0
