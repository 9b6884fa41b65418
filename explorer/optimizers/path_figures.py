"""Figures of optimizer races and loss landscapes: arrays in, `go.Figure` out; no Streamlit here.

A race on a surface and a race on a network's landscape share one picture: a `Terrain` (the loss on a
grid) with a `PathSet` (positions over steps or epochs) animated over its contours in the browser, and
a 3-D view. Rugged surfaces (Rosenbrock, Beale, Himmelblau) get log-spaced contour levels. Loss curves,
gradient clouds and the convergence map are in `explorer.optimizers.loss_figures`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.nets.landscape import Landscape
from engine.nets.landscape_race import LandscapeRace
from engine.optim.race import RaceResult
from engine.optim.surfaces import Surface, SurfaceGrid
from explorer.shared import theme
from explorer.shared.frames import thin_frames

MAX_FRAMES = 60  # animation frames: enough to scrub smoothly, few enough to travel fast
MAX_POINTS = 400  # drawn points per path; the frames still stop at the exact steps they name
CLICK_GRID = 41  # invisible markers per axis that catch a click on the contour plot
LOG_SHARE = 0.15  # a surface whose median sits below this share of its range gets log levels


@dataclass(frozen=True)
class Terrain:
    """A loss over two parameters on a grid, and how to draw it."""

    xs: np.ndarray  # (size,)
    ys: np.ndarray  # (size,)
    loss: np.ndarray  # (size, size): loss[i, j] at (xs[j], ys[i])
    axes: tuple[str, str]
    title: str
    minima: np.ndarray  # (k, 2), possibly empty
    minima_name: str = "minimum"

    @property
    def log(self) -> bool:
        finite = self.loss[np.isfinite(self.loss)]
        lo, hi = finite.min(), finite.max()
        return bool(hi > lo and np.median(finite - lo) < LOG_SHARE * (hi - lo))

    def shown(self, values: np.ndarray) -> np.ndarray:
        """Loss values as drawn: log10 of the height above the grid's minimum on rugged surfaces."""
        if not self.log:
            return np.asarray(values, dtype=np.float64)
        lo, hi = np.nanmin(self.loss), np.nanmax(self.loss)
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(np.asarray(values, dtype=np.float64) - lo, 0.0) + 1e-6 * (hi - lo))

    @property
    def z_title(self) -> str:
        lo = float(np.nanmin(self.loss))
        return ("log10 loss" if abs(lo) < 1e-9 else "log10(loss - min)") if self.log else "loss"


@dataclass(frozen=True)
class PathSet:
    """Positions of several paths over time; NaN after a path diverged."""

    labels: tuple[str, ...]  # (n_paths,)
    xy: np.ndarray  # (n_times, n_paths, 2)
    loss: np.ndarray  # (n_times, n_paths) on the terrain
    times: np.ndarray  # (n_times,) step or epoch of each row
    diverged_at: np.ndarray  # (n_paths,) row at which a path diverged; -1 when it did not
    time_name: str = "step"


def surface_terrain(surface: Surface, grid: SurfaceGrid) -> Terrain:
    return Terrain(grid.xs, grid.ys, grid.loss, surface.axes, surface.label, surface.minima)


def race_paths(result: RaceResult) -> PathSet:
    labels = tuple(
        f"{name} · diverged at step {k}" if k >= 0 else name
        for name, k in zip(result.labels, result.diverged_at, strict=True)
    )
    return PathSet(labels, result.params, result.loss, np.arange(len(result.loss)), result.diverged_at)


def landscape_terrain(land: Landscape) -> Terrain:
    names = ("PCA direction 1", "PCA direction 2") if land.config.directions == "pca" else ("α", "β")
    title = "Training loss on a 2-D slice through the trained weights"
    return Terrain(land.alphas, land.betas, land.loss, names, title, np.zeros((1, 2)), "trained weights")


def landscape_race_paths(race: LandscapeRace) -> PathSet:
    """Every racer's projected path over the slice, at the slice's loss under it."""
    labels = tuple(
        f"{name} · diverged after epoch {int(race.epochs[max(k - 1, 0)])}" if k >= 0 else name
        for name, k in zip(race.labels, race.diverged_at, strict=True)
    )
    return PathSet(labels, race.path, race.slice_loss, race.epochs, race.diverged_at, "epoch")


