"""The embeddings that optimise a layout and show it while they do: UMAP and t-SNE.

`stream_layout(X, cfg, on_layout)` resolves the device (a CUDA GPU when present, for UMAP and the
neighbour search), sends a PCA preview at once, so that even 50,000 rows show a picture within a
second while the neighbours are searched, then runs `engine.embed.umap` or `engine.embed.tsne`.
On the CPU, UMAP runs in NumPy (its neighbour search on BLAS's threads, its layout on one core) and
t-SNE in openTSNE on every core, as scikit-learn's TSNE does (its threads share the work evenly).
"""

from __future__ import annotations

import os

import numpy as np

from engine.device import resolve_device
from engine.embed.config import EmbedConfig, Layout


def stream_layout(
    X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Coordinates (n, cfg.n_components) of the rows of X (n, d) by cfg.method ("umap" or "tsne"),
    and notes; `on_layout` receives a PCA preview first, then the layout as it optimises."""
    from engine.embed.tsne import TsneParams, tsne_layout
    from engine.embed.umap import UmapParams, pca_start, umap_layout

    if on_layout is not None:  # at once, before the neighbour search
        on_layout(0.0, pca_start(X, cfg.n_components))
    device = resolve_device(cfg.device)
    if device == "mps":  # index_add_ and the FFT path gain nothing there; keep it simple
        device = "cpu"
    if cfg.method == "umap":
        params = UmapParams(cfg.n_components, cfg.n_neighbors, cfg.min_dist, seed=cfg.seed, device=device)
        return umap_layout(X, params, on_layout), ()
    # t-SNE: openTSNE on every core; torch only for a GPU neighbour search
    params = TsneParams(
        cfg.n_components, cfg.perplexity, seed=cfg.seed, device=device, n_jobs=os.cpu_count() or 1
    )
    notes = ()
    if X.shape[1] < cfg.n_components:
        notes = ("t-SNE started from a random layout: PCA needs more features.",)
    return tsne_layout(X, params, on_layout), notes
