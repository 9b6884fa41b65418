"""Figures of the Explanations view, one explained point at a time: every model's attributions as
waterfalls, an ensemble beside its members, how stable a sampled explanation is over seeds, what
every model answers at a point (and the counterfactual's traces for the plane), and the pixel maps
of an image. The whole-model figures live in `global_figures` and are re-exported here, so a page
needs this module only. Results in, `go.Figure` out; no Streamlit here."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.classify.explain.counterfactual import Counterfactual, WhatIf
from engine.classify.explain.images import PixelResult
from engine.classify.explain.local import Attribution
from engine.classify.explain.stability import StabilityResult
from explorer.explain.global_figures import (
    GREY,
    NEGATIVE,
    POSITIVE,
    attribution_map_figure,
    importance_figure,
    panel_grid,
    pd_figure,
    short,
    space_label,
)
from explorer.shared import theme
from explorer.shared.image_figures import SIGNED, side_by_side

__all__ = ["attribution_map_figure", "counterfactual_traces", "ensemble_figure", "importance_figure",
           "pd_figure", "pixel_figure", "stability_figure", "waterfall_figure", "whatif_figure"]  # fmt: skip

MAX_FEATURES = 12  # bars of an ensemble's figure; the rest are summed into one
MAX_STABLE = 20  # features shown per stability panel (those some run put in its top k)
SHOWN_RESIDUAL = 1e-6  # a residual this large gets its own bar, so the waterfall still ends at f(x)


def _class(k: int, class_names: Sequence[str]) -> str:
    return class_names[k] if 0 <= k < len(class_names) else f"class {k}"


def _ok(a: Attribution) -> bool:
    return a.error is None and len(a.values) > 0


def _capped(
    values: np.ndarray, order: np.ndarray, names: Sequence[str], k: int
) -> tuple[list[str], np.ndarray]:
    """The features in `order`, the first k each on its own bar, the rest summed into one."""
    shown, rest = order[:k], order[k:]
    labels, out = [names[j] for j in shown], values[shown]
    if len(rest):
        labels.append(f"other {len(rest)} features")
        out = np.r_[out, values[rest].sum()]
    return labels, out


def waterfall_figure(attrs: Sequence[Attribution], feature_names: Sequence[str], class_names: Sequence[str],
                     title: str = "", height: int = 420, max_features: int = 12) -> go.Figure:  # fmt: skip
    """One horizontal waterfall per model (at most 4 a row): E[f(x)], each feature's push, f(x);
    the features in one order for every panel (by |attribution| of the first model explained).
    `height` is that of one row of panels."""
    ref = next((a for a in attrs if _ok(a)), None)
    order = (
        np.argsort(-np.abs(ref.values), kind="stable") if ref is not None else np.arange(len(feature_names))
    )
    rows, cols = panel_grid(len(attrs), 4)
    titles = []
    for a in attrs:
        if not _ok(a):
            titles.append(f"{short(a.label)}: failed")
            continue
        fit = f"; R² {a.score:.2f}" if np.isfinite(a.score) else ""
        what = space_label(a.space, _class(a.target_class, class_names))
        titles.append(
            f"{short(a.label)}<br>{what} {a.value:.2f} = {a.base:.2f} + Σ<br>residual {a.residual:.1g}{fit}"
        )
    fig = make_subplots(rows, cols, subplot_titles=titles or None, horizontal_spacing=0.16,
                        vertical_spacing=min(0.45 / rows, 0.2))  # fmt: skip
    for i, a in enumerate(attrs):
        if not _ok(a):
            continue
        labels, pushes = _capped(a.values, order, feature_names, max_features)
        miss = a.value - a.base - pushes.sum()  # -residual: LIME's local fit misses f(x)
        if abs(miss) > SHOWN_RESIDUAL:
            labels, pushes = (
                [*labels, "residual" if a.explainer != "lime" else "LIME's miss at x"],
                np.r_[pushes, miss],
            )
        y = ["E[f(x)]", *labels, "f(x)"]
        x = np.r_[a.base, pushes, a.value]
        run = np.r_[0.0, np.cumsum(x[:-1])]
        lo, hi = min(run.min(), 0.0), run.max()
        pad = 0.45 * (hi - lo) or 0.5  # room for the numbers beside the bars
        text = [f"{v:.3g}" if j in (0, len(x) - 1) else f"{v:+.3g}" for j, v in enumerate(x)]
        fig.add_trace(go.Waterfall(
            orientation="h", y=y, x=x, measure=["absolute", *["relative"] * len(pushes), "total"],
            name=a.label, showlegend=False, text=text, textposition="outside", cliponaxis=False,
            increasing={"marker": {"color": POSITIVE}}, decreasing={"marker": {"color": NEGATIVE}},
            totals={"marker": {"color": GREY}}, connector={"line": {"color": GREY, "width": 0.5}},
            hovertemplate="%{y}: %{x:.4g}<extra></extra>"), i // cols + 1, i % cols + 1)  # fmt: skip
        left = pad if lo < 0 or (pushes < 0).any() else 0.0  # a falling bar's number sits on its left
        fig.update_xaxes(range=[lo - left, hi + pad], row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(**theme.base_layout(title, height * rows))
    fig.update_layout(margin={"t": round(90 * theme.scale())})  # three-line panel titles below the title
    fig.update_yaxes(autorange="reversed")  # E[f(x)] on top, f(x) at the bottom
    fig.update_annotations(font_size=round(11 * theme.scale()))
    return fig


def _member_color(i: int) -> str:
    return theme.class_color(i if i < 7 else i + 1)  # the palette's 8th colour (black) is the ensemble's


def ensemble_figure(ensemble: Attribution, feature_names: Sequence[str], class_names: Sequence[str],
                    height: int = 420) -> go.Figure:  # fmt: skip
    """The ensemble's attributions beside each member's and (voting, bagging) their weighted mean."""
    what = space_label(ensemble.space, _class(ensemble.target_class, class_names))
    if not _ok(ensemble):
        fig = go.Figure()
        fig.update_layout(**theme.base_layout(f"{ensemble.label}: failed", height))
        return fig
    order = np.argsort(-np.abs(ensemble.values), kind="stable")
    fig = go.Figure()
    for i, m in enumerate(ensemble.members):
        if not _ok(m):
            continue
        w = f" (weight {ensemble.weights[i]:.2f})" if ensemble.weights is not None else ""
        labels, v = _capped(m.values, order, feature_names, MAX_FEATURES)
        fig.add_trace(
            go.Bar(y=labels, x=v, orientation="h", name=f"{m.label}{w}", marker_color=_member_color(i))
        )
    if ensemble.members_mean is not None:
        labels, v = _capped(ensemble.members_mean, order, feature_names, MAX_FEATURES)
        fig.add_trace(go.Bar(y=labels, x=v, orientation="h", name="members' weighted mean",
                             marker={"color": "white", "line": {"color": "black", "width": 1.5},
                                     "pattern": {"shape": "/", "fgcolor": "black"}}))  # fmt: skip
        title = f"{ensemble.label}: largest gap between the ensemble and its members' weighted mean: {ensemble.gap:.2g}"
    else:
        title = (f"{ensemble.label}: its members are shown without a mean (a learned combination, "
                 "not a weighted mean of them)")  # fmt: skip
    labels, v = _capped(ensemble.values, order, feature_names, MAX_FEATURES)
    fig.add_trace(
        go.Bar(y=labels, x=v, orientation="h", name=ensemble.label, marker_color=theme.class_color(7))
    )
    fig.update_layout(**theme.base_layout(title, height), barmode="group")
    fig.update_xaxes(title=f"attribution to {what}", zeroline=True)
    fig.update_yaxes(autorange="reversed")
    return fig


def _unique(labels: Sequence[str]) -> list[str]:
    """Labels made distinct ('kNN', 'kNN (2)'), so two models never share one bar."""
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} ({seen[lab]})")
    return out


def whatif_figure(w: WhatIf, class_names: Sequence[str], height: int = 360) -> go.Figure:
    """Every model's class probabilities at the point as a stacked bar, its prediction marked, and a
    last row with the share of the models predicting each class (the vote)."""
    rows = [*_unique(w.labels), "vote (share of the models)"]
    ok = w.predicted[w.predicted >= 0]
    n = len(class_names)
    share = np.bincount(ok, minlength=n)[:n] / len(ok) if len(ok) else np.full(n, np.nan)
    proba = np.full((len(w.labels), n), np.nan)
    given = np.asarray(w.proba, dtype=float).reshape(len(w.labels), -1)[:, :n]
    proba[:, : given.shape[1]] = given
    P = np.vstack([proba, share])  # (n_models + 1, n_classes)
    fig = go.Figure()
    for k, name in enumerate(class_names):
        fig.add_trace(go.Bar(y=rows, x=P[:, k], orientation="h", name=name, marker_color=theme.class_color(k),
                             hovertemplate=f"%{{y}}: {name} %{{x:.1%}}<extra></extra>"))  # fmt: skip
    pred = [*w.predicted.tolist(), w.vote]
    marked = [i for i, p in enumerate(pred) if p >= 0]
    fig.add_trace(go.Scatter(x=[1.04] * len(marked), y=[rows[i] for i in marked], mode="markers", name="predicted",
                             marker={"symbol": "circle", "size": 11 * theme.scale(), "line": {"color": "black", "width": 1},
                                     "color": [theme.class_color(pred[i]) for i in marked]},
                             text=[_class(pred[i], class_names) for i in marked],
                             hovertemplate="%{y} predicts %{text}<extra></extra>"))  # fmt: skip
    for i, row in enumerate(rows[:-1]):
        if np.isnan(P[i]).all():
            text = "failed" if pred[i] < 0 else f"no probabilities; predicts {_class(pred[i], class_names)}"
            fig.add_annotation(x=0.5, y=row, text=text, showarrow=False, font={"color": "#555555"})
    title = (f"Vote: {class_names[w.vote]} ({w.vote_share:.0%} of the models)" if w.vote >= 0
             else "Vote: none (every model failed)")  # fmt: skip
    fig.update_layout(**theme.base_layout(title, max(height, 60 + 34 * len(rows))), barmode="stack")
    fig.update_xaxes(range=[0, 1.08], tickformat=".0%", title="probability at the point")
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=rows)
    return fig


def counterfactual_traces(cf: Counterfactual, x: np.ndarray, X: np.ndarray) -> list[go.Scatter]:
    """Traces for a 2-D decision figure: the point, the nearest change on a straight line (dashed
    from the point) and the way to the nearest differently predicted row along the data."""
    x = np.asarray(x, dtype=float)
    s = 10 * theme.scale()
    traces = [go.Scatter(x=[x[0]], y=[x[1]], mode="markers", name="the point",
                         marker={"symbol": "star", "size": 1.6 * s, "color": "white",
                                 "line": {"color": "black", "width": 2}})]  # fmt: skip
    if cf.straight is not None and np.all(np.isfinite(cf.straight)):
        traces.append(go.Scatter(
            x=[x[0], cf.straight[0]], y=[x[1], cf.straight[1]], mode="lines+markers",
            name=f"nearest change, straight ({cf.straight_distance:.3g})", line={"color": "black", "dash": "dash"},
            marker={"symbol": "diamond", "size": [0, 1.3 * s], "color": theme.class_color(cf.straight_class),
                    "line": {"color": "black", "width": 1.5}}))  # fmt: skip
    if cf.row is not None and 0 <= cf.row < len(X):
        path = [int(r) for r in cf.path] if len(cf.path) else []
        if not path or path[-1] != cf.row:
            path.append(cf.row)
        P = np.vstack([x[:2], np.asarray(X)[path, :2]])
        traces.append(go.Scatter(
            x=P[:, 0], y=P[:, 1], mode="lines+markers", name=f"along the data to row {cf.row} ({cf.geodesic:.3g})",
            line={"color": theme.class_color(cf.row_class), "width": 2.5 * theme.scale()},
            marker={"size": [0, *[0.6 * s] * (len(P) - 2), 1.2 * s], "color": theme.class_color(cf.row_class),
                    "line": {"color": "black", "width": 1}}))  # fmt: skip
    return traces


def stability_figure(s: StabilityResult, height: int = 340) -> go.Figure:
    """Per sampling method: how often each feature is among a run's top k, over the seeds."""
    titles = [f"{m.method.upper()}: top-{s.top_k} overlap (Jaccard) {m.jaccard:.2f} over {len(s.seeds)} seeds"
              for m in s.methods]  # fmt: skip
    fig = make_subplots(1, max(len(s.methods), 1), subplot_titles=titles or None, shared_yaxes=True)
    for c, m in enumerate(s.methods, start=1):
        freq = np.asarray(m.frequency, dtype=float)
        order = np.argsort(-freq, kind="stable")
        order = order[freq[order] > 0][:MAX_STABLE]
        fig.add_trace(go.Bar(x=[s.feature_names[j] for j in order], y=freq[order], name=m.method.upper(),
                             marker_color=theme.class_color(c - 1),
                             hovertemplate=f"%{{x}}: in the top {s.top_k} of %{{y:.0%}} of the runs<extra></extra>"),
                      1, c)  # fmt: skip
    fig.update_layout(
        **theme.base_layout(f"{s.label}: how often each feature is in a run's top {s.top_k}", height)
    )
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    fig.update_yaxes(title="share of the runs", col=1)
    fig.update_annotations(font_size=round(12 * theme.scale()))
    return fig


