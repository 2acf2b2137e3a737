"""Training images varied per batch, and L2 weight decay: the recipe's ``augment`` and ``weight_decay``."""

from __future__ import annotations

import numpy as np
import pytest

from symcnn.errors import NetworkError
from symcnn.runtime.augment import augmenter, flip, shift_flip
from symcnn.runtime.netcheck import check_recipe
from symcnn.runtime.netfile import DEFAULT_RECIPE
from symcnn.runtime.optim import SGD


def moves(image: np.ndarray, shift: int) -> list[np.ndarray]:
    """Every image ``shift_flip`` may make of ``image``: mirrored or not, moved by (dy, dx)."""
    h, w = image.shape[-2:]
    out = []
    for mirrored in (image, image[..., ::-1]):
        padded = np.pad(mirrored, ((0, 0), (shift, shift), (shift, shift)))
        steps = range(2 * shift + 1)
        out += [padded[:, dy : dy + h, dx : dx + w] for dy in steps for dx in steps]
    return out


def test_each_image_is_itself_mirrored_or_not_and_moved_by_at_most_the_shift():
    rng = np.random.default_rng(0)
    images = rng.random((200, 2, 6, 5)).astype("float32")
    varied = shift_flip(images, rng, shift=2)
    assert varied.shape == images.shape and varied.dtype == images.dtype
    seen = set()
    for image, made in zip(images, varied):
        (k,) = [k for k, m in enumerate(moves(image, 2)) if np.array_equal(m, made)]  # exactly one way
        seen.add(k)
    assert len(seen) > 40  # of 50 ways (2 mirrors × 25 moves): the draws reach nearly all of them
    again = [shift_flip(images, np.random.default_rng(1)) for _ in range(2)]
    assert np.array_equal(*again)  # the seed decides


def test_flip_mirrors_some_images_and_moves_none():
    images = np.random.default_rng(0).random((50, 1, 4, 3))
    made = flip(images, np.random.default_rng(2))
    mirrored = [np.array_equal(m, i[..., ::-1]) for i, m in zip(images, made)]
    assert all(mirrored[k] or np.array_equal(made[k], images[k]) for k in range(50))
    assert 10 < sum(mirrored) < 40


def test_none_names_no_augmentation_and_an_unknown_name_is_refused():
    assert augmenter("none") is None and augmenter("shift-flip") is shift_flip and augmenter("flip") is flip
    with pytest.raises(ValueError, match="unknown augmentation 'rotate'"):
        augmenter("rotate")


def test_weight_decay_shrinks_weights_not_biases():
    w, b = np.full((2, 3), 2.0), np.full(3, 2.0)
    opt = SGD({"W": w, "b": b}, lr=0.5, weight_decay=0.1)
    opt.step({"W": np.zeros_like(w), "b": np.zeros_like(b)})
    assert np.allclose(w, 2.0 - 0.5 * 0.1 * 2.0) and np.all(b == 2.0)  # w -= η·λ·w; biases untouched
    with pytest.raises(ValueError, match="weight decay must be in"):
        SGD({"W": w}, lr=0.5, weight_decay=1.5)


def test_a_network_files_recipe_may_set_both():
    given = {"weight_decay": 0, "augment": "shift-flip"}
    recipe = check_recipe(given, DEFAULT_RECIPE, "net.py", NetworkError)
    assert recipe["weight_decay"] == 0.0 and recipe["augment"] == "shift-flip"
