"""How each embedding method runs: one seeded `fit_*(X, cfg, on_layout)` per method, named by
its entry in `engine.embed.methods.METHODS`.

A fit builds the method's estimator (scikit-learn, umap-learn, `engine.pca` for PCA, or
`engine.embed.live` for UMAP and t-SNE), imported on first use so that importing this module stays
cheap, and keeps the method's own quirks with it: Isomap draws from NumPy's global generator
(`global_rng_pinned`), LLE's sparse eigen-solver may fail where the dense one succeeds, umap-learn
changes numba's thread count, and PCA reports its explained variance. Only UMAP and t-SNE call
`on_layout`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from engine.embed.config import EmbedConfig, Layout

Fit = tuple[np.ndarray, np.ndarray | None, tuple[str, ...]]  # coords, variance ratio (PCA), notes
FitFn = Callable[[np.ndarray, EmbedConfig, Layout | None], Fit]  # (X (n, d), cfg, on_layout) -> Fit
DENSE_ROWS = 2_500  # LLE falls back to the dense eigen-solver up to this many rows

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


def fit_pca(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    """The engine's one PCA fit (`engine.pca.principal_axes`: a blocked scatter matrix, no copy of
    X), whose coordinates and variance ratios are scikit-learn's PCA's, signs included."""
    from engine.pca import principal_axes

    pca = principal_axes(X, cfg.n_components, seed=cfg.seed)
    return pca.project(X), pca.shares, ()


def fit_kernel_pca(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    from sklearn.decomposition import KernelPCA

    gamma = cfg.gamma if cfg.gamma > 0 else None
    model = KernelPCA(cfg.n_components, kernel=cfg.kernel, gamma=gamma, random_state=cfg.seed)
    return model.fit_transform(X), None, ()


def fit_isomap(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    from sklearn.manifold import Isomap

    model = Isomap(n_neighbors=cfg.n_neighbors, n_components=cfg.n_components)
    with global_rng_pinned(cfg.seed):
        return model.fit_transform(X), None, ()


def fit_lle(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    from sklearn.manifold import LocallyLinearEmbedding

    model = LocallyLinearEmbedding(
        n_neighbors=cfg.n_neighbors,
        n_components=cfg.n_components,
        method=cfg.lle_method,
        random_state=cfg.seed,
    )
    try:
        return model.fit_transform(X), None, ()
    except (ValueError, RuntimeError):
        if not 200 < X.shape[0] <= DENSE_ROWS:  # sklearn uses ARPACK above 200 rows
            raise
        note = "LLE's sparse eigen-solver (ARPACK) failed, so the slower dense solver was used."
        return model.set_params(eigen_solver="dense").fit_transform(X), None, (note,)


def fit_spectral(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    from sklearn.manifold import SpectralEmbedding

    model = SpectralEmbedding(
        cfg.n_components, affinity="nearest_neighbors", n_neighbors=cfg.n_neighbors, random_state=cfg.seed
    )
    return model.fit_transform(X), None, ()


def fit_mds(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    from sklearn.manifold import MDS

    model = MDS(cfg.n_components, n_init=1, init="classical_mds", random_state=cfg.seed)
    return model.fit_transform(X), None, ()


def fit_streamed(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    """UMAP or t-SNE (`cfg.method`), streaming its layout to `on_layout` (engine.embed.live)."""
    from engine.embed.live import stream_layout

    coords, notes = stream_layout(X, cfg, on_layout)
    return coords, None, notes


def fit_umap_learn(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    import numba
    import umap

    model = umap.UMAP(
        n_neighbors=cfg.n_neighbors,
        n_components=cfg.n_components,
        min_dist=cfg.min_dist,
        random_state=cfg.seed,
        n_jobs=1,
    )
    threads = numba.get_num_threads()  # UMAP sets numba's thread count when seeded
    try:
        return model.fit_transform(X), None, ()
    finally:
        numba.set_num_threads(threads)
