"""The PyTorch side of ``symcnn bench --cold``: ``symcnn train``'s epochs, in PyTorch eager.

``python -m symcnn.bench.torch_train --net dlt --epochs 1 [--data DIR]`` loads
the same data as ``symcnn train`` (:func:`~symcnn.runtime.datasets.find_dataset`),
builds the preset in PyTorch (:class:`~symcnn.bench.torch_ref.TorchNet`) from
the preset's initial weights, trains with the preset's batch size, rate and
momentum on shuffled batches, evaluates the test error after each epoch and
prints one JSON line per epoch: what ``symcnn train --json`` does, so that the
two whole processes can be timed against each other.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m symcnn.bench.torch_train",
                                description=__doc__.splitlines()[0])
    p.add_argument("--net", default="dlt")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--data", metavar="DIR")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, metavar="N", help="train on the first N training images only")
    p.add_argument("--compile", action="store_true", help="run the network through torch.compile")
    args = p.parse_args(argv)

    from symcnn.bench.arch import initial_params
    from symcnn.bench.torch_ref import TorchNet
    from symcnn.runtime.datasets import find_dataset
    from symcnn.runtime.presets import RECIPES

    data = find_dataset(args.data)
    x, t = data.images("train", "float32")[: args.limit, None], data.one_hot("train", "float32")[: args.limit]
    x_test, y_test = data.images("test", "float32")[:, None], data.labels("test")
    batch = RECIPES[args.net]["batch_size"]
    tnet = TorchNet(args.net, initial_params(args.net, args.seed, "float32"), "float32")
    torch = tnet.torch
    step = torch.compile(tnet.step) if args.compile else tnet.step
    rng = np.random.default_rng([args.seed, 1])
    xt, tt = tnet.tensor(x), tnet.tensor(t)
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        order = torch.from_numpy(rng.permutation(len(x)))
        losses = [step(xt[idx], tt[idx]).item() for idx in order.split(batch)]
        seconds = time.perf_counter() - start
        with torch.no_grad():
            predicted = torch.cat([tnet.forward(b).argmax(1) for b in tnet.tensor(x_test).split(1000)])
        error = float((predicted.numpy() != y_test).mean())
        print(json.dumps({"epoch": epoch, "train_loss": float(np.mean(losses)), "test_error": error,
                          "seconds": round(seconds, 3), "images_per_s": round(len(x) / seconds, 1)}),
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
