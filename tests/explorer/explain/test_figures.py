"""Figures of the Explanations view, each built on a small real result of the engine (moons, the
digits): trace types, counts and lengths, titles, and that the numbers drawn are the engine's."""

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn.datasets import make_moons

from engine.classify.explain.counterfactual import counterfactual, what_if
from engine.classify.explain.fitted import fitted
from engine.classify.explain.global_ import GlobalConfig, explain_global
from engine.classify.explain.images import PixelConfig, pixel_attributions
from engine.classify.explain.local import PointConfig, explain_point, failed
from engine.classify.explain.plane import PlaneConfig, attribution_map
from engine.classify.explain.stability import StabilityConfig, stability
from engine.classify.fit import make_grid, split
from engine.classify.registry import ModelConfig
from engine.data.datasets import Dataset
from explorer.explain import figures as xf
from explorer.shared.figures import decision_figure

NAMES, CLASSES = ("x0", "x1"), ("upper", "lower")
VOTE = ModelConfig("voting", members=(ModelConfig("logreg"), ModelConfig("tree")))
LINEUP = (ModelConfig("logreg"), ModelConfig("tree"), VOTE)


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(200, noise=0.2, random_state=0)
    tr, te = split(y, 0.3, seed=0)
    return X, y, tr, te


@pytest.fixture(scope="module")
def point(moons):
    X, y, tr, _ = moons
    return explain_point(X, y, tr, LINEUP, X[3], PointConfig(background=50), NAMES)


@pytest.fixture(scope="module")
def global_result(moons):
    X, y, tr, te = moons
    cfg = GlobalConfig(feature=1, n_repeats=3, grid_resolution=20, shap_points=20, background=20)
    return explain_global(X, y, tr, te, LINEUP, cfg, NAMES, n_jobs=1)


def _broken(label="Broken"):
    return failed("logreg", label, "it broke")


def test_waterfall_runs_from_the_base_to_f_of_x_in_one_feature_order(point):
    attrs = [*point.models, _broken()]
    fig = xf.waterfall_figure(attrs, NAMES, CLASSES, title="why")
    falls = [t for t in fig.data if isinstance(t, go.Waterfall)]
    assert len(falls) == 3 and fig.layout.title.text == "why"
    order = [NAMES[j] for j in np.argsort(-np.abs(point.models[0].values))]
    for t, a in zip(falls, point.models, strict=True):
        assert list(t.measure) == ["absolute", "relative", "relative", "total"]
        assert list(t.y) == ["E[f(x)]", *order, "f(x)"] and t.orientation == "h"
        assert t.x[0] == a.base and t.x[-1] == a.value
        assert abs(t.x[0] + sum(t.x[1:-1]) - a.value) < 1e-6  # the bars add up to f(x) (trees: float32)
    titles = [ann.text for ann in fig.layout.annotations]
    a = point.models[0]
    assert (
        titles[0].startswith(a.label)
        and f"P({CLASSES[a.target_class]}) {a.value:.2f} = {a.base:.2f} + Σ<br>residual" in titles[0]
    )
    assert titles[-1] == "Broken: failed" and {t.xaxis for t in falls} == {"x", "x2", "x3"}


def test_waterfall_wraps_after_four_panels_and_sums_the_features_beyond_the_cap():
    rng = np.random.default_rng(0)
    names = tuple(f"f{j}" for j in range(20))
    values = rng.normal(size=20)
    a = replace(_broken("Wide"), explainer="lime", space="margin", target_class=1, values=values, base=0.1,
                value=0.1 + values.sum() + 0.05, residual=-0.05, error=None, score=0.7)  # fmt: skip
    fig = xf.waterfall_figure([a] * 5, names, CLASSES, max_features=5)
    t = fig.data[0]
    assert len(fig.data) == 5 and fig.data[4].xaxis == "x5" and fig.layout.height == 2 * 420
    assert list(t.y[6:]) == ["other 15 features", "LIME's miss at x", "f(x)"]  # the miss keeps the sum honest
    top = np.argsort(-np.abs(values))
    assert t.x[6] == pytest.approx(values[top[5:]].sum()) and t.x[7] == pytest.approx(0.05)
    assert abs(t.x[0] + sum(t.x[1:-1]) - a.value) < 1e-12
    assert "margin of lower" in fig.layout.annotations[0].text and "R² 0.70" in fig.layout.annotations[0].text


def test_waterfall_of_only_failures_draws_empty_panels():
    fig = xf.waterfall_figure([_broken("A"), _broken("B")], NAMES, CLASSES)
    assert len(fig.data) == 0 and [a.text for a in fig.layout.annotations] == ["A: failed", "B: failed"]


