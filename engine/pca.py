"""`principal_axes`: the one PCA fit of the engine, for a layer's shared projection
(`engine.nets.analysis`), the classifiers' 2-D plane (`engine.classify.arena`), the Manifold
inspector's PCA (`engine.embed.fits`) and UMAP's fallback start (`engine.embed.umap`);
`Principal.project` gives rows' coordinates on its axes.

The axes are eigenvectors of the scatter matrix, accumulated in float64 over blocks of rows, so a
float32 stack of millions of activations is never copied whole; rows wider than EIGH_MAX_DIMS (a
conv layer's feature maps) are fitted by randomized SVD instead. Each axis's sign is fixed so its
largest loading is positive: the same data always gives the same picture, never its mirror image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

BLOCK_ROWS = 8192  # rows centred and multiplied at a time
EIGH_MAX_DIMS = 1024  # wider rows (a conv layer's feature maps) are fitted by randomized SVD instead


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

    def project(self, X: np.ndarray) -> np.ndarray:
        """(N, k) float64 coordinates of the rows of X (N, d) on the axes, centred BLOCK_ROWS rows
        at a time so that no centred copy of X is made."""
        out = np.empty((X.shape[0], self.axes.shape[1]))  # (N, k)
        for start in range(0, X.shape[0], BLOCK_ROWS):
            rows = slice(start, start + BLOCK_ROWS)
            np.matmul(X[rows] - self.mean, self.axes, out=out[rows])
        return out


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
    if X.shape[1] > EIGH_MAX_DIMS:
        return _randomized(X - centre, mean, k, seed)
    scatter = np.zeros((X.shape[1], X.shape[1]))  # (d, d)
    for start in range(0, X.shape[0], BLOCK_ROWS):
        block = X[start : start + BLOCK_ROWS] - centre
        scatter += block.T @ block
    with threadpool_limits(
        1, user_api="blas"
    ):  # LAPACK's eigh on two busy cores: 2.5 s, not 0.15 s (784 wide)
        values, vectors = np.linalg.eigh(scatter)  # ascending
    k = min(k, X.shape[1])
    axes = vectors[:, ::-1][:, :k]  # (d, k)
    axes = _fix_signs(axes)
    return Principal(mean, axes, values[::-1][:k].clip(min=0), float(np.trace(scatter)))


def _fix_signs(axes: np.ndarray) -> np.ndarray:
    """Each column of (d, k) flipped so its largest loading is positive."""
    top = np.abs(axes).argmax(axis=0)
    return axes * np.where(axes[top, np.arange(axes.shape[1])] < 0, -1.0, 1.0)


def _randomized(centred: np.ndarray, mean: np.ndarray, k: int, seed: int) -> Principal:
    """The top-k axes of wide centred rows by scikit-learn's randomized SVD (its cost grows with k,
    not with the square of the width); signs fixed as in `principal_axes`."""
    from sklearn.utils.extmath import randomized_svd

    k = min(k, *centred.shape)
    _, s, vt = randomized_svd(centred, k, n_iter=7, random_state=seed)
    axes = vt.T.astype(np.float64)  # (d, k)
    axes = _fix_signs(axes)
    total = float(np.einsum("ij,ij->", centred, centred, dtype=np.float64))
    return Principal(mean, axes, (s.astype(np.float64) ** 2), total)
