"""VAE engine: its KL term against torch.distributions' (the closed form for diagonal Gaussians), its
reconstruction term against their log-probabilities, the decoded grid against decoding its lattice
directly, seeds, snapshots, posterior collapse at a large beta, interpolation and prior samples, tables
as Gaussians, and ValueErrors for bad settings and data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch.distributions import Bernoulli, Normal
from torch.distributions import kl_divergence as torch_kl

from engine.data.datasets import Dataset, DatasetConfig, load_bundled, make_dataset
from engine.latent.autoencoder import model_inputs
from engine.latent.vae import (
    COLLAPSED_NATS,
    LIMITS,
    MIN_EXTENT,
    VAEConfig,
    check_config,
    decode,
    encode,
    interpolate,
    kl_divergence,
    lattice,
    plane_extent,
    reconstruction_nats,
    sample_prior,
    train_vae,
)

QUICK = VAEConfig(epochs=4, snapshot_every=2, device="cpu")


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_bundled("digits")


@pytest.fixture(scope="module")
def trained(digits):
    return train_vae(digits, VAEConfig(device="cpu"))  # the default: 60 epochs, beta 1


def test_kl_is_the_closed_form_of_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(7, 2, generator=g) * 2, torch.randn(7, 2, generator=g)
    expected = torch_kl(Normal(mu, (0.5 * logvar).exp()), Normal(torch.zeros(2), torch.ones(2))).sum(-1)
    torch.testing.assert_close(kl_divergence(mu, logvar), expected, rtol=1e-5, atol=1e-6)
    assert torch.all(kl_divergence(torch.zeros(3, 2), torch.zeros(3, 2)) == 0)  # q = the prior


def test_reconstruction_is_the_negative_log_likelihood():
    g = torch.Generator().manual_seed(1)
    logits, x = torch.randn(5, 64, generator=g) * 3, torch.rand(5, 64, generator=g)
    bits = (x > 0.5).float()
    expected = -Bernoulli(logits=logits).log_prob(bits).sum(-1)
    torch.testing.assert_close(reconstruction_nats(logits, bits, True), expected, rtol=1e-5, atol=1e-5)
    out = torch.randn(5, 4, generator=g)
    expected = -Normal(out, 1.0).log_prob(x[:, :4]).sum(-1)
    torch.testing.assert_close(reconstruction_nats(out, x[:, :4], False), expected, rtol=1e-5, atol=1e-5)


def test_the_decoded_grid_is_the_decoder_on_its_lattice(trained):
    z = lattice(trained.config.grid, float(trained.extents[-1]))  # the weights kept are the last epoch's
    np.testing.assert_allclose(trained.grids[-1], decode(trained, z), rtol=1e-5, atol=1e-6)
    assert trained.grids.shape == (len(trained.epochs), 15 * 15, 64)
    assert trained.grids.min() >= 0 and trained.grids.max() <= 1  # Bernoulli pixel probabilities


def test_the_lattice_is_row_major_from_the_top_left():
    z = lattice(3, 3.0)
    np.testing.assert_allclose(z[0], [-2.0, 2.0])  # top left: z1 lowest, z2 highest
    np.testing.assert_allclose(z[2], [2.0, 2.0])
    np.testing.assert_allclose(z[-1], [2.0, -2.0])
    assert plane_extent(np.zeros((4, 2))) == MIN_EXTENT
    assert plane_extent(np.full((100, 2), 3.2)) == 3.5  # the 99th percentile, up to a half
    assert plane_extent(np.full((2, 2), np.nan)) == MIN_EXTENT


def test_training_learns_a_spread_posterior_and_records_every_snapshot(trained, digits):
    r = trained
    assert list(r.epochs) == [0, *range(5, 60, 5), 60]
    assert r.means.shape == r.stds.shape == (13, digits.n_samples, 2)
    assert r.kl[-1] > 1.0 and r.active_units == 2 and not r.collapsed  # measured: 2.2 nats
    assert r.reconstruction[-1] < 0.6 * r.reconstruction[0]  # measured: 21.7 against 45.2 untrained
    assert np.all(np.isfinite(r.history["loss"][1:])) and np.isnan(r.history["loss"][0])
    np.testing.assert_allclose(
        r.history["loss"][1:], r.history["reconstruction"][1:] + r.history["kl"][1:], rtol=1e-6
    )  # fmt: skip  (beta = 1)
    # the grid's images differ across the plane: it decodes different digits
    assert r.grids[-1].std(axis=0).mean() > 0.1  # measured: 0.16
    x, _ = model_inputs(digits)
    mu, sd = encode(r, x[:10])
    np.testing.assert_allclose(mu, r.means[-1][:10], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(sd, r.stds[-1][:10], rtol=1e-4, atol=1e-5)


def test_a_large_beta_collapses_the_posterior_onto_the_prior(digits, trained):
    """beta too large: the posterior collapses. Measured at beta = 20: KL 0.0003 nats, no active unit,
    the grid's images vary 12 x less across the plane than at beta = 1."""
    r = train_vae(digits, replace(trained.config, beta=20.0))
    assert r.collapsed and r.kl[-1] < COLLAPSED_NATS and r.active_units == 0
    assert r.grids[-1].std(axis=0).mean() < 0.2 * trained.grids[-1].std(axis=0).mean()
    assert not trained.collapsed


