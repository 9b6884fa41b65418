"""MLP training engine: autograd and torch.optim oracles, snapshots, determinism, divergence, validation."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import engine.nets.mlp as nw
from engine.backend import Optimizer, make_backend
from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from engine.nets.mlp import ACTIVATIONS, TrainConfig, forward, train
from engine.nets.reference import gradients

ROOT = Path(__file__).resolve().parents[3]
QUICK = TrainConfig(epochs=30, snapshot_every=10, grid_size=11, device="cpu")
TORCH_ACT = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "sigmoid": torch.sigmoid,
    "gelu": lambda z: F.gelu(z, approximate="tanh"),
    "linear": lambda z: z,
}


@pytest.fixture(scope="module")
def moons() -> Dataset:
    return make_dataset(DatasetConfig("moons", n_samples=200, noise=0.1))


def _leaves(weights):
    return [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights]


def _torch_loss(leaves, X, y, activation, l2):
    """Mean cross-entropy + l2 / 2 * squared weights, built for autograd."""
    h = torch.tensor(X)
    for i, (W, b) in enumerate(leaves):
        h = h @ W + b
        if i < len(leaves) - 1:
            h = TORCH_ACT[activation](h)
    return F.cross_entropy(h, torch.tensor(y)) + l2 / 2 * sum((W**2).sum() for W, _ in leaves)


def _initial_weights(data, cfg):
    """The weights at epoch 0: those of the network `train` builds for `cfg`, before any epoch."""
    return nw.build(data, cfg).net.weights()


def _train_rows(data, result):
    X = (data.X[result.train_index] - result.mean) / result.scale
    return X, data.y[result.train_index]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gradients_equal_autograd(activation, dtype):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, 40)
    weights = [(rng.normal(0, 0.7, (a, b)), rng.normal(0, 0.3, b)) for a, b in [(3, 5), (5, 4), (4, 3)]]
    leaves = _leaves(weights)
    _torch_loss(leaves, X, y, activation, l2=0.05).backward()
    ours = gradients(weights, X, y, activation, l2=0.05, dtype=dtype)
    # float64: autograd's sums in another order; float32: 40-row sums whose terms cancel, so the bound
    # is relative to the layer's largest gradient (a few float32 roundings of it)
    tol = 1e-11 if dtype == "float64" else 2e-6
    for (dW, db), (W, b) in zip(ours, leaves, strict=True):
        scale = np.abs(W.grad.numpy()).max()
        np.testing.assert_allclose(dW, W.grad.numpy(), rtol=tol, atol=tol * scale)
        np.testing.assert_allclose(db, b.grad.numpy(), rtol=tol, atol=tol * scale)
        assert np.abs(W.grad.numpy()).max() > 1e-3  # the comparison is not between zeros


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "sigmoid"])
def test_snapshots_equal_a_reference_forward_pass(moons, activation):
    cfg = replace(QUICK, activation=activation, hidden=(6, 5, 4))
    result = train(moons, cfg)
    X = (moons.X - result.mean) / result.scale
    on_data = forward(result.weights, X, activation)
    # float32 kernel against the float64 pass: each layer's values (up to ~15) carry a few float32
    # roundings of the layer's largest value; near-zero units get that bound, not a relative one
    for ours, ref in zip(result.layers, on_data, strict=True):
        np.testing.assert_allclose(ours[-1], ref, rtol=2e-6, atol=2e-6 * np.abs(ref).max())
    grid = (result.grid - result.mean) / result.scale
    on_grid = forward(result.weights, grid, activation)
    for ours, ref in zip(result.grid_layers, on_grid, strict=True):
        np.testing.assert_allclose(ours[-1], ref, rtol=2e-6, atol=2e-6 * np.abs(ref).max())
    proba = np.exp(on_grid[-1] - on_grid[-1].max(axis=1, keepdims=True))
    # probabilities in [0, 1] from float32 logits of ~10: a few roundings of the logits each
    np.testing.assert_allclose(result.grid_proba[-1], proba / proba.sum(axis=1, keepdims=True), atol=3e-6)
    logits, y = on_data[-1][result.train_index], moons.y[result.train_index]
    loss = np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(len(y)), y])
    assert result.history["train_loss"][-1] == pytest.approx(loss, rel=2e-6)  # float32 loss over 140 rows


def test_an_intermediate_snapshot_is_the_state_at_its_epoch(moons):
    short = train(moons, replace(QUICK, epochs=20))
    long = train(moons, replace(QUICK, epochs=40))
    k = list(long.epochs).index(20)
    for a, b in zip(short.layers, long.layers, strict=True):
        np.testing.assert_array_equal(a[-1], b[k])
    np.testing.assert_array_equal(short.grid_proba[-1], long.grid_proba[k])


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_one_sgd_step_is_w_minus_lr_grad(moons, l2):
    cfg = replace(QUICK, optimizer="sgd", lr=0.5, l2=l2, epochs=1)
    before = _initial_weights(moons, cfg)
    after = train(moons, cfg)
    X, y = _train_rows(moons, after)
    grads = gradients(before, X, y, cfg.activation, l2)
    for (W0, b0), (W1, b1), (dW, db) in zip(before, after.weights, grads, strict=True):
        np.testing.assert_allclose(W1, W0 - cfg.lr * dW, atol=1e-6)
        np.testing.assert_allclose(b1, b0 - cfg.lr * db, atol=1e-6)


@pytest.mark.parametrize(
    "name,make",
    [
        ("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
        ("momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8)),
        ("adam", lambda p: torch.optim.Adam(p, lr=0.1)),
    ],
)
def test_optimizer_steps_equal_torch_optim(name, make):
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=50), rng.normal(size=(3, 50))
    ours = start.copy()
    opt = Optimizer(make_backend("cpu", dtype="float64"), 50, name, lr=0.1, momentum=0.8)
    param = torch.tensor(start, requires_grad=True)
    reference = make([param])
    for g in grads:
        opt.step(ours, g)
        param.grad = torch.tensor(g)
        reference.step()
        np.testing.assert_allclose(ours, param.detach().numpy(), atol=1e-12)
    assert not np.allclose(ours, start)


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_three_epochs_equal_torch_training(moons, optimizer):
    cfg = replace(QUICK, optimizer=optimizer, lr=0.05, l2=0.01, epochs=3)
    before = _initial_weights(moons, cfg)
    result = train(moons, cfg)
    X, y = _train_rows(moons, result)
    leaves = _leaves(before)
    params = [t for pair in leaves for t in pair]
    opt = (
        torch.optim.Adam(params, lr=cfg.lr)
        if optimizer == "adam"
        else torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)
    )
    for _ in range(cfg.epochs):
        opt.zero_grad()
        _torch_loss(leaves, X, y, cfg.activation, cfg.l2).backward()
        opt.step()
    for (W, b), (tW, tb) in zip(result.weights, leaves, strict=True):
        np.testing.assert_allclose(W, tW.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(b, tb.detach().numpy(), atol=1e-5)


def test_default_network_learns_moons():
    data = make_dataset(DatasetConfig("moons", n_samples=500, noise=0.1))
    result = train(data, TrainConfig(device="cpu"))
    assert result.stopped is None
    assert result.history["test_acc"][-1] > 0.95
    assert result.history["train_loss"][-1] < result.history["train_loss"][0] / 5


@pytest.mark.parametrize("batch_size", [0, 16])
def test_same_seed_same_result_and_global_rngs_untouched(moons, batch_size):
    cfg = replace(QUICK, batch_size=batch_size, activation="gelu")
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state().clone()
    a, b = train(moons, cfg), train(moons, cfg)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    for x, y in zip(a.layers + a.grid_layers, b.layers + b.grid_layers, strict=True):
        np.testing.assert_array_equal(x, y)
    for key in a.history:
        np.testing.assert_array_equal(a.history[key], b.history[key])
    np.testing.assert_array_equal(a.test_index, b.test_index)
    other = train(moons, replace(cfg, seed=1))
    assert not np.array_equal(a.layers[0], other.layers[0])
    assert not np.array_equal(a.test_index, other.test_index)


@pytest.mark.parametrize("activation,lr,hidden", [("relu", 10.0, (16, 16)), ("relu", 100.0, (8, 8))])
def test_divergence_stops_with_a_message_and_keeps_good_data(moons, activation, lr, hidden):
    cfg = replace(QUICK, activation=activation, optimizer="sgd", lr=lr, hidden=hidden, epochs=200)
    result = train(moons, cfg)
    assert result.stopped is not None
    assert f"learning rate {lr:g} is too large for SGD" in result.stopped
    assert "epoch" in result.stopped and "try 0.01-1" in result.stopped
    assert result.epochs[-1] < cfg.epochs
    assert len(result.history["train_loss"]) < cfg.epochs + 1
    assert all(np.isfinite(v).all() for v in result.history.values())
    assert all(np.isfinite(a).all() for a in result.layers)
    X = (moons.X - result.mean) / result.scale  # the weights are those of the last snapshot
    logits = forward(result.weights, X, activation)[-1]  # float64, against the float32 snapshot
    np.testing.assert_allclose(result.layers[-1][-1], logits, rtol=2e-6, atol=2e-6 * np.abs(logits).max())


def test_initial_weights_are_those_of_epoch_0(moons):
    cfg = replace(QUICK, epochs=1, snapshot_every=1)
    seen = []
    result = train(moons, cfg, on_snapshot=seen.append)
    X = (moons.X - result.mean) / result.scale
    logits = forward(_initial_weights(moons, cfg), X, cfg.activation)[-1]
    assert seen[0].epoch == 0
    np.testing.assert_allclose(seen[0].layers[-1], logits, rtol=2e-6, atol=2e-6 * np.abs(logits).max())


def test_callbacks_stream_every_snapshot(moons):
    seen = []
    result = train(moons, replace(QUICK, epochs=25), on_snapshot=seen.append)
    assert result.stopped is None
    assert [s.epoch for s in seen] == list(result.epochs) == [0, 10, 20, 25]
    assert all(s.plane == result.plane for s in seen) and result.plane.shape == (11, 11)
    assert len(result.history["train_loss"]) == 26
    for k, snap in enumerate(seen):
        for a, b in zip(snap.layers, result.layers, strict=True):
            np.testing.assert_array_equal(a, b[k])
        assert snap.test_acc == result.history["test_acc"][snap.epoch]
        assert snap.train_loss == result.history["train_loss"][snap.epoch]


def test_snapshot_shapes_and_grid(moons):
    result = train(moons, replace(QUICK, epochs=23, snapshot_every=5, hidden=(7, 3)))
    n, g = moons.n_samples, 11**2
    assert list(result.epochs) == [0, 5, 10, 15, 20, 23]
    assert [a.shape for a in result.layers] == [(6, n, 7), (6, n, 3), (6, n, 2)]
    assert all(a.dtype == np.float32 for a in result.layers)
    assert [a.shape for a in result.grid_layers] == [(6, g, 7), (6, g, 3), (6, g, 2)]
    np.testing.assert_allclose(result.grid_proba.sum(axis=2), 1, atol=1e-6)  # float32: two or three terms
    assert result.plane.shape == (11, 11)
    np.testing.assert_array_equal(result.grid, result.plane.points)
    assert (result.grid.min(axis=0) < moons.X.min(axis=0)).all()
    assert (result.grid.max(axis=0) > moons.X.max(axis=0)).all()
    assert set(result.history) == {"train_loss", "test_loss", "train_acc", "test_acc"}
    assert all(len(v) == 24 for v in result.history.values())
    assert len(result.test_index) == 60 and np.intersect1d(result.train_index, result.test_index).size == 0
    assert np.bincount(moons.y[result.test_index]).tolist() == [30, 30]  # stratified
    assert [W.shape for W, _ in result.weights] == [(2, 7), (7, 3), (3, 2)]


def test_three_d_data_has_no_grid():
    data = make_dataset(DatasetConfig("linked_rings", n_samples=120))
    result = train(data, QUICK)
    assert result.grid is None and result.grid_layers is None and result.grid_proba is None
    assert result.weights[0][0].shape == (3, 8)


def test_three_spirals():
    data = make_dataset(DatasetConfig("spirals", n_samples=300, n_classes=3, noise=0.1))
    result = train(data, replace(QUICK, hidden=(32, 32), epochs=300, snapshot_every=50))
    assert result.layers[-1].shape == (7, 300, 3)
    assert result.grid_proba.shape[2] == 3
    assert result.history["train_acc"][-1] > 0.8


def test_batch_size_one_and_no_test_set():
    data = make_dataset(DatasetConfig("moons", n_samples=30, noise=0.1))
    cfg = replace(QUICK, batch_size=1, epochs=5, snapshot_every=1, optimizer="sgd", lr=0.1, test_fraction=0)
    result = train(data, cfg)
    full = train(data, replace(cfg, batch_size=0))
    assert len(result.test_index) == 0 and np.isnan(result.history["test_acc"]).all()
    assert not np.allclose(result.weights[0][0], full.weights[0][0])
    assert result.history["train_loss"][-1] < result.history["train_loss"][0]


def test_torch_backend_agrees_with_numpy(moons, monkeypatch):
    cfg = replace(QUICK, activation="gelu", batch_size=32, optimizer="momentum", lr=0.05, l2=0.01)
    ours = train(moons, cfg)
    monkeypatch.setattr(nw, "make_backend", lambda device: make_backend(device, "torch"))
    theirs = train(moons, cfg)
    # both float32, summed in different orders over 30 epochs of training: relative to each layer's scale
    for a, b in zip(ours.layers + ours.grid_layers, theirs.layers + theirs.grid_layers, strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=2e-6 * np.abs(b).max())
    np.testing.assert_allclose(ours.history["train_loss"], theirs.history["train_loss"], rtol=2e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_agrees_with_cpu(moons):
    cfg = replace(QUICK, hidden=(32, 32), batch_size=64, device="cuda")
    gpu, again = train(moons, cfg), train(moons, cfg)
    cpu = train(moons, replace(cfg, device="cpu"))
    assert gpu.device == "cuda"
    for a, b, c in zip(gpu.layers, again.layers, cpu.layers, strict=True):
        np.testing.assert_array_equal(a, b)
        # float32 on both; 30 epochs of mini-batch training let the reduction-order differences grow
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4 * np.abs(c).max())
    np.testing.assert_allclose(gpu.history["test_acc"], cpu.history["test_acc"], atol=0.02)


@pytest.mark.parametrize(
    "change,phrase",
    [
        ({"hidden": ()}, "1 to 6 hidden layers"),
        ({"hidden": (8,) * 7}, "1 to 6 hidden layers"),
        ({"hidden": (8, 1)}, "layer 2 has 1"),
        ({"hidden": (300,)}, "2 to 256 units"),
        ({"activation": "swish"}, "Unknown activation 'swish'"),
        ({"optimizer": "rmsprop"}, "Unknown optimizer 'rmsprop'"),
        ({"lr": 0.0}, "learning rate must be between 0.0001 and 100"),
        ({"lr": 1000.0}, "learning rate must be between 0.0001 and 100"),
        ({"momentum": 1.0}, "Momentum must be"),
        ({"l2": -1.0}, "L2 must be"),
        ({"l2": 0.2}, "L2 must be between 0 and 0.1"),
        ({"epochs": 0}, "Epochs must be between 1 and 3,000"),
        ({"epochs": 3001}, "Epochs must be between"),
        ({"epochs": 10.5}, "epochs must be a whole number"),
        ({"snapshot_every": 0}, "snapshot_every must be at least 1"),
        ({"snapshot_every": 3001}, "at most 3,000 epochs"),
        ({"batch_size": -1}, "Batch size must be 0"),
        ({"batch_size": 20_001}, "up to 20,000"),
        ({"batch_size": 500}, "at most the 140 training rows"),
        ({"test_fraction": 0.95}, "test fraction must be between 0 and 0.9"),
        ({"grid_size": 3}, "grid size must be 0"),
        ({"seed": -1}, "seed must be"),
        ({"device": "tpu"}, "Unknown device"),
    ],
)
def test_bad_settings_raise_a_clear_error(moons, change, phrase):
    with pytest.raises(ValueError, match=phrase):
        train(moons, replace(QUICK, **change))


def test_bad_data_raises_a_clear_error(moons):
    with pytest.raises(ValueError, match="label column with at least two classes"):
        train(replace(moons, y=None), QUICK)
    with pytest.raises(ValueError, match="label column with at least two classes"):
        train(replace(moons, y=np.zeros(moons.n_samples, dtype=np.int64)), QUICK)
    y = moons.y.copy()
    y[0] = 2
    lonely = replace(moons, y=y, class_names=("a", "b", "c"))
    with pytest.raises(ValueError, match="Class 'c' has only 1 sample, too few to split"):
        train(lonely, QUICK)
    assert train(lonely, replace(QUICK, test_fraction=0)).layers[-1].shape[2] == 3


def test_too_many_snapshots_for_memory(moons, monkeypatch):
    monkeypatch.setattr(nw, "MEMORY_SHARE", 1e-9)
    with pytest.raises(ValueError, match="set snapshot_every to"):
        train(moons, QUICK)


def test_importing_the_engine_does_not_import_torch():
    code = "import sys, engine.nets.mlp; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
