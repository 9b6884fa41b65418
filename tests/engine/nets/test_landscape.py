"""Loss landscape of a trained network: the recorded trajectory, the batched slice against the
per-point loop, filter-normalised and PCA directions, seeds, validation, and CUDA against the CPU."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.backend import make_backend
from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from engine.nets.landscape import (
    LandscapeConfig,
    filter_normalised,
    grid_losses,
    layer_matrices,
    loss_landscape,
    record_trajectory,
)
from engine.nets.mlp import TrainConfig, train
from engine.nets.reference import point_loss

CFG = TrainConfig(hidden=(8, 8), epochs=60, snapshot_every=5, grid_size=0, lr=0.05, device="cpu")


@pytest.fixture(scope="module")
def data() -> Dataset:
    return make_dataset(DatasetConfig("blobs", n_samples=240, noise=0.3, n_classes=3, seed=2))


@pytest.fixture(scope="module")
def trajectory(data):
    return record_trajectory(data, CFG)


def test_trajectory_is_the_training_run_of_train(data, trajectory):
    result = train(data, CFG)
    np.testing.assert_array_equal(trajectory.epochs, result.epochs)
    last = [np.c_[W.T, b] for W, b in result.weights]
    for got, want in zip(layer_matrices(trajectory.weights[-1], trajectory.sizes), last, strict=True):
        np.testing.assert_array_equal(got, want)  # the same run, op for op: bit for bit
    np.testing.assert_array_equal(trajectory.train_loss, result.history["train_loss"][result.epochs])
    assert trajectory.weights.shape == (
        13,
        sum(o * (i + 1) for i, o in zip((2, 8, 8), (8, 8, 3), strict=True)),
    )
    assert len(trajectory.y) == len(result.train_index)


@pytest.fixture(scope="module")
def moons() -> Dataset:
    return make_dataset(DatasetConfig("moons", n_samples=200, noise=0.2, seed=3))


@pytest.mark.parametrize(
    "activation, classes",
    [("tanh", 3), ("relu", 3), ("gelu", 3), ("leaky_relu", 3), ("sigmoid", 3), ("tanh", 2), ("relu", 2)],
)
def test_batched_grid_equals_the_per_point_loop(data, moons, activation, classes):
    """Three classes take the log-sum-exp path; two take the margin's softplus."""
    traj = record_trajectory(moons if classes == 2 else data,
                             replace(CFG, activation=activation, epochs=20, hidden=(6, 5, 4)))  # fmt: skip
    assert traj.sizes[-1] == classes
    rng = np.random.default_rng(0)
    center = traj.weights[-1].astype(np.float64)
    d1, d2 = (filter_normalised(center, traj.sizes, rng) for _ in range(2))
    coords = rng.uniform(-1.5, 1.5, size=(37, 2))
    seen = []
    batched = grid_losses(make_backend("cpu"), center, d1, d2, coords, traj.sizes, activation, traj.X, traj.y,
                          max_elements=3000,  # several chunks (shared by threads), the last one short
                          on_progress=lambda f: seen.append((f, threading.get_ident())))  # fmt: skip
    assert seen[-1][0] == 1.0 and [f for f, _ in seen] == sorted(f for f, _ in seen)
    assert {t for _, t in seen} == {threading.get_ident()}  # progress is reported from the caller's thread
    loop = [point_loss(center + a * d1 + b * d2, traj.sizes, activation, traj.X, traj.y) for a, b in coords]
    # float32 slice against the float64 loop: losses up to ~100 from 3 layers of <= 7-term dot products, a
    # log-sum-exp and a mean over 240 rows, each a few float32 roundings (2^-24 = 6e-8) relative
    np.testing.assert_allclose(batched, loop, rtol=5e-6)
    assert np.ptp(loop) > 0.1  # the slice is not flat, so the comparison means something


@pytest.mark.parametrize("classes", [2, 3])
def test_far_from_the_minimum_the_loss_stays_finite_and_exact(data, moons, classes):
    """Far out the logits are in the hundreds: exp would overflow without the max / |m| shifts."""
    traj = record_trajectory(moons if classes == 2 else data, replace(CFG, epochs=10))
    center = traj.weights[-1].astype(np.float64)
    d1, d2 = (filter_normalised(center, traj.sizes, np.random.default_rng(4)) for _ in range(2))
    coords = np.array([[40.0, -40.0], [-60.0, 25.0], [0.0, 0.0]])
    got = grid_losses(make_backend("cpu"), center, d1, d2, coords, traj.sizes, "relu", traj.X, traj.y)
    want = [point_loss(center + a * d1 + b * d2, traj.sizes, "relu", traj.X, traj.y) for a, b in coords]
    assert np.isfinite(got).all() and max(want) > 20
    np.testing.assert_allclose(got, want, rtol=5e-6)  # float32 against float64, as above; losses >= 0.1


