"""The latent models on a CUDA GPU (run by `python -m benchmarks --gpu`; skipped without one): each
trains there, records what the CPU run records, and lands near it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.data.datasets import DatasetConfig, load_bundled, make_dataset
from engine.latent.autoencoder import AEConfig, train_autoencoder
from engine.latent.contrastive import ContrastiveConfig, train_contrastive
from engine.latent.gan import GANConfig, train_gan
from engine.latent.vae import VAEConfig, train_vae

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


@pytest.mark.parametrize(
    "fit,cfg,field",
    [
        (train_autoencoder, AEConfig(epochs=20, snapshot_every=10), "latents"),
        (train_vae, VAEConfig(epochs=20, snapshot_every=10), "means"),
        (train_contrastive, ContrastiveConfig(epochs=6, snapshot_every=3), "embeddings"),
        (train_gan, GANConfig(steps=300, snapshot_every=100), "samples"),
    ],
)
def test_each_latent_model_trains_on_cuda_as_on_the_cpu(fit, cfg, field):
    digits = load_bundled("digits")
    gpu, cpu = fit(digits, replace(cfg, device="cuda")), fit(digits, replace(cfg, device="cpu"))
    a, b = getattr(gpu, field), getattr(cpu, field)
    assert a.shape == b.shape and np.isfinite(a).all() and gpu.stopped is None
    np.testing.assert_allclose(a[0], b[0], rtol=1e-3, atol=1e-3 * np.abs(b[0]).max())  # the same seeded start


def test_the_vae_collapses_on_cuda_too():
    digits = load_bundled("digits")
    assert train_vae(digits, VAEConfig(beta=20.0, device="cuda")).collapsed
    mixture = make_dataset(DatasetConfig("blobs", n_samples=2000, noise=0.0, n_classes=8, seed=0))
    assert np.isfinite(train_gan(mixture, GANConfig(device="cuda")).samples).all()
