"""Layer analysis: shared-axis projections, probe and separation scores, the hybrid SVM head."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine.embed.methods as emb
import engine.nets.analysis as la
from engine.nets.analysis import (
    HybridHead,
    embed_snapshot,
    fit_softmax,
    hybrid_svm,
    layer_scores,
    project_layer,
)

ROOT = Path(__file__).resolve().parents[3]


def _acts(n_snapshots: int, n: int, width: int, seed: int = 0) -> np.ndarray:
    """Activations whose spread falls by about 10% from one axis to the next, (n_snapshots, n, width)."""
    rng = np.random.default_rng(seed)
    scales = 3 * 0.9 ** np.arange(width) + 0.05
    return (rng.normal(size=(n_snapshots, n, width)) * scales + 0.5).astype(np.float32)


def _blobs(n: int, width: int, n_classes: int, spread: float, seed: int = 0):
    """Class clusters around centres drawn at scale 10: (n, width) features and (n,) labels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centres = rng.normal(size=(n_classes, width)) * 10
    return centres[y] + rng.normal(size=(n, width)) * spread, y


def _split(n: int, seed: int = 0):
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[: int(0.7 * n)]), np.sort(order[int(0.7 * n) :])


def test_import_stays_cheap():
    code = (
        "import sys, engine.nets.analysis; print(sorted(m for m in sys.modules if m.startswith('sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# project_layer


@pytest.mark.parametrize("width", [2, 3])
def test_narrow_layers_are_drawn_as_they_are(width):
    acts, grid = _acts(4, 30, width), _acts(4, 9, width, seed=1)
    proj = project_layer(acts, grid)
    assert proj.method == "identity" and proj.explained is None
    np.testing.assert_array_equal(proj.coords, acts)
    np.testing.assert_array_equal(proj.grid_coords, grid)


def test_pca_matches_sklearn_on_the_stacked_snapshots():
    from sklearn.decomposition import PCA

    acts = _acts(5, 200, 10)
    proj = project_layer(acts, n_components=3)
    stack = acts.reshape(-1, 10).astype(np.float64)
    ref = PCA(3, svd_solver="full").fit(stack)
    assert proj.method == "pca" and proj.coords.shape == (5, 200, 3)
    manual = (stack - ref.mean_) @ ref.components_.T  # sklearn's sign convention: largest loading > 0
    # float32 projection (10-term dot products of values ~3) against float64: a few roundings of the largest
    np.testing.assert_allclose(
        proj.coords.reshape(-1, 3), manual, rtol=2e-6, atol=2e-6 * np.abs(manual).max()
    )
    assert proj.explained == pytest.approx(ref.explained_variance_ratio_.sum(), rel=1e-6)


def test_all_frames_share_one_set_of_axes():
    base = _acts(1, 300, 8)[0]
    base -= base.mean(axis=0)
    swapped = base[:, [1, 0, *range(2, 8)]]  # its own first principal axis is the base's second
    acts = np.stack([base, 2 * base, -base, swapped])  # stacked mean stays 0
    coords = project_layer(acts).coords
    scale = np.abs(coords[0]).max()  # float32 coordinates: a few roundings of the largest
    np.testing.assert_allclose(coords[1], 2 * coords[0], rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_allclose(coords[2], -coords[0], rtol=1e-6, atol=1e-6 * scale)
    same_axis = np.corrcoef(coords[3][:, 0], coords[0][:, 1])[0, 1]
    assert abs(same_axis) > 0.95  # a PCA per snapshot would have put the swapped column first


def test_grid_goes_through_the_same_projection():
    acts = _acts(3, 100, 12)
    proj = project_layer(acts, acts[:, :40])
    # the same float32 rows through the same matrices; BLAS may block the two stacks differently
    scale = np.abs(proj.coords).max()
    np.testing.assert_allclose(proj.grid_coords, proj.coords[:, :40], rtol=1e-6, atol=1e-6 * scale)


def test_large_stack_is_fitted_on_a_seeded_sample(monkeypatch):
    acts = _acts(61, 1000, 256)
    full = project_layer(acts, acts[:, :441])
    assert full.coords.shape == (61, 1000, 2) and full.grid_coords.shape == (61, 441, 2)
    monkeypatch.setattr(la, "FIT_ROWS", 5_000)
    a, b = project_layer(acts, seed=1), project_layer(acts, seed=1)
    np.testing.assert_array_equal(a.coords, b.coords)
    assert a.explained == pytest.approx(full.explained, abs=0.02)
    cosine = np.abs(np.sum(a.coords * full.coords, axis=(0, 1))) / np.sqrt(
        np.sum(a.coords**2, axis=(0, 1)) * np.sum(full.coords**2, axis=(0, 1))
    )
    assert (cosine > 0.97).all()


def test_a_dead_layer_projects_to_one_point():
    proj = project_layer(np.ones((3, 20, 8), dtype=np.float32))
    assert np.isfinite(proj.coords).all() and np.ptp(proj.coords) == 0
    assert proj.explained == 1.0


@pytest.mark.parametrize(
    "acts, grid, k, match",
    [
        (np.ones((2, 5, 4)), None, 4, "2 or 3 dimensions"),
        (np.ones((5, 4)), None, 2, "n_snapshots, n_samples, width"),
        (np.full((2, 5, 4), np.nan), None, 2, "learning rate"),
        (np.ones((2, 5, 4)), np.ones((2, 3, 5)), 2, "width 5"),
    ],
)
def test_projection_rejects_bad_input(acts, grid, k, match):
    with pytest.raises(ValueError, match=match):
        project_layer(acts, grid, n_components=k)


# embed_snapshot


def test_tsne_of_one_snapshot():
    X, _ = _blobs(150, 6, 3, 1.0)
    coords = embed_snapshot(X, "tsne", seed=0)
    assert coords.shape == (150, 2) and np.isfinite(coords).all()
    np.testing.assert_array_equal(coords, embed_snapshot(X, "tsne", seed=0))


def test_rows_left_out_by_embed_stay_nan(monkeypatch):
    monkeypatch.setattr(emb, "row_limit", lambda method: 100)
    X, _ = _blobs(150, 5, 3, 1.0)
    coords = embed_snapshot(X, "pca")
    ref = emb.embed(X, emb.EmbedConfig(method="pca", scale=False))
    assert coords.shape == (150, 2) and np.isnan(coords).any(axis=1).sum() == 50
    np.testing.assert_array_equal(coords[ref.index], ref.coords)


@pytest.mark.slow
def test_umap_of_one_snapshot():
    X, _ = _blobs(200, 6, 3, 1.0)
    coords = embed_snapshot(X, "umap")
    assert coords.shape == (200, 2) and np.isfinite(coords).all()


def test_embed_snapshot_takes_one_snapshot():
    with pytest.raises(ValueError, match="one snapshot"):
        embed_snapshot(np.ones((2, 30, 4)), "tsne")


# layer_scores


def test_softmax_probe_matches_sklearn_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    X, y = _blobs(300, 4, 3, 8.0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)
    penalty = np.r_[np.full(4, 1 / 300), 0.0]  # sklearn's C * sum(loss) + |W|^2 / 2, divided by C * m
    W = fit_softmax(np.c_[X, np.ones(300)][None], np.eye(3)[y], penalty, max_iter=2000)[0]
    np.testing.assert_allclose(W[:4].T, ref.coef_, atol=5e-3)
    np.testing.assert_allclose(W[4], ref.intercept_, atol=5e-3)


def test_separable_layers_score_one_and_random_labels_score_chance():
    X, y = _blobs(400, 6, 3, 0.2)
    noise = np.random.default_rng(1).normal(size=(400, 100))  # wide enough to fit random train labels
    coin = np.random.default_rng(2).integers(0, 2, 400)
    train, test = _split(400)
    sep = layer_scores([np.stack([X, X * 3])], y, train, test)
    rand = layer_scores([np.stack([noise, noise])], coin, train, test)
    assert sep.probe_acc.shape == (2, 1) and (sep.probe_acc == 1.0).all()
    assert (sep.separation > 0.99).all()
    assert (rand.probe_acc < 0.7).all()
    assert (rand.separation < 0.03).all()


def test_separation_is_between_over_total_scatter_and_ignores_rotation():
    X, y = _blobs(90, 3, 3, 4.0)
    mean = X.mean(axis=0)
    between = sum((y == k).sum() * np.sum((X[y == k].mean(axis=0) - mean) ** 2) for k in range(3))
    expected = between / np.sum((X - mean) ** 2)
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    scores = layer_scores([np.stack([X, 5 * X @ rotation + 7])], y, np.arange(60), np.arange(60, 90))
    np.testing.assert_allclose(scores.separation[:, 0], expected, rtol=1e-12)  # float64 throughout
    assert 0.1 < expected < 0.99


def test_every_scores_a_subset_and_always_the_last_snapshot():
    X, y = _blobs(200, 4, 2, 3.0)
    acts = np.stack([X * (1 + s) + s for s in range(8)])
    train, test = _split(200)
    full = layer_scores([acts, acts[..., :2]], y, train, test)
    some = layer_scores([acts, acts[..., :2]], y, train, test, every=3)
    assert some.probe_acc.shape == (8, 2)
    np.testing.assert_array_equal(some.snapshots, [0, 3, 6, 7])
    skipped = [1, 2, 4, 5]
    assert np.isnan(some.probe_acc[skipped]).all() and np.isnan(some.separation[skipped]).all()
    np.testing.assert_allclose(some.probe_acc[some.snapshots], full.probe_acc[some.snapshots])
    np.testing.assert_allclose(some.separation[some.snapshots], full.separation[some.snapshots])


def test_a_constant_input_layer_is_scored_once_for_every_snapshot():
    X, y = _blobs(150, 3, 3, 4.0)
    train, test = _split(150)
    hidden = np.stack([X, 2 * X, 3 * X])
    flat = layer_scores([X, hidden], y, train, test)
    tiled = layer_scores([np.stack([X] * 3), hidden], y, train, test)
    broadcast = layer_scores([np.broadcast_to(X, (3, 150, 3)), hidden], y, train, test)
    np.testing.assert_allclose(flat.probe_acc, tiled.probe_acc)
    np.testing.assert_allclose(broadcast.separation, tiled.separation)
    assert np.ptp(flat.probe_acc[:, 0]) == 0


def test_scores_are_deterministic_and_leave_the_global_rng_alone():
    X, y = _blobs(300, 5, 4, 6.0)
    acts = np.stack([X, X**2])
    train, test = _split(300)
    state = np.random.get_state()[1].copy()
    a = layer_scores([acts], y, train, test, seed=3)
    b = layer_scores([acts], y, train, test, seed=3)
    np.testing.assert_array_equal(a.probe_acc, b.probe_acc)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    assert a.chance == pytest.approx(np.mean(y[test] == np.bincount(y[train]).argmax()))
    assert a.scored_on == "test"


def test_without_test_rows_the_probe_is_scored_on_the_train_rows():
    X, y = _blobs(100, 3, 2, 0.5)
    scores = layer_scores([X[None]], y, np.arange(100), np.array([], dtype=np.int64))
    assert scores.scored_on == "train" and scores.probe_acc[0, 0] == 1.0


def test_speed_case_shapes():
    X, y = _blobs(1000, 2, 2, 0.5)
    rng = np.random.default_rng(0)
    layers = [
        np.tanh(np.stack([X @ rng.normal(size=(2, w)) * (1 + s / 60) for s in range(61)])) for w in (16, 16)
    ]
    layers.append(layers[-1][..., :2])
    train, test = _split(1000)
    scores = layer_scores(layers, y, train, test)
    assert scores.probe_acc.shape == scores.separation.shape == (61, 3)
    assert np.isfinite(scores.probe_acc).all() and (scores.probe_acc[:, :2] > 0.9).all()


@pytest.mark.parametrize(
    "layers, y, train, every, match",
    [
        ([np.ones((2, 10, 3))], np.zeros(10, int), np.arange(7), 1, "1 class"),
        ([np.ones((2, 10, 3))], np.arange(10) % 2, np.arange(7), 0, "every"),
        ([np.ones((2, 10, 3)), np.ones((3, 10, 3))], np.arange(10) % 2, np.arange(7), 1, "share"),
        ([np.ones((2, 10, 3))], np.arange(9) % 2, np.arange(7), 1, "one label per sample"),
        ([np.ones((2, 10, 3))], np.arange(10) % 2, np.arange(7, 12), 1, "row numbers from 0 to 9"),
        ([], np.arange(10) % 2, np.arange(7), 1, "at least one layer"),
    ],
)
def test_layer_scores_reject_bad_input(layers, y, train, every, match):
    with pytest.raises(ValueError, match=match):
        layer_scores(layers, y, train, np.arange(7, 10), every=every)


# hybrid_svm


def test_hybrid_svm_on_separable_features():
    X, y = _blobs(300, 8, 3, 1.0)
    logits = np.random.default_rng(0).normal(size=(300, 3))
    train, test = _split(300)
    grid = np.random.default_rng(1).normal(size=(50, 8)) * 10
    head = hybrid_svm(X, logits, y, train, test, grid_features=grid)
    assert head.svm_test_acc > 0.95 and head.svm_train_acc > 0.95
    assert head.net_test_acc == pytest.approx(np.mean(logits[test].argmax(axis=1) == y[test]))
    assert head.n_fit == train.size
    assert head.grid_pred.shape == head.grid_score.shape == (50,)
    assert set(np.unique(head.grid_pred)) <= {0, 1, 2}
    assert ((head.grid_score >= 0) & (head.grid_score < 1)).all()


def test_hybrid_svm_grid_score_for_two_classes_grows_away_from_the_boundary():
    X, y = _blobs(200, 2, 2, 1.0)
    train, test = _split(200)
    a, b = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
    grid = np.stack([(a + b) / 2, b, b + 3 * (b - a)])
    head = hybrid_svm(X, np.eye(2)[y], y, train, test, grid_features=grid, kernel="linear")
    assert head.net_test_acc == 1.0
    np.testing.assert_array_equal(head.grid_pred[1:], [1, 1])
    assert head.grid_score[0] < 0.5 < head.grid_score[1] < head.grid_score[2]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y": np.zeros(40, int)}, "1 class"),
        ({"kernel": "cubic"}, "Unknown SVM kernel"),
        ({"C": 0.0}, "positive"),
        ({"y": np.arange(40) % 2 + 2}, "class codes 0 to 1"),
        ({"grid_features": np.ones((5, 3))}, "width"),
        ({"logits": np.ones((39, 2))}, "same rows"),
    ],
)
def test_hybrid_svm_rejects_bad_input(kwargs, match):
    args = {"features": np.random.default_rng(0).normal(size=(40, 4)), "logits": np.ones((40, 2))}
    args |= {"y": np.arange(40) % 2, "train_index": np.arange(30), "test_index": np.arange(30, 40)}
    with pytest.raises(ValueError, match=match):
        hybrid_svm(**(args | kwargs))


