"""Figures of a convolutional network: class probabilities along an attack, and an attack's path
drawn over the layers' fixed embeddings; image grids are `explorer.shared.image_figures`. Arrays in,
`go.Figure` out; no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.shared import theme


def probability_figure(proba: np.ndarray, class_names: Sequence[str], step: int, x_title: str,
                       xs: np.ndarray | None = None, height: int = 300) -> go.Figure:  # fmt: skip
    """Every class's probability along an attack (steps + 1, n_classes), the shown step marked."""
    xs = np.arange(len(proba)) if xs is None else xs
    fig = go.Figure()
    for k, name in enumerate(class_names):
        fig.add_trace(go.Scatter(x=xs, y=proba[:, k], name=name, mode="lines",
                                 line={"color": theme.class_color(k), "width": 2 * theme.scale()}))  # fmt: skip
    fig.add_vline(x=float(xs[step]), line={"color": "#555", "dash": "dot"})
    fig.update_layout(**theme.base_layout("Class probabilities along the attack", height))
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="probability", range=[0, 1.02])
    return fig


def add_paths(fig: go.Figure, paths: Sequence[np.ndarray | None], step: int) -> go.Figure:
    """An attack's path (steps + 1, 2) drawn in each 2-D panel of a `layer_figure` (None: no path
    there), from a hollow start to the shown step's star."""
    for c, path in enumerate(paths, start=1):
        if path is None:
            continue
        suffix = "" if c == 1 else str(c)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "showlegend": c == 1, "legendgroup": "attack"}
        fig.add_trace(go.Scatter(x=path[: step + 1, 0], y=path[: step + 1, 1], mode="lines+markers",
                                 name="attack path", line={"color": "#222", "width": 2},
                                 marker={"size": 4, "color": "#222"}, **axes))  # fmt: skip
        fig.add_trace(go.Scatter(x=path[:1, 0], y=path[:1, 1], mode="markers", name="original", showlegend=c == 1,
                                 marker={"symbol": "circle-open", "size": 14, "color": "#222", "line": {"width": 2}},
                                 xaxis=axes["xaxis"], yaxis=axes["yaxis"]))  # fmt: skip
        fig.add_trace(go.Scatter(x=path[step : step + 1, 0], y=path[step : step + 1, 1], mode="markers",
                                 name=f"step {step}", showlegend=c == 1, xaxis=axes["xaxis"], yaxis=axes["yaxis"],
                                 marker={"symbol": "star", "size": 16, "color": "#D55E00",
                                         "line": {"width": 1, "color": "#000"}}))  # fmt: skip
    return fig
