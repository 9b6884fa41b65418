"""CNN engine: captured layers against torch.nn.functional by hand, saliency against autograd and
completeness, determinism, and ValueErrors for bad settings and data (scikit-learn's 8x8 digits)."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.cnn.inspect import digit_view
from engine.cnn.model import LIMITS, CNNConfig, block_shapes, check_config, load_model
from engine.cnn.train import train
from engine.data.datasets import load_bundled
from engine.data.images import Images, as_images

QUICK = CNNConfig(epochs=1, device="cpu")


@pytest.fixture(scope="module")
def digits() -> Images:
    return as_images(load_bundled("digits"))


@pytest.fixture(scope="module")
def run(digits):
    return train(digits, QUICK)


def _model(result):
    return load_model(result.config, result.image_shape, result.n_classes, result.weights)


def _close(actual, expected, what: str) -> None:
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5 * scale, err_msg=what)


def test_result_shapes_and_history(run, digits):
    assert run.image_shape == (8, 8) and run.n_classes == 10
    assert run.layer_names == ("block 1", "block 2", "output")
    assert run.stage_shapes == ((8, 4, 4), (16, 2, 2), (10,))
    np.testing.assert_array_equal(run.epochs, [0, 1])
    n = run.capture_index.size
    assert [a.shape for a in run.layers] == [(2, n, 128), (2, n, 64), (2, n, 10)]
    assert np.intersect1d(run.train_index, run.test_index).size == 0
    assert np.union1d(run.train_index, run.test_index).size == len(digits.y)
    assert np.isin(run.capture_index, run.test_index).all()
    assert run.stopped is None
    assert np.isnan(run.history["train_loss"][0]) and np.isfinite(run.history["train_loss"][1])
    assert run.history["test_acc"][1] > run.history["test_acc"][0]  # one epoch learns something
    assert 1 <= run.threads <= (os.cpu_count() or 1)


def test_conv_block_equals_functional_conv2d_by_hand(run, digits):
    """Block 1 = max_pool2d(relu(conv2d(x, W, b, 'same'))) from the state dict's arrays; block 2 likewise
    from block 1's maps; the output is the linear head on them, and equals the module's logits."""
    w = {k: torch.from_numpy(v) for k, v in run.weights.items()}
    x = torch.from_numpy(digits.pixels[run.capture_index][:, None])
    pad = run.config.kernel // 2
    h1 = F.max_pool2d(F.relu(F.conv2d(x, w["stages.0.0.weight"], w["stages.0.0.bias"], padding=pad)), 2)
    h2 = F.max_pool2d(F.relu(F.conv2d(h1, w["stages.1.0.weight"], w["stages.1.0.bias"], padding=pad)), 2)
    logits = h2.flatten(1) @ w["stages.2.1.weight"].T + w["stages.2.1.bias"]
    _close(run.layers[0][-1], h1.flatten(1).numpy(), "block 1")
    _close(run.layers[1][-1], h2.flatten(1).numpy(), "block 2")
    _close(run.layers[2][-1], logits.numpy(), "output by hand")
    with torch.inference_mode():
        module = _model(run)(x).numpy()
    _close(run.layers[2][-1], module, "output vs the rebuilt module")
    assert not np.allclose(run.layers[0][0], run.layers[0][-1])  # epoch 0 was recorded before training


def test_epoch_zero_is_the_initial_weights(run, digits):
    model = load_model(run.config, run.image_shape, run.n_classes, run.initial_weights)
    x = torch.from_numpy(digits.pixels[run.capture_index][:, None])
    with torch.inference_mode():
        _close(run.layers[-1][0], model(x).numpy(), "epoch 0 logits")


def test_gradient_saliency_equals_autograd(run, digits):
    model = _model(run)
    image = digits.pixels[run.capture_index[0]]
    view = digit_view(model, image, target=3)
    x = torch.from_numpy(image[None, None].copy()).requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x)[0, 3], x)
    _close(view.saliency["gradient"], grad[0, 0].numpy(), "gradient saliency")
    assert view.target == 3 and view.saliency["gradient"].shape == (8, 8)
    assert np.abs(view.saliency["gradient"]).max() > 0


def test_integrated_gradients_are_complete(run, digits):
    """sum(attributions) = f(x) - f(0) up to the reported gap, and the gap is small beside f(x) - f(0)."""
    model = _model(run)
    for row in run.capture_index[:3]:
        image = digits.pixels[row]
        view = digit_view(model, image)
        with torch.inference_mode():
            logits = model(torch.from_numpy(np.stack([image, np.zeros_like(image)])[:, None]))
        rise = float(logits[0, view.target] - logits[1, view.target])
        total = float(view.saliency["integrated gradients"].astype(np.float64).sum())
        assert abs(total - rise - view.ig_delta) < 1e-3 * max(1.0, abs(rise))
        assert abs(view.ig_delta) < 0.05 * abs(rise) + 1e-3, (view.ig_delta, rise)
        assert view.target == int(logits[0].argmax())
        np.testing.assert_allclose(view.proba, torch.softmax(logits[0], 0).numpy(), rtol=1e-5, atol=1e-6)


def test_digit_view_maps_and_filters(run, digits):
    model = _model(run)
    image = digits.pixels[run.capture_index[1]]
    view = digit_view(model, image)
    w, b = run.weights["stages.0.0.weight"], run.weights["stages.0.0.bias"]
    np.testing.assert_array_equal(view.filters[0], w)
    x = torch.from_numpy(image[None, None].copy())
    maps = F.relu(F.conv2d(x, torch.from_numpy(w), torch.from_numpy(b), padding=2))[0].numpy()
    _close(view.feature_maps[0], maps, "feature maps before pooling")
    assert [m.shape for m in view.feature_maps] == [(8, 8, 8), (16, 4, 4)]
    with pytest.raises(ValueError, match="0 to 9"):
        digit_view(model, image, target=10)


@pytest.mark.usefixtures("one_thread")
def test_training_is_deterministic_and_seeded(digits):
    small = Images(digits.pixels[:400], digits.y[:400], digits.class_names, "digits")
    cfg = replace(QUICK, channels=(4,), batch_size=64)
    a, b, c = train(small, cfg), train(small, cfg), train(small, replace(cfg, seed=1))
    assert a.weights.keys() == b.weights.keys()
    for key in a.weights:
        np.testing.assert_array_equal(a.weights[key], b.weights[key], err_msg=key)
    np.testing.assert_array_equal(a.layers[0], b.layers[0])
    assert any(not np.array_equal(a.weights[k], c.weights[k]) for k in a.weights)
    assert not np.array_equal(a.test_index, c.test_index)


def test_snapshots_stream_to_the_callback(digits):
    small = Images(digits.pixels[:300], digits.y[:300], digits.class_names, "digits")
    seen = []
    result = train(small, replace(QUICK, channels=(4,), epochs=2), seen.append)
    assert [s.epoch for s in seen] == [0, 1, 2]
    np.testing.assert_array_equal(seen[-1].layers[0], result.layers[0][-1])
    assert seen[-1].test_acc == result.history["test_acc"][-1]


# --- bad input ------------------------------------------------------------------------------------

BAD_CONFIGS = {
    "channels too many": ({"channels": (8, 64)}, "block 2 has 64"),
    "channels zero": ({"channels": (0,)}, "block 1 has 0"),
    "four blocks": ({"channels": (4, 4, 4, 4)}, "1 to 3 conv blocks; got 4"),
    "no blocks": ({"channels": ()}, "got 0"),
    "kernel 4": ({"kernel": 4}, "one of 3, 5, 7; got 4"),
    "activation": ({"activation": "swish"}, "Unknown activation 'swish'"),
    "optimizer": ({"optimizer": "lbfgs"}, "Unknown optimizer 'lbfgs'"),
    "lr too big": ({"lr": 2.0}, "learning rate must be between"),
    "lr zero": ({"lr": 0.0}, "learning rate must be between"),
    "epochs": ({"epochs": 0}, "Epochs must be between"),
    "epochs float": ({"epochs": 1.5}, "epochs must be a whole number"),
    "dense too wide": ({"dense": (512,)}, "layer 1 has 512"),
    "eps": ({"eps": 0.9}, "budget"),
    "test fraction": ({"test_fraction": 1.0}, "test fraction"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_settings_raise_a_clear_value_error(case):
    change, phrase = BAD_CONFIGS[case]
    with pytest.raises(ValueError, match=phrase):
        check_config(replace(CNNConfig(), **change))


def test_limits_are_accepted():
    for key, value in [("lr", LIMITS["lr"][0]), ("lr", LIMITS["lr"][1]), ("epochs", LIMITS["epochs"][1])]:
        check_config(replace(CNNConfig(), **{key: value}))
    check_config(CNNConfig(channels=(32, 32, 32), kernel=7, dense=(256, 4)))


def test_images_too_small_for_the_blocks():
    three = CNNConfig(channels=(4, 4, 4))
    assert [s[1:] for s in block_shapes(three, (8, 8))] == [(4, 4), (2, 2), (1, 1)]
    assert block_shapes(CNNConfig(channels=(4,)), (3, 3)) == [(4, 1, 1)]
    with pytest.raises(ValueError, match="3 x 3 images are too small for 2 blocks.*block 2"):
        block_shapes(CNNConfig(channels=(4, 4)), (3, 3))
    with pytest.raises(ValueError, match="4 x 4 images are too small for 3 blocks.*block 3"):
        block_shapes(three, (4, 4))
    tiny = Images(
        np.random.default_rng(0).random((40, 4, 4), dtype=np.float32), np.arange(40) % 2, ("a", "b"), "tiny"
    )
    with pytest.raises(ValueError, match="too small"):
        train(tiny, replace(QUICK, channels=(4, 4, 4)))


def test_one_image_of_a_class_cannot_be_split(digits):
    keep = np.r_[np.flatnonzero(digits.y != 7)[:200], np.flatnonzero(digits.y == 7)[:1]]
    one = Images(digits.pixels[keep], digits.y[keep], digits.class_names, "digits")
    with pytest.raises(ValueError, match="Class '7' has only 1 sample"):
        train(one, QUICK)


def test_a_diverging_loss_stops_training(digits):
    """Pixels of 0 to 10,000 (Images built by hand; as_images would scale them) and SGD at the top
    learning rate: the loss overflows and training ends at the last finite epoch, whose weights it keeps."""
    small = Images(digits.pixels[:400] * 1e4, digits.y[:400], digits.class_names, "digits")
    cfg = replace(
        QUICK, optimizer="sgd", lr=1.0, epochs=3, channels=(4,), dense=(64,), activation="leaky_relu"
    )
    result = train(small, cfg)
    assert (
        result.stopped is not None
        and "epoch 1" in result.stopped
        and "Lower the learning rate" in result.stopped
    )
    last = int(result.epochs[-1])
    assert (
        last < 3 and f"in epoch {last + 1}" in result.stopped and f"ended at epoch {last}" in result.stopped
    )
    np.testing.assert_array_equal(result.epochs, np.arange(last + 1))
    assert all(len(v) == last + 1 for v in result.history.values())
    assert np.isfinite(result.history["train_loss"][1:]).all()
    assert all(np.isfinite(v).all() for v in result.weights.values())


def test_a_diverging_run_keeps_only_finite_epochs(digits):
    small = Images(digits.pixels[:400] * 1e4, digits.y[:400], digits.class_names, "digits")
    cfg = replace(
        QUICK, optimizer="sgd", lr=1.0, epochs=3, channels=(4,), dense=(64,), activation="leaky_relu"
    )
    result = train(small, cfg)
    assert result.stopped is not None
    assert np.isfinite(result.history["test_loss"]).all(), result.history
    assert all(np.isfinite(a).all() for a in result.layers)


def test_the_top_learning_rate_on_unit_pixels_stays_finite(digits):
    """On pixels in [0, 1], plain SGD at lr = LIMITS["lr"][1] does not blow up in 3 epochs here; the
    run must then end normally with finite weights (no silent NaNs)."""
    small = Images(digits.pixels[:400], digits.y[:400], digits.class_names, "digits")
    result = train(small, replace(QUICK, optimizer="sgd", lr=LIMITS["lr"][1], epochs=3, channels=(4,)))
    assert result.stopped is None
    np.testing.assert_array_equal(result.epochs, [0, 1, 2, 3])
    assert np.isfinite(result.history["train_loss"][1:]).all()
    assert all(np.isfinite(v).all() for v in result.weights.values())
