"""``symcnn train``: train a preset network with generated kernels.

Progress goes to stderr; per-epoch results to stdout (with ``--json``, one
JSON object per epoch and nothing else). ``--save`` writes a checkpoint after
every epoch, atomically, so a later failure never spoils the last good one.
Ctrl-C finishes the current batch, saves a checkpoint and exits with 130.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import SymcnnError, TrainingError

DEFAULT_INTERRUPT_SAVE = "symcnn-interrupted.npz"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train a preset network on (Fashion-)MNIST",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--net", default="dlt", choices=("dlt", "bouvrie", "lenet5", "combo"))
    p.add_argument("--backend", default="numba", choices=("numba", "numpy"))
    p.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    p.add_argument("--convention", default="xcorr", choices=("xcorr", "matlab"),
                   help="matlab: DeepLearnToolbox's true convolution and column-major flattening")
    p.add_argument("--epochs", type=int, help="passes over the data (default: the preset's)")
    p.add_argument("--batch-size", type=int, help="images per update (default: the preset's)")
    p.add_argument("--lr", type=float, help="learning rate (default: the preset's)")
    p.add_argument("--momentum", type=float, help="momentum (default: the preset's)")
    p.add_argument("--schedule", choices=("constant", "cosine"),
                   help="learning-rate schedule over the run (default: the preset's)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the batch order")
    p.add_argument("--data", metavar="DIR", help="folder of MNIST-style IDX files "
                   "(default: /usr/share/datasets/fashion-mnist, else the embedded subset)")
    p.add_argument("--limit", type=int, metavar="N", help="train on the first N training images only")
    p.add_argument("--save", metavar="PATH", help="write the weights to this .npz after every epoch")
    p.add_argument("--plot", metavar="DIR", help="write loss-curve and kernel PNGs here (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout, nothing else")
    p.add_argument("--generated", metavar="DIR",
                   help="folder of generated layer modules (default: generated/)")
    p.add_argument("--trust-generated", action="store_true",
                   help="load generated modules even if their SPEC_HASH does not match MANIFEST.json")
    p.set_defaults(func=run)


class Progress:
    """A one-line progress bar on stderr: images done, images/s, running loss."""

    def __init__(self, epoch: int, epochs: int, total: int, stream=None) -> None:
        self.epoch, self.epochs, self.total = epoch, epochs, total
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.start = self.last = time.perf_counter()
        self.done, self.loss = 0, float("nan")

    def line(self) -> str:
        width = 30
        fill = int(width * self.done / max(self.total, 1))
        rate = self.done / max(time.perf_counter() - self.start, 1e-9)
        return (f"epoch {self.epoch}/{self.epochs} [{'#' * fill}{'.' * (width - fill)}] "
                f"{self.done}/{self.total}  {rate:7.0f} img/s  loss {self.loss:.4f}")

    def update(self, batch: int, done: int, loss: float) -> None:
        self.done, self.loss = done, loss
        now = time.perf_counter()
        if self.live and now - self.last > 0.2:
            self.last = now
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def close(self) -> None:
        self.stream.write(("\r" if self.live else "") + self.line() + "\n")
        self.stream.flush()


def _check_plotting(folder: str | None) -> None:
    if folder is None:
        return
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise SymcnnError("--plot needs matplotlib: pip install 'symcnn[plot]'") from exc


def run(args: argparse.Namespace) -> int:
    from ..runtime.datasets import find_dataset
    from ..runtime.optim import SGD, scheduled_lr
    from ..runtime.presets import RECIPES, build_network
    from ..runtime.train import evaluate, train_epoch
    from ..runtime.warmup import compile_ahead

    _check_plotting(args.plot)
    recipe = dict(RECIPES[args.net])
    for key in ("epochs", "batch_size", "lr", "momentum", "schedule"):
        if getattr(args, key) is not None:
            recipe[key] = getattr(args, key)
    if recipe["epochs"] < 0 or recipe["batch_size"] < 1 or (args.limit is not None and args.limit < 1):
        raise SymcnnError("--epochs must be >= 0, --batch-size and --limit >= 1")
    data = find_dataset(args.data)
    x_train = data.images("train", args.dtype)[: args.limit, None]
    t_train = data.one_hot("train", args.dtype)[: args.limit]
    x_test, y_test = data.images("test", args.dtype)[:, None], data.labels("test")
    if args.backend == "numba":  # kernels compiled in-process run slower than cached ones
        print("compiling the Numba kernels (or loading them) in child processes", file=sys.stderr)
        took = compile_ahead(args.net, dtype=args.dtype, convention=args.convention,
                             generated=args.generated, trust=args.trust_generated)
        print(f"  done in {took:.1f} s" if took is not None else "  failed: compiling in-process",
              file=sys.stderr)
    net = build_network(args.net, backend=args.backend, dtype=args.dtype, convention=args.convention,
                        generated=args.generated, trust=args.trust_generated, seed=args.seed)
    opt = SGD(net.parameters(), lr=recipe["lr"], momentum=recipe["momentum"])
    rng = np.random.default_rng([args.seed, 1])
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
            bar = Progress(epoch, recipe["epochs"], len(x_train))

            def on_batch(batch, done, loss, bar=bar):
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
                )
            except TrainingError as exc:
                bar.close()
                kept = f"; last good checkpoint kept: {saved}" if saved else "; no checkpoint was saved"
                raise TrainingError(f"{exc}{kept}") from exc
            seconds = time.perf_counter() - start
            bar.close()
            if stopped:
                path = args.save or DEFAULT_INTERRUPT_SAVE
                net.save(path, epoch=epoch - 1, partial_epoch_images=seen, seed=args.seed)
                print(f"symcnn: saved checkpoint {path} (epoch {epoch}, {seen} images in)", file=sys.stderr)
                return 130
            error, _ = evaluate(net, x_test, y_test)
            record = {"epoch": epoch, "train_loss": loss, "test_error": error,
                      "seconds": round(seconds, 3), "images_per_s": round(seen / seconds, 1)}
            history.append(record)
            if args.json:
                print(json.dumps(record), flush=True)
            else:
                print(f"epoch {epoch}: train loss {loss:.4f}  test error {100 * error:.2f}%  "
                      f"({seconds:.1f} s, {seen / seconds:.0f} images/s)", flush=True)
            if args.save:
                net.save(args.save, epoch=epoch, seed=args.seed, history=history)
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
