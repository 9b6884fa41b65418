"""CNN scenarios on real 28 x 28 MNIST digits: layers untangle the digits (probe accuracy of the input,
the untrained and the trained last block), a tiny push flips the class while noise of its size does
not, and `compare`/`Reference` against brute-force and scikit-learn oracles.

One network is trained for the module on a stratified 1,500-digit subset (seed 0). BLAS and torch
run one thread here: on a loaded 2-core machine OpenBLAS's two threads made the 784 x 784 `eigh` in
the probe's PCA 5-50x slower (the numbers do not change).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from engine.cnn.attack import attack_path
from engine.cnn.manifold import N_NOISE, PCA_DIMS, Reference, compare, push_study
from engine.cnn.model import CNNConfig, load_model
from engine.cnn.scores import cnn_layer_scores
from engine.cnn.train import torch_threads, train
from engine.data.datasets import load_bundled
from engine.data.images import Images, as_images
from engine.data.split import stratified_split

pytestmark = pytest.mark.slow
CFG = CNNConfig(epochs=2, batch_size=32, device="cpu", seed=0)
N_DIGITS = 1_500


@pytest.fixture(scope="module")
def one_thread():
    with threadpool_limits(1), torch_threads(1):
        yield


@pytest.fixture(scope="module")
def mnist(one_thread) -> Images:
    full = as_images(load_bundled("mnist"))
    _, rows = stratified_split(full.y, N_DIGITS / len(full.y), np.random.default_rng(0))
    assert rows.size == N_DIGITS
    return replace(full, pixels=full.pixels[rows], y=full.y[rows])


@pytest.fixture(scope="module")
def trained(mnist):
    result = train(mnist, CFG)
    model = load_model(CFG, result.image_shape, result.n_classes, result.weights)
    ref = Reference.of(mnist.pixels[result.train_index], mnist.y[result.train_index])
    return result, model, ref


def test_layers_untangle_and_random_filters_already_help(mnist, trained):
    result = trained[0]
    assert result.history["test_acc"][-1] > 0.8, result.history
    scores, names = cnn_layer_scores(result, mnist.pixels, mnist.y)
    assert names == ("input", "block 1", "block 2", "output")
    p = scores.probe_acc  # (snapshots, layers)
    pixels, untrained, last = p[-1, 0], p[0, 2], p[-1, 2]
    numbers = f"input {pixels:.3f}, untrained block 2 {untrained:.3f}, trained block 2 {last:.3f}"
    assert p[0, 0] == pixels  # the input does not change with training
    assert last - pixels >= 0.10, f"Layers untangle digits: {numbers}"
    assert untrained - pixels >= 0.05, f"Random filters already help: {numbers}"
    assert last - untrained >= 0.04, f"Training adds: {numbers}"


def test_a_tiny_push_flips_the_class_and_noise_of_its_size_does_not(mnist, trained):
    result, model, ref = trained
    rows = result.test_index[:48]
    study = push_study(model, ref, mnist.pixels[rows], mnist.y[rows])
    numbers = str(study)
    assert study.n >= 35, numbers  # correctly classified digits attacked
    assert study.flipped >= 0.9, numbers
    assert study.norm_share_of_image < 0.4, numbers
    assert study.norm_share_of_nearest < 0.6, numbers
    assert study.noise_flipped <= 0.2, numbers
    assert study.flipped - study.noise_flipped >= 0.7, numbers


def test_compare_against_brute_force_and_sklearn(mnist, trained):
    result, model, ref = trained
    with torch.inference_mode():
        predicted = model(torch.from_numpy(mnist.pixels[result.test_index][:, None])).argmax(1).numpy()
    row = result.test_index[np.flatnonzero(predicted == mnist.y[result.test_index])[0]]
    original, label = mnist.pixels[row], int(mnist.y[row])
    path = attack_path(model, original, label, "pgd_l2", eps=4.0, steps=40)
    adversarial = path.images[-1]
    cmp = compare(model, ref, original, adversarial, label)
    assert cmp.rows == ("original", "adversarial", "noise (same L2 norm)")
    norm = float(np.linalg.norm(adversarial - original))
    assert cmp.l2[0] == 0 and cmp.l2[1] == pytest.approx(norm, rel=1e-6)
    assert cmp.l2[2] == pytest.approx(norm, rel=0.03), cmp.l2  # rescaled after clipping
    assert cmp.flipped[0] == 0 and cmp.flipped[1] == 1, cmp.flipped
    assert 0 <= cmp.flipped[2] <= 1 and cmp.true_proba[1] < cmp.true_proba[0]

    images = np.stack([original, adversarial])
    flat = images.reshape(2, -1).astype(np.float64)
    train_flat = mnist.pixels[result.train_index].reshape(len(result.train_index), -1).astype(np.float64)
    nearest = cdist(flat, train_flat).min(1)
    np.testing.assert_allclose(ref.nearest(images), nearest, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(cmp.nearest[:2], nearest, rtol=1e-4, atol=1e-4)
    pca = PCA(n_components=PCA_DIMS, svd_solver="full").fit(train_flat)
    residual = np.linalg.norm(flat - pca.inverse_transform(pca.transform(flat)), axis=1)
    np.testing.assert_allclose(ref.residual(images), residual, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(cmp.residual[:2], residual, rtol=1e-3, atol=1e-4)
    assert cmp.residual[1] > cmp.residual[0]  # the push leaves the digits' principal subspace


def test_noise_rows_keep_to_the_unit_range(trained, mnist):
    from engine.cnn.manifold import _noise

    original = mnist.pixels[trained[0].test_index[1]]
    noise = _noise(original, 1.5, N_NOISE, np.random.default_rng(0))
    assert noise.shape == (N_NOISE, 28, 28) and noise.min() >= 0 and noise.max() <= 1
    l2 = np.linalg.norm((noise - original).reshape(N_NOISE, -1), axis=1)
    np.testing.assert_allclose(l2, 1.5, rtol=0.03)
