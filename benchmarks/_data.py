"""Seeded synthetic tables for the embedding benchmarks."""

from __future__ import annotations

import numpy as np


def curved_clusters(
    n_samples: int, n_features: int = 50, n_clusters: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A mixture of curved clusters: each a noisy quadratic arc through the space.

    Returns X (n_samples, n_features) float64 and the cluster labels (n_samples,) int64.
    Point i of cluster c lies at centre_c + t * direction_c + t^2 * bend_c + noise, t ~ U(-1.5, 1.5).
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_clusters, n_samples)
    t = rng.uniform(-1.5, 1.5, n_samples)[:, None]  # (n, 1)
    centre = rng.normal(scale=3.0, size=(n_clusters, n_features))
    direction = rng.normal(size=(n_clusters, n_features))
    bend = rng.normal(scale=0.7, size=(n_clusters, n_features))
    noise = rng.normal(scale=0.4, size=(n_samples, n_features))
    X = centre[labels] + t * direction[labels] + t**2 * bend[labels] + noise
    return X, labels.astype(np.int64)