def test_hybrid_head_fits_the_last_hidden_layer_of_a_training_run():
    from engine.data.datasets import DatasetConfig, make_dataset
    from engine.nets.analysis import hybrid_head
    from engine.nets.mlp import TrainConfig, train

    data = make_dataset(DatasetConfig("moons", 200, 0.1))
    result = train(data, TrainConfig(hidden=(6, 5), epochs=40, snapshot_every=20, grid_size=9, device="cpu"))
    head = hybrid_head(result, data.y)
    same = hybrid_svm(result.layers[1][-1], result.layers[2][-1], data.y, result.train_index,
                      result.test_index, grid_features=result.grid_layers[1][-1])  # fmt: skip
    assert head == HybridHead(**{**same.__dict__, "grid_pred": head.grid_pred, "grid_score": head.grid_score})
    np.testing.assert_array_equal(head.grid_pred, same.grid_pred)
    np.testing.assert_array_equal(head.grid_score, same.grid_score)
    assert head.grid_pred.shape == (81,)


def test_network_svm_fits_feature_svm_on_last_hidden():
    from engine.nets.analysis import feature_svm, last_hidden
    from engine.nets.estimators import NetworkSVM

    X, y = _blobs(120, 2, 2, 1.0)
    model = NetworkSVM(width=4, layers=2, epochs=20, C=3.0).fit(X, y)
    feats = model.network_.transform(X)
    np.testing.assert_array_equal(feats, last_hidden(model.network_._layers(X)))
    ref = feature_svm(3.0, "rbf", 0).fit(feats, y)
    np.testing.assert_array_equal(model.decision_function(X), ref.decision_function(feats))
    assert model.svm_.get_params()["svc__C"] == 3.0 and model.svm_.get_params()["svc__gamma"] == "scale"
