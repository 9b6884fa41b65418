"""Graph-network figures on tiny results: the graph's traces (edges as one line, a trace per
predicted class, the labelled ring, wrong and unreached nodes), the layer animation's frames and
projections, and the accuracy curves with label spreading's line."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from explorer.geometry.gcn_figures import (
    MAX_FRAMES,
    accuracy_figure,
    embedding_figure,
    embedding_panels,
    node_classes,
    prediction_figure,
    project,
)

POSITIONS = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [2.0, 2.0]])
EDGES = np.array([[0, 1], [1, 2], [2, 3]])
LABELS = np.array([0, 0, 1, 1, -1])  # node 4's class is unknown
LABELLED = np.array([True, False, True, False, False])
NAMES = ("a", "b")


def _values(x) -> np.ndarray:
    """A trace's coordinates, whether a list, an array or Plotly's typed-array dict."""
    if isinstance(x, dict):
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
    return np.asarray(x)


def _layers(n_snapshots: int, rng=None) -> list[np.ndarray]:
    rng = rng or np.random.default_rng(0)
    return [
        rng.normal(size=(n_snapshots, 5, 4)).astype(np.float32),
        rng.normal(size=(n_snapshots, 5, 2)).astype(np.float32),
    ]


def test_the_graph_shows_predictions_the_labelled_ring_and_wrong_nodes():
    predictions = np.array([0, 1, 1, 0, 1])  # node 1 and node 3 wrong; node 4 of unknown class
    fig = prediction_figure(
        POSITIONS, EDGES, predictions, LABELLED, NAMES, LABELS, ["n0", "n1", "n2", "n3", "n4"]
    )
    by_name = {t.name: t for t in fig.data}
    edges = by_name["edges (3)"]
    assert edges.mode == "lines" and len(edges.x) == 9 and np.isnan(np.asarray(edges.x, float)[2::3]).all()
    assert list(by_name["a"].customdata[:, 0]) == [0, 3] and list(by_name["b"].customdata[:, 0]) == [1, 2, 4]
    ring = by_name["labelled (2)"]
    assert list(ring.customdata[:, 0]) == [0, 2] and ring.marker.line.width > 0
    wrong = by_name["wrong (2)"]
    assert list(wrong.x) == [1.0, 0.0] and list(wrong.text) == ["n1", "n3"]
    assert list(by_name["b"].text) == ["n1", "n2", "n4"] and "%{text}" in by_name["b"].hovertemplate
    assert all(t.type == "scattergl" for t in fig.data)


def test_nodes_no_label_reached_are_drawn_apart_and_without_truth_nothing_is_wrong():
    predictions = np.array([0, 0, 1, -1, -1])
    fig = prediction_figure(POSITIONS, EDGES, predictions, LABELLED, NAMES)
    names = [t.name for t in fig.data]
    assert "not reached (2)" in names and not any(n.startswith("wrong") for n in names)
    shown = sum(len(t.x) for t in fig.data if t.name in ("a", "b", "not reached (2)"))
    assert shown == 5  # every node drawn once
    assert next(t for t in fig.data if t.name == "a").text[0] == "node 0"


def test_node_classes_prefer_the_truth():
    assert node_classes(LABELS, np.array([1, 1, 0, 0, -1])).tolist() == [0, 0, 1, 1, 0]


def test_wide_layers_share_one_pca_plane_over_snapshots_and_narrow_ones_stay():
    layers = _layers(3)
    coords, kept = project(layers[0])
    assert coords.shape == (3, 5, 2) and 0 < kept <= 1
    flat = coords.reshape(-1, 2)
    assert abs(np.corrcoef(flat.T)[0, 1]) < 1e-4 and flat.var(0)[0] >= flat.var(0)[1]  # principal axes
    same, none = project(layers[1])
    assert none is None and np.array_equal(same, layers[1])
    panels = embedding_panels(layers)
    assert [p.coords.shape for p in panels] == [(3, 5, 2), (3, 5, 2)]
    assert "PCA 2-D" in panels[0].title and "2 logits" in panels[1].title


@pytest.mark.parametrize("n_snapshots, frames", [(4, 4), (201, MAX_FRAMES)])
def test_the_embedding_animates_over_the_snapshots(n_snapshots, frames):
    epochs = np.arange(n_snapshots) * 5
    fig = embedding_figure(_layers(n_snapshots), epochs, node_classes(LABELS, np.zeros(5, int)), NAMES)
    assert len(fig.frames) == frames and fig.frames[-1].name == str(epochs[-1]) and fig.frames[0].name == "0"
    steps = fig.layout.sliders[0].steps
    assert len(steps) == frames and fig.layout.updatemenus[0].buttons[0].label == "▶ Play"
    moving = [t for t in fig.data if t.mode == "markers" and t.showlegend is False]  # 2 panels x 2 classes
    assert len(moving) == 4 and sum(len(_values(t.x)) for t in moving) == 10  # 5 nodes in each panel
    assert len(fig.frames[0].data) == 4
    last = [_values(t["x"] if isinstance(t, dict) else t.x) for t in fig.frames[-1].data]
    assert sorted(len(x) for x in last) == [2, 2, 3, 3]


def test_accuracy_runs_over_the_epochs_against_label_spreading_as_a_line():
    epochs, accuracy, loss = (
        np.array([0, 10, 20]),
        np.array([0.5, 0.8, 0.9]),
        np.r_[np.nan, np.linspace(1, 0.1, 20)],
    )
    fig = accuracy_figure(epochs, accuracy, loss, baseline=0.85)
    assert [t.name for t in fig.data] == ["loss", "GCN", "label spreading (0.850)"]
    assert len(fig.data[0].y) == 21 and list(fig.data[1].x) == [0, 10, 20]
    assert (
        list(fig.data[2].x) == [0.0, 20.0]
        and list(fig.data[2].y) == [0.85, 0.85]
        and fig.data[2].line.dash == "dash"
    )
    assert len(accuracy_figure(epochs, accuracy, loss, baseline=float("nan")).data) == 2
    assert len(accuracy_figure(epochs, accuracy, loss).data) == 2