def test_ensemble_figure_sets_the_soft_vote_beside_its_members_and_their_mean(point):
    vote = point.models[2]
    fig = xf.ensemble_figure(vote, NAMES, CLASSES)
    assert [t.type for t in fig.data] == ["bar"] * 4 and fig.layout.barmode == "group"
    assert [t.name.split(" (weight")[0] for t in fig.data[:2]] == [m.label for m in vote.members]
    order = np.argsort(-np.abs(vote.values))
    mean, own = fig.data[2], fig.data[3]
    assert mean.marker.pattern.shape == "/" and own.name == vote.label
    np.testing.assert_allclose(mean.x, vote.members_mean[order])
    np.testing.assert_allclose(own.x, vote.values[order])
    assert (
        f"largest gap between the ensemble and its members' weighted mean: {vote.gap:.2g}"
        in fig.layout.title.text
    )
    stacking = replace(vote, members_mean=None, weights=None)
    fig = xf.ensemble_figure(stacking, NAMES, CLASSES)
    assert len(fig.data) == 3 and "without a mean" in fig.layout.title.text


def test_importance_figure_has_a_panel_per_model_and_mean_shap_below(global_result):
    r = replace(global_result, models=(*global_result.models, replace(global_result.models[0], label="Broken",
                                                                      error="it broke")))  # fmt: skip
    fig = xf.importance_figure(r)
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    perm = [t for t in bars if t.name == "permutation importance"]
    shap = [t for t in bars if t.name == "mean |SHAP|"]
    assert len(perm) == len(shap) == 3  # the failed model has none
    mean = np.mean([m.permutation for m in global_result.models], axis=0)
    order = np.argsort(-mean, kind="stable")
    for t, m in zip(perm, global_result.models, strict=True):
        assert list(t.y) == [NAMES[j] for j in order]
        np.testing.assert_allclose(t.x, m.permutation[order])
        np.testing.assert_allclose(t.error_x.array, m.permutation_std[order])
    np.testing.assert_allclose(shap[1].x, global_result.models[1].mean_abs[order])
    titles = [a.text for a in fig.layout.annotations]
    m = global_result.models[0]
    assert (
        f"{m.label}:<br>top feature share {m.top_share:.2f}, effective features {m.effective_features:.1f}"
        in titles
    )
    assert "Broken: failed" in titles and len({t.yaxis for t in perm + shap}) == 6


def test_importance_figure_without_shap_has_one_row(global_result):
    r = replace(global_result, models=tuple(replace(m, mean_abs=None) for m in global_result.models))
    fig = xf.importance_figure(r)
    assert [t.name for t in fig.data] == ["permutation importance"] * 3 and len(fig.layout.annotations) == 3


def test_pd_figure_draws_thinned_ice_and_the_mean(global_result):
    fig = xf.pd_figure(global_result, max_curves=10)
    assert len(fig.data) == 2 * 3
    grid = global_result.pd_grid
    ice, pd_ = fig.data[0], fig.data[1]
    assert len(ice.x) == 10 * (len(grid) + 1) and np.isnan(np.asarray(ice.y, float)[len(grid)])
    rows = np.asarray(ice.y, float).reshape(10, -1)[:, :-1]
    model = global_result.models[0]
    assert all(any(np.allclose(r, c) for c in model.pd_ice) for r in rows)  # each curve is a row's
    np.testing.assert_allclose(pd_.x, grid)
    np.testing.assert_allclose(pd_.y, model.pd_average)
    assert pd_.line.width > ice.line.width and fig.layout.xaxis.title.text == "x1"
    assert fig.layout.yaxis.title.text == f"P(class {global_result.target_class})"
    mixed = replace(
        global_result, models=(global_result.models[0], replace(global_result.models[1], space="margin"))
    )
    mixed_fig = xf.pd_figure(mixed)  # each panel names its own response when they differ
    k = global_result.target_class
    assert (mixed_fig.layout.yaxis.title.text, mixed_fig.layout.yaxis2.title.text) == (
        f"P(class {k})",
        f"margin of class {k}",
    )
    full = xf.pd_figure(global_result)
    assert len(full.data[0].x) == len(global_result.rows) * (len(grid) + 1)


def test_attribution_map_figure_shows_the_response_and_both_maps_on_one_scale(moons):
    X, y, tr, _ = moons
    amap = attribution_map(X, y, tr, ModelConfig("logreg"), PlaneConfig(grid_size=12, background=20))
    fig = xf.attribution_map_figure(amap, X, y, CLASSES, NAMES)
    heat = [t for t in fig.data if isinstance(t, go.Heatmap)]
    assert len(heat) == 3 and [t.xaxis for t in heat] == ["x", "x2", "x3"]
    np.testing.assert_allclose(heat[0].z, amap.response)
    np.testing.assert_allclose(heat[1].z, amap.values[0])
    np.testing.assert_allclose(heat[2].z, amap.values[1])
    assert heat[1].zmid == heat[2].zmid == 0 and heat[1].zmax == heat[2].zmax == -heat[1].zmin
    assert [a.text for a in fig.layout.annotations] == [
        "f = P(lower)",
        "attribution of x0",
        "attribution of x1",
    ]
    points = [t for t in fig.data if isinstance(t, go.Scatter)]
    assert len(points) == 3 * 2 and sum(t.showlegend is not False for t in points) == 2
    assert sum(len(t.x) for t in points[:2]) == len(X) and fig.layout.xaxis2.matches == "x"


