"""Training images varied per batch: mirrored left to right and shifted by a few pixels.

Both keep a Fashion-MNIST garment what it is (a shirt mirrored is a shirt), so a net
sees more distinct images in the same number of epochs. The test set is never varied.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["AUGMENTS", "augmenter", "flip", "shift_flip"]

#: What a recipe's ``augment`` may name.
AUGMENTS = ("none", "flip", "shift-flip")


def flip(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``images`` (N, C, H, W), each mirrored left to right with probability 1/2."""
    return shift_flip(images, rng, shift=0)


def shift_flip(images: np.ndarray, rng: np.random.Generator, shift: int = 2) -> np.ndarray:
    """A copy of ``images`` (N, C, H, W): each mirrored left to right with probability 1/2, then
    moved by whole pixels drawn from [-shift, shift] along each axis, the border filled with 0."""
    n, _, h, w = images.shape
    flipped = np.where(rng.random(n)[:, None, None, None] < 0.5, images[..., ::-1], images)
    padded = np.pad(flipped, ((0, 0), (0, 0), (shift, shift), (shift, shift)))
    dy, dx = rng.integers(0, 2 * shift + 1, size=(2, n))
    rows = dy[:, None] + np.arange(h)  # (N, H): the padded rows each image keeps
    cols = dx[:, None] + np.arange(w)
    return padded[np.arange(n)[:, None, None, None], np.arange(images.shape[1])[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def augmenter(name: str) -> Callable[[np.ndarray, np.random.Generator], np.ndarray] | None:
    """The function a recipe's ``augment`` names; ``None`` for ``"none"``."""
    if name not in AUGMENTS:
        raise ValueError(f"unknown augmentation {name!r}; choose from {', '.join(AUGMENTS)}")
    return {"none": None, "flip": flip, "shift-flip": shift_flip}[name]
