"""Figures of the Manifold geometry view: a graph drawn over its nodes' coordinates (2-D or 3-D),
coloured by a value (a distance) or by class, with some edges picked out; geodesic against
straight-line distance; and the few-label learners' decision regions side by side.

Every node trace carries its row in `customdata[0]`, so a click names the row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.shared import theme
from explorer.shared.figures import decision_figure, marker_size

EDGE_COLOR = "rgba(120,120,120,0.35)"
HIGHLIGHT_COLOR = "#D62728"
UNREACHED_COLOR = "#BBBBBB"
MOST_EDGES_DRAWN = 60_000  # beyond this, plain edges are thinned to a seeded sample (highlighted ones stay)


def _segments(coords: np.ndarray, edges: np.ndarray) -> list[np.ndarray]:
    """Per axis, the edges' ends with a NaN after each edge: one line trace draws them all."""
    out = []
    for a in range(coords.shape[1]):
        seg = np.full((len(edges), 3), np.nan, dtype=np.float32)
        seg[:, 0], seg[:, 1] = coords[edges[:, 0], a], coords[edges[:, 1], a]
        out.append(seg.ravel())
    return out


def _lines(
    coords: np.ndarray, edges: np.ndarray, name: str, color: str, width: float
) -> go.Scattergl | go.Scatter3d:
    xyz = dict(zip("xyz", _segments(coords, edges), strict=False))
    line = {"color": color, "width": width * theme.scale()}
    cls = go.Scatter3d if coords.shape[1] == 3 else go.Scattergl
    return cls(**xyz, mode="lines", line=line, name=name, hoverinfo="skip")


def _nodes(coords, rows, name: str, marker: dict, hover: str) -> go.Scattergl | go.Scatter3d:
    xyz = {a: coords[rows, i] for i, a in enumerate("xyz"[: coords.shape[1]])}
    cls = go.Scatter3d if coords.shape[1] == 3 else go.Scattergl
    return cls(**xyz, mode="markers", marker=marker, name=name, customdata=rows[:, None],
               hovertemplate=hover)  # fmt: skip