def pixel_figure(p: PixelResult, labels: Sequence[str], height: int | None = None) -> go.Figure:
    """The image, then each model's pixel attributions on one diverging scale shared by all the maps."""
    image = np.asarray(p.image, dtype=float)
    heats = [np.asarray(h, dtype=float) if h.size else np.full(image.shape, np.nan) for h in p.heat]
    titles = [
        "the image",
        *(short(lab) if h.size else f"{short(lab)}: failed" for lab, h in zip(labels, p.heat, strict=True)),
    ]
    fig = side_by_side([image, *heats], titles, [False] + [True] * len(heats),
                       f"SHAP of each pixel's block over {p.background} background images (red: towards the class)",
                       height or (300 if len(heats) < 4 else 240))  # fmt: skip
    finite = [np.nanmax(np.abs(h)) for h in heats if np.isfinite(h).any()]
    lim = float(max(finite)) if finite and max(finite) > 0 else 1.0
    fig.data[0].update(zmin=float(np.nanmin(image)), zmax=float(np.nanmax(image)) or 1.0)
    for i, trace in enumerate(fig.data[1:], start=1):
        trace.update(colorscale=SIGNED, zmin=-lim, zmax=lim, zmid=0, showscale=i == len(heats),
                     colorbar={"thickness": 10, "title": "φ"})  # fmt: skip
    fig.update_annotations(font_size=round(11 * theme.scale()))
    return fig
