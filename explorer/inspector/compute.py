"""Cached computations of the Manifold inspector: embeddings (streamed while they optimise) and their quality scores."""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.data.source import DataSource
from engine.embed.config import EmbedConfig, Progress, RowsLayout
from engine.embed.methods import Embedding
from engine.embed.quality import Quality
from explorer.shared.cache import MAX_ENTRIES, stored

# What the neighbour-graph methods import on their first run (scipy's eigensolver and curve fit for UMAP's
# start and curve, scikit-learn's neighbours and manifold learners, the scores' trustworthiness).
FOR_EMBEDDING = ("scipy.sparse.csgraph", "scipy.sparse.linalg", "scipy.optimize", "sklearn.neighbors",
                 "sklearn.manifold")  # fmt: skip


def prefetch() -> None:
    """Start importing what embeddings need, in the background, once per server (the page calls it
    after its own embeddings are drawn)."""
    from explorer.shared.warmup import prefetch as start

    start(FOR_EMBEDDING)


def embedding(
    data_key: DataSource,
    X: np.ndarray,
    cfg: EmbedConfig,
    progress: Progress | None = None,
    layout: RowsLayout | None = None,
) -> Embedding:
    """One embedding of the dataset named `data_key`; while it computes, progress goes to `progress`
    and UMAP's and t-SNE's intermediate layouts to `layout(fraction, coords, index)`. A stored
    embedding returns at once, without calling either."""
    from explorer.shared.warmup import prefetched

    prefetched(FOR_EMBEDDING)  # its imports finished before this thread imports the same packages
    from engine.embed.methods import embed

    return stored(("embedding", data_key, cfg), lambda: embed(X, cfg, progress, layout))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def quality(
    data_key: DataSource, _X: np.ndarray, _emb: Embedding, cfg: EmbedConfig, _y: np.ndarray | None
) -> Quality:
    """Quality scores of the embedding `cfg` of `data_key`, on the same (scaled) features."""
    from engine.embed.methods import standardize
    from engine.embed.quality import quality as score

    X = standardize(_X) if cfg.scale else _X
    return score(X[_emb.index], _emb.coords, None if _y is None else _y[_emb.index], seed=cfg.seed)
