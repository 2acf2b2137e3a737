"""``symcnn evaluate``: test error and confusion matrix of a saved model.

A checkpoint is data: nothing it names is run. A network file's custom layer is
loaded only from a spec file (``--spec FILE``) or a derived folder (``--generated
DIR``) named on this command line, and only if its spec hash is the one the
checkpoint recorded; a checkpoint that needs one and is given none is refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..backends import BACKENDS
from ..runtime.idx import DEFAULT_MAX_IMAGES
from . import options
from .text import plain


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="test error and confusion matrix of a saved model",
                              description=plain(__doc__))
    p.add_argument("--model", required=True, metavar="PATH",
                   help="a .npz written by `symcnn train --save`")
    p.add_argument("--data", metavar="DIR", help="folder of MNIST-style IDX files (default as for train)")
    p.add_argument("--backend", choices=BACKENDS,
                   help="default: the one the model was trained with")
    p.add_argument("--generated", metavar="DIR",
                   help="folder of generated layer modules (default: generated/ of a checkout, "
                   "else the copy shipped in the package)")
    p.add_argument("--spec", metavar="FILE", action="append", default=[],
                   help="a spec file defining a custom layer of a network-file checkpoint: derived (it is "
                   "code you trust) and used if its spec hash is the one recorded; may be repeated")
    p.add_argument("--trust-generated", action="store_true",
                   help="load generated modules even if their SPEC_HASH does not match MANIFEST.json")
    options.add_max_memory(p)
    p.add_argument("--max-images", type=options.positive_int, metavar="N", default=DEFAULT_MAX_IMAGES,
                   help=f"refuse a data split of more than N images (default {DEFAULT_MAX_IMAGES})")
    p.add_argument("--threads", type=options.positive_int, metavar="N",
                   help="threads for the numba backend's kernels, the numpy backend's BLAS products "
                   "(default: chosen as it runs, more than one "
                   "only while a trial finds them faster than one)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="draw the confusion matrix, classes named, into this PNG (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=run)


def format_confusion(matrix, classes: list[str] | None = None) -> str:
    """Rows: true class; columns: predicted class (numbered; ``classes`` names the rows)."""
    k = matrix.shape[0]
    width = max(5, len(str(int(matrix.max(initial=0)))) + 1)
    names = [f"{i} {classes[i]}" if classes else str(i) for i in range(k)]
    first = max(9, *(len(n) for n in names))
    corner = "true\\pred"
    lines = [f"{corner:>{first}}" + "".join(f"{j:>{width}}" for j in range(k))]
    lines += [f"{names[i]:>{first}}" + "".join(f"{v:>{width}}" for v in row) for i, row in enumerate(matrix)]
    return "\n".join(lines)


def _pyplot() -> None:
    from ..runtime.plots import _pyplot as check

    check()


def _custom_folders(meta: dict, args: argparse.Namespace) -> list:
    """The folders a network-file checkpoint's custom layers may come from: the ``--spec`` files
    (derived here, on first use: the runtime holds no SymPy) and ``--generated``. Only these are
    run; the paths the checkpoint records are not even read. Empty when it has no custom layer."""
    from ..runtime.netcheck import custom_layers

    if meta.get("net") != "net-spec" or not custom_layers(meta["net_spec"]["layers"]):
        return []
    from ..pipeline import derive_spec
    from ..runtime.netfile import derived_folder

    derived = [derived_folder(Path(spec).absolute(), lambda line: print(line, file=sys.stderr), derive_spec)
               for spec in args.spec]
    return [*derived, *([args.generated] if args.generated else [])]


def run(args: argparse.Namespace) -> int:
    from ..runtime.threads import governor, prepare

    prepare()  # before Numba starts its thread pool
    from ..errors import CheckpointError, DataError
    from ..runtime.budget import EVAL_BATCH, Budget
    from ..runtime.checkpoint import check_finite, load_meta, load_npz
    from ..runtime.datasets import find_dataset
    from ..runtime.metadata import check_meta
    from ..runtime.presets import network_from_meta
    from ..runtime.train import evaluate

    if args.plot:
        _pyplot()  # before the evaluation: a missing matplotlib is reported at once
    meta = check_meta(load_meta(args.model), args.model)  # the network first, then only its arrays
    net = network_from_meta(meta, backend=args.backend, generated=args.generated, trust=args.trust_generated,
                            where=args.model, custom=_custom_folders(meta, args),
                            budget=Budget(args.max_memory, batch=EVAL_BATCH))
    arrays, meta = load_npz(args.model, net.param_spec())
    check_finite(arrays, args.model)
    net.set_parameters(arrays, args.model)
    data = find_dataset(args.data, max_images=args.max_images)
    images = data.images("test", net.dtype)[:, None]
    if len(images) == 0:
        raise DataError(f"{data.source}: the test split holds no images; there is no error to report")
    if tuple(net.input_shape) != images.shape[1:]:
        raise CheckpointError(f"{args.model}: the network takes images of shape {tuple(net.input_shape)}, "
                              f"the data has {images.shape[1:]}")
    threads = governor(net.meta.get("backend"), args.threads)  # Numba's threads for each batch
    error, matrix = evaluate(net, images, data.labels("test"), threads=threads)
    if args.plot:
        from ..runtime.plots import plot_confusion

        title = f"{meta.get('net', 'model')}: test error {100 * error:.2f}% on {data.name}"
        path = plot_confusion(matrix, data.class_names(), Path(args.plot), title)
        print(f"symcnn: wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps({"model": args.model, "net": meta.get("net"), "test_error": error,
                          "test_images": len(images), "confusion": matrix.tolist()}))
        return 0
    print(f"{args.model}: {net.describe()}, epoch {meta.get('epoch', '?')}")
    print(f"{data.describe()}")
    print(f"test error: {100 * error:.2f}% ({int(round(error * len(images)))} of {len(images)})")
    print(format_confusion(matrix, data.class_names()))
    return 0
