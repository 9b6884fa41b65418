"""The neighbour graph: edges against scikit-learn's k-NN and radius graphs, components, geodesics
against scipy's Floyd-Warshall on the dense graph and against a hand-counted path, the Swiss roll's
geodesics following the sheet where straight lines do not, short circuits breaking Isomap, and
ValueErrors for k larger than the data and for graphs too large to draw."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import floyd_warshall
from sklearn.neighbors import kneighbors_graph, radius_neighbors_graph

from engine.data.datasets import DatasetConfig, make_dataset
from engine.geometry.graph import (
    LIMITS,
    GraphConfig,
    build_graph,
    class_bridges,
    geodesics,
    graph_space,
    short_circuits,
    straight,
)
from engine.geometry.survey import distances, survey, unrolled


def edge_set(graph) -> set[tuple[int, int]]:
    return {(int(i), int(j)) for i, j in graph.edges}


def test_knn_edges_are_scikit_learns_graph_made_symmetric():
    X = np.random.default_rng(0).normal(size=(300, 2))
    g = build_graph(X, GraphConfig(k=7))
    ref = kneighbors_graph(X, 7, mode="connectivity")
    ref = ((ref + ref.T) > 0).tocoo()
    assert edge_set(g) == {(i, j) for i, j in zip(ref.row, ref.col, strict=True) if i < j}
    i, j = g.edges.T
    np.testing.assert_allclose(g.length, np.linalg.norm(X[i] - X[j], axis=1), rtol=1e-12)
    assert (g.edges[:, 0] < g.edges[:, 1]).all()


def test_radius_edges_are_the_pairs_closer_than_epsilon():
    X = np.random.default_rng(1).uniform(size=(250, 2))
    g = build_graph(X, GraphConfig(kind="radius", epsilon=2.5))
    ref = radius_neighbors_graph(X, g.radius, mode="connectivity").tocoo()
    assert edge_set(g) == {(i, j) for i, j in zip(ref.row, ref.col, strict=True) if i < j}
    assert g.length.max() <= g.radius


def test_two_far_clusters_make_two_components_and_no_path_between_them():
    rng = np.random.default_rng(2)
    X = np.r_[rng.normal(size=(60, 2)), rng.normal(size=(40, 2)) + 100]
    g = build_graph(X, GraphConfig(k=5))
    assert g.n_components == 2
    assert (g.components[:60] == 0).all() and (g.components[60:] == 1).all()  # 0 is the larger piece
    geo = geodesics(g, 0)
    assert np.isinf(geo[60:]).all() and np.isfinite(geo[:60]).all()


def test_geodesics_equal_floyd_warshall_on_the_dense_graph():
    X = make_dataset(DatasetConfig(name="swiss_roll", n_samples=200, noise=0.0)).X
    g = build_graph(X, GraphConfig(k=6))
    dense = g.matrix().toarray()
    all_pairs = floyd_warshall(dense, directed=False)
    for source in (0, 17, 199):
        np.testing.assert_allclose(geodesics(g, source), all_pairs[source], rtol=1e-12)


def test_geodesic_on_a_path_graph_is_the_sum_of_its_steps():
    X = np.c_[np.cumsum([0, 1, 2, 4, 8]), np.zeros(5)].astype(float)  # points at 0, 1, 3, 7, 15
    g = build_graph(X, GraphConfig(k=1))
    np.testing.assert_allclose(geodesics(g, 0), [0, 1, 3, 7, 15])
    np.testing.assert_allclose(straight(X, 4), [15, 14, 12, 8, 0])


def test_wide_rows_are_joined_standardised():
    X = np.c_[np.random.default_rng(3).normal(size=(50, 4)), np.arange(50) * 1e6]
    Z = graph_space(X)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)
    assert graph_space(X[:, :3]) is not None and np.array_equal(graph_space(X[:, :3]), X[:, :3])


def test_on_the_swiss_roll_geodesics_follow_the_sheet_and_isomap_unrolls_it():
    data = make_dataset(DatasetConfig(name="swiss_roll", n_samples=1000, noise=0.0))
    cfg = GraphConfig(k=10)
    s = survey(data.X, data.y, data.position, data.feature_names, cfg)
    assert s.shortcuts is not None and not s.shortcuts.any()
    d = distances(data.X, data.position, s, 0)
    assert d.order > 0.9  # geodesics keep the order along the roll
    along = np.abs(data.position - data.position[0])
    from scipy.stats import spearmanr

    assert spearmanr(d.straight, along)[0] < 0.7  # straight lines do not
    assert d.stretch > 3  # some point is more than 3 times farther along the sheet
    assert unrolled(data.X, data.position, s, cfg).order > 0.95


def test_a_large_k_on_a_noisy_roll_short_circuits_the_sheets_and_breaks_isomap():
    data = make_dataset(DatasetConfig(name="swiss_roll", n_samples=1000, noise=0.8))
    cfg = GraphConfig(k=20)
    s = survey(data.X, data.y, data.position, data.feature_names, cfg)
    assert s.shortcuts.sum() > 0
    ends = data.position[s.graph.edges[s.shortcuts]]
    assert (np.abs(ends[:, 0] - ends[:, 1]) > 0.15 * np.ptp(data.position)).all()
    assert unrolled(data.X, data.position, s, cfg).order < 0.7


def test_class_bridges_are_the_edges_between_labels():
    X = np.array([[0.0, 0], [1, 0], [2, 0], [3, 0]])
    g = build_graph(X, GraphConfig(k=1))
    assert class_bridges(g, np.array([0, 0, 1, 1])).tolist() == [False, True, False]
    assert short_circuits(g, np.array([0.0, 1, 2, 30])).tolist() == [False, False, True]


def test_a_large_table_is_sampled_with_a_note():
    data = make_dataset(DatasetConfig(name="moons", n_samples=6000, noise=0.1))
    s = survey(data.X, data.y, None, data.feature_names, GraphConfig())
    assert len(s.rows) == 5000 and np.all(np.diff(s.rows) > 0)
    assert any("sample of 5,000 of 6,000" in n for n in s.notes)


@pytest.mark.parametrize(
    ("cfg", "n", "message"),
    [
        (GraphConfig(k=10), 5, "k must be between 1 and 4"),
        (GraphConfig(k=0), 50, "k must be between"),
        (GraphConfig(kind="radius", epsilon=50.0), 50, "ε must be between"),
        (GraphConfig(kind="ball"), 50, "Unknown graph"),
        (GraphConfig(k=1), 1, "at least 2 rows"),
    ],
)
def test_bad_graphs_raise_a_sentence(cfg, n, message):
    with pytest.raises(ValueError, match=message):
        build_graph(np.random.default_rng(0).normal(size=(n, 2)), cfg)


def test_an_epsilon_joining_almost_everything_is_refused(monkeypatch):
    monkeypatch.setitem(LIMITS, "edges", 1000)
    X = np.random.default_rng(0).uniform(size=(400, 2))
    with pytest.raises(ValueError, match="lower ε"):
        build_graph(X, GraphConfig(kind="radius", epsilon=10.0))


def test_a_source_outside_the_graph_is_refused():
    g = build_graph(np.random.default_rng(0).normal(size=(20, 2)), GraphConfig(k=3))
    with pytest.raises(ValueError, match="does not exist"):
        geodesics(g, 20)
