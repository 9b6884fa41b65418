"""The plane a 2-D point is explained on: one model's decision regions (the Decision boundaries
picture), an invisible grid that catches clicks (a click moves the point), and the point itself."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.data.datasets import Dataset
from explorer.boundaries.figures import tile_figure

CLICK_GRID = 60  # invisible markers per side that turn a click on the plane into a point


def point_plane_figure(data: Dataset, grid: np.ndarray, result, train, test, x: np.ndarray,
                       extra: list | None = None, height: int = 440) -> go.Figure:  # fmt: skip
    """`result`'s decision regions with the training (solid) and test (hollow) points, the explained
    point x as a star (unless `extra` traces, a counterfactual from x, draw it), and a click grid."""
    fig = tile_figure(data, grid, result, train, test)
    lo, hi = grid.min(axis=0), grid.max(axis=0)
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], CLICK_GRID), np.linspace(lo[1], hi[1], CLICK_GRID))
    fig.add_trace(go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", name="click to move the point",
                             showlegend=False, marker={"size": 10, "color": "rgba(0,0,0,0)"},
                             unselected={"marker": {"opacity": 0}}, selected={"marker": {"opacity": 0}},
                             hovertemplate="click to explain (%{x:.3g}, %{y:.3g})<extra></extra>"))  # fmt: skip
    for trace in extra or []:
        fig.add_trace(trace)
    if not extra:
        fig.add_trace(go.Scatter(x=[x[0]], y=[x[1]], mode="markers", name="explained point",
                                 marker={"symbol": "star", "size": 18, "color": "white",
                                         "line": {"color": "black", "width": 2}},
                                 hovertemplate="the explained point (%{x:.3g}, %{y:.3g})<extra></extra>"))  # fmt: skip
    fig.update_layout(height=height, clickmode="event+select")
    return fig