def _path_traces(terrain: Terrain, paths: PathSet, upto: int, drawn: np.ndarray) -> list:
    """Each path's line up to row `upto` and its head (an X once it has diverged), two traces a path."""
    (x0, x1), (y0, y1) = (terrain.xs[[0, -1]]), (terrain.ys[[0, -1]])
    out = []
    for i, name in enumerate(paths.labels):
        k = paths.diverged_at[i]
        last = upto if k < 0 or upto < k else k - 1  # the row at diverged_at is already off the surface
        rows = np.r_[drawn[drawn < last], last]
        xy = paths.xy[rows, i].astype(np.float32)
        gone = k >= 0 and upto >= k
        head = np.clip(paths.xy[last, i], [x0, y0], [x1, y1]) if gone else paths.xy[last, i]
        color = theme.class_color(i)
        out.append(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="lines",
                name=name,
                legendgroup=name,
                line={"color": color, "width": 2.5},
                hoverinfo="skip",
            )
        )
        out.append(
            go.Scatter(
                x=[head[0]],
                y=[head[1]],
                mode="markers",
                legendgroup=name,
                showlegend=False,
                name=name,
                marker={
                    "color": color,
                    "size": 16 if gone else 10,
                    "symbol": "x" if gone else "circle",
                    "line": {"color": "white", "width": 1},
                },
                unselected={"marker": {"opacity": 1}},
                hovertemplate=f"{name}<br>{paths.time_name} {int(paths.times[upto])}"
                "<br>(%{x:.3g}, %{y:.3g})<extra></extra>",
            )
        )
    return out


def _terrain_figure(terrain: Terrain, clickable: bool) -> go.Figure:
    """The still part of the paths figure: contours, an invisible click grid, the minima."""
    z = terrain.shown(terrain.loss)
    fig = go.Figure(
        go.Contour(
            x=terrain.xs,
            y=terrain.ys,
            z=z.astype(np.float32),
            colorscale=theme.CONTINUOUS_SCALE,
            ncontours=30,
            contours={"coloring": "heatmap", "showlines": True},
            line={"width": 0.5, "color": "rgba(255,255,255,0.5)"},
            colorbar={"title": {"text": terrain.z_title, "side": "right"}, "thickness": 14},
            hovertemplate=f"{terrain.axes[0]} %{{x:.3g}}<br>{terrain.axes[1]} %{{y:.3g}}<br>"
            f"{terrain.z_title} %{{z:.3g}}<extra></extra>",
        )
    )
    if clickable:
        gx, gy = np.meshgrid(
            np.linspace(*terrain.xs[[0, -1]], CLICK_GRID), np.linspace(*terrain.ys[[0, -1]], CLICK_GRID)
        )
        fig.add_trace(
            go.Scatter(
                x=gx.ravel(),
                y=gy.ravel(),
                mode="markers",
                name="click to start here",
                showlegend=False,
                marker={"size": 12, "color": "rgba(0,0,0,0)"},
                unselected={"marker": {"opacity": 0}},
                selected={"marker": {"opacity": 0}},
                hovertemplate="click to start here<br>(%{x:.3g}, %{y:.3g})<extra></extra>",
            )
        )
    if len(terrain.minima):
        fig.add_trace(
            go.Scatter(
                x=terrain.minima[:, 0],
                y=terrain.minima[:, 1],
                mode="markers",
                name=terrain.minima_name,
                marker={
                    "symbol": "star",
                    "size": 14,
                    "color": "white",
                    "line": {"color": "black", "width": 1},
                },
            )
        )
    return fig


