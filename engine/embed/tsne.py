"""t-SNE through openTSNE: FFT-accelerated gradients, exact neighbours, layouts while it optimises.

`tsne_layout(X, TsneParams(...))` builds perplexity-based affinities from the exact k nearest
neighbours (k = 3 x perplexity, by `engine.embed.neighbors.knn`, exact where openTSNE's default is
an approximate Annoy index), starts from the PCA layout scaled as openTSNE does (a seeded random
one when X has fewer columns than the layout), then runs openTSNE's two phases: EARLY_ITER
iterations with early exaggeration 12 and momentum 0.5, then `n_iter` at momentum 0.8, with its
automatic learning rate (n / exaggeration). 125 + 200 iterations rather than openTSNE's 250 + 500:
with that learning rate and a PCA start the layout has settled by then (`python -m benchmarks
tsne_5k` prints the time and trustworthiness of both against scikit-learn's TSNE).
`on_layout(fraction, coords)` gets the layout every `layout_every` iterations. openTSNE is
imported inside the function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.embed.config import Layout
from engine.embed.neighbors import knn

EARLY_ITER = 125  # iterations with early exaggeration (openTSNE and scikit-learn: 250)
EXAGGERATION = 12.0


@dataclass(frozen=True)
class TsneParams:
    n_components: int = 2
    perplexity: float = 30.0  # effective number of neighbours; below the number of rows
    n_iter: int = 200  # iterations after early exaggeration (openTSNE: 500; see the module docstring)
    seed: int = 0
    device: str = "cpu"  # a torch device name for the neighbour search, resolved by the caller
    n_jobs: int = 1  # openTSNE's threads
    layout_every: int = 25  # iterations between calls of on_layout


def tsne_layout(X: np.ndarray, params: TsneParams, on_layout: Layout | None = None) -> np.ndarray:
    """t-SNE coordinates (n, n_components) float64 of the rows of X (n, d)."""
    from openTSNE import TSNEEmbedding, initialization
    from openTSNE.affinity import PerplexityBasedNN
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    n = X.shape[0]
    if X.shape[1] >= params.n_components:
        start = initialization.pca(X, n_components=params.n_components, random_state=params.seed)
    else:  # PCA cannot make more axes than there are features
        start = initialization.random(n, params.n_components, random_state=params.seed)
    report = on_layout or (lambda fraction, coords: None)
    report(0.0, np.asarray(start, dtype=np.float64))
    k = min(n - 1, max(1, int(3 * params.perplexity)))
    # (n, k + 1), the row itself first; on the CPU without torch, so a first t-SNE need not import it
    index, dist = knn(X, k + 1, params.device)
    affinities = PerplexityBasedNN(
        perplexity=min(params.perplexity, (n - 1) / 3),
        knn_index=PrecomputedNeighbors(index[:, 1:], dist[:, 1:].astype(np.float64)),
        random_state=params.seed,
        n_jobs=params.n_jobs,
    )
    total = EARLY_ITER + params.n_iter
    done = 0

    def callback(iteration: int, error: float, embedding: np.ndarray) -> bool:
        report((done + iteration) / total, np.asarray(embedding, dtype=np.float64))
        return False  # never stop early

    embedding = TSNEEmbedding(start, affinities, n_jobs=params.n_jobs, random_state=params.seed)
    embedding = embedding.optimize(
        n_iter=EARLY_ITER, exaggeration=EXAGGERATION, momentum=0.5,
        callbacks=callback, callbacks_every_iters=params.layout_every,
    )  # fmt: skip
    done = EARLY_ITER
    embedding = embedding.optimize(
        n_iter=params.n_iter, momentum=0.8, callbacks=callback, callbacks_every_iters=params.layout_every
    )
    return np.asarray(embedding, dtype=np.float64)
