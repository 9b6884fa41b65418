"""Adversarial attacks on a fixed CNN (8x8 digits): FGSM against eps * sign(grad) by autograd, the
stepped paths' loss never falling, budgets and the [0, 1] range kept, and bad arguments refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.cnn.attack import MAX_STEPS, attack_path, fgsm, robust_accuracy
from engine.cnn.model import CNNConfig, load_model
from engine.cnn.train import torch_threads, train
from engine.data.datasets import load_bundled
from engine.data.images import as_images

CFG = CNNConfig(epochs=1, device="cpu")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: these tiny batches ran 4-8x slower on two threads of a loaded 2-core machine."""
    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def fixed():
    """(model, images (n, 8, 8), labels) for held-out digits of a trained network."""
    digits = as_images(load_bundled("digits"))
    result = train(digits, CFG)
    model = load_model(CFG, result.image_shape, result.n_classes, result.weights)
    rows = result.capture_index[:16]
    return model, digits.pixels[rows], digits.y[rows]


def _grad_by_hand(model, images, labels):
    x = torch.from_numpy(images[:, None].copy()).requires_grad_(True)
    loss = F.cross_entropy(model(x), torch.from_numpy(labels), reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return x.detach(), grad


def test_fgsm_is_a_clipped_signed_gradient_step(fixed):
    model, images, labels = fixed
    x, grad = _grad_by_hand(model, images, labels)
    expected = (x + 0.1 * grad.sign()).clamp(0, 1)
    got = fgsm(model, x, torch.from_numpy(labels), 0.1)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-7)
    assert (got - x).abs().max() <= 0.1 + 1e-6 and got.min() >= 0 and got.max() <= 1


def test_fgsm_path_ends_at_the_full_step_and_raises_the_loss(fixed):
    model, images, labels = fixed
    x, grad = _grad_by_hand(model, images[:1], labels[:1])
    path = attack_path(model, images[0], int(labels[0]), "fgsm", eps=0.2, steps=8)
    assert path.images.shape == (9, 8, 8) and path.proba.shape == (9, 10)
    np.testing.assert_array_equal(path.images[0], images[0])
    expected = (x + 0.2 * grad.sign()).clamp(0, 1)[0, 0].numpy()
    np.testing.assert_allclose(path.images[-1], expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(path.images[4], (x + 0.1 * grad.sign()).clamp(0, 1)[0, 0].numpy(), atol=1e-6)
    assert path.loss[-1] > path.loss[0], path.loss
    np.testing.assert_allclose(path.linf, np.minimum(np.linspace(0, 0.2, 9), path.linf.max()), atol=1e-6)
    with torch.inference_mode():
        logits = model(torch.from_numpy(path.images[:, None].copy()))
    true = F.cross_entropy(logits, torch.full((9,), int(labels[0])), reduction="none").numpy()
    np.testing.assert_allclose(path.loss, true, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(path.stages[-1], logits.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", ["pgd_linf", "pgd_l2"])
def test_stepped_attacks_raise_the_loss_within_budget(fixed, method):
    model, images, labels = fixed
    eps = 0.15 if method == "pgd_linf" else 1.0
    for image, label in zip(images[:4], labels[:4], strict=True):
        path = attack_path(model, image, int(label), method, eps=eps, steps=12)
        assert np.all(np.diff(path.loss) >= 0), path.loss
        assert path.loss[-1] > path.loss[0], path.loss
        assert path.images.min() >= 0 and path.images.max() <= 1
        delta = (path.images - image).reshape(13, -1)
        np.testing.assert_allclose(path.l2, np.linalg.norm(delta, axis=1), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(path.linf, np.abs(delta).max(1), rtol=1e-5, atol=1e-7)
        if method == "pgd_linf":
            assert path.linf.max() <= eps + 1e-6
        else:
            assert path.l2.max() <= eps * (1 + 1e-5)


def test_fgsm_loss_grows_with_eps(fixed):
    model, images, labels = fixed
    y = torch.from_numpy(labels)
    x = torch.from_numpy(images[:, None].copy())
    attacked_x = fgsm(model, x, y, 0.1)
    with torch.inference_mode():
        clean = F.cross_entropy(model(x), y)
        attacked = F.cross_entropy(model(attacked_x), y)
    assert float(attacked) > float(clean)


def test_robust_accuracy_falls_with_the_budget(fixed):
    model, images, labels = fixed
    x, y = torch.from_numpy(images[:, None].copy()), torch.from_numpy(labels)
    with torch.inference_mode():
        clean = float((model(x).argmax(1) == y).float().mean())
    assert robust_accuracy(model, x, y, 0.0, 5) == clean
    assert robust_accuracy(model, x, y, 0.3, 10) <= clean


@pytest.mark.parametrize(
    ("method", "eps", "steps", "phrase"),
    [
        ("fgsm", 0.1, 0, "1 to 200 steps; got 0"),
        ("pgd_linf", 0.1, MAX_STEPS + 1, "got 201"),
        ("carlini", 0.1, 10, "Unknown attack 'carlini'"),
        ("pgd_l2", 0.0, 10, "must be positive"),
    ],
)
def test_bad_attack_arguments_raise(fixed, method, eps, steps, phrase):
    model, images, labels = fixed
    with pytest.raises(ValueError, match=phrase):
        attack_path(model, images[0], int(labels[0]), method, eps=eps, steps=steps)
