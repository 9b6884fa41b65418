"""Figures of the model comparison: the whole grid, disagreement, overruled regions, confusion."""

import numpy as np
import plotly.graph_objects as go

from engine.classify.arena import ArenaConfig, arena
from engine.classify.fit import ModelConfig, confusion, disagreement, fit_all, overruled
from engine.data.datasets import DatasetConfig, make_dataset
from explorer.boundaries import figures as bf


def _fitted(grid_size=30):
    a = arena(make_dataset(DatasetConfig("blobs", 150, 0.5, n_classes=3)), ArenaConfig(grid_size=grid_size))
    cfgs = [ModelConfig("logreg"), ModelConfig("tree"), ModelConfig("qda", (("reg_param", 0.5),))]
    cfgs.append(ModelConfig("voting", members=tuple(cfgs), weights=(1.0, 1.0, 1.0)))
    return a, cfgs, fit_all(a.data.X, a.data.y, a.train, a.test, a.grid, cfgs, n_jobs=1)


def test_grid_figure_holds_every_fitted_model_on_shared_axes():
    a, _, results = _fitted()
    failed = results[1].__class__(**{**results[1].__dict__, "error": "it broke", "label": "Broken"})
    fig = bf.grid_figure(a.data, a.grid, [*results, failed], a.shown_train, a.test, columns=3)
    heatmaps = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert len(heatmaps) == 4  # the failed model is left out
    assert [ann.text for ann in fig.layout.annotations] == [r.label for r in results]
    assert {t.xaxis for t in heatmaps} == {"x", "x2", "x3", "x4"}
    assert sum(t.showlegend is True for t in fig.data) == 2 * 3  # train and test of each class, once


def test_tile_height_follows_the_data_aspect():
    a, _, results = _fitted()
    wide = bf.tile_figure(a.data, a.grid * [4, 1], results[0], a.shown_train, a.test)
    tall = bf.tile_figure(a.data, a.grid * [1, 4], results[0], a.shown_train, a.test)
    assert wide.layout.height < tall.layout.height
    assert wide.layout.title.text.startswith("Logistic regression · test ")


def test_disagreement_and_overruled_maps_show_the_engine_arrays():
    a, cfgs, results = _fitted()
    share = disagreement([r.grid_pred for r in results[:3]])
    fig = bf.disagreement_figure(a.data, a.grid, share, 3)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z).ravel(), share)
    mask = overruled(results[3].grid_pred, [r.grid_pred for r in results[:3]])
    over = bf.overruled_figure(a.data, a.grid, results[3], mask)
    overlay = next(t for t in over.data if t.name == "overruled")
    assert np.array_equal(~np.isnan(np.asarray(overlay.z, dtype=float)).ravel(), mask)
    assert f"({mask.mean():.1%} of the plane)" in over.layout.title.text


def test_confusion_figure_counts_match_the_test_rows():
    a, _, results = _fitted()
    mats = [confusion(a.data.y[a.test], r.test_pred, 3) for r in results]
    fig = bf.confusion_figure(mats, [r.label for r in results], a.data.class_names)
    assert len(fig.data) == 4
    for trace, m in zip(fig.data, mats, strict=True):
        assert np.array_equal(np.asarray(trace.text), m) and m.sum() == len(a.test)
        np.testing.assert_allclose(np.asarray(trace.z).sum(axis=1)[m.sum(axis=1) > 0], 1.0, rtol=1e-12)
