"""Cached computations of the Latent manifolds view: autoencoder, VAE and contrastive trainings (streamed while they
train), the autoencoder's comparison with PCA, the quality scores of each latent, and what a trained
VAE decodes (a clicked point, an interpolation, prior samples)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from explorer.shared.cache import results, stored

# imported when the page opens: torch.optim's first optimizer imports torch._dynamo (1.2 s)
FOR_TRAINING = (
    "torch",
    "torch._dynamo",
    "engine.cnn.train",
    "engine.latent.autoencoder",
    "engine.latent.vae",
)


def prefetch() -> None:
    """Start importing what training needs, in the background, once per server."""
    from explorer.shared.warmup import prefetch as start

    start(FOR_TRAINING)


def training_key(data_key: DataSource, cfg: Any) -> tuple:
    return ("latent", data_key, cfg)


def trained(data_key: DataSource, cfg: Any) -> Any | None:
    return results().get(training_key(data_key, cfg))


def train(data_key: DataSource, data: Dataset, cfg: Any, on_snapshot: Callable | None = None) -> Any:
    """Train (or return the stored run); snapshots stream to `on_snapshot` while it trains."""
    from explorer.shared.warmup import prefetch as started

    started(FOR_TRAINING).join()  # its imports finished before this thread imports the same packages
    from engine.latent.autoencoder import AEConfig, train_autoencoder
    from engine.latent.contrastive import ContrastiveConfig, train_contrastive
    from engine.latent.gan import GANConfig, train_gan
    from engine.latent.vae import VAEConfig, train_vae

    fit = {AEConfig: train_autoencoder, VAEConfig: train_vae, ContrastiveConfig: train_contrastive,
           GANConfig: train_gan}[type(cfg)]  # fmt: skip
    return stored(training_key(data_key, cfg), lambda: fit(data, cfg, on_snapshot))


def pca(rkey: tuple, result: Any) -> Any:
    from engine.latent.autoencoder import pca_comparison

    return stored(("ae_pca", rkey), lambda: pca_comparison(result))


def scores(rkey: tuple, name: str, inputs: Any, coords: Any, y: Any) -> Any:
    """Trustworthiness, continuity and k-NN accuracy of one latent (the inspector's scores)."""
    from engine.embed.quality import quality

    return stored(("ae_quality", rkey, name), lambda: quality(inputs, coords, y))


def decoded_point(rkey: tuple, result: Any, z: tuple[float, float]) -> Any:
    """(d,) what the VAE decodes at latent point z."""
    import numpy as np

    from engine.latent.vae import decode

    return stored(("vae_point", rkey, z), lambda: decode(result, np.array([z]))[0])


def interpolation(rkey: tuple, result: Any, a: int, b: int) -> Any:
    """The latent path between recorded rows at positions a and b, decoded, and their pixel average."""
    from engine.latent.vae import interpolate

    return stored(("vae_interp", rkey, a, b), lambda: interpolate(result, result.inputs[a], result.inputs[b]))


def prior_samples(rkey: tuple, result: Any, n: int, seed: int) -> Any:
    from engine.latent.vae import sample_prior

    return stored(("vae_prior", rkey, n, seed), lambda: sample_prior(result, n, seed))
