"""Figure builders: trace types, counts, lengths, hover and highlighting."""

import numpy as np
import plotly.graph_objects as go

from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from explorer.inspector import figures as inspector_figures
from explorer.shared import figures, theme


def _data(name="blobs", k=3, n=120):
    return make_dataset(DatasetConfig(name=name, n_samples=n, n_classes=k))


def test_one_trace_per_class_with_all_points_svg_when_small_webgl_when_large():
    d = _data()
    fig = figures.scatter_figure(d.X, d, title="t")
    assert [type(t) for t in fig.data] == [go.Scatter] * 3
    assert sum(len(t.x) for t in fig.data) == d.n_samples
    assert [t.marker.color for t in fig.data] == [theme.class_color(i) for i in range(3)]
    assert [t.name for t in fig.data] == list(d.class_names)
    for n, kind in ((figures.SVG_POINTS, go.Scatter), (figures.SVG_POINTS + 1, go.Scattergl)):
        big = _data(n=n)
        assert {type(t) for t in figures.scatter_figure(big.X, big).data} == {kind}


def test_customdata_carries_row_ids_and_original_values():
    d = _data()
    rows = np.arange(10, 60)
    fig = figures.scatter_figure(d.X[rows], d, rows=rows)
    ids = np.concatenate([np.asarray(t.customdata)[:, 0] for t in fig.data]).astype(int)
    assert sorted(ids) == list(rows)
    trace = fig.data[0]
    row = int(trace.customdata[0][0])
    np.testing.assert_allclose(trace.customdata[0][1:3], d.X[row], rtol=2.0**-23)  # held as float32
    assert "x:" in trace.hovertemplate and "row" in trace.hovertemplate


def test_three_columns_give_a_3d_scene():
    d = _data("swiss_roll", 3)
    fig = figures.scatter_figure(d.X, d, axis_names=("a", "b", "c"))
    assert all(isinstance(t, go.Scatter3d) for t in fig.data)
    assert fig.layout.scene.xaxis.title.text == "a"


def test_selection_highlights_the_chosen_rows_in_each_trace():
    d = _data()
    selected = [0, 5, 7]
    fig = figures.scatter_figure(d.X, d, selected=selected)
    chosen = []
    for t in fig.data:
        ids = np.asarray(t.customdata)[:, 0].astype(int)
        chosen += list(ids[list(t.selectedpoints)])
    assert sorted(chosen) == selected


def test_unlabelled_data_is_coloured_by_position_with_a_scale():
    d = _data("swiss_roll", 3)
    plain = Dataset(d.X, None, d.feature_names, (), "roll", position=d.position)
    fig = figures.scatter_figure(plain.X[:, :2], plain)
    assert len(fig.data) == 1 and fig.data[0].marker.showscale
    np.testing.assert_array_equal(fig.data[0].marker.color, d.position)


def test_text_columns_hover_without_numeric_format():
    d = make_dataset(DatasetConfig(name="iris"))
    fig = figures.scatter_figure(d.X[:, :2], d)
    assert "label: %{customdata[5]}" in fig.data[0].hovertemplate


def test_quality_figure_groups_scores():
    fig = inspector_figures.quality_figure(["PCA", "Isomap"], {"trust": [0.9, 0.95], "knn": [None, 0.8]})
    assert len(fig.data) == 2 and list(fig.data[0].x) == ["PCA", "Isomap"]
    assert np.isnan(fig.data[1].y[0]) and fig.data[1].text[0] == "n/a"
