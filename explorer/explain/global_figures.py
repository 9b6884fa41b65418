"""Figures of the whole model in the Explanations view: permutation importance (and mean |SHAP|) per
model, partial dependence with ICE curves, and the exact attribution maps of the plane; with the
helpers the point figures share (a response's name, a grid of panels). No Streamlit here."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.classify.explain.global_ import GlobalResult
from engine.classify.explain.plane import AttributionMap
from explorer.shared import theme
from explorer.shared.image_figures import SIGNED

MAX_BARS = 15  # features shown per importance panel, the most important over the models
TITLE_CHARS = 30  # longer model labels (ensembles list their members) are cut in panel titles
GREY = theme.class_color(19)  # ICE curves, totals: the palette's grey
POSITIVE, NEGATIVE = theme.class_color(5), theme.class_color(0)  # vermillion up, blue down (as SIGNED)


def space_label(space: str, class_name: str) -> str:
    """What a response is, for a title: 'P(versicolor)', 'margin of versicolor', 'vote share of …'."""
    if space == "probability":
        return f"P({class_name})"
    return f"{space} of {class_name}" if space else "response"


def short(label: str) -> str:
    """A model's label cut to TITLE_CHARS for a panel title."""
    return label if len(label) <= TITLE_CHARS else label[: TITLE_CHARS - 1] + "…"


