"""Every Plotly figure of the app: a result in, a `go.Figure` out. No Streamlit here.

One builder per kind of picture, shared by all pages:
- `scatter_figure`: points in 2-D (SVG up to SVG_POINTS points, WebGL beyond) or 3-D, coloured by
  class or by a continuous value,
  hover showing the rows' original values, optional highlighted selection;
- `decision_figure`: decision regions of a classifier on the input plane, shaded by confidence, with
  its training (solid) and test (hollow) points; every view that draws a classifier uses it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.data.datasets import Dataset
from engine.grid import Grid
from explorer.shared import theme

MAX_HOVER_COLUMNS = 8
LARGE = 20_000  # beyond this many points, hover carries fewer columns so the figure stays light
# Up to this many points a 2-D scatter is drawn as SVG, beyond it in WebGL: in headless Chromium 2,000
# points paint in about 120 ms as SVG against 230-380 ms in WebGL (whose context costs most of that);
# at 5,000 the first paint is even and a zoom redraws in 110 ms as SVG against 50 ms in WebGL.
SVG_POINTS = 3_000


def point_trace(n_points: int) -> type[go.Scatter] | type[go.Scattergl]:
    """The 2-D scatter trace type for a figure of `n_points` points (see SVG_POINTS)."""
    return go.Scatter if n_points <= SVG_POINTS else go.Scattergl


def blank_figure() -> go.Figure:
    """An empty, axis-less figure 10 pixels high (Plotly's least), transparent: what a page shows while it
    waits for the browser's charting code to load (`explorer.shared.warmup.charts_preloaded`)."""
    hidden = {"visible": False}
    return go.Figure(layout={"height": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "xaxis": hidden,
                             "yaxis": hidden, "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"})  # fmt: skip


def marker_size(n_points: int) -> int:
    """Smaller markers as the cloud grows, so structure stays visible (larger on a projector)."""
    return round((8 if n_points < 1_000 else 5 if n_points < 10_000 else 3) * theme.scale())


def _hover(data: Dataset, rows: np.ndarray) -> tuple[np.ndarray, str]:
    """customdata (n, 1 + c) with the row id first, and a hovertemplate showing original values."""
    frame = (
        data.original if data.original is not None else pd.DataFrame(data.X, columns=list(data.feature_names))
    )
    cols = list(frame.columns[: MAX_HOVER_COLUMNS if len(rows) <= LARGE else 3])
    sub = frame.iloc[rows][cols]
    numeric = all(pd.api.types.is_numeric_dtype(sub[c]) for c in cols)
    kind = np.float32 if numeric else object  # float32: exact row ids, 7 significant digits in hover
    custom = np.column_stack([rows.astype(kind), sub.to_numpy(dtype=kind)])
    fmt = ":.4~g" if numeric else ""
    lines = [f"row %{{customdata[0]{':d' if numeric else ''}}}"]
    lines += [f"{c}: %{{customdata[{i + 1}]{fmt}}}" for i, c in enumerate(cols)]
    if len(frame.columns) > len(cols):
        lines.append(f"… {len(frame.columns) - len(cols)} more columns")
    return custom, "<br>".join(lines) + "<extra></extra>"


def _trace(
    coords: np.ndarray, custom: np.ndarray, hover: str, chosen: np.ndarray | None, kind: type, **style
) -> go.Scatter | go.Scattergl | go.Scatter3d:
    """One scatter trace in 2-D (of type `kind`, highlighting `chosen` points) or 3-D."""
    if coords.shape[1] == 3:
        return go.Scatter3d(
            x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], mode="markers",
            customdata=custom, hovertemplate=hover, **style,
        )  # fmt: skip
    if chosen is not None:
        style["selectedpoints"] = np.flatnonzero(chosen).tolist()
    return kind(
        x=coords[:, 0], y=coords[:, 1], mode="markers",
        customdata=custom, hovertemplate=hover, **style,
    )  # fmt: skip


