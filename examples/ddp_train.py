"""Train a network of symcnn's generated layers with PyTorch's DistributedDataParallel.

symcnn's answer to data that outgrows one process or one machine is PyTorch's own
distributed training: :class:`symcnn.torch.GeneratedLayer` makes each generated layer a
``torch.nn.Module`` whose backward is the derived one, so ``DistributedDataParallel``
averages its gradients across processes like any other module's. Two processes on this
machine (CPU, the gloo backend)::

    torchrun --standalone --nproc_per_node 2 examples/ddp_train.py --out runs/ddp

and the same script on several machines, one ``torchrun`` on each::

    torchrun --nnodes 4 --nproc_per_node 2 --rdzv_backend c10d --rdzv_endpoint HOST:29400 \\
        --rdzv_id fashion examples/ddp_train.py --out runs/ddp

Each process trains on its own share of the embedded Fashion-MNIST subset
(``symcnn/data``; ``--data DIR`` for another folder of IDX files) and writes its
parameters and losses to ``OUT/rank<k>.npz``: after every step all of them hold the
same parameters. Needs ``pip install -e ".[torch]"``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from symcnn.runtime.datasets import find_dataset
from symcnn.torch import GeneratedLayer

DATA = Path(__file__).resolve().parent.parent / "symcnn" / "data"


def network(backend: str, seed: int) -> torch.nn.Module:
    """conv 6@5×5 (ReLU) → max-pool 2 → fc 864→10, every layer a generated one; the loss below too."""
    g = torch.Generator().manual_seed(seed)
    conv = GeneratedLayer.load("conv_xcorr_relu", {"K": 0.2 * torch.randn(1, 6, 5, 5, generator=g),
                                                   "B": torch.zeros(6)},
                               constants={"T": torch.ones(1, 6)}, backend=backend)
    pool = GeneratedLayer.load("pool_max_plain", {}, hyper={"s": 2}, backend=backend)
    fc = GeneratedLayer.load("fc_identity", {"W": 0.03 * torch.randn(10, 864, generator=g),
                                             "b": torch.zeros(10)}, backend=backend)
    return torch.nn.Sequential(conv, pool, torch.nn.Flatten(), fc)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for each process's rank<k>.npz")
    p.add_argument("--data", default=str(DATA), help="folder of MNIST-style IDX files (default: %(default)s)")
    p.add_argument("--steps", type=int, default=40, help="updates (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=32, help="images per process per update")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--backend", default="numpy", choices=("numpy", "numba"),
                   help="generated kernels (numba: compiled on first use in every process)")
    args = p.parse_args(argv)

    torch.set_num_threads(1)  # the processes share the cores
    dist.init_process_group("gloo")  # torchrun sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT
    rank, world = dist.get_rank(), dist.get_world_size()
    data = find_dataset(args.data)
    images = torch.from_numpy(np.ascontiguousarray(data.images("train", "float32")[rank::world, None]))
    labels = torch.from_numpy(data.labels("train")[rank::world].astype(np.int64))
    onehot = torch.nn.functional.one_hot(labels, 10).float()

    model = DistributedDataParallel(network(args.backend, seed=rank))  # rank 0's weights, broadcast
    loss_layer = GeneratedLayer.load("loss_softmax_ce", {}, backend=args.backend)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(rank))
    losses = []
    for step in range(args.steps):
        pick = order[(step * args.batch_size + torch.arange(args.batch_size)) % len(order)]
        loss = loss_layer(model(images[pick]), T=onehot[pick]).mean()
        opt.zero_grad()
        loss.backward()  # DDP averages the derived gradients across the processes
        opt.step()
        losses.append(loss.item())
        if rank == 0 and step % 10 == 0:
            print(f"step {step:3d}  loss {loss.item():.4f}  ({world} processes)", flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    params = {name: t.detach().numpy() for name, t in model.module.named_parameters()}
    np.savez(out / f"rank{rank}.npz", losses=np.array(losses), **params)
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