def panel_grid(n: int, max_cols: int) -> tuple[int, int]:
    """(rows, cols) of n panels, at most `max_cols` a row."""
    cols = max(1, min(n, max_cols))
    return -(-max(n, 1) // cols), cols


def _cell(i: int, cols: int) -> dict[str, int]:
    return {"row": i // cols + 1, "col": i % cols + 1}


def importance_figure(result: GlobalResult, height: int | None = None) -> go.Figure:
    """Permutation importance (± its std over the shuffles) per model, features in one order (by the
    mean over the models); with mean |SHAP| in a second row of panels when it was computed."""
    models, names = result.models, result.feature_names
    ok = [m for m in models if m.error is None and len(m.permutation)]
    mean = np.mean([m.permutation for m in ok], axis=0) if ok else np.zeros(len(names))
    order = np.argsort(-mean, kind="stable")[:MAX_BARS]
    shown = [names[j] for j in order]
    shap = any(m.mean_abs is not None for m in ok)
    rows, cols = panel_grid(len(models), 3)
    titles = [""] * (rows * cols * (2 if shap else 1))
    for i, m in enumerate(models):
        cell = (i // cols) * (2 if shap else 1) * cols + i % cols
        if m.error is not None or not len(m.permutation):
            titles[cell] = f"{short(m.label)}: failed"
            continue
        titles[cell] = (f"{short(m.label)}:<br>top feature share {m.top_share:.2f}, effective features "
                        f"{m.effective_features:.1f}" if np.isfinite(m.top_share)
                        else f"{short(m.label)}:<br>no shuffle lowers its accuracy")  # fmt: skip
        if shap and m.mean_abs is not None:
            titles[cell + cols] = f"{short(m.label)}:<br>mean |SHAP| ({m.space})"
    n_rows = rows * (2 if shap else 1)
    height = height or (90 + 20 * len(order)) * n_rows + 90
    fig = make_subplots(n_rows, cols, subplot_titles=titles, shared_yaxes=True, horizontal_spacing=0.04,
                        vertical_spacing=min(80 / height, 1 / max(n_rows - 1, 1)))  # fmt: skip
    first = {"perm": True, "shap": True}
    for i, m in enumerate(models):
        if m.error is not None or not len(m.permutation):
            continue
        r, c = (i // cols) * (2 if shap else 1) + 1, i % cols + 1
        fig.add_trace(go.Bar(y=shown, x=m.permutation[order], orientation="h", name="permutation importance",
                             error_x={"type": "data", "array": m.permutation_std[order], "thickness": 1},
                             marker_color=theme.class_color(0), legendgroup="perm", showlegend=first["perm"],
                             hovertemplate="%{y}: accuracy drops %{x:.3f}<extra></extra>"), r, c)  # fmt: skip
        first["perm"] = False
        if shap and m.mean_abs is not None:
            fig.add_trace(go.Bar(y=shown, x=m.mean_abs[order], orientation="h", name="mean |SHAP|",
                                 marker_color=theme.class_color(1), legendgroup="shap", showlegend=first["shap"],
                                 hovertemplate="%{y}: mean |SHAP| %{x:.3g}<extra></extra>"), r + 1, c)  # fmt: skip
            first["shap"] = False
    of = f" (the top {len(order)} of {len(names)} features)" if len(order) < len(names) else ""
    fig.update_layout(**theme.base_layout(f"Which features each model reads{of}", height))
    fig.update_layout(margin={"t": round(80 * theme.scale())})  # two-line panel titles below the title
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=shown)
    fig.update_annotations(font_size=round(12 * theme.scale()))
    return fig


def pd_figure(result: GlobalResult, height: int = 360, max_curves: int = 200) -> go.Figure:
    """Per model: the ICE curves of the rows (at most `max_curves`, a seeded sample) thin and grey,
    their mean (the partial dependence) thick in the class's colour."""
    models, grid = result.models, np.asarray(result.pd_grid, dtype=float)
    feature = result.feature_names[result.feature]
    rows, cols = panel_grid(len(models), 4)
    titles = [
        short(m.label) if m.error is None and len(m.pd_average) else f"{short(m.label)}: failed"
        for m in models
    ]
    fig = make_subplots(
        rows, cols, subplot_titles=titles, horizontal_spacing=0.06, vertical_spacing=0.3 / rows
    )
    k = result.target_class
    shown = 0
    for i, m in enumerate(models):
        if m.error is not None or not len(m.pd_average):
            continue
        ice = np.asarray(m.pd_ice, dtype=float)
        if len(ice) > max_curves:
            ice = ice[np.sort(np.random.default_rng(0).choice(len(ice), max_curves, replace=False))]
        shown = len(ice)
        xs = np.tile(np.r_[grid, np.nan], len(ice))
        ys = np.c_[ice, np.full(len(ice), np.nan)].ravel()
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="one row (ICE)", legendgroup="ice",
                                 showlegend=i == 0, line={"color": GREY, "width": 0.7 * theme.scale()},
                                 opacity=0.35, hoverinfo="skip"), **_cell(i, cols))  # fmt: skip
        fig.add_trace(go.Scatter(x=grid, y=m.pd_average, mode="lines", name="mean (partial dependence)",
                                 legendgroup="pd", showlegend=i == 0,
                                 line={"color": theme.class_color(k), "width": 3.5 * theme.scale()}), **_cell(i, cols))  # fmt: skip
    spaces = {m.space for m in models if m.space}
    n_rows = len(result.rows)
    fig.update_layout(**theme.base_layout(f"Partial dependence on {feature}: {shown} of {n_rows} rows' curves (ICE) and their mean", height * rows))  # fmt: skip
    fig.update_xaxes(title=feature)
    for i, m in enumerate(models):  # each panel says its response where the models' responses differ
        if m.space and (len(spaces) > 1 or i % cols == 0):
            fig.update_yaxes(title=space_label(m.space, f"class {k}"), **_cell(i, cols))
    fig.update_annotations(font_size=round(12 * theme.scale()))
    return fig


def attribution_map_figure(amap: AttributionMap, data_X: np.ndarray, data_y: np.ndarray, class_names: Sequence[str],
                           feature_names: Sequence[str], height: int = 380) -> go.Figure:  # fmt: skip
    """The model's response on the plane and each coordinate's exact Shapley value there (one
    diverging scale for both, zero white), with the data over every panel."""
    k = amap.target_class
    name = class_names[k] if 0 <= k < len(class_names) else f"class {k}"
    titles = [f"f = {space_label(amap.space, name)}", *(f"attribution of {f}" for f in feature_names[:2])]
    fig = make_subplots(1, 3, subplot_titles=titles, shared_yaxes=True, horizontal_spacing=0.07)
    values = np.asarray(amap.values, dtype=float)
    lim = float(np.abs(values).max()) or 1.0
    fig.add_trace(go.Heatmap(x=amap.xs, y=amap.ys, z=amap.response, colorscale=theme.CONTINUOUS_SCALE,
                             colorbar={"x": 0.29, "thickness": 10, "len": 0.9}, zsmooth="best",
                             hovertemplate="f %{z:.3g}<extra></extra>"), 1, 1)  # fmt: skip
    for j in range(2):
        fig.add_trace(go.Heatmap(x=amap.xs, y=amap.ys, z=values[j], colorscale=SIGNED, zmin=-lim, zmax=lim, zmid=0,
                                 showscale=j == 1, colorbar={"thickness": 10, "len": 0.9, "title": "φ"},
                                 zsmooth="best", hovertemplate="φ %{z:.3g}<extra></extra>"), 1, j + 2)  # fmt: skip
    X, y = np.asarray(data_X), np.asarray(data_y)
    for col in (1, 2, 3):
        for c, cname in enumerate(class_names):
            m = y == c
            fig.add_trace(go.Scatter(x=X[m, 0], y=X[m, 1], mode="markers", name=cname, legendgroup=cname,
                                     showlegend=col == 1, hoverinfo="skip",
                                     marker={"size": 4 * theme.scale(), "color": theme.class_color(c),
                                             "line": {"color": "white", "width": 0.4}}), 1, col)  # fmt: skip
    title = (f"{amap.label}: exact Shapley values over {amap.background} background rows "
             f"(largest additivity miss {amap.residual:.1g})")  # fmt: skip
    fig.update_layout(**theme.base_layout(title, height))
    fig.update_layout(legend={"orientation": "h", "y": -0.12})
    for col in (1, 2, 3):
        fig.update_xaxes(range=[amap.xs[0], amap.xs[-1]], matches="x" if col > 1 else None, constrain="domain",
                         title=feature_names[0], row=1, col=col)  # fmt: skip
        fig.update_yaxes(range=[amap.ys[0], amap.ys[-1]], scaleanchor="x" if col == 1 else f"x{col}", scaleratio=1,
                         constrain="domain", row=1, col=col)  # fmt: skip
    fig.update_yaxes(title=feature_names[1], row=1, col=1)
    fig.update_annotations(font_size=round(12 * theme.scale()))
    return fig
