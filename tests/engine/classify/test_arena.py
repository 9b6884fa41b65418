"""The comparison's data (engine.classify.arena) and the network models that join it (engine.nets.estimators)."""

import numpy as np
import pytest

import engine.classify.fit as B
from engine.classify.arena import ArenaConfig, arena
from engine.data.datasets import DatasetConfig, make_dataset
from engine.nets.estimators import NetworkClassifier, NetworkSVM
from engine.nets.mlp import TrainConfig, forward, train


def test_two_feature_data_is_used_as_it_is():
    d = make_dataset(DatasetConfig("moons", 200))
    a = arena(d, ArenaConfig(test_fraction=0.25, grid_size=20))
    assert a.note is None and a.data.X is d.X
    assert len(a.test) == 50 and np.array_equal(a.train, a.shown_train)
    assert a.grid.shape == (400, 2)
    assert set(a.train).isdisjoint(a.test) and len(a.train) + len(a.test) == 200


def test_wide_data_is_reduced_to_its_first_principal_components():
    d = make_dataset(DatasetConfig("wine"))
    a = arena(d, ArenaConfig(grid_size=10))
    Z = (d.X - d.X.mean(0)) / d.X.std(0)
    assert a.data.X.shape == (178, 2) and "first two principal components of the 13" in a.note
    top = np.linalg.svd(Z, full_matrices=False)[2][:2]
    same_axes = np.abs(Z @ top.T)  # float64, up to sign
    np.testing.assert_allclose(np.abs(a.data.X), same_axes, rtol=1e-11, atol=1e-12)
    assert a.data.X[:, 0].var() >= a.data.X[:, 1].var()
    share = float(a.data.feature_names[0].split("(")[1].split("%")[0]) / 100
    assert share == pytest.approx(a.data.X[:, 0].var() / Z.var(0).sum(), abs=0.006)


def test_two_chosen_features_are_drawn_and_named():
    d = make_dataset(DatasetConfig("wine"))
    a = arena(d, ArenaConfig(plane="features", features=(0, 6), grid_size=10))
    np.testing.assert_array_equal(a.data.X, d.X[:, [0, 6]])
    assert a.data.feature_names == ("alcohol", "flavanoids") and "11 others are left out" in a.note
    with pytest.raises(ValueError, match="two different features"):
        arena(d, ArenaConfig(plane="features", features=(3, 3)))


def test_a_rare_class_and_oversampling():
    d = make_dataset(DatasetConfig("blobs", 400, n_classes=2))
    a = arena(d, ArenaConfig(rare_class=1, keep=0.1, grid_size=10))
    n0, n1 = np.bincount(d.y)
    assert np.bincount(a.data.y).tolist() == [n0, round(0.1 * n1)]
    assert f"class 1: 10% of its rows kept ({round(0.1 * n1)})" in a.note
    b = arena(d, ArenaConfig(rare_class=1, keep=0.1, oversample=True, grid_size=10))
    n_train = np.bincount(b.data.y[b.train])
    assert n_train[0] == n_train[1] == (b.data.y[b.shown_train] == 0).sum()
    assert set(b.train) == set(b.shown_train) and np.array_equal(b.test, a.test)


def test_labels_the_map_cannot_show_are_refused():
    d = make_dataset(DatasetConfig("blobs", 200))
    many = d.__class__(**{**d.__dict__, "y": np.arange(200) % 25, "class_names": tuple(map(str, range(25)))})
    with pytest.raises(ValueError, match="25 classes; decision regions can be told apart for at most 20"):
        arena(many, ArenaConfig())
    unlabelled = d.__class__(**{**d.__dict__, "y": None, "class_names": ()})
    with pytest.raises(ValueError, match="need a label column"):
        arena(unlabelled, ArenaConfig())


def test_network_classifier_is_the_layer_manifolds_network():
    d = make_dataset(DatasetConfig("moons", 200, 0.1))
    labels = np.array(["left", "right"])[d.y]
    net = NetworkClassifier(width=8, layers=2, epochs=200).fit(d.X, labels)
    ref = train(d, TrainConfig(hidden=(8, 8), epochs=200, snapshot_every=200, test_fraction=0.0, grid_size=0,
                               seed=0, device="cpu"))  # fmt: skip
    logits = forward(ref.weights, (d.X - ref.mean) / ref.scale, "tanh")[-1]
    # predict_proba runs the trained weights in float64, as `forward` does; atol for log-probabilities near 0
    np.testing.assert_allclose(np.log(net.predict_proba(d.X)), logits - np.log(np.exp(logits).sum(1, keepdims=True)),
                               rtol=1e-10, atol=1e-12)  # fmt: skip
    assert set(net.predict(d.X)) == {"left", "right"} and (net.predict(d.X) == labels).mean() > 0.95


def test_network_svm_draws_its_boundary_in_the_network_features():
    d = make_dataset(DatasetConfig("circles", 300, 0.05, n_classes=2))
    hybrid = NetworkSVM(width=8, layers=2, epochs=300, C=10.0).fit(d.X, d.y)
    feats = hybrid.network_.transform(d.X)
    assert feats.shape == (300, 8)
    np.testing.assert_array_equal(hybrid.predict(d.X), hybrid.svm_.predict(feats))
    assert (hybrid.predict(d.X) == d.y).mean() > 0.95


def test_diverging_network_is_a_tile_message_and_results_stream():
    X, y = make_dataset(DatasetConfig("moons", 120)).X, make_dataset(DatasetConfig("moons", 120)).y
    tr, te = B.split(y, 0.3, 0)
    grid = B.make_grid(X, 10)
    wild = B.ModelConfig("network", (("activation", "relu"), ("lr", 10.0)))
    seen = []
    res = B.fit_all(X, y, tr, te, grid, [wild, B.ModelConfig("logreg")], n_jobs=1,
                    on_result=lambda r, done, total: seen.append((r.name, done, total)))  # fmt: skip
    assert sorted(name for name, _, _ in seen) == ["logreg", "network"]
    assert sorted(done for _, done, _ in seen) == [1, 2] and {total for _, _, total in seen} == {2}
    assert "loss exploded" in res[0].error and "learning rate 10 is too large" in res[0].error
    assert res[1].error is None
