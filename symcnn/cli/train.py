"""``symcnn train``: train a preset network with generated kernels.

Progress goes to stderr; per-epoch results to stdout (with ``--json``, one
JSON object per epoch and nothing else). ``--save`` writes a checkpoint after
every epoch, atomically, so a later failure never spoils the last good one.
Ctrl-C finishes the current batch, saves a checkpoint and exits with 130.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

from ..backends import BACKENDS, DTYPES
from ..errors import DataError, SymcnnError, TrainingError
from ..progress import Counter, EpochBar, Ticker, columns
from ..runtime.augment import AUGMENTS
from ..runtime.idx import DEFAULT_MAX_IMAGES
from ..runtime.presets import PRESETS
from . import options
from .text import plain


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train a preset network on (Fashion-)MNIST",
                              description=plain(__doc__),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--net", default="dlt", choices=PRESETS,
                   help="preset network (default: %(default)s)")
    p.add_argument("--net-spec", metavar="FILE.py",
                   help="train the network this file lists in NETWORK = [...] instead of a preset")
    p.add_argument("--backend", default="numba", choices=BACKENDS,
                   help="generated kernels to train with (default: %(default)s)")
    p.add_argument("--dtype", default="float32", choices=DTYPES,
                   help="floating-point type (default: %(default)s)")
    p.add_argument("--convention", default="xcorr", choices=("xcorr", "matlab"),
                   help="matlab: DeepLearnToolbox's true convolution and column-major flattening "
                   "(default: %(default)s)")
    p.add_argument("--epochs", type=options.nonnegative_int,
                   help="passes over the data (default: the preset's)")
    p.add_argument("--batch-size", type=options.positive_int,
                   help="images per update (default: the preset's)")
    p.add_argument("--lr", type=options.learning_rate, help="learning rate (default: the preset's)")
    p.add_argument("--momentum", type=options.momentum, help="momentum in [0, 1) (default: the preset's)")
    p.add_argument("--schedule", choices=("constant", "cosine"),
                   help="learning-rate schedule over the run (default: the preset's)")
    p.add_argument("--weight-decay", type=options.weight_decay, metavar="L",
                   help="L2 weight decay in [0, 1) on kernels and weight matrices (default: the preset's)")
    p.add_argument("--augment", choices=AUGMENTS,
                   help="vary the training images: flip mirrors each at random, shift-flip also moves "
                   "it by up to 2 pixels (default: the preset's)")
    p.add_argument("--seed", type=options.seed, default=0, help="seed of the weights and the batch order")
    p.add_argument("--data", metavar="DIR", help="folder of MNIST-style IDX files "
                   "(default: /usr/share/datasets/fashion-mnist, else the embedded subset)")
    p.add_argument("--limit", type=options.positive_int, metavar="N",
                   help="train on the first N training images only")
    p.add_argument("--max-images", type=options.positive_int, metavar="N", default=DEFAULT_MAX_IMAGES,
                   help=f"refuse a data split of more than N images (default {DEFAULT_MAX_IMAGES})")
    options.add_max_memory(p)
    p.add_argument("--save", metavar="PATH", help="write the weights to this .npz after every epoch "
                   "(and on Ctrl-C; without it, Ctrl-C saves into the cache folder)")
    p.add_argument("--plot", metavar="DIR",
                   help="write loss.png (loss and test error curves) and kernels.png here (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout, nothing else")
    p.add_argument("--threads", type=options.positive_int, metavar="N",
                   help="threads for the numba backend's kernels, the numpy backend's BLAS products "
                   "(default: chosen as it trains, more than one "
                   "only while a trial finds them faster than one)")
    p.add_argument("--generated", metavar="DIR",
                   help="folder of generated layer modules (default: generated/ of a checkout, "
                   "else the copy shipped in the package)")
    p.add_argument("--trust-generated", action="store_true",
                   help="load generated modules even if their SPEC_HASH does not match MANIFEST.json")
    p.set_defaults(func=run)


def _check_plotting(folder: str | None) -> None:
    if folder is None:
        return
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise SymcnnError("--plot needs matplotlib: pip install 'symcnn[plot]'") from exc


def _network_file(args: argparse.Namespace):
    """The ``--net-spec`` file, read, with its spec files derived and its chain checked (else None)."""
    if not args.net_spec:
        return None
    if args.convention != "xcorr":
        raise SymcnnError("--convention applies to the presets; a network file names its layers")
    quiet = False if args.json else None
    with Ticker("reading", enabled=quiet) as ticker:
        ticker.show(0, 0, args.net_spec)
        from ..runtime.netfile import derived_folder, read_network_file
        from ..runtime.netspec import build_from_file

        layout = read_network_file(args.net_spec)

    def derive(spec: Path, folder: Path) -> float:
        with Ticker("  derive", enabled=quiet) as ticker:
            ticker.show(0, 0, "(loading SymPy)")
            from ..pipeline import derive_spec

            return derive_spec(spec, folder, lambda phase, k, total, name: ticker.show(k, total, name))

    for entry in layout.layers:
        if "spec" in entry:  # derived here, on first use: the runtime that builds the net holds no SymPy
            derived_folder(entry["spec"], lambda line: print(line, file=sys.stderr), derive)
    with Ticker("checking", enabled=quiet) as ticker:
        ticker.show(0, 0, f"the network of {args.net_spec}")
        build_from_file(layout, backend=args.backend, dtype=args.dtype, generated=args.generated,
                        trust=args.trust_generated, log=lambda line: print(line, file=sys.stderr),
                        budget=_budget(args, layout.recipe))
    return layout


def _budget(args: argparse.Namespace, recipe: dict):
    """The memory budget of training at the batch size asked for (no batch holds more images than
    --limit or --max-images allow), and evaluating in batches beside."""
    from ..runtime.budget import EVAL_BATCH, Budget

    batch = min(args.batch_size or recipe["batch_size"], args.limit or args.max_images)
    return Budget(args.max_memory, batch=batch, training=True, eval_batch=min(EVAL_BATCH, args.max_images))


def busy_text(working: list[tuple[str, float]], width: int) -> str:
    """What the compiling children work on, and for how long, in ``width`` characters:
    ``now fc_relu.backward_dW 12 s, forward_U 3 s`` (names shortened, never the seconds: they
    change every second, so a long compile still redraws the line)."""
    if not working:
        return ""
    room = (width - len("now ")) // len(working) - len(", ")
    items = []
    for what, seconds in working:
        clock = f" {seconds:.0f} s"
        keep = max(room - len(clock), 8)
        if len(what) > keep:  # the kernel's name without its layer's, else cut in the middle
            what = what.rpartition(".")[2]
        if len(what) > keep:
            what = what[: (keep - 1) // 2] + "…" + what[len(what) - (keep - 1 - (keep - 1) // 2):]
        items.append(what + clock)
    return "now " + ", ".join(items)


def check_writable(path: str | Path) -> None:
    """Refuse a ``--save`` target that cannot be written, before any training time is spent."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise SymcnnError(f"--save {path}: is a folder; give a file name such as {target / 'model.npz'}")
    if not folder.is_dir():
        raise SymcnnError(f"--save {path}: folder {folder} does not exist")
    if target.exists() and not target.is_file():
        raise SymcnnError(f"--save {path}: not a regular file")
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise SymcnnError(f"--save {path}: cannot write there")


