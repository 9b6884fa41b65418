"""Cached computations of the Latent manifolds view: autoencoder trainings (streamed while they
train), their comparison with PCA, and the quality scores of each latent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from explorer.shared.cache import results, stored

# imported when the page opens: torch.optim's first optimizer imports torch._dynamo (1.2 s)
FOR_TRAINING = ("torch", "torch._dynamo", "engine.cnn.train", "engine.latent.autoencoder")


def prefetch() -> None:
    """Start importing what training needs, in the background, once per server."""
    from explorer.shared.warmup import prefetch as start

    start(FOR_TRAINING)


def training_key(data_key: DataSource, cfg: Any) -> tuple:
    return ("autoencoder", data_key, cfg)


def trained(data_key: DataSource, cfg: Any) -> Any | None:
    return results().get(training_key(data_key, cfg))


def train(data_key: DataSource, data: Dataset, cfg: Any, on_snapshot: Callable | None = None) -> Any:
    """Train (or return the stored run); snapshots stream to `on_snapshot` while it trains."""
    from explorer.shared.warmup import prefetch as started

    started(FOR_TRAINING).join()  # its imports finished before this thread imports the same packages
    from engine.latent.autoencoder import train_autoencoder

    return stored(training_key(data_key, cfg), lambda: train_autoencoder(data, cfg, on_snapshot))


def pca(rkey: tuple, result: Any) -> Any:
    from engine.latent.autoencoder import pca_comparison

    return stored(("ae_pca", rkey), lambda: pca_comparison(result))


def scores(rkey: tuple, name: str, inputs: Any, coords: Any, y: Any) -> Any:
    """Trustworthiness, continuity and k-NN accuracy of one latent (the inspector's scores)."""
    from engine.embed.quality import quality

    return stored(("ae_quality", rkey, name), lambda: quality(inputs, coords, y))
