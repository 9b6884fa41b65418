"""The odd settings students try: each finishes, or stops with a message naming the cause; none hangs."""

import time

import numpy as np
import pytest

from engine.data.datasets import DatasetConfig, make_dataset
from engine.embed.config import EmbedConfig
from engine.embed.methods import embed
from engine.nets.mlp import TrainConfig, train


@pytest.fixture(scope="module")
def moons():
    return make_dataset(DatasetConfig("moons", 500))


def test_learning_rate_10_stops_and_names_the_learning_rate(moons):
    r = train(moons, TrainConfig(activation="relu", lr=10.0, epochs=300, device="cpu"))
    assert r.stopped and "learning rate 10" in r.stopped and "too large" in r.stopped
    assert np.isfinite(r.layers[-1]).all()  # what is kept is the last good snapshot


def test_six_wide_relu_layers_without_scaling_finish_with_finite_scores():
    data = make_dataset(DatasetConfig("moons", 400))
    data = data.__class__(**{**data.__dict__, "X": data.X * 1000 + 5000})  # raw, unscaled units
    t = time.perf_counter()
    r = train(
        data, TrainConfig(hidden=(256,) * 6, activation="relu", standardize=False, epochs=10, device="cpu")
    )
    assert time.perf_counter() - t < 60
    assert r.stopped is None or "exploded" in r.stopped or "not a number" in r.stopped
    assert np.isfinite(r.history["train_loss"][: int(r.epochs[-1]) + 1]).all()


class Interrupted(Exception):
    """What Streamlit raises in the script when the user presses Stop: here, from the snapshot callback."""


def test_batch_size_one_on_20000_points_can_be_stopped():
    data = make_dataset(DatasetConfig("moons", 20_000))
    start, seen = time.perf_counter(), []

    def on_snapshot(s) -> None:
        seen.append(s.epoch)
        if time.perf_counter() - start > 1.0:
            raise Interrupted

    with pytest.raises(Interrupted):
        train(data, TrainConfig(batch_size=1, epochs=300, snapshot_every=1, device="cpu"), on_snapshot)
    assert time.perf_counter() - start < 10
    assert seen[0] == 0 and seen[-1] < 300  # the snapshots kept so far, as the page keeps them


@pytest.mark.parametrize(
    "cfg, words",
    [
        (EmbedConfig(method="tsne", perplexity=50.0), "perplexity must be smaller than the number of rows"),
        (EmbedConfig(method="umap", n_neighbors=1), "n_neighbors must be at least 2"),
        (EmbedConfig(method="isomap", n_neighbors=1), "n_neighbors must be at least 2"),
    ],
)
def test_embedding_settings_beyond_the_data_give_a_message(cfg, words):
    X = np.random.default_rng(0).normal(size=(20, 4))
    with pytest.raises(ValueError, match=words):
        embed(X, cfg)


def test_isomap_on_a_disconnected_graph_says_so_and_still_draws():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(60, 5)), rng.normal(size=(60, 5)) + 100]
    e = embed(X, EmbedConfig(method="isomap", n_neighbors=3))
    assert any("2 separate pieces" in n and "increase n_neighbors" in n for n in e.notes)
    assert np.isfinite(e.coords).all()
