"""`principal_axes`: the one PCA fit of the engine, for a layer's shared projection
(`engine.nets.analysis`), the classifiers' 2-D plane (`engine.classify.arena`) and UMAP's fallback
start (`engine.embed.umap`).

The axes are eigenvectors of the scatter matrix, accumulated in float64 over blocks of rows, so a
float32 stack of millions of activations is never copied whole. Each axis's sign is fixed so its
largest loading is positive: the same data always gives the same picture, never its mirror image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK_ROWS = 8192  # rows centred and multiplied at a time


@dataclass(frozen=True)
class Principal:
    """The top principal axes of some rows."""

    mean: np.ndarray  # (d,) float64 mean of the rows fitted
    axes: np.ndarray  # (d, k) float64 unit columns, largest variance first, largest loading positive
    variance: np.ndarray  # (k,) scatter along each axis (its eigenvalue, clipped at 0)
    total: float  # scatter of all d directions: the trace of the scatter matrix

    @property
    def shares(self) -> np.ndarray:
        """(k,) share of the total scatter along each axis; 1 per axis when there is none at all."""
        return self.variance / self.total if self.total > 0 else np.ones_like(self.variance)


def principal_axes(X: np.ndarray, k: int, max_rows: int | None = None, seed: int = 0) -> Principal:
    """The top min(k, d) principal axes of the rows of X (N, d), float32 or float64.

    Beyond `max_rows` rows, a seeded sample of that many (kept in order) is fitted. The mean is
    taken in float64, and rows are centred in X's own dtype.
    """
    if max_rows is not None and X.shape[0] > max_rows:
        rows = np.random.default_rng(seed).choice(X.shape[0], max_rows, replace=False)
        X = X[np.sort(rows)]
    mean = X.mean(axis=0, dtype=np.float64)  # (d,)
    centre = mean.astype(X.dtype)
    scatter = np.zeros((X.shape[1], X.shape[1]))  # (d, d)
    for start in range(0, X.shape[0], BLOCK_ROWS):
        block = X[start : start + BLOCK_ROWS] - centre
        scatter += block.T @ block
    values, vectors = np.linalg.eigh(scatter)  # ascending
    k = min(k, X.shape[1])
    axes = vectors[:, ::-1][:, :k]  # (d, k)
    top = np.abs(axes).argmax(axis=0)
    axes = axes * np.where(axes[top, np.arange(k)] < 0, -1.0, 1.0)
    return Principal(mean, axes, values[::-1][:k].clip(min=0), float(np.trace(scatter)))
