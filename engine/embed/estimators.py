"""The scikit-learn and umap-learn estimators behind `engine.embed.methods`, each imported on first use.

`estimator(n_features, cfg)` builds the seeded estimator of one method; `global_rng_pinned(seed)`
pins NumPy's global generator around the one call (Isomap) that draws from it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from engine.embed.config import EmbedConfig

_LOCK = threading.Lock()


@contextmanager
def global_rng_pinned(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator for one call that draws from it, then restore its state.

    scikit-learn's Isomap builds its KernelPCA without a random_state, so ARPACK's start vector
    comes from the global generator: pinning it makes Isomap reproducible, and the caller's
    generator is left as it was. The lock keeps two sessions' Isomap runs from interleaving.
    """
    with _LOCK:
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


def estimator(n_features: int, cfg: EmbedConfig) -> Any:
    """The scikit-learn or umap-learn estimator for `cfg`, seeded; imported on first use."""
    dims, k, seed = cfg.n_components, cfg.n_neighbors, cfg.seed
    if cfg.method == "pca":
        from sklearn.decomposition import PCA

        return PCA(dims, random_state=seed)
    if cfg.method == "kernel_pca":
        from sklearn.decomposition import KernelPCA

        gamma = cfg.gamma if cfg.gamma > 0 else None
        return KernelPCA(dims, kernel=cfg.kernel, gamma=gamma, random_state=seed)
    if cfg.method == "isomap":
        from sklearn.manifold import Isomap

        return Isomap(n_neighbors=k, n_components=dims)
    if cfg.method == "lle":
        from sklearn.manifold import LocallyLinearEmbedding

        return LocallyLinearEmbedding(
            n_neighbors=k, n_components=dims, method=cfg.lle_method, random_state=seed
        )
    if cfg.method == "spectral":
        from sklearn.manifold import SpectralEmbedding

        return SpectralEmbedding(dims, affinity="nearest_neighbors", n_neighbors=k, random_state=seed)
    if cfg.method == "mds":
        from sklearn.manifold import MDS

        return MDS(dims, n_init=1, init="classical_mds", random_state=seed)
    import umap

    return umap.UMAP(n_neighbors=k, n_components=dims, min_dist=cfg.min_dist, random_state=seed, n_jobs=1)
