"""Autoencoder engine: a linear autoencoder against scikit-learn's PCA (principal angles and error), a
non-linear one against PCA on the Swiss roll, seeds, snapshots, the untrained encoder, denoising,
the inputs it reconstructs, and ValueErrors for bad settings and data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from engine.data.datasets import Dataset, DatasetConfig, load_bundled, make_dataset
from engine.embed.quality import quality
from engine.latent.autoencoder import (
    LIMITS,
    RECORD_ROWS,
    AEConfig,
    build,
    check_config,
    model_inputs,
    pca_comparison,
    train_autoencoder,
)

QUICK = AEConfig(epochs=3, snapshot_every=1, device="cpu")
# Measured at epochs=100, seeds 0-3: angles 2.3°-6.1°, error 0.4%-0.8% above PCA's.
LINEAR = AEConfig(linear=True, latent=2, epochs=100, lr=0.01, snapshot_every=50, device="cpu")
# Measured at epochs=100, seeds 0-3: trustworthiness 0.963-0.969 against PCA's 0.864; error 0.078-0.094
# against PCA's 0.295.
SWISS = AEConfig(latent=2, epochs=100, lr=0.01, snapshot_every=50, device="cpu")


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_bundled("digits")


@pytest.fixture(scope="module")
def swiss_roll() -> Dataset:
    return make_dataset(DatasetConfig("swiss_roll", n_samples=1000, noise=0.05))


@pytest.fixture(scope="module")
def quick(digits):
    return train_autoencoder(digits, QUICK)


@pytest.mark.slow
def test_a_linear_autoencoder_is_pca(digits):
    result = train_autoencoder(digits, LINEAR)
    assert result.stopped is None
    cmp = pca_comparison(result)
    assert cmp.angles_deg.shape == (2,) and (cmp.angles_deg < 8).all(), cmp.angles_deg
    # the same angles from scikit-learn's PCA of the inputs, independently of engine.pca
    X = result.inputs.astype(np.float64)
    pca = PCA(2).fit(X)
    angles = np.degrees(subspace_angles(result.decoder_span, pca.components_.T))
    np.testing.assert_allclose(np.sort(angles), np.sort(cmp.angles_deg), atol=1e-3)
    # an unrelated plane is far from PCA's: the tolerance above means something
    rng = np.random.default_rng(0)
    assert np.degrees(subspace_angles(rng.normal(size=(64, 2)), pca.components_.T)).max() > 45
    pca_error = float(((pca.inverse_transform(pca.transform(X)) - X) ** 2).mean())
    assert cmp.pca_error == pytest.approx(pca_error, rel=1e-4)
    assert cmp.explained == pytest.approx(pca.explained_variance_ratio_.sum(), rel=1e-4)
    # PCA is the best linear reconstruction: the autoencoder is no better, and within 3% of it
    assert pca_error * 0.999 <= result.error[-1] <= pca_error * 1.03, (result.error[-1], pca_error)
    assert result.error[-1] < result.error[0] / 2  # it learned


@pytest.mark.slow
def test_a_non_linear_autoencoder_unrolls_what_pca_cannot(swiss_roll):
    result = train_autoencoder(swiss_roll, SWISS)
    assert result.stopped is None and result.inputs.shape == (1000, 3)
    cmp = pca_comparison(result)
    pca = PCA(2).fit(result.inputs.astype(np.float64))
    pca_coords = pca.transform(result.inputs.astype(np.float64))
    ours = quality(result.inputs, result.latents[-1]).trustworthiness
    theirs = quality(result.inputs, pca_coords).trustworthiness
    assert quality(result.inputs, cmp.pca_coords).trustworthiness == pytest.approx(theirs, abs=1e-6)
    assert ours > theirs + 0.05, (ours, theirs)
    assert result.error[-1] < 0.5 * cmp.pca_error, (result.error[-1], cmp.pca_error)


@pytest.mark.usefixtures("one_thread")
def test_seeds_reproduce(digits, quick):
    first, again = train_autoencoder(digits, QUICK), train_autoencoder(digits, QUICK)  # both on one thread
    np.testing.assert_array_equal(again.latents, first.latents)
    np.testing.assert_array_equal(again.error, first.error)
    other = train_autoencoder(digits, replace(QUICK, seed=1))
    assert not np.allclose(other.latents[0], quick.latents[0])  # another initialisation
    assert not np.allclose(other.latents[-1], quick.latents[-1])


def test_the_untrained_latent_is_the_seeded_encoder(digits, quick):
    encoder, decoder = build(QUICK, 64)
    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(quick.inputs, np.float32))
        np.testing.assert_allclose(quick.latents[0], encoder(x).numpy(), rtol=1e-5, atol=1e-6)
        untrained = float(((decoder(encoder(x)) - x) ** 2).mean())
    assert quick.error[0] == pytest.approx(untrained, rel=1e-5)
    assert not np.allclose(quick.latents[-1], quick.latents[0])  # training moved it
    # the same seed builds the same modules and leaves torch's global generator alone
    state = torch.random.get_rng_state()
    again, _ = build(QUICK, 64)
    assert torch.equal(torch.random.get_rng_state(), state)
    for a, b in zip(encoder.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)


def test_the_last_reconstructions_match_the_recorded_error(quick):
    assert quick.reconstructions.shape == quick.inputs.shape
    err = float(((quick.reconstructions - quick.inputs) ** 2).mean())
    assert quick.error[-1] == pytest.approx(err, rel=1e-5)


@pytest.mark.parametrize(
    ("epochs", "every", "expected"), [(7, 3, [0, 3, 6, 7]), (6, 3, [0, 3, 6]), (2, 5, [0, 2])]
)
def test_snapshots_every_k_epochs_and_the_last(epochs, every, expected):
    data = load_bundled("iris")
    seen = []
    cfg = AEConfig(epochs=epochs, snapshot_every=every, hidden=(8,), device="cpu")
    result = train_autoencoder(data, cfg, seen.append)
    np.testing.assert_array_equal(result.epochs, expected)
    assert [s.epoch for s in seen] == expected
    assert result.latents.shape == (len(expected), 150, 2) and result.latents.dtype == np.float32
    np.testing.assert_array_equal(result.rows, np.arange(150))
    for s, latent in zip(seen, result.latents, strict=True):
        np.testing.assert_array_equal(s.rows, result.rows)
        np.testing.assert_array_equal(s.latent, latent)
    assert np.isnan(seen[0].loss) and all(np.isfinite(s.loss) for s in seen[1:])
    assert [s.loss for s in seen[1:]] == [result.history[e] for e in expected[1:]]
    assert len(result.history) == epochs + 1 and np.isnan(result.history[0])


def test_more_rows_than_recorded_are_a_seeded_sample():
    mnist = load_bundled("mnist")
    assert mnist.n_samples > RECORD_ROWS
    seen = []
    cfg = AEConfig(epochs=1, snapshot_every=1, device="cpu")
    result = train_autoencoder(mnist, cfg, seen.append)
    rows = result.rows
    assert rows.shape == (RECORD_ROWS,) and len(np.unique(rows)) == RECORD_ROWS
    assert (np.diff(rows) > 0).all() and rows[0] >= 0 and rows[-1] < mnist.n_samples
    assert rows[-1] > mnist.n_samples * 0.9 and rows[0] < mnist.n_samples * 0.1  # spread, not the first rows
    assert [s.epoch for s in seen] == [0, 1] and all(np.array_equal(s.rows, rows) for s in seen)
    assert result.latents.shape == (2, RECORD_ROWS, 2) and result.inputs.shape == (RECORD_ROWS, 784)
    pixels, _ = model_inputs(mnist)
    np.testing.assert_array_equal(result.inputs, pixels[rows])
    np.testing.assert_array_equal(train_autoencoder(mnist, cfg).rows, rows)
    assert not np.array_equal(train_autoencoder(mnist, replace(cfg, seed=1)).rows, rows)


def test_denoising_trains_and_changes_the_result(digits, quick):
    noisy = train_autoencoder(digits, replace(QUICK, noise=0.3))
    assert noisy.stopped is None and np.isfinite(noisy.history[1:]).all()
    np.testing.assert_array_equal(noisy.latents[0], quick.latents[0])  # the same initialisation
    assert not np.allclose(noisy.latents[-1], quick.latents[-1])
    assert noisy.error[-1] < noisy.error[0]  # it still learns to reconstruct the clean input


def test_a_bottleneck_not_narrower_than_the_data_is_refused():
    one = Dataset(np.random.default_rng(0).normal(size=(50, 1)), None, ("x",), (), "one")
    with pytest.raises(ValueError, match="not narrower than the data's 1 features"):
        train_autoencoder(one, QUICK)
    three = load_bundled("iris")
    three = Dataset(three.X[:, :3], three.y, three.feature_names[:3], three.class_names, "three")
    with pytest.raises(ValueError, match="bottleneck of 3 units is not narrower than the data's 3 features"):
        train_autoencoder(three, replace(QUICK, latent=3))
    assert train_autoencoder(three, replace(QUICK, latent=2, epochs=1)).latents.shape == (2, 150, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"latent": 4}, "The bottleneck has 2 or 3 units; got 4"),
        ({"hidden": (3,)}, r"Use up to 3 hidden layers of 4 to 256 units on each side; got \(3,\)"),
        ({"hidden": (512,)}, r"4 to 256 units .* got \(512,\)"),
        ({"hidden": (8, 8, 8, 8)}, r"Use up to 3 hidden layers"),
        ({"activation": "swish"}, "Unknown activation 'swish': choose one of tanh, relu"),
        ({"epochs": 0}, "Epochs must be between 1 and 500; got 0"),
        ({"lr": 10.0}, "The learning rate must be between 0.0001 and 0.1; got 10.0"),
        ({"snapshot_every": 0}, "Snapshot every must be between 1 and 100"),
        ({"batch_size": 4}, "The batch size must be between 8 and 2048"),
        ({"noise": -0.1}, "The input noise must be between 0 and 1"),
    ],
)
def test_bad_settings_are_refused_with_a_readable_message(change, message):
    cfg = replace(AEConfig(), **change)
    with pytest.raises(ValueError, match=message):
        check_config(cfg, 64)
    with pytest.raises(ValueError, match=message):
        train_autoencoder(load_bundled("iris"), cfg)  # 4 features: the same check, before training


def test_no_hidden_layers_are_allowed(digits):
    check_config(replace(AEConfig(), hidden=()), 64)
    result = train_autoencoder(digits, replace(QUICK, hidden=(), epochs=1))
    assert result.latents.shape == (2, digits.n_samples, 2)


def test_the_top_learning_rate_on_standardised_data_stays_finite():
    """Measured: lr 0.1 stays finite on iris and the Swiss roll (no `stopped`)."""
    lr = LIMITS["lr"][1]
    for data in (load_bundled("iris"), make_dataset(DatasetConfig("swiss_roll", n_samples=500))):
        result = train_autoencoder(data, AEConfig(lr=lr, epochs=10, snapshot_every=5, device="cpu"))
        assert result.stopped is None
        assert np.isfinite(result.latents).all() and np.isfinite(result.history[1:]).all()
        assert np.isfinite(result.error).all() and result.error[-1] < result.error[0]


def test_images_are_pixels_in_0_1_and_tables_are_standardised(digits):
    pixels, shape = model_inputs(digits)
    assert shape == (8, 8) and pixels.shape == (1797, 64)
    assert pixels.min() >= 0 and pixels.max() <= 1 and pixels.max() > 0.9
    np.testing.assert_allclose(pixels * 16, digits.X, atol=1e-4)  # the digits' 0-16 grey levels, scaled
    iris = load_bundled("iris")
    X, shape = model_inputs(iris)
    assert shape is None and X.shape == (150, 4) and X.dtype == np.float32
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-4)
    constant = Dataset(
        np.column_stack([np.ones(20), np.arange(20.0), -np.arange(20.0)]), None, ("a", "b", "c"), (), "c"
    )
    X, _ = model_inputs(constant)
    assert np.isfinite(X).all() and (X[:, 0] == 0).all()  # a constant column: centred, not divided by 0
