"""Every Plotly figure of the app: a result in, a `go.Figure` out. No Streamlit here.

One builder per kind of picture, shared by all pages:
- `scatter_figure`: points in 2-D (WebGL) or 3-D, coloured by class or by a continuous value,
  hover showing the rows' original values, optional highlighted selection;
- `quality_figure`: embedding quality scores of several methods side by side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.data.datasets import Dataset
from explorer.shared import theme

MAX_HOVER_COLUMNS = 8
LARGE = 20_000  # beyond this many points, hover carries fewer columns so the figure stays light


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
    coords: np.ndarray, custom: np.ndarray, hover: str, chosen: np.ndarray | None, **style
) -> go.Scattergl | go.Scatter3d:
    """One scatter trace in 2-D (WebGL, highlighting `chosen` points) or 3-D."""
    if coords.shape[1] == 3:
        return go.Scatter3d(
            x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], mode="markers",
            customdata=custom, hovertemplate=hover, **style,
        )  # fmt: skip
    if chosen is not None:
        style["selectedpoints"] = np.flatnonzero(chosen).tolist()
    return go.Scattergl(
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
    traces = []
    if data.y is not None:
        labels = data.y[rows]
        for k, name in enumerate(data.class_names):
            m = labels == k
            if not m.any():
                continue
            style = {"name": name, "marker": {"size": size, "color": theme.class_color(k)}}
            sub = None if chosen is None else chosen[m]
            traces.append(_trace(coords[m], custom[m], hover, sub, **style))
    else:
        colour = data.position[rows] if data.position is not None else theme.UNLABELLED_COLOR
        marker = {"size": size, "color": colour}
        if data.position is not None:
            marker |= {"colorscale": theme.CONTINUOUS_SCALE, "showscale": True}
        style = {"name": data.name, "marker": marker, "showlegend": False}
        traces.append(_trace(coords, custom, hover, chosen, **style))
    fig = go.Figure(traces)
    fig.update_layout(**theme.base_layout(title, height))
    if coords.shape[1] == 3:
        axes = {f"{a}axis_title": n for a, n in zip("xyz", axis_names, strict=False)}
        fig.update_layout(scene=axes | {"aspectmode": "cube"})
    else:
        fig.update_layout(xaxis_title=axis_names[0], yaxis_title=axis_names[1], dragmode="lasso")
        fig.update_traces(unselected={"marker": {"opacity": 0.15}})
    return fig


def quality_figure(names: Sequence[str], scores: dict[str, Sequence[float | None]]) -> go.Figure:
    """Grouped bars: one group per method, one bar per score (trustworthiness, continuity, ...)."""
    fig = go.Figure()
    for i, (score, values) in enumerate(scores.items()):
        y = [np.nan if v is None else v for v in values]
        fig.add_bar(
            x=list(names), y=y, name=score, marker_color=theme.class_color(i),
            text=[f"{v:.3f}" if v is not None else "n/a" for v in values], textposition="outside",
        )  # fmt: skip
    fig.update_layout(**theme.base_layout("Embedding quality (higher is better)", 360))
    fig.update_layout(barmode="group", yaxis_range=[0, 1.08], yaxis_title="score")
    return fig
