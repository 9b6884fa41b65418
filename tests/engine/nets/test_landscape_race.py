"""Optimizers raced on a network's loss landscape: the trajectory's own racer reproduces it, the real and
slice losses against per-point references, divergence of one racer, progress, and validation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.backend import make_backend
from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from engine.nets.landscape import LandscapeConfig, grid_losses, loss_landscape, record_trajectory
from engine.nets.landscape_race import LandscapeRaceConfig, Racer, race_on_landscape, racer_config
from engine.nets.mlp import TrainConfig
from engine.nets.reference import point_loss

CFG = TrainConfig(hidden=(8, 8), epochs=40, snapshot_every=4, grid_size=0, lr=0.05, device="cpu")
OWN = Racer(CFG.optimizer, CFG.lr, CFG.batch_size)
RACE = LandscapeRaceConfig((Racer("sgd", 0.5), OWN, Racer("momentum", 0.05), Racer("sgd", 0.1, 16)))


@pytest.fixture(scope="module")
def data() -> Dataset:
    return make_dataset(DatasetConfig("blobs", n_samples=240, noise=0.3, n_classes=3, seed=2))


@pytest.fixture(scope="module")
def trajectory(data):
    return record_trajectory(data, CFG)


@pytest.fixture(scope="module")
def land(trajectory):
    return loss_landscape(trajectory, LandscapeConfig(size=9, device="cpu"))


@pytest.fixture(scope="module")
def race(data, trajectory, land):
    return race_on_landscape(data, trajectory, land, RACE)


def test_the_trajectorys_own_racer_retraces_it(data, trajectory, land, race):
    again = record_trajectory(data, racer_config(CFG, OWN))
    np.testing.assert_array_equal(again.weights, trajectory.weights)
    np.testing.assert_array_equal(race.path[:, 1], land.path)
    np.testing.assert_array_equal(race.real_loss[:, 1], trajectory.train_loss)
    np.testing.assert_array_equal(race.epochs, trajectory.epochs)
    assert race.labels[1] == "Adam (lr 0.05)" and race.labels[3] == "SGD (lr 0.1, batch 16)"


def test_every_racer_starts_from_the_trajectorys_start(race, land):
    np.testing.assert_allclose(race.path[0], np.repeat(land.path[:1], 4, axis=0), atol=1e-12)
    assert not np.allclose(race.path[-1, 0], race.path[-1, 1]), "different optimizers end apart"
    assert not np.allclose(race.real_loss[:, 0], race.real_loss[:, 3]), "mini-batches change the run"


def test_real_loss_is_the_networks_loss_at_its_recorded_weights(data, trajectory, race):
    run = record_trajectory(data, racer_config(CFG, RACE.racers[2]))
    for k in (0, 3, len(run.epochs) - 1):
        want = point_loss(run.weights[k], trajectory.sizes, CFG.activation, trajectory.X, trajectory.y)
        assert race.real_loss[k, 2] == pytest.approx(want, rel=1e-5)


def test_slice_loss_is_the_slices_loss_at_the_projected_point(trajectory, land, race):
    coords = race.path.reshape(-1, 2)
    got = grid_losses(make_backend("cpu"), land.center, land.d1, land.d2, coords, trajectory.sizes,
                      CFG.activation, trajectory.X, trajectory.y)  # fmt: skip
    np.testing.assert_array_equal(race.slice_loss.ravel(), got)
    a, b = race.path[-1, 0]
    point = land.center + a * land.d1 + b * land.d2
    want = point_loss(point, trajectory.sizes, CFG.activation, trajectory.X, trajectory.y)
    assert race.slice_loss[-1, 0] == pytest.approx(want, rel=1e-4)
    assert (race.real_loss[0] - race.slice_loss[0] > 0.1).all(), "the start lies far off the plane"


def test_one_racer_diverges_and_the_others_race_on(data):
    relu = record_trajectory(data, replace(CFG, activation="relu", epochs=200, snapshot_every=10))
    land = loss_landscape(relu, LandscapeConfig(size=5, device="cpu"))
    result = race_on_landscape(data, relu, land, LandscapeRaceConfig((Racer("sgd", 100.0), OWN)))
    k = result.diverged_at[0]
    assert 0 < k < len(result.epochs) and "too large for SGD" in result.stopped[0]
    assert np.isnan(result.path[k:, 0]).all() and np.isnan(result.real_loss[k:, 0]).all()
    assert np.isnan(result.slice_loss[k:, 0]).all() and np.isfinite(result.slice_loss[:k, 0]).all()
    assert result.diverged_at[1] == -1 and result.stopped[1] is None
    assert np.isfinite(result.real_loss[:, 1]).all()


def test_progress_runs_over_every_racer_to_the_end(data, trajectory, land):
    seen: list[float] = []
    race_on_landscape(data, trajectory, land, LandscapeRaceConfig((OWN, Racer("sgd", 0.5))), seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0.4 < seen[len(seen) // 2] < 0.6


def test_the_same_race_twice_is_the_same(data, trajectory, land, race):
    again = race_on_landscape(data, trajectory, land, RACE)
    np.testing.assert_array_equal(again.path, race.path)
    np.testing.assert_array_equal(again.real_loss, race.real_loss)


@pytest.mark.parametrize(
    "racers, message",
    [
        ((), "1 to 4 racers; got 0"),
        ((OWN,) * 5, "1 to 4 racers; got 5"),
        ((OWN, Racer("rmsprop", 0.01)), "Racer 2: unknown optimizer 'rmsprop'"),
        ((OWN, Racer("sgd", 0.0)), "Racer 2 (SGD (lr 0)): The learning rate must be between"),
        ((Racer("sgd", 0.1, 10_000),), "Racer 1 (SGD (lr 0.1, batch 10000)): The batch size must be"),
    ],
)
def test_bad_racers_raise_a_clear_error(data, trajectory, land, racers, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        race_on_landscape(data, trajectory, land, LandscapeRaceConfig(racers))


def test_other_data_than_the_trajectorys_is_refused(trajectory, land):
    other = make_dataset(DatasetConfig("blobs", n_samples=240, noise=0.3, n_classes=3, seed=5))
    with pytest.raises(ValueError, match="data the network's trajectory was trained on"):
        race_on_landscape(other, trajectory, land, LandscapeRaceConfig((OWN,)))
