"""Rebuild the Fashion-MNIST subset embedded in ``symcnn/data/``, byte for byte.

Run ``python -m symcnn.runtime.make_subset`` on a machine with Debian's
``dataset-fashion-mnist`` package (or pass ``--source`` pointing at any folder
holding the four Fashion-MNIST IDX files). The selection is deterministic: for
each class, in file order, the first :data:`TRAIN_PER_CLASS` training images
and the first :data:`TEST_PER_CLASS` test images, kept in their original order.
Files are gzip'ed at level 9 with ``mtime=0`` and no file name, so the bytes
depend only on the data (and on the zlib build).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from symcnn.fileio import atomic_write_bytes, atomic_write_text
from symcnn.runtime.idx import load_split

__all__ = [
    "DEFAULT_SOURCE",
    "TEST_PER_CLASS",
    "TRAIN_PER_CLASS",
    "balanced_indices",
    "encode_idx",
    "main",
    "make_subset",
]

DEFAULT_SOURCE = Path("/usr/share/datasets/fashion-mnist")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data"
TRAIN_PER_CLASS = 300
TEST_PER_CLASS = 100
NUM_CLASSES = 10
CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


MIT_NOTICE = """\
The MIT License (MIT) Copyright (c) 2017 Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def encode_idx(array: np.ndarray) -> bytes:
    """Return the IDX encoding (magic ``00 00 08 ndim``, dims, data) of a uint8 array."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX encoding here is for uint8 only, got {array.dtype}")
    header = bytes([0, 0, 0x08, array.ndim])
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + dims + np.ascontiguousarray(array).tobytes()


def gzip_bytes(data: bytes) -> bytes:
    """Gzip ``data`` reproducibly: level 9, ``mtime=0``, no file name."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def balanced_indices(
    labels: np.ndarray, per_class: int, num_classes: int = NUM_CLASSES
) -> np.ndarray:
    """Return, in ascending order, the first ``per_class`` indices of each class."""
    picks = []
    for c in range(num_classes):
        idx = np.flatnonzero(labels == c)[:per_class]
        if idx.size < per_class:
            raise ValueError(f"class {c} has only {idx.size} examples, {per_class} wanted")
        picks.append(idx)
    return np.sort(np.concatenate(picks))


def _readme(
    source: Path,
    picks: dict[str, np.ndarray],
    labels: dict[str, np.ndarray],
    digests: dict[str, str],
) -> str:
    lines = [
        "# Embedded Fashion-MNIST subset",
        "",
        "A small real subset of Fashion-MNIST, so that symcnn can train and test",
        "without a download. symcnn uses it only when no `--data-dir` is given and",
        "Debian's `/usr/share/datasets/fashion-mnist/` is absent.",
        "",
        "## Where it came from",
        "",
        "Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando Research",
        "(<https://github.com/zalandoresearch/fashion-mnist>), as packaged by Debian",
        "in `dataset-fashion-mnist` (Debian version 0.0~git20200523.55506a9-1,",
        f"upstream commit 55506a9), read from `{source}`.",
        "",
        "## License",
        "",
        "The subset is distributed under the license of Fashion-MNIST, the MIT",
        "(Expat) license, whose notice follows:",
        "",
        *(f"    {line}".rstrip() for line in MIT_NOTICE.splitlines()),
        "",
        "## Which images",
        "",
        f"- `train-*`: for each class 0-9, the first {TRAIN_PER_CLASS} images of that",
        "  class in the original 60,000-image training file, in their original order",
        f"  ({TRAIN_PER_CLASS * NUM_CLASSES} images).",
        f"- `t10k-*`: for each class, the first {TEST_PER_CLASS} images of that class in",
        f"  the original 10,000-image test file ({TEST_PER_CLASS * NUM_CLASSES} images).",
        "",
        "Image k of the subset is image `indices[k]` of the original file, where",
        "`indices` is the ascending list of the chosen original indices (0-based).",
        "Per class, the chosen original indices span:",
        "",
        "| class | name | train first..last | test first..last |",
        "|---|---|---|---|",
    ]
    for c, cname in enumerate(CLASS_NAMES):
        cells = []
        for split in ("train", "t10k"):
            chosen = picks[split][labels[split][picks[split]] == c]
            cells.append(f"{chosen[0]}..{chosen[-1]}")
        lines.append(f"| {c} | {cname} | {cells[0]} | {cells[1]} |")
    lines += [
        "",
        "Rebuild byte for byte with `python -m symcnn.runtime.make_subset`",
        "(gzip level 9, mtime 0; the bytes may differ under another zlib build).",
        "",
        "## SHA-256",
        "",
    ]
    lines += [f"- `{name}`: `{digest}`" for name, digest in sorted(digests.items())]
    return "\n".join(lines) + "\n"


def make_subset(source: Path = DEFAULT_SOURCE, out: Path = DEFAULT_OUT) -> dict[str, int]:
    """Write the subset's four ``.gz`` IDX files and README.md to ``out``.

    Returns the size in bytes of each file written.
    """
    out.mkdir(parents=True, exist_ok=True)
    per_class = {"train": TRAIN_PER_CLASS, "t10k": TEST_PER_CLASS}
    picks: dict[str, np.ndarray] = {}
    labels: dict[str, np.ndarray] = {}
    digests: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for split in ("train", "t10k"):
        images, labels[split] = load_split(source, split)
        picks[split] = balanced_indices(labels[split], per_class[split])
        for kind, array in (("images-idx3", images), ("labels-idx1", labels[split])):
            name = f"{split}-{kind}-ubyte.gz"
            data = gzip_bytes(encode_idx(array[picks[split]]))
            atomic_write_bytes(out / name, data)
            digests[name] = hashlib.sha256(data).hexdigest()
            sizes[name] = len(data)
    atomic_write_text(out / "README.md", _readme(source, picks, labels, digests))
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: rebuild the subset and print the file sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help=f"folder with the Fashion-MNIST IDX files (default {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder to write the subset to (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    sizes = make_subset(args.source, args.out)
    for name, size in sorted(sizes.items()):
        print(f"{size:>9}  {os.path.join(args.out, name)}")
    print(f"{sum(sizes.values()):>9}  total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
