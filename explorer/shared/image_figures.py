"""Figures of images: same-size images tiled into one picture (digits, feature maps, filters,
reconstructions), captioned strips, and a few images side by side. Arrays in, `go.Figure` out."""

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