def test_beta_zero_and_one_hundred_train(digits):
    for beta in (0.0, 100.0):
        r = train_vae(digits, replace(QUICK, beta=beta))
        assert r.stopped is None and np.all(np.isfinite(r.means))
    free = train_vae(digits, replace(QUICK, beta=0.0, epochs=20, snapshot_every=10))
    assert free.kl[-1] > 5 and free.extents[-1] > MIN_EXTENT  # nothing pulls the means in: the plane widens


@pytest.mark.usefixtures("one_thread")
def test_seeds_reproduce_and_differ(digits):
    a, b = train_vae(digits, QUICK), train_vae(digits, QUICK)
    np.testing.assert_array_equal(a.means, b.means)
    np.testing.assert_array_equal(a.grids, b.grids)
    c = train_vae(digits, replace(QUICK, seed=1))
    assert not np.allclose(a.means[-1], c.means[-1])


def test_snapshots_stream_what_the_result_holds(digits):
    seen = []
    r = train_vae(digits, QUICK, seen.append)
    assert [s.epoch for s in seen] == list(r.epochs) == [0, 2, 4]
    np.testing.assert_array_equal(seen[-1].means, r.means[-1])
    np.testing.assert_array_equal(seen[-1].grid, r.grids[-1])


def test_interpolation_and_prior_samples(trained, digits):
    x, _ = model_inputs(digits)
    a, b = x[0], x[1]
    it = interpolate(trained, a, b, steps=7)
    mu, _ = encode(trained, np.stack([a, b]))
    np.testing.assert_allclose(it.z[[0, -1]], mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.diff(it.z, axis=0), np.diff(it.z, axis=0)[:1].repeat(6, 0), atol=1e-5)
    np.testing.assert_allclose(it.decoded, decode(trained, it.z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(it.pixel_mean, (a + b) / 2, rtol=1e-6)
    z, images = sample_prior(trained, 16, seed=3)
    assert z.shape == (16, 2) and images.shape == (16, 64)
    np.testing.assert_array_equal(sample_prior(trained, 16, seed=3)[0], z)
    assert abs(float(z.mean())) < 1.0


def test_a_table_is_a_gaussian_and_a_three_d_roll_trains():
    roll = make_dataset(DatasetConfig("swiss_roll", n_samples=400, noise=0.05, seed=0))
    r = train_vae(roll, replace(QUICK, epochs=10, snapshot_every=5))
    assert r.image_shape is None and not r.bernoulli
    assert r.grids.shape == (3, 15 * 15, 3)  # the decoder's map of the plane, in the data's space
    assert r.reconstruction[-1] < r.reconstruction[0]


def test_bad_settings_and_data_are_refused(digits):
    one = Dataset(np.arange(20.0)[:, None], np.arange(20) % 2, ("x",), ("a", "b"), "one column")
    with pytest.raises(ValueError, match="1 feature: a 2-D latent does not compress it"):
        train_vae(one, QUICK)
    plane = make_dataset(DatasetConfig("moons", n_samples=100, seed=0))
    with pytest.raises(ValueError, match="2 features"):
        train_vae(plane, QUICK)
    for bad, match in ((dict(beta=101.0), "beta must be between 0 and 100"), (dict(beta=-1.0), "beta"),
                       (dict(hidden=()), "1 to 3 hidden layers"), (dict(hidden=(2,)), "4 to 512 units"),
                       (dict(grid=40), "The grid"), (dict(activation="swish"), "Unknown activation"),
                       (dict(lr=1.0), "learning rate")):  # fmt: skip
        with pytest.raises(ValueError, match=match):
            check_config(replace(QUICK, **bad), 64)
    assert LIMITS["beta"] == (0.0, 100.0)


def test_a_learning_rate_that_diverges_ends_training_keeping_the_epochs_before(digits, monkeypatch):
    from engine.latent import vae

    real = vae._epoch
    calls = []

    def failing(*args):
        calls.append(1)
        return (float("nan"),) * 3 if len(calls) == 3 else real(*args)

    monkeypatch.setattr(vae, "_epoch", failing)
    r = train_vae(digits, replace(QUICK, epochs=6, snapshot_every=1))
    assert list(r.epochs) == [0, 1, 2] and "finite number in epoch 3" in r.stopped