def interrupt_path(net: str) -> Path:
    """Where Ctrl-C saves without ``--save``: the cache folder, never the working folder."""
    from ..derive.cache import cache_dir

    folder = cache_dir() / "interrupted"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{net}-{time.strftime('%Y%m%d-%H%M%S')}.npz"


def _save(net, path: str | Path, **meta) -> None:
    try:
        net.save(path, **meta)
    except OSError as exc:
        raise TrainingError(f"cannot write checkpoint {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from ..runtime.threads import governor as threads_governor
    from ..runtime.threads import prepare

    prepare()  # before Numba starts its thread pool
    if args.threads is not None and args.backend in BACKENDS:  # each has a thread pool
        from ..runtime.threads import check_threads

        check_threads(args.threads)
    from ..runtime.augment import augmenter
    from ..runtime.datasets import find_dataset
    from ..runtime.optim import SGD, scheduled_lr
    from ..runtime.presets import RECIPES, build_network
    from ..runtime.train import evaluate, train_epoch
    from ..runtime.warmup import compile_ahead

    _check_plotting(args.plot)
    layout = _network_file(args)
    recipe = dict(layout.recipe if layout else RECIPES[args.net])
    if not layout:  # before the data is read or a kernel compiled (a network file's is checked as built)
        from ..runtime.presets import check_preset

        check_preset(args.net, _budget(args, recipe), dtype=args.dtype, convention=args.convention,
                     backend=args.backend)
    for key in ("epochs", "batch_size", "lr", "momentum", "schedule", "weight_decay", "augment"):
        if getattr(args, key) is not None:
            recipe[key] = getattr(args, key)
    if args.save:
        check_writable(args.save)
    data = find_dataset(args.data, max_images=args.max_images)
    for split in ("train", "test"):
        if len(data.labels(split)) == 0:
            raise DataError(f"{data.source}: the {split} split holds no images")
    ready: dict = {}

    def prepare() -> None:
        """The images and the network (no kernel runs): while the kernels compile, for numba."""
        ready["train"] = (data.images("train", args.dtype)[: args.limit, None],
                          data.one_hot("train", args.dtype)[: args.limit])
        ready["test"] = data.images("test", args.dtype)[:, None], data.labels("test")
        if layout:
            from ..runtime.netspec import build_from_file

            ready["net"] = build_from_file(layout, backend=args.backend, dtype=args.dtype, seed=args.seed,
                                           generated=args.generated, trust=args.trust_generated,
                                           budget=_budget(args, recipe))
        else:
            ready["net"] = build_network(args.net, backend=args.backend, dtype=args.dtype,
                                         convention=args.convention, generated=args.generated,
                                         trust=args.trust_generated, seed=args.seed)

    if args.backend == "numba":  # kernels compiled in-process run slower than cached ones
        print("compiling the Numba kernels (or loading them) in child processes", file=sys.stderr)
        counter = Counter("  compiled", enabled=False if args.json else None)
        began, now = time.perf_counter(), []

        def compiling(working: list[tuple[str, float]]) -> None:
            now[:] = working

        def progress(done: int, total: int, share: float) -> None:
            name = "kernels" if total else f"(planning, {time.perf_counter() - began:.0f} s)"
            width = columns(counter.stream) - 1 - len(counter.text(done, total, name, True, share)) - 2
            counter.show(done, total, name, eta=True, share=share, after=busy_text(now, width))

        try:
            took = compile_ahead(args.net, dtype=args.dtype, convention=args.convention,
                                 generated=args.generated, trust=args.trust_generated, progress=progress,
                                 net_spec=layout.meta() if layout else None, meanwhile=prepare,
                                 compiling=compiling)
        finally:
            counter.close()
        print(f"  done in {took:.1f} s" if took is not None else "  failed: compiling in-process",
              file=sys.stderr)
    else:
        prepare()
    (x_train, t_train), (x_test, y_test), net = ready["train"], ready["test"], ready["net"]
    opt = SGD(net.parameters(), lr=recipe["lr"], momentum=recipe["momentum"],
              weight_decay=recipe.get("weight_decay", 0.0))
    rng = np.random.default_rng([args.seed, 1])
    # Numba's threads for each step, and apart for the test set's batches (steps of another length)
    governor, test_governor = (threads_governor(args.backend, args.threads) for _ in range(2))
    print(f"{data.describe()}; training on {len(x_train)}", file=sys.stderr)
    print(f"{net!r}\nrecipe: {recipe}", file=sys.stderr)

    interrupted = []

    def on_sigint(signum, frame):  # first Ctrl-C: finish the batch; second: default behaviour
        interrupted.append(True)
        signal.signal(signal.SIGINT, old_handler)
        print("\nsymcnn: interrupted; finishing the batch and saving a checkpoint", file=sys.stderr)

    old_handler = signal.signal(signal.SIGINT, on_sigint)
    history, batch_losses, saved = [], [], None
    batches = -(-len(x_train) // recipe["batch_size"])
    updates = batches * recipe["epochs"]
    try:
        for epoch in range(1, recipe["epochs"] + 1):
            bar = EpochBar(epoch, recipe["epochs"], len(x_train))
            # the first batch loads the kernels from the cache: its own line until the bar's
            first = Ticker(f"epoch {epoch}", enabled=False if args.json else bar.live).start()
            first.show(0, len(x_train), "first batch")

            def on_batch(batch, done, loss, bar=bar, first=first):
                first.stop()
                bar.update(batch, done, loss)
                batch_losses.append(loss)

            def lr_at(batch, epoch=epoch):
                step = (epoch - 1) * batches + batch - 1
                return scheduled_lr(recipe["schedule"], recipe["lr"], step, updates)

            start = time.perf_counter()
            try:
                loss, seen, stopped = train_epoch(
                    net, opt, x_train, t_train, recipe["batch_size"], rng,
                    epoch=epoch, on_batch=on_batch, stop=lambda: bool(interrupted), lr_at=lr_at,
                    threads=governor, augment=augmenter(recipe.get("augment", "none")),
                )
            except TrainingError as exc:
                first.stop()
                bar.close()
                kept = f"; last good checkpoint kept: {saved}" if saved else "; no checkpoint was saved"
                raise TrainingError(f"{exc}{kept}") from exc
            seconds = time.perf_counter() - start
            first.stop()
            bar.close()
            if stopped:
                path = args.save or interrupt_path(args.net)
                _save(net, path, epoch=epoch - 1, partial_epoch_images=seen, seed=args.seed)
                print(f"symcnn: saved checkpoint {path} (epoch {epoch}, {seen} images in)", file=sys.stderr)
                return 130
            with Ticker("evaluating", enabled=False if args.json else None) as ticker:
                ticker.show(0, 0, f"{len(x_test)} test images")
                error, _ = evaluate(net, x_test, y_test, threads=test_governor)
            record = {"epoch": epoch, "train_loss": loss, "test_error": error,
                      "seconds": round(seconds, 3), "images_per_s": round(seen / seconds, 1)}
            history.append(record)
            if args.json:
                print(json.dumps(record), flush=True)
            else:
                print(f"epoch {epoch}: train loss {loss:.4f}  test error {100 * error:.2f}%  "
                      f"({seconds:.1f} s, {seen / seconds:.0f} images/s)", flush=True)
            if args.save:
                _save(net, args.save, epoch=epoch, seed=args.seed, history=history)
                saved = f"{args.save} (epoch {epoch})"
            if interrupted:
                print(f"symcnn: stopped after epoch {epoch}", file=sys.stderr)
                return 130
    finally:
        if signal.getsignal(signal.SIGINT) is on_sigint:
            signal.signal(signal.SIGINT, old_handler)
    if args.plot:
        from ..runtime.plots import plot_training

        for path in plot_training(net, history, batch_losses, Path(args.plot)):
            print(f"symcnn: wrote {path}", file=sys.stderr)
    return 0
