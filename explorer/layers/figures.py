"""Figures of a trained network: layer manifolds (animated over training), decision surfaces,
training curves and per-layer scores. Arrays in, `go.Figure` out; no Streamlit here.

A decision surface is drawn by one function for every page that shows one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.data.datasets import Dataset
from explorer.shared import theme
from explorer.shared.figures import marker_size

GRID_COLOR = "rgba(90, 90, 90, 0.35)"


@dataclass(frozen=True)
class Panel:
    """One layer's picture over training."""

    title: str  # e.g. "hidden 1 (16 units, PCA 2-D)"
    coords: np.ndarray  # (n_snapshots, n_samples, 2 or 3)
    grid: np.ndarray | None = None  # (n_snapshots, ny*nx, 2 or 3): the input plane's grid through the layer
    grid_shape: tuple[int, int] | None = None  # (ny, nx) of that grid (engine.grid.Grid.shape); given with it

    def __post_init__(self) -> None:
        if (self.grid is None) != (self.grid_shape is None):
            raise ValueError("A Panel's grid comes with its (ny, nx) shape, and a shape with a grid.")


def grid_lines(points: np.ndarray, shape: tuple[int, int], stride: int = 2) -> tuple[np.ndarray, ...]:
    """Every `stride`-th row and column of an (ny, nx) lattice, as polylines split by NaN gaps."""
    lattice = points.reshape(*shape, -1).astype(np.float32)  # (row, col, k)
    rows = lattice[::stride]  # (ny / stride, nx, k)
    cols = lattice.transpose(1, 0, 2)[::stride]  # (nx / stride, ny, k)
    lines = np.concatenate([_polylines(rows), _polylines(cols)])
    return tuple(lines[:, j] for j in range(lines.shape[1]))


def _polylines(lines: np.ndarray) -> np.ndarray:
    """(m, length, k) lines -> (m * (length + 1), k) points, each line ended by a NaN row."""
    gap = np.full((lines.shape[0], 1, lines.shape[2]), np.nan, dtype=np.float32)
    return np.concatenate([lines, gap], 1).reshape(-1, lines.shape[2])


def _panel_traces(panel: Panel, t: int, data: Dataset, size: int) -> list[dict]:
    """The traces of one panel at snapshot t, as plain trace dicts: grid lines first, then one trace
    per class. Dicts, so that animation frames and live frames skip Plotly's per-property checks."""
    xyz = panel.coords[t].astype(np.float32)  # float32 halves what travels to the browser
    three = xyz.shape[1] == 3
    kind = "scatter3d" if three else "scatter"
    traces = []
    if panel.grid is not None:
        line = grid_lines(panel.grid[t], panel.grid_shape)
        traces.append({
            "type": kind, "x": line[0], "y": line[1], **({"z": line[2]} if three else {}), "mode": "lines",
            "line": {"color": GRID_COLOR, "width": 1}, "hoverinfo": "skip", "showlegend": False,
        })  # fmt: skip
    labels = data.y if data.y is not None else np.zeros(len(xyz), dtype=np.int64)
    names = data.class_names or (data.name,)
    marker = max(size - 3, 2) if three else size
    for k, name in enumerate(names):
        m = labels == k
        traces.append({
            "type": kind, "x": xyz[m, 0], "y": xyz[m, 1], **({"z": xyz[m, 2]} if three else {}),
            "mode": "markers", "name": name, "legendgroup": name, "showlegend": False,
            "marker": {"size": marker, "color": theme.class_color(k)},
        })  # fmt: skip
    return traces


def _range(values: np.ndarray) -> list[float]:
    lo, hi = np.nanmin(values), np.nanmax(values)
    pad = 0.05 * (hi - lo or 1.0)
    return [float(lo - pad), float(hi + pad)]


def layer_figure(
    data: Dataset,
    panels: Sequence[Panel],
    epochs: np.ndarray,
    frame: int = -1,
    animate: bool = True,
    height: int = 420,
) -> go.Figure:
    """Every layer side by side at snapshot `frame`; with `animate`, frames over all snapshots
    with play / pause / reset buttons and an epoch slider, all running in the browser."""
    n_snap = len(epochs)
    frame = frame % n_snap
    specs = [[{"type": "scene" if p.coords.shape[2] == 3 else "xy"} for p in panels]]
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        specs=specs,
        subplot_titles=[p.title for p in panels],
        horizontal_spacing=0.04,
    )
    size = _marker(panels)
    for c, panel in enumerate(panels, start=1):
        for tr in _panel_traces(panel, frame, data, size):
            fig.add_trace(tr, row=1, col=c)
        if panel.coords.shape[2] == 2:
            xr, yr = _axis_ranges(panel)
            fig.update_xaxes(range=xr, row=1, col=c, showticklabels=False)
            fig.update_yaxes(range=yr, row=1, col=c, showticklabels=False)
    for i, name in enumerate(data.class_names):  # one legend for all panels
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                legendgroup=name,
                marker={"color": theme.class_color(i), "size": 9},
            )
        )
    fig.update_layout(**theme.base_layout(f"Epoch {int(epochs[frame])}", height))
    fig.update_layout(legend={"orientation": "h", "y": -0.08}, margin={"t": 100})
    fig.update_scenes(xaxis_showticklabels=False, yaxis_showticklabels=False, zaxis_showticklabels=False)
    if all(p.coords.shape[2] == 3 for p in panels):  # the legend's entries sit on 2-D axes nothing else uses
        fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False})
    if animate and n_snap > 1:
        return _animated(fig, data, panels, epochs, size)
    return fig


