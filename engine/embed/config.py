"""What an embedding is asked for: `EmbedConfig`, its choices, and the callbacks that watch it run.

A leaf module (it imports nothing from `engine.embed`), so the methods, the fits, the live layouts,
the app and the generated scripts all take these names from one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

KERNELS: tuple[str, ...] = ("rbf", "poly", "sigmoid", "cosine")
LLE_METHODS: tuple[str, ...] = ("standard", "modified", "hessian", "ltsa")

Progress = Callable[[float, str], None]  # (fraction in [0, 1], message)
Layout = Callable[[float, np.ndarray], None]  # (fraction done, coords (n, n_components))
RowsLayout = Callable[[float, np.ndarray, np.ndarray], None]  # Layout plus index (n,): the rows embedded


@dataclass(frozen=True)
class EmbedConfig:
    """Which embedding to compute. Frozen, so it is a cache key and URL state at once."""

    method: str = "pca"  # a key of engine.embed.methods.METHODS
    n_components: int = 2  # 2 or 3
    scale: bool = True  # standardise features before embedding
    n_neighbors: int = 15  # isomap, lle, spectral, umap
    perplexity: float = 30.0  # tsne; must be below the number of rows
    min_dist: float = 0.1  # umap; in [0, 1]
    kernel: str = "rbf"  # kernel_pca: one of KERNELS
    gamma: float = 0.0  # kernel_pca; 0 means 1 / n_features
    lle_method: str = "standard"  # lle: one of LLE_METHODS
    seed: int = 0
    device: str = "auto"  # umap, tsne: "auto" (a GPU when present), "cpu", "cuda" or "mps"
