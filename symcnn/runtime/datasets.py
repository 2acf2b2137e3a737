"""Finding the image data symcnn trains and tests on.

:func:`find_dataset` looks, in order, at a folder the user names, at Debian's
``dataset-fashion-mnist`` install, and at the small Fashion-MNIST subset
shipped inside the package (``symcnn/data/``), and says which one it used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symcnn.errors import DataError
from symcnn.runtime.idx import DEFAULT_MAX_IMAGES, load_split

__all__ = [
    "DEBIAN_FASHION_MNIST", "EMBEDDED_DIR", "FASHION_MNIST_CLASSES", "Dataset", "find_dataset",
    "load_dataset",
]

#: Where Debian's ``dataset-fashion-mnist`` package installs the full data set.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
#: Fashion-MNIST's ten classes, by label (Zalando Research's names).
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
#: The subset shipped with symcnn (see ``symcnn/data/README.md``).
EMBEDDED_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Dataset:
    """A train/test split of 28x28 grey images with integer class labels.

    Images are kept as uint8 ``(N, 28, 28)`` arrays; :meth:`images` converts
    them to floats in [0, 1]. Labels are int64 ``(N,)`` arrays.
    """

    name: str
    source: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    num_classes: int = 10

    def images(self, split: str, dtype: type | np.dtype = np.float64) -> np.ndarray:
        """Return the images of ``split`` (``"train"`` or ``"test"``) scaled to [0, 1]."""
        raw = self._pick(split)[0]
        return raw.astype(dtype) / np.asarray(255, dtype=dtype)

    def labels(self, split: str) -> np.ndarray:
        """Return the integer labels of ``split`` (``"train"`` or ``"test"``)."""
        return self._pick(split)[1]

    def one_hot(self, split: str, dtype: type | np.dtype = np.float64) -> np.ndarray:
        """Return the labels of ``split`` one-hot encoded, shape ``(N, num_classes)``."""
        y = self.labels(split)
        out = np.zeros((y.shape[0], self.num_classes), dtype=dtype)
        out[np.arange(y.shape[0]), y] = 1
        return out

    def _pick(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split == "train":
            return self.train_x, self.train_y
        if split in ("test", "t10k"):
            return self.test_x, self.test_y
        raise DataError(f"unknown split {split!r}, expected 'train' or 'test'")

    def class_names(self) -> list[str]:
        """Fashion-MNIST's class names when this is Fashion-MNIST (by name or source), else the labels."""
        if "fashion" in f"{self.name} {self.source}".lower() and self.num_classes == 10:
            return list(FASHION_MNIST_CLASSES)
        return [str(k) for k in range(self.num_classes)]

    def describe(self) -> str:
        """One line naming the data set, its source and its sizes."""
        return (
            f"{self.name} from {self.source}: "
            f"{self.train_x.shape[0]} training, {self.test_x.shape[0]} test images"
        )


def load_dataset(
    folder: str | os.PathLike[str], name: str, source: str, max_images: int | None = DEFAULT_MAX_IMAGES
) -> Dataset:
    """Load both splits of the MNIST-style ``folder`` into a :class:`Dataset`.

    A split whose header promises more than ``max_images`` images is refused before it is read.
    """
    train_x, train_y = load_split(folder, "train", max_images=max_images)
    test_x, test_y = load_split(folder, "t10k", max_images=max_images)
    return Dataset(
        name=name,
        source=source,
        train_x=train_x,
        train_y=train_y.astype(np.int64),
        test_x=test_x,
        test_y=test_y.astype(np.int64),
    )


def find_dataset(
    data_dir: str | os.PathLike[str] | None = None, max_images: int | None = DEFAULT_MAX_IMAGES
) -> Dataset:
    """Load the data set to use, choosing the first that applies.

    1. ``data_dir``, when given: it must hold the four MNIST-style IDX files
       (raw or ``.gz``), otherwise :class:`DataError`; a split of more than
       ``max_images`` images (:data:`~symcnn.runtime.idx.DEFAULT_MAX_IMAGES`) is refused;
    2. Debian's full Fashion-MNIST in ``/usr/share/datasets/fashion-mnist/``,
       when that folder exists;
    3. the Fashion-MNIST subset embedded in the package.
    """
    if data_dir is not None:
        folder = Path(data_dir)
        if not folder.is_dir():
            raise DataError(f"{folder}: data folder does not exist")
        name = folder.name or str(folder)
        return load_dataset(folder, name=name, source=str(folder), max_images=max_images)
    if DEBIAN_FASHION_MNIST.is_dir():
        return load_dataset(
            DEBIAN_FASHION_MNIST,
            name="fashion-mnist",
            source=f"{DEBIAN_FASHION_MNIST} (Debian dataset-fashion-mnist)",
            max_images=max_images,
        )
    return load_dataset(
        EMBEDDED_DIR,
        name="fashion-mnist-subset",
        source=f"{EMBEDDED_DIR} (embedded subset, see README.md there)",
        max_images=max_images,
    )
