"""`Grid`: a rectangular lattice over a plane, the one maker of every grid the engine evaluates on
(a network's input plane, a classifier's decision plane) and the one place a flat list of lattice
points gets its shape back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    """Points (xs[j], ys[i]) for every i, j; flattened row-major, row i * len(xs) + j."""

    xs: np.ndarray  # (nx,) increasing
    ys: np.ndarray  # (ny,) increasing

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx): a value per point reshapes to this, rows along y."""
        return len(self.ys), len(self.xs)

    @property
    def points(self) -> np.ndarray:
        """(ny * nx, 2) float64."""
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.c_[gx.ravel(), gy.ravel()]

    @classmethod
    def around(cls, X: np.ndarray, size: int, margin: float = 0.1) -> Grid:
        """size x size points over the bounding box of X's two columns, widened by `margin` of its
        extent on every side (0.5 either side of a column with no extent)."""
        X = np.asarray(X, dtype=float)
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.where(hi > lo, margin * (hi - lo), 0.5)
        xs, ys = (np.linspace(lo[i] - pad[i], hi[i] + pad[i], size) for i in range(2))
        return cls(xs, ys)

    @classmethod
    def of_points(cls, points: np.ndarray) -> Grid:
        """The grid whose `points` these are (row-major, as `points` lays them out)."""
        points = np.asarray(points)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"Grid points are (n, 2) and not empty; got shape {points.shape}.")
        nx = int(np.argmax(points[:, 1] != points[0, 1])) or len(points)
        if len(points) % nx:
            raise ValueError(f"{len(points)} points do not make rows of {nx}: not a grid.")
        return cls(points[:nx, 0].copy(), points[::nx, 1].copy())
