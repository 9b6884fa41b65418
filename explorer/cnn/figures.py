"""Figures of a convolutional network: images tiled into grids (digits, feature maps, filters,
saliency), an attack step side by side, class probabilities along an attack, and an attack's path
drawn over the layers' fixed embeddings. Arrays in, `go.Figure` out; no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.shared import theme

GAP = 1  # pixels of blank between tiles
PIXELS = "Greys"  # ink dark on white, as digits are written
SIGNED = "RdBu_r"  # diverging, zero white: attributions, perturbations, filters


def tile(images: np.ndarray, cols: int) -> np.ndarray:
    """(m, h, w) -> one (rows * (h + GAP), cols * (w + GAP)) array, NaN between and after tiles."""
    m, h, w = images.shape
    rows = -(-m // cols)
    out = np.full((rows * (h + GAP), cols * (w + GAP)), np.nan, dtype=np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + GAP) : r * (h + GAP) + h, c * (w + GAP) : c * (w + GAP) + w] = img
    return out


def _heatmap(z: np.ndarray, scale: str, signed: bool, name: str = "", showscale: bool = False) -> go.Heatmap:
    lim = float(np.nanmax(np.abs(z))) if signed and np.isfinite(z).any() else None
    bounds = {"zmin": -lim, "zmax": lim} if lim else ({"zmin": 0.0, "zmax": 1.0} if not signed else {})
    return go.Heatmap(z=z, colorscale=scale, showscale=showscale, name=name, hoverongaps=False,
                      hovertemplate="%{z:.3g}<extra></extra>", **bounds)  # fmt: skip


def _image_axes(fig: go.Figure, n: int) -> None:
    for i in range(1, n + 1):
        suffix = "" if i == 1 else str(i)
        fig.update_layout({f"xaxis{suffix}": {"visible": False, "constrain": "domain"},
                           f"yaxis{suffix}": {"visible": False, "autorange": "reversed",
                                              "scaleanchor": f"x{suffix}", "constrain": "domain"}})  # fmt: skip


def grid_figure(
    images: np.ndarray, title: str, cols: int = 8, signed: bool = False, height: int = 260
) -> go.Figure:
    """Many same-size images (m, h, w) in one tiled picture: digits, feature maps or filters."""
    cols = max(1, min(cols, len(images)))
    fig = go.Figure(
        _heatmap(tile(np.asarray(images, np.float32), cols), SIGNED if signed else PIXELS, signed)
    )
    fig.update_layout(**theme.base_layout(title, height))
    _image_axes(fig, 1)
    return fig


def strip_figure(images: np.ndarray, labels: Sequence[str], title: str, height: int = 170) -> go.Figure:
    """A row of digits, each captioned (its position in the strip, true class, prediction)."""
    fig = grid_figure(images, title, cols=len(images), height=height)
    h, w = images.shape[1:]
    for i, text in enumerate(labels):
        fig.add_annotation(x=i * (w + GAP) + w / 2, y=h + 0.5, text=text, showarrow=False, yanchor="top",
                           font={"size": round(10 * theme.scale())})  # fmt: skip
    fig.update_layout(margin={"b": 34})
    return fig


def side_by_side(images: Sequence[np.ndarray], titles: Sequence[str], signed: Sequence[bool], title: str,
                 height: int = 300) -> go.Figure:  # fmt: skip
    """A few images of one size in a row, each on its own scale (pixels in [0, 1], signed maps around 0)."""
    fig = make_subplots(rows=1, cols=len(images), subplot_titles=list(titles), horizontal_spacing=0.03)
    for c, (img, s) in enumerate(zip(images, signed, strict=True), start=1):
        fig.add_trace(_heatmap(np.asarray(img, np.float32), SIGNED if s else PIXELS, s), row=1, col=c)
    fig.update_layout(**theme.base_layout(title, height))
    _image_axes(fig, len(images))
    return fig


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