@pytest.mark.parametrize("classes", [2, 3])
def test_torch_backend_gives_the_numpy_slice(trajectory, moons, classes):
    if classes == 2:
        trajectory = record_trajectory(moons, CFG)
    rng = np.random.default_rng(1)
    center = trajectory.weights[-1].astype(np.float64)
    d1, d2 = (filter_normalised(center, trajectory.sizes, rng) for _ in range(2))
    coords = rng.uniform(-1, 1, size=(20, 2))
    args = (center, d1, d2, coords, trajectory.sizes, "tanh", trajectory.X, trajectory.y)
    np.testing.assert_allclose(grid_losses(make_backend("cpu", "torch"), *args),
                               grid_losses(make_backend("cpu"), *args), rtol=5e-6)  # both float32  # fmt: skip


def test_filter_normalised_directions_match_each_neurons_norm(trajectory):
    center = trajectory.weights[-1].astype(np.float64)
    d = filter_normalised(center, trajectory.sizes, np.random.default_rng(0))
    for D, W in zip(
        layer_matrices(d, trajectory.sizes), layer_matrices(center, trajectory.sizes), strict=True
    ):
        # float64; the 1e-12 guard in the normalising denominator is ~1e-12 relative on norms of ~0.1-3
        np.testing.assert_allclose(
            np.linalg.norm(D[:, :-1], axis=1), np.linalg.norm(W[:, :-1], axis=1), rtol=1e-10
        )
        assert (D[:, -1] == 0).all()


def test_random_slice_is_centred_on_the_trained_weights(trajectory):
    land = loss_landscape(trajectory, LandscapeConfig(size=11, span=0.5, device="cpu"))
    assert land.loss.shape == (11, 11) and land.alphas[5] == 0 and land.betas[5] == 0
    assert land.loss[5, 5] == pytest.approx(trajectory.train_loss[-1], rel=5e-6)  # two float32 evaluations
    np.testing.assert_array_equal(
        land.path[-1], [0, 0]
    )  # the last snapshot is the centre: a zero right-hand side
    np.testing.assert_array_equal(land.path_loss, trajectory.train_loss)
    assert land.loss.max() > land.loss[5, 5]
    assert np.isnan(land.explained).all() and land.device == "cpu"


def test_pca_slice_covers_the_projected_path(trajectory):
    land = loss_landscape(trajectory, LandscapeConfig(directions="pca", size=9, span=0.2, device="cpu"))
    assert 0.5 < land.explained.sum() <= 1.0 and land.explained[0] >= land.explained[1]
    assert (land.path[:, 0] >= land.alphas[0]).all() and (land.path[:, 0] <= land.alphas[-1]).all()
    assert (land.path[:, 1] >= land.betas[0]).all() and (land.path[:, 1] <= land.betas[-1]).all()
    start_distance = np.linalg.norm(land.path[0])
    assert start_distance > 10 * np.linalg.norm(land.path[-2] - land.path[-1])


def test_seeds_reproduce_the_slice(trajectory):
    cfg = LandscapeConfig(size=7, device="cpu", seed=4)
    a, b = loss_landscape(trajectory, cfg), loss_landscape(trajectory, cfg)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert not np.allclose(loss_landscape(trajectory, replace(cfg, seed=5)).loss, a.loss)


@pytest.mark.parametrize(
    "cfg,phrase",
    [
        (LandscapeConfig(directions="hessian"), "Unknown directions"),
        (LandscapeConfig(size=3), "grid size"),
        (LandscapeConfig(span=0.0), "span"),
        (LandscapeConfig(seed=-1), "seed"),
    ],
)
def test_bad_settings_raise_a_clear_value_error(trajectory, cfg, phrase):
    with pytest.raises(ValueError, match=phrase):
        loss_landscape(trajectory, replace(cfg, device="cpu"))


def test_pca_needs_a_path_with_two_directions(data):
    short = record_trajectory(data, replace(CFG, epochs=1, snapshot_every=1))  # two snapshots: one direction
    with pytest.raises(ValueError, match="fewer than two directions"):
        loss_landscape(short, LandscapeConfig(directions="pca", device="cpu"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_slice_agrees_with_cpu(trajectory):
    cfg = LandscapeConfig(size=15, device="cuda")
    gpu, cpu = loss_landscape(trajectory, cfg), loss_landscape(trajectory, replace(cfg, device="cpu"))
    assert gpu.device == "cuda"
    # both float32 (no TF32 by default); CUDA's exp / log and reduction order differ by a few roundings more
    np.testing.assert_allclose(gpu.loss, cpu.loss, rtol=2e-5)


def test_the_one_thread_blas_limit_is_undone_when_sessions_overlap():
    """Two sessions computing slices at once: the first to leave must not leave BLAS on one thread."""
    import time

    from threadpoolctl import threadpool_info

    from engine.nets.landscape import _one_blas_thread

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    if max(before, default=1) <= 1:
        pytest.skip("BLAS runs on one thread here anyway")
    a_in, a_go, b_go = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with _one_blas_thread():
            a_in.set()
            a_go.wait(5)

    def second() -> None:
        with _one_blas_thread():
            b_go.wait(5)

    ta, tb = threading.Thread(target=first), threading.Thread(target=second)
    ta.start()
    a_in.wait(5)
    tb.start()
    time.sleep(0.2)  # the second session asks for the limit while the first holds it
    a_go.set()
    ta.join(5)
    b_go.set()
    tb.join(5)
    assert blas_threads() == before