def graph_figure(
    coords: np.ndarray,
    edges: np.ndarray,
    *,
    values: np.ndarray | None = None,
    value_name: str = "",
    classes: np.ndarray | None = None,
    class_names: Sequence[str] = (),
    highlight: np.ndarray | None = None,
    highlight_name: str = "",
    marked: np.ndarray | None = None,
    marked_name: str = "",
    axis_names: Sequence[str] = ("x", "y", "z"),
    title: str = "",
    height: int = 480,
    seed: int = 0,
) -> go.Figure:
    """Nodes at `coords` (n, 2|3) joined by `edges` (m, 2): coloured by `values` (n,) on a continuous
    scale (NaN or inf grey: not reached), or by `classes` (n,); `highlight` (m,) bool edges drawn thick
    and red; `marked` rows drawn large with a black outline."""
    n = len(coords)
    fig = go.Figure()
    plain = np.ones(len(edges), bool) if highlight is None else ~np.asarray(highlight, bool)
    drawn = np.flatnonzero(plain)
    if len(drawn) > MOST_EDGES_DRAWN:
        drawn = np.sort(np.random.default_rng(seed).choice(drawn, MOST_EDGES_DRAWN, replace=False))
    fig.add_trace(_lines(coords, edges[drawn], f"edges ({plain.sum():,})", EDGE_COLOR, 0.8))
    size = marker_size(n)
    rows = np.arange(n)
    if values is not None:
        values = np.asarray(values, dtype=float)
        ok = np.isfinite(values)
        marker = {"size": size, "color": values[ok], "colorscale": theme.CONTINUOUS_SCALE, "showscale": True,
                  "colorbar": {"title": {"text": value_name}, "thickness": 12}}  # fmt: skip
        custom = np.c_[rows[ok], values[ok]]
        trace = _nodes(coords, rows[ok], value_name or "points", marker,
                       f"point %{{customdata[0]}}<br>{value_name} %{{customdata[1]:.3g}}<extra></extra>")  # fmt: skip
        trace.customdata = custom
        fig.add_trace(trace)
        if (~ok).any():
            fig.add_trace(_nodes(coords, rows[~ok], f"not reached ({(~ok).sum():,})",
                                 {"size": size, "color": UNREACHED_COLOR}, "point %{customdata[0]}<extra>not reached</extra>"))  # fmt: skip
    elif classes is not None:
        for c, cname in enumerate(class_names):
            m = rows[classes == c]
            fig.add_trace(_nodes(coords, m, str(cname), {"size": size, "color": theme.class_color(c)},
                                 f"point %{{customdata[0]}}<br>{cname}<extra></extra>"))  # fmt: skip
    else:
        fig.add_trace(_nodes(coords, rows, "points", {"size": size, "color": theme.UNLABELLED_COLOR},
                             "point %{customdata[0]}<extra></extra>"))  # fmt: skip
    if highlight is not None and np.any(highlight):
        fig.add_trace(_lines(coords, edges[np.asarray(highlight, bool)],
                             f"{highlight_name} ({int(np.sum(highlight)):,})", HIGHLIGHT_COLOR, 3.0))  # fmt: skip
    if marked is not None and len(marked):
        marked = np.asarray(marked, dtype=np.int64)
        ring = {
            "size": size * 2.2,
            "color": "rgba(0,0,0,0)",
            "line": {"color": "black", "width": 2},
            "symbol": "circle",
        }
        if coords.shape[1] == 3:
            ring = {"size": size * 1.6, "color": "black", "symbol": "diamond"}
        fig.add_trace(
            _nodes(
                coords, marked, marked_name, ring, "point %{customdata[0]}<extra>" + marked_name + "</extra>"
            )
        )
    fig.update_layout(**theme.base_layout(title, height))
    below = -0.02 if coords.shape[1] == 3 else -0.16  # under a 2-D plot's axis title
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": below, "yanchor": "top"})
    names = dict(zip("xyz", axis_names, strict=False))
    if coords.shape[1] == 3:
        fig.update_layout(scene={f"{a}axis_title": names[a] for a in "xyz"} | {"aspectmode": "data"})
    else:
        fig.update_layout(xaxis_title=names["x"], yaxis_title=names["y"], clickmode="event+select")
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def distance_figure(straight: np.ndarray, geodesic: np.ndarray, color: np.ndarray | None, color_name: str,
                    height: int = 400) -> go.Figure:  # fmt: skip
    """Each reached point's geodesic against its straight-line distance from the source, with the
    diagonal (where the two agree); points far above it are near in space, far along the manifold."""
    ok = np.isfinite(geodesic)
    s, g = straight[ok], geodesic[ok]
    marker = {"size": marker_size(len(s)), "color": theme.UNLABELLED_COLOR}
    if color is not None:
        marker |= {"color": np.asarray(color)[ok], "colorscale": theme.CONTINUOUS_SCALE, "showscale": True,
                   "colorbar": {"title": {"text": color_name}, "thickness": 12}}  # fmt: skip
    top = float(max(s.max(initial=0), g.max(initial=0))) or 1.0
    fig = go.Figure(
        [
            go.Scattergl(x=s, y=g, mode="markers", marker=marker, name="points",
                         customdata=np.flatnonzero(ok)[:, None],
                         hovertemplate="point %{customdata[0]}<br>straight %{x:.3g}<br>geodesic %{y:.3g}<extra></extra>"),
            go.Scatter(x=[0, top], y=[0, top], mode="lines", line={"color": "black", "dash": "dash", "width": 1},
                       name="geodesic = straight", hoverinfo="skip"),
        ]
    )  # fmt: skip
    fig.update_layout(**theme.base_layout("Along the graph vs in a straight line", height))
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"})
    fig.update_xaxes(title="straight-line distance", rangemode="tozero")
    fig.update_yaxes(title="geodesic distance (along the graph)", rangemode="tozero")
    return fig


def learner_figure(data, Z: np.ndarray, grid: np.ndarray | None, pred: np.ndarray, grid_pred, grid_conf,
                   labelled: np.ndarray, title: str, bridges: np.ndarray | None = None, edges=None,
                   height: int = 420) -> go.Figure:  # fmt: skip
    """One learner: its decision regions over the plane (2-D data) with every point in its true class
    and the labelled points ringed; on wider data, the points on `Z`'s first two axes coloured by
    prediction. `bridges` edges (between two classes) drawn red."""
    if grid is not None:
        fig = decision_figure(data, grid, grid_pred, grid_conf, title=title, height=height)
        coords = data.X
    else:
        fig = graph_figure(Z[:, :2], np.empty((0, 2), np.int64), classes=pred, class_names=data.class_names,
                           title=title, height=height, axis_names=("PC 1", "PC 2"))  # fmt: skip
        coords = Z[:, :2]
    ring = {
        "size": marker_size(len(coords)) * 2.2,
        "color": "rgba(0,0,0,0)",
        "line": {"color": "black", "width": 2},
    }
    fig.add_trace(go.Scatter(x=coords[labelled, 0], y=coords[labelled, 1], mode="markers", marker=ring,
                             name=f"labelled ({len(labelled)})", customdata=labelled[:, None],
                             hovertemplate="point %{customdata[0]} (labelled)<extra></extra>"))  # fmt: skip
    if bridges is not None and edges is not None and bridges.any():
        fig.add_trace(_lines(coords[:, :2], edges[bridges], f"edges between classes ({int(bridges.sum())})",
                             HIGHLIGHT_COLOR, 2.5))  # fmt: skip
    fig.update_layout(showlegend=False)
    return fig