def _marker(panels: Sequence[Panel]) -> int:
    return max(marker_size(panels[0].coords.shape[1]) - 2, 3)


def _axis_ranges(panel: Panel) -> tuple[list[float], list[float]]:
    """x and y ranges of a 2-D panel that hold its points and its grid at every snapshot it has."""
    both = panel.coords if panel.grid is None else np.concatenate([panel.coords, panel.grid], axis=1)
    return _range(both[..., 0]), _range(both[..., 1])


class LiveLayers:
    """The picture of a network while it trains, one snapshot at a time.

    The first snapshot is laid out by `layer_figure`; every later one only replaces the traces'
    coordinates, the axis ranges and the title in a copy of that figure's dict, built without
    Plotly's per-property checks: a frame costs milliseconds instead of a fresh figure's tenth of a
    second, so every snapshot can be drawn.
    """

    def __init__(self, data: Dataset, panels: Sequence[Panel], epoch: int, height: int = 420) -> None:
        self._data, self._size = data, _marker(panels)
        self._base = layer_figure(data, panels, np.array([epoch]), animate=False, height=height).to_dict()

    def figure(self, panels: Sequence[Panel], epoch: int) -> go.Figure:
        """The figure of `panels` (one snapshot each, laid out as the first) at `epoch`."""
        base = self._base
        traces, layout = list(base["data"]), dict(base["layout"])
        slot = 0
        for panel in panels:
            for tr in _panel_traces(panel, 0, self._data, self._size):
                traces[slot] = base["data"][slot] | {k: tr[k] for k in ("x", "y", "z") if k in tr}
                slot += 1
            if panel.coords.shape[2] == 2:
                axes = traces[slot - 1].get("xaxis", "x")[1:], traces[slot - 1].get("yaxis", "y")[1:]
                for name, suffix, rng in zip(("xaxis", "yaxis"), axes, _axis_ranges(panel), strict=True):
                    layout[name + suffix] = layout.get(name + suffix, {}) | {"range": rng}
        layout["title"] = layout.get("title", {}) | {"text": f"Epoch {int(epoch)}"}
        return go.Figure({"data": traces, "layout": layout}, _validate=False)


def _static(panel: Panel) -> bool:
    """True for a panel that looks the same at every snapshot (the input layer)."""
    same = np.array_equal(panel.coords[0], panel.coords[-1])
    return same and (panel.grid is None or np.array_equal(panel.grid[0], panel.grid[-1]))


def _animated(
    fig: go.Figure, data: Dataset, panels: Sequence[Panel], epochs: np.ndarray, size: int
) -> go.Figure:
    """`fig` with one frame per snapshot, each carrying only the panels that change over training;
    the frames are trace dicts put in without Plotly's per-property checks (they are many)."""
    moving, first = [], 0
    for p in panels:
        n = len(_panel_traces(p, 0, data, size))
        if not _static(p):
            moving.append((p, list(range(first, first + n))))
        first += n
    names = [str(int(e)) for e in epochs]
    fig.update_layout(**theme.play_controls(names, names, "epoch", 120, redraw=True, y=-0.12))
    frames = [
        {
            "name": name,
            "traces": [i for _, idx in moving for i in idx],
            "data": [tr for p, _ in moving for tr in _panel_traces(p, t, data, size)],
            "layout": {"title": {"text": f"Epoch {name}"}},
        }
        for t, name in enumerate(names)
    ]
    return go.Figure({**fig.to_dict(), "frames": frames}, _validate=False)


def curves_figure(history: dict[str, np.ndarray], height: int = 320) -> go.Figure:
    """Train and test loss and accuracy against epochs."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss (cross-entropy)", "Accuracy"))
    for col, metric in enumerate(("loss", "acc"), start=1):
        for i, part in enumerate(("train", "test")):
            y = history.get(f"{part}_{metric}")
            if y is None:
                continue
            fig.add_trace(
                go.Scatter(
                    x=np.arange(len(y)),
                    y=y,
                    name=part,
                    legendgroup=part,
                    showlegend=col == 1,
                    line={"color": theme.class_color(i), "dash": "solid" if i == 0 else "dot"},
                ),
                row=1,
                col=col,
            )
    fig.update_layout(**theme.base_layout("", height))
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    return fig


def depth_figure(
    layer_names: Sequence[str], epochs: np.ndarray, scores: dict[str, np.ndarray], height: int = 320
) -> go.Figure:
    """Per-layer scores against depth, one line per chosen epoch (light = early, dark = late).

    scores: name -> (n_snapshots, n_layers) array, e.g. linear-probe accuracy, class separation.
    """
    fig = make_subplots(rows=1, cols=len(scores), subplot_titles=list(scores))
    scored = np.flatnonzero(np.isfinite(next(iter(scores.values()))).all(axis=1))  # snapshots with scores
    picks = sorted({int(scored[int(q * (len(scored) - 1))]) for q in (0, 0.25, 0.5, 1)})
    for col, values in enumerate(scores.values(), start=1):
        for j, t in enumerate(picks):
            shade = 0.25 + 0.75 * j / max(len(picks) - 1, 1)
            fig.add_trace(
                go.Scatter(
                    x=list(layer_names),
                    y=values[t],
                    mode="lines+markers",
                    name=f"epoch {int(epochs[t])}",
                    legendgroup=str(t),
                    showlegend=col == 1,
                    line={"color": f"rgba(0, 114, 178, {shade:.2f})"},
                ),
                row=1,
                col=col,
            )
    fig.update_layout(**theme.base_layout("How far each layer has untangled the classes", height))
    fig.update_yaxes(range=[0, 1.02])
    return fig
