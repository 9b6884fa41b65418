"""Learning from few labels: the seeded choice of labels, label spreading against its closed form on
the same graph, the Laplacian penalty against ½ Σ w_ij |f_i - f_j|² summed by hand, the three
learners on the moons (two labels a class), the networks' smoothness, and ValueErrors for a class
without a label, every point labelled, too many classes and no label column."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.data.datasets import DatasetConfig, make_dataset
from engine.geometry.few_labels import FewLabelsConfig, choose_labels, few_labels, fit_spread, labelled_rows
from engine.geometry.graph import GraphConfig, build_graph
from engine.geometry.laplacian import _sparse, box_points, laplacian_penalty

QUICK = FewLabelsConfig(epochs=60, grid=20)


def moons(noise=0.05, n=400, seed=0):
    return make_dataset(DatasetConfig(name="moons", n_samples=n, noise=noise, seed=seed))


def test_choose_labels_takes_per_class_rows_of_each_class_seeded():
    y = np.r_[np.zeros(50, int), np.ones(30, int), np.full(3, 2)]
    rows = choose_labels(y, 5, seed=1)
    assert np.bincount(y[rows]).tolist() == [5, 5, 3]  # all of the smaller class
    assert np.array_equal(rows, choose_labels(y, 5, seed=1))
    assert not np.array_equal(rows, choose_labels(y, 5, seed=2))


def test_label_spreading_equals_its_closed_form_on_the_same_graph():
    data = moons(noise=0.1, n=200)
    cfg = FewLabelsConfig(alpha=0.9, graph=GraphConfig(k=6))
    graph = build_graph(data.X, cfg.graph)
    labelled = choose_labels(data.y, 2, 0)
    pred, _, _ = fit_spread(data.X, data.y, labelled, graph, cfg, None)
    W = graph.adjacency().toarray()
    d = W.sum(1)
    S = W / np.sqrt(np.outer(d, d))
    Y = np.zeros((200, 2))
    Y[labelled, data.y[labelled]] = 1
    F = np.linalg.solve(np.eye(200) - cfg.alpha * S, (1 - cfg.alpha) * Y)  # Zhou et al.'s fixed point
    assert np.array_equal(pred, F.argmax(1))


def test_laplacian_penalty_equals_the_sum_over_pairs():
    rng = np.random.default_rng(0)
    graph = build_graph(rng.normal(size=(30, 2)), GraphConfig(k=4))
    weights = rng.uniform(0.5, 2.0, size=len(graph.edges))
    W = graph.matrix(weights)
    F = rng.normal(size=(30, 3))
    Wd = W.toarray()
    by_hand = 0.5 * sum(Wd[i, j] * np.sum((F[i] - F[j]) ** 2) for i in range(30) for j in range(30))
    assert laplacian_penalty(F, W) == pytest.approx(by_hand, rel=1e-12)
    t = laplacian_penalty(torch.as_tensor(F, dtype=torch.float32), _sparse(W, torch))
    assert float(t) == pytest.approx(by_hand, rel=1e-5)  # float32


def test_two_labels_a_class_spreading_and_the_laplacian_network_beat_the_svm_on_the_moons():
    data = moons(noise=0.05, n=1000)
    r = few_labels(data.X, data.y, 2, FewLabelsConfig())
    acc = {k: v.accuracy for k, v in r.learners.items()}
    assert acc["spread"] >= 0.95
    assert acc["laplacian"] >= 0.95
    assert acc["svm"] <= acc["spread"] - 0.08
    assert len(r.labelled) == 4 and not r.bridges.any()
    for learned in r.learners.values():
        assert learned.pred.shape == (1000,) and learned.grid_pred.shape == (80 * 80,)
        assert ((learned.grid_conf >= 0.5 - 1e-9) & (learned.grid_conf <= 1 + 1e-9)).all()


def test_the_penalty_flattens_the_network_on_the_data_not_off_it():
    data = moons(noise=0.05, n=600)
    r = few_labels(data.X, data.y, 2, FewLabelsConfig(epochs=300))
    (plain_on, _plain_off), (lap_on, lap_off) = r.smoothness["plain"], r.smoothness["laplacian"]
    assert lap_on < 0.5 * plain_on  # flatter where the points are
    assert lap_on < lap_off  # and steeper in the empty space between the moons


def test_a_noisy_graph_bridges_the_moons_and_the_bridges_are_edges_between_classes():
    data = moons(noise=0.25, n=500)
    r = few_labels(data.X, data.y, 2, replace(QUICK, graph=GraphConfig(k=15)))
    i, j = r.graph.edges[r.bridges].T
    assert len(i) > 0 and (data.y[i] != data.y[j]).all()


def test_label_propagation_runs_too_and_a_3d_table_has_no_grid():
    data = make_dataset(DatasetConfig(name="swiss_roll", n_samples=300, n_classes=3))
    r = few_labels(data.X, data.y, 3, replace(QUICK, spread="propagation", per_class=3))
    assert r.grid is None and r.learners["spread"].grid_pred is None
    assert r.learners["spread"].accuracy > 0.8


def test_box_points_surround_the_data():
    Z = np.random.default_rng(0).normal(size=(100, 2))
    box = box_points(Z, 500, 0)
    assert (box.min(0) < Z.min(0)).all() and (box.max(0) > Z.max(0)).all()


def test_hand_picked_rows_are_the_labelled_rows():
    data = moons(n=100)
    rows = (*np.flatnonzero(data.y == 0)[:2], np.flatnonzero(data.y == 1)[0])
    assert labelled_rows(data.y, 2, FewLabelsConfig(chosen=rows)).tolist() == sorted(
        set(int(r) for r in rows)
    )


@pytest.mark.parametrize(
    ("y", "n_classes", "cfg", "message"),
    [
        (np.r_[np.zeros(10, int), np.ones(10, int)], 2, FewLabelsConfig(chosen=(0, 1, 2)), r"class 1\)"),
        (np.r_[np.zeros(2, int), np.ones(2, int)], 2, FewLabelsConfig(per_class=5), "nothing is left"),
        (np.arange(60) % 30, 30, FewLabelsConfig(), "30 classes"),
        (np.zeros(10, int), 1, FewLabelsConfig(), "one class"),
        (None, 0, FewLabelsConfig(), "needs a label column"),
        (np.r_[np.zeros(10, int), np.ones(10, int)], 2, FewLabelsConfig(chosen=(0, 99)), "between 0 and 19"),
        (np.r_[np.zeros(10, int), np.ones(10, int)], 2, FewLabelsConfig(per_class=0), "between 1 and 20"),
    ],
)
def test_bad_labels_raise_a_sentence(y, n_classes, cfg, message):
    with pytest.raises(ValueError, match=message):
        labelled_rows(y, n_classes, cfg)


def test_an_unknown_spreading_is_refused():
    data = moons(n=50)
    with pytest.raises(ValueError, match="Unknown spreading"):
        few_labels(data.X, data.y, 2, replace(QUICK, spread="magic"))


def test_same_seed_same_result_and_global_torch_rng_untouched():
    data = moons(n=200)
    before = torch.random.get_rng_state()
    a = few_labels(data.X, data.y, 2, QUICK)
    b = few_labels(data.X, data.y, 2, QUICK)
    assert torch.equal(before, torch.random.get_rng_state())
    for name in a.learners:
        assert np.array_equal(a.learners[name].pred, b.learners[name].pred)