def paths_figure(terrain: Terrain, paths: PathSet, clickable: bool = False, height: int = 560) -> go.Figure:
    """The terrain's contours with every path animated over it (play / pause / scrub in the browser).

    The figure opens on the last frame (whole paths, as exported); Play runs from the start.
    With `clickable`, a grid of invisible markers catches clicks (to choose a start point).
    """
    fig = _terrain_figure(terrain, clickable)
    n_times = len(paths.times)
    stride = max(1, int(np.ceil(n_times / MAX_POINTS)))
    frames = thin_frames(n_times, MAX_FRAMES)
    drawn = np.unique(np.r_[np.arange(0, n_times, stride), frames])
    first = len(fig.data)
    fig.add_traces(_path_traces(terrain, paths, frames[-1], drawn))
    fig.update_layout(
        **theme.base_layout(f"{terrain.title}: {paths.time_name} {int(paths.times[-1])}", height)
    )
    fig.update_layout(
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"t": 120},
        title={"y": 0.985, "yanchor": "top"},
    )
    fig.update_xaxes(title=terrain.axes[0], range=list(terrain.xs[[0, -1]]), showgrid=False)
    fig.update_yaxes(title=terrain.axes[1], range=list(terrain.ys[[0, -1]]), showgrid=False)
    traces = list(range(first, first + 2 * len(paths.labels)))
    fig.frames = [
        go.Frame(
            name=str(int(f)),
            traces=traces,
            data=_path_traces(terrain, paths, int(f), drawn),
            layout={"title": {"text": f"{terrain.title}: {paths.time_name} {int(paths.times[f])}"}},
        )
        for f in frames
    ]
    names, labels = [str(int(f)) for f in frames], [str(int(paths.times[f])) for f in frames]
    fig.update_layout(
        **theme.play_controls(names, labels, paths.time_name, 90, redraw=False), margin={"b": 120}
    )
    return fig


def surface3d_figure(terrain: Terrain, paths: PathSet, height: int = 560) -> go.Figure:
    """The terrain as a 3-D surface with the whole paths lying on it."""
    fig = go.Figure(
        go.Surface(
            x=terrain.xs,
            y=terrain.ys,
            z=terrain.shown(terrain.loss).astype(np.float32),
            colorscale=theme.CONTINUOUS_SCALE,
            opacity=0.85,
            showscale=False,
            name="surface",
        )
    )
    for i, name in enumerate(paths.labels):
        k = paths.diverged_at[i]
        end = len(paths.times) if k < 0 else k
        (x0, x1), (y0, y1) = terrain.xs[[0, -1]], terrain.ys[[0, -1]]
        p = paths.xy[:end, i]
        out = np.flatnonzero((p[:, 0] < x0) | (p[:, 0] > x1) | (p[:, 1] < y0) | (p[:, 1] > y1))
        end = int(out[0]) if len(out) else end  # drawn until it leaves the surface's box
        xy, z = paths.xy[:end, i], terrain.shown(paths.loss[:end, i])
        fig.add_trace(
            go.Scatter3d(
                x=xy[:, 0],
                y=xy[:, 1],
                z=z,
                mode="lines",
                name=name,
                line={"color": theme.class_color(i), "width": 6},
            )
        )
    (x0, x1), (y0, y1) = terrain.xs[[0, -1]], terrain.ys[[0, -1]]
    fig.update_layout(**theme.base_layout("The same surface in 3-D (drag to turn)", height))
    fig.update_layout(
        legend={"orientation": "h", "y": -0.05},
        scene={
            "xaxis": {"title": terrain.axes[0], "range": [x0, x1]},
            "yaxis": {"title": terrain.axes[1], "range": [y0, y1]},
            "zaxis": {"title": terrain.z_title},
            "aspectmode": "cube",
        },
    )
    return fig


def paths_table(paths: PathSet, examples: np.ndarray | None = None) -> pd.DataFrame:
    """Every row of every path: step (or epoch), examples, optimizer, x, y, loss; NaN after divergence."""
    n_times, n = paths.loss.shape
    ex = examples if examples is not None else np.full((n_times, n), np.nan)
    return pd.DataFrame(
        {
            paths.time_name: np.repeat(paths.times, n),
            "examples": ex.ravel(),
            "optimizer": np.tile(np.array(paths.labels, dtype=object), n_times),
            "x": paths.xy[..., 0].ravel(),
            "y": paths.xy[..., 1].ravel(),
            "loss": paths.loss.ravel(),
        }
    ).sort_values(["optimizer", paths.time_name], kind="stable", ignore_index=True)


def landscape_race_table(race: LandscapeRace) -> pd.DataFrame:
    """Every snapshot of every racer: epoch, optimizer, its point on the slice, its real and slice losses."""
    n_times, n = race.real_loss.shape
    return pd.DataFrame(
        {
            "epoch": np.repeat(race.epochs, n),
            "optimizer": np.tile(np.array(race.labels, dtype=object), n_times),
            "x": race.path[..., 0].ravel(),
            "y": race.path[..., 1].ravel(),
            "real_loss": race.real_loss.ravel(),
            "slice_loss": race.slice_loss.ravel(),
        }
    ).sort_values(["optimizer", "epoch"], kind="stable", ignore_index=True)