def test_whatif_figure_stacks_probabilities_and_marks_the_vote(moons):
    X, y, tr, _ = moons
    cfgs = (*LINEUP, ModelConfig("voting", members=LINEUP[:2], voting="hard"))
    w = what_if(X, y, tr, cfgs, X[5])
    w = replace(w, proba=np.vstack([w.proba[:3], np.full(2, np.nan)]))  # as a model without probabilities
    fig = xf.whatif_figure(w, CLASSES)
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert len(bars) == 2 and fig.layout.barmode == "stack" and len(bars[0].y) == len(cfgs) + 1
    np.testing.assert_allclose(np.asarray(bars[1].x[:3], float), w.proba[:3, 1])
    assert bars[w.vote].x[-1] == pytest.approx(w.vote_share)
    assert fig.layout.title.text == f"Vote: {CLASSES[w.vote]} ({w.vote_share:.0%} of the models)"
    marks = next(t for t in fig.data if t.name == "predicted")
    assert len(marks.y) == len(cfgs) + 1 and list(marks.text[:4]) == [CLASSES[p] for p in w.predicted]
    assert [a.text for a in fig.layout.annotations] == [
        f"no probabilities; predicts {CLASSES[w.predicted[3]]}"
    ]


def test_counterfactual_traces_lie_on_a_decision_figure(moons):
    X, y, tr, te = moons
    x = X[te[0]]
    cf = counterfactual(X, y, tr, ModelConfig("logreg"), x)
    traces = xf.counterfactual_traces(cf, x, X)
    assert [t.marker.symbol for t in traces[:2]] == ["star", "diamond"] and len(traces) == 3
    assert traces[1].line.dash == "dash" and list(traces[1].x) == [x[0], cf.straight[0]]
    path = traces[2]
    assert len(path.x) == len(cf.path) + 1 and (path.x[-1], path.y[-1]) == tuple(X[cf.row])
    grid = make_grid(X, 20)
    proba = fitted(X, y, tr, ModelConfig("logreg")).model.predict_proba(grid)
    data = Dataset(X, y, NAMES, CLASSES, "moons")
    fig = decision_figure(data, grid, proba.argmax(axis=1), proba.max(axis=1))
    n = len(fig.data)
    fig.add_traces(traces)
    assert len(fig.data) == n + 3
    missing = replace(cf, straight=None, row=None, path=np.empty(0, dtype=int))
    assert len(xf.counterfactual_traces(missing, x, X)) == 1


def test_stability_figure_has_a_panel_per_method(moons):
    X, y, tr, _ = moons
    cfg = StabilityConfig(n_repeats=3, top_k=1, background=20, n_samples=200)
    s = stability(X, y, tr, ModelConfig("logreg"), X[3], cfg, NAMES)
    fig = xf.stability_figure(s)
    assert [t.type for t in fig.data] == ["bar", "bar"]
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [
        f"{m.method.upper()}: top-1 overlap (Jaccard) {m.jaccard:.2f} over 3 seeds" for m in s.methods
    ]
    for t, m in zip(fig.data, s.methods, strict=True):
        assert list(t.y) == sorted(t.y, reverse=True) and sum(t.y) == pytest.approx(m.frequency.sum())


def test_pixel_figure_shares_one_scale_over_the_models():
    from engine.data.datasets import load_bundled

    d = load_bundled("digits")
    rows = np.random.default_rng(0).choice(len(d.y), 300, replace=False)
    X, y = d.X[rows], d.y[rows]
    tr, te = split(y, 0.3, 0)
    cfgs = [ModelConfig("logreg"), ModelConfig("tree")]
    p = pixel_attributions(
        X, y, tr, cfgs, X[te[0]], (8, 8), PixelConfig(block=4, background=10, n_samples=100)
    )
    p = replace(p, heat=(*p.heat, np.empty(0)))
    labels = ["Logistic regression", "Decision tree", "Broken"]
    fig = xf.pixel_figure(p, labels)
    assert [t.type for t in fig.data] == ["heatmap"] * 4
    np.testing.assert_allclose(np.asarray(fig.data[1].z, float), p.heat[0])
    lim = max(np.abs(h).max() for h in p.heat[:2])
    assert all(t.zmax == lim and t.zmin == -lim and t.zmid == 0 for t in fig.data[1:])
    assert np.isnan(np.asarray(fig.data[3].z, float)).all()
    assert [a.text for a in fig.layout.annotations] == ["the image", *labels[:2], "Broken: failed"]
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis.scaleanchor == "x"
    assert fig.data[0].zmax == X[te[0]].max()