def scatter_figure(
    coords: np.ndarray,  # (n_points, 2 or 3)
    data: Dataset,
    rows: np.ndarray | None = None,  # (n_points,) rows of `data` the points stand for; None = all
    title: str = "",
    axis_names: Sequence[str] = ("1", "2", "3"),
    selected: Sequence[int] = (),  # rows of `data` to highlight
    height: int = 460,
) -> go.Figure:
    """Points coloured by class (one legend entry each) or by `data.position` when unlabelled."""
    rows = np.arange(len(coords)) if rows is None else np.asarray(rows)
    custom, hover = _hover(data, rows)
    size = marker_size(len(coords))
    chosen = np.isin(rows, np.asarray(selected, dtype=np.int64)) if len(selected) else None
    kind, traces = point_trace(len(coords)), []
    if data.y is not None:
        labels = data.y[rows]
        for k, name in enumerate(data.class_names):
            m = labels == k
            if not m.any():
                continue
            style = {"name": name, "marker": {"size": size, "color": theme.class_color(k)}}
            sub = None if chosen is None else chosen[m]
            traces.append(_trace(coords[m], custom[m], hover, sub, kind, **style))
    else:
        colour = data.position[rows] if data.position is not None else theme.UNLABELLED_COLOR
        marker = {"size": size, "color": colour}
        if data.position is not None:
            marker |= {"colorscale": theme.CONTINUOUS_SCALE, "showscale": True}
        style = {"name": data.name, "marker": marker, "showlegend": False}
        traces.append(_trace(coords, custom, hover, chosen, kind, **style))
    fig = go.Figure(traces)
    fig.update_layout(**theme.base_layout(title, height))
    if coords.shape[1] == 3:
        axes = {f"{a}axis_title": n for a, n in zip("xyz", axis_names, strict=False)}
        fig.update_layout(scene=axes | {"aspectmode": "cube"})
    else:
        fig.update_layout(xaxis_title=axis_names[0], yaxis_title=axis_names[1], dragmode="lasso")
        fig.update_traces(unselected={"marker": {"opacity": 0.15}})
    return fig


def _class_scale(n_classes: int) -> list[list]:
    """A colourscale where z in [k, k+1) runs from a pale to the full colour of class k."""
    stops = []
    for k in range(n_classes):
        rgb = theme.class_color(k).lstrip("#")
        r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
        pale = f"rgb({(r + 3 * 255) // 4},{(g + 3 * 255) // 4},{(b + 3 * 255) // 4})"
        stops += [[k / n_classes, pale], [(k + 1) / n_classes - 1e-6, f"rgb({r},{g},{b})"]]
    stops[-1][0] = 1.0
    return stops


def decision_figure(
    data: Dataset,
    grid: np.ndarray,
    pred: np.ndarray,
    confidence: np.ndarray,
    train_rows: np.ndarray | None = None,
    test_rows: np.ndarray | None = None,
    title: str = "",
    height: int = 420,
    opacity: float = 0.55,
) -> go.Figure:
    """Decision regions on a square grid of the input plane, shaded by predicted class with the
    model's confidence as intensity; training points solid, test points hollow."""
    plane = Grid.of_points(grid)
    k = max(data.n_classes, int(pred.max()) + 1)
    z = (pred + np.clip((confidence - 1 / k) / (1 - 1 / k), 0, 0.999)).reshape(plane.shape).astype(np.float32)
    fig = go.Figure(
        go.Heatmap(
            x=plane.xs,
            y=plane.ys,
            z=z,
            zmin=0,
            zmax=k,
            colorscale=_class_scale(k),
            showscale=False,
            opacity=opacity,
            hoverinfo="skip",
            zsmooth="best",
        )
    )
    rows = {"train": train_rows, "test": test_rows} if train_rows is not None else {"": None}
    size = marker_size(data.n_samples)
    for part, idx in rows.items():
        idx = np.arange(data.n_samples) if idx is None else np.asarray(idx)
        for c, name in enumerate(data.class_names):
            m = idx[data.y[idx] == c]
            color = theme.class_color(c)
            marker = {"size": size, "color": color, "line": {"color": "white", "width": 0.5}}
            if part == "test":
                marker = {"size": size, "color": "rgba(0,0,0,0)", "line": {"color": color, "width": 1.5}}
            fig.add_trace(
                go.Scatter(
                    x=data.X[m, 0],
                    y=data.X[m, 1],
                    mode="markers",
                    marker=marker,
                    name=f"{name} {part}".strip(),
                    legendgroup=name,
                )
            )
    fig.update_layout(**theme.base_layout(title, height))
    fig.update_xaxes(range=[plane.xs[0], plane.xs[-1]], title=data.feature_names[0])
    fig.update_yaxes(
        range=[plane.ys[0], plane.ys[-1]],
        title=data.feature_names[1],
        scaleanchor="x",
        scaleratio=1,
    )
    return fig
