"""Figures of the model comparison: the whole grid of decision surfaces in one figure (for export),
where models disagree, where an ensemble overrules its members, and confusion matrices.
Each tile is `explorer.shared.figures.decision_figure`, the one decision-surface builder. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.data.datasets import Dataset
from engine.grid import Grid
from explorer.shared import theme
from explorer.shared.figures import decision_figure

TITLE_CHARS = 44  # longer model names (ensembles list their members) are cut in tile titles
TILE_WIDTH = 250  # pixels of plot area a tile gets in a three-column grid on a laptop screen


def tile_figure(data: Dataset, grid: np.ndarray, result, train_rows, test_rows) -> go.Figure:
    """One model's decision surface, titled with its test accuracy; its height follows the data's
    aspect ratio so the plot fills a third of the page's width at equal axis scales."""
    acc = "" if np.isnan(result.test_acc) else f" · test {result.test_acc:.3f}"
    name = result.label if len(result.label) <= TITLE_CHARS else result.label[: TITLE_CHARS - 1] + "…"
    span = np.ptp(grid, axis=0)
    height = int(np.clip(TILE_WIDTH * span[1] / max(span[0], 1e-12) + 95, 220, 480))
    fig = decision_figure(data, grid, result.grid_pred, result.grid_conf, train_rows, test_rows,
                          f"{name}{acc}", height=height)  # fmt: skip
    fig.update_layout(showlegend=False, margin={"l": 10, "r": 10, "t": 40, "b": 10}, title_font_size=13)
    return fig


def grid_figure(
    data: Dataset, grid: np.ndarray, results: Sequence, train_rows, test_rows, columns: int = 3
) -> go.Figure:
    """Every fitted model's surface in one figure, on shared axes: the whole comparison as one file."""
    fitted = [r for r in results if r.error is None]
    rows = max(1, -(-len(fitted) // columns))
    fig = make_subplots(rows, columns, subplot_titles=[r.label for r in fitted], shared_xaxes=True,
                        shared_yaxes=True, horizontal_spacing=0.03, vertical_spacing=0.25 / rows)  # fmt: skip
    for i, r in enumerate(fitted):
        tile = decision_figure(data, grid, r.grid_pred, r.grid_conf, train_rows, test_rows)
        for trace in tile.data:
            trace.showlegend = i == 0 and trace.type == "scatter"
            fig.add_trace(trace, i // columns + 1, i % columns + 1)
    fig.update_layout(**theme.base_layout(f"{data.name}: decision boundaries", 300 * rows + 80))
    fig.update_annotations(font_size=12)
    return fig


def disagreement_figure(data: Dataset, grid: np.ndarray, share: np.ndarray, n_models: int) -> go.Figure:
    """Where models disagree: the share of models that differ from the majority at each grid point."""
    plane = Grid.of_points(grid)
    fig = go.Figure(go.Heatmap(
        x=plane.xs, y=plane.ys, z=share.reshape(plane.shape), zmin=0, zmax=max(share.max(), 0.5),
        colorscale="Greys", colorbar={"title": "disagree", "tickformat": ".0%"}, zsmooth="best",
        hovertemplate="%{z:.0%} of the models differ from the majority<extra></extra>",
    ))  # fmt: skip
    _points(fig, data)
    fig.update_layout(**theme.base_layout(f"Where the {n_models} models disagree", 460))
    fig.update_layout(legend={"orientation": "h", "y": -0.18, "x": 0})
    return _axes(fig, data, plane)


def overruled_figure(data: Dataset, grid: np.ndarray, result, mask: np.ndarray) -> go.Figure:
    """The ensemble's regions, with the places where it overrules its members' majority darkened."""
    fig = decision_figure(data, grid, result.grid_pred, result.grid_conf, height=460,
                          title=f"Where {result.label.split(' (')[0].lower()} overrules its members ({mask.mean():.1%} of the plane)")  # fmt: skip
    plane = Grid.of_points(grid)
    z = np.where(mask, 1.0, np.nan).reshape(plane.shape)
    fig.add_trace(go.Heatmap(
        x=plane.xs, y=plane.ys, z=z, zmin=0, zmax=1, showscale=False, name="overruled",
        colorscale=[[0, "rgba(0,0,0,0.45)"], [1, "rgba(0,0,0,0.45)"]], hovertemplate="overruled<extra></extra>",
    ))  # fmt: skip
    fig.data = (fig.data[0], fig.data[-1], *fig.data[1:-1])  # the overlay under the points
    return fig


def confusion_figure(matrices: Sequence[np.ndarray], titles: Sequence[str], class_names: Sequence[str],
                     columns: int = 4) -> go.Figure:  # fmt: skip
    """Test-set confusion matrices (rows: true class, columns: predicted), counts written in."""
    rows = max(1, -(-len(matrices) // columns))
    fig = make_subplots(rows, columns, subplot_titles=list(titles), horizontal_spacing=0.06,
                        vertical_spacing=0.3 / rows)  # fmt: skip
    names = list(class_names)
    for i, m in enumerate(matrices):
        share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        fig.add_trace(go.Heatmap(
            z=share, x=names, y=names, zmin=0, zmax=1, colorscale="Blues", showscale=False,
            text=m, texttemplate="%{text}", customdata=share,
            hovertemplate="true %{y}, predicted %{x}: %{text} (%{customdata:.0%} of the row)<extra></extra>",
        ), i // columns + 1, i % columns + 1)  # fmt: skip
    fig.update_yaxes(autorange="reversed", title_text="true")
    fig.update_xaxes(title_text="predicted")
    fig.update_layout(**theme.base_layout("Confusion matrices on the test rows", 260 * rows + 60))
    fig.update_annotations(font_size=12)
    return fig


def _points(fig: go.Figure, data: Dataset) -> None:
    for c, name in enumerate(data.class_names):
        m = data.y == c
        fig.add_trace(go.Scatter(x=data.X[m, 0], y=data.X[m, 1], mode="markers", name=name,
                                 marker={"size": 5, "color": theme.class_color(c),
                                         "line": {"color": "white", "width": 0.5}}))  # fmt: skip


def _axes(fig: go.Figure, data: Dataset, plane: Grid) -> go.Figure:
    fig.update_xaxes(range=[plane.xs[0], plane.xs[-1]], title=data.feature_names[0])
    fig.update_yaxes(range=[plane.ys[0], plane.ys[-1]], title=data.feature_names[1],
                     scaleanchor="x", scaleratio=1)  # fmt: skip
    return fig
