"""The data a model comparison runs on: the 2-D plane drawn (two chosen features, or the data's top
two principal components), a class made rare on request, a stratified split, oversampled training
rows on request, and the grid the boundaries are evaluated on. Models train on the plane's two
coordinates, so the boundary drawn is the boundary the model has."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.datasets import Dataset
from engine.pca import principal_axes

PCA = "pca"


@dataclass(frozen=True)
class ArenaConfig:
    plane: str = PCA  # for data with more than two features: "pca", or "features" for two columns
    features: tuple[int, int] = (0, 1)  # column indices when plane == "features"
    test_fraction: float = 0.3
    grid_size: int = 150
    rare_class: int | None = None  # class code to subsample, or None
    keep: float = 1.0  # share of the rare class kept
    oversample: bool = False  # repeat training rows of smaller classes up to the largest class
    seed: int = 0


@dataclass(frozen=True)
class Arena:
    data: Dataset  # two features; rows of a subsampled class removed
    note: str | None  # what the plane is, for data with more than two features
    train: np.ndarray  # rows the models are fitted on (with repeats when oversampled), sorted
    test: np.ndarray  # held-out rows, sorted
    grid: np.ndarray  # (grid_size**2, 2) evaluation points; row i * g + j = (x_j, y_i)
    shown_train: np.ndarray  # distinct training rows, for drawing


def arena(data: Dataset, cfg: ArenaConfig) -> Arena:
    """Everything a comparison needs from the data and the setup; ValueError says what to change."""
    from engine.classify.fit import make_grid, oversample, split, subsample_class

    if data.y is None:
        raise ValueError("Decision boundaries need a label column: choose one in the sidebar.")
    flat, note = to_plane(data, cfg)
    if cfg.rare_class is not None and cfg.keep < 1:
        rows = subsample_class(flat.y, cfg.rare_class, cfg.keep, cfg.seed)
        flat = _rows(flat, rows)
        note = " ".join(filter(None, [note, f"{data.class_names[cfg.rare_class]}: {cfg.keep:.0%} of its "
                                      f"rows kept ({int((flat.y == cfg.rare_class).sum())})."]))  # fmt: skip
    train, test = split(flat.y, cfg.test_fraction, cfg.seed)
    fit_rows = oversample(flat.y, train, cfg.seed) if cfg.oversample else train
    return Arena(flat, note, fit_rows, test, make_grid(flat.X, cfg.grid_size), train)


def _rows(data: Dataset, rows: np.ndarray) -> Dataset:
    original = None if data.original is None else data.original.iloc[rows]
    pos = None if data.position is None else data.position[rows]
    return Dataset(X=data.X[rows], y=data.y[rows], feature_names=data.feature_names,
                   class_names=data.class_names, name=data.name, notes=data.notes, position=pos,
                   original=original)  # fmt: skip


def to_plane(data: Dataset, cfg: ArenaConfig) -> tuple[Dataset, str | None]:
    """`data` reduced to two columns, and a sentence saying what was drawn (None for 2-D data)."""
    if data.n_features < 2:
        raise ValueError("Decision boundaries need at least two feature columns: choose more features.")
    if data.n_features == 2:
        return data, None
    if cfg.plane == "features":
        i, j = cfg.features
        if not (0 <= i < data.n_features and 0 <= j < data.n_features) or i == j:
            raise ValueError(f"Choose two different features out of the {data.n_features} columns.")
        X2, names = data.X[:, [i, j]], (data.feature_names[i], data.feature_names[j])
        note = (f"The models are trained on {names[0]} and {names[1]} only, the two features drawn "
                f"({data.n_features - 2} others are left out), so each boundary shown is the model's real one.")  # fmt: skip
    elif cfg.plane == PCA:
        X2, share = _pca2(data.X)
        names = (f"PC1 ({share[0]:.0%} of variance)", f"PC2 ({share[1]:.0%})")
        note = (f"The models are trained on the first two principal components of the {data.n_features} "
                f"standardised features ({share.sum():.0%} of their variance), the plane drawn, so each "
                "boundary shown is the model's real one.")  # fmt: skip
    else:
        raise ValueError(f"Unknown plane {cfg.plane!r}: use 'pca' or 'features'.")
    return Dataset(X=np.ascontiguousarray(X2, dtype=np.float64), y=data.y, feature_names=names,
                   class_names=data.class_names, name=data.name, notes=data.notes,
                   position=data.position, original=data.original), note  # fmt: skip


def _pca2(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores on the first two principal components of standardised X, and their variance shares.
    Signs are fixed (largest loading positive) so the picture does not flip between runs."""
    std = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    pca = principal_axes(Z, 2)
    return Z @ pca.axes, pca.variance / (pca.total if pca.total > 0 else 1.0)
