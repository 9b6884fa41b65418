"""Figures of a race on the unit sphere: the sphere in 3-D coloured by the quadratic form with every
method's path on it, and the distance from the constraint, the objective and the angle to the minimum
over steps. Arrays in, `go.Figure` out; no Streamlit here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.optim.sphere import SphereResult
from explorer.shared import theme

MESH = (61, 31)  # (azimuth, polar) points of the drawn sphere
MAX_POINTS = 400  # drawn points per path
FLOOR = 1e-16  # distances and angles below this (exactly 0 on the sphere) are drawn at it on a log axis


def _last_good(result: SphereResult, i: int) -> int:
    """The last row of method i's path to draw: before the step at which it diverged."""
    k = int(result.diverged_at[i])
    return len(result.paths) - 1 if k < 0 else k - 1


def _rows(last: int) -> np.ndarray:
    stride = max(1, int(np.ceil((last + 1) / MAX_POINTS)))
    return np.unique(np.r_[np.arange(0, last + 1, stride), last])


def sphere_figure(result: SphereResult, height: int = 560) -> go.Figure:
    """The unit sphere, semi-transparent and coloured by xᵀAx, with every method's whole path (line and
    markers; a diverged path ends in ✕ where it left), the start and the minimum ±v₁."""
    az, po = np.linspace(-np.pi, np.pi, MESH[0]), np.linspace(0, np.pi, MESH[1])
    x, y, z = (
        np.outer(np.sin(po), np.cos(az)),
        np.outer(np.sin(po), np.sin(az)),
        np.outer(np.cos(po), np.ones_like(az)),
    )
    pts = np.stack([x, y, z], axis=-1)  # (polar, azimuth, 3)
    f = np.einsum("...i,ij,...j->...", pts, result.matrix, pts)
    fig = go.Figure(
        go.Surface(
            x=x, y=y, z=z, surfacecolor=f.astype(np.float32), colorscale=theme.CONTINUOUS_SCALE,
            opacity=0.45, name="xᵀAx on the sphere", showscale=True,
            colorbar={"title": {"text": "xᵀAx", "side": "right"}, "thickness": 14, "len": 0.6},
            hovertemplate="xᵀAx %{surfacecolor:.3g}<extra></extra>", contours={"z": {"show": False}},
        )
    )  # fmt: skip
    k = theme.scale()
    for i, name in enumerate(result.labels):
        last = _last_good(result, i)
        p = result.paths[_rows(last), i]
        gone = result.diverged_at[i] >= 0
        label = f"{name} · diverged at step {result.diverged_at[i]}" if gone else name
        fig.add_trace(
            go.Scatter3d(
                x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="lines+markers", name=label, legendgroup=name,
                line={"color": theme.class_color(i), "width": 5 * k},
                marker={"color": theme.class_color(i), "size": 2.5 * k},
                hovertemplate=f"{name}<br>(%{{x:.3f}}, %{{y:.3f}}, %{{z:.3f}})<extra></extra>",
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter3d(
                x=p[-1:, 0], y=p[-1:, 1], z=p[-1:, 2], mode="markers", name=f"{name}: end",
                legendgroup=name, showlegend=False,
                marker={"color": theme.class_color(i), "size": (9 if gone else 6) * k,
                        "symbol": "x" if gone else "circle", "line": {"color": "white", "width": 1}},
                hovertemplate=f"{name}: step {last}<br>(%{{x:.3f}}, %{{y:.3f}}, %{{z:.3f}})<extra></extra>",
            )
        )  # fmt: skip
    s, v = result.start, result.eigenvectors[:, 0]
    fig.add_trace(
        go.Scatter3d(x=[s[0]], y=[s[1]], z=[s[2]], mode="markers", name="start",
                     marker={"color": "black", "size": 6 * k, "symbol": "square"})
    )  # fmt: skip
    fig.add_trace(
        go.Scatter3d(
            x=[v[0], -v[0]], y=[v[1], -v[1]], z=[v[2], -v[2]], mode="markers",
            name=f"minimum ±v₁ (λ₁ = {result.eigenvalues[0]:.3g})",
            marker={"color": "white", "size": 8 * k, "symbol": "diamond", "line": {"color": "black", "width": 2}},
        )
    )  # fmt: skip
    fig.update_layout(**theme.base_layout("Minimising xᵀAx on the unit sphere (drag to turn)", height))
    axis = {"range": [-1.1, 1.1], "showbackground": False}
    fig.update_layout(
        legend={"orientation": "h", "y": -0.02},
        scene={"xaxis": {**axis, "title": "x"}, "yaxis": {**axis, "title": "y"},
               "zaxis": {**axis, "title": "z"}, "aspectmode": "cube",
               "camera": {"eye": {"x": 1.0, "y": 1.0, "z": 0.7}}},
    )  # fmt: skip
    return fig


def constraint_figure(result: SphereResult, height: int = 400) -> go.Figure:
    """Per method against steps: the distance from the sphere |‖x‖ − 1| (log), the objective xᵀAx at the
    iterate with λ₁ dashed, and the angle to v₁ in degrees (log). Values below FLOOR are drawn at it."""
    panels = ("distance from the sphere |‖x‖ − 1|", "objective xᵀAx", "angle to v₁ (degrees)")
    fig = make_subplots(rows=1, cols=3, subplot_titles=panels, horizontal_spacing=0.07)
    steps = np.arange(len(result.paths))
    for i, name in enumerate(result.labels):
        last = _last_good(result, i)
        for c, values in enumerate((result.distance, result.objective, result.angle), start=1):
            y = values[: last + 1, i]
            fig.add_trace(
                go.Scatter(
                    x=steps[: last + 1], y=np.maximum(y, FLOOR) if c != 2 else y, customdata=y,
                    mode="lines", name=name, legendgroup=name, showlegend=c == 1,
                    line={"color": theme.class_color(i), "width": 2},
                    hovertemplate=f"{name}<br>step %{{x}}<br>%{{customdata:.3g}}<extra></extra>",
                ),
                row=1, col=c,
            )  # fmt: skip
    lam = float(result.eigenvalues[0])
    fig.add_trace(
        go.Scatter(x=steps[[0, -1]], y=[lam, lam], mode="lines", name=f"λ₁ = {lam:.3g} (the minimum)",
                   line={"color": "black", "width": 1, "dash": "dash"}),
        row=1, col=2,
    )  # fmt: skip
    fig.update_xaxes(title="step")
    fig.update_yaxes(type="log", exponentformat="power", dtick=2, row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=3)
    fig.update_layout(
        **theme.base_layout("Distance from the constraint, objective and angle to the minimum", height)
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.25}, margin={"t": 70})
    return fig


def sphere_table(result: SphereResult) -> pd.DataFrame:
    """Every step of every method: step, method, x, y, z, xᵀAx, distance from the sphere, angle to v₁."""
    n_times, n = result.objective.shape
    return pd.DataFrame(
        {
            "step": np.repeat(np.arange(n_times), n),
            "method": np.tile(np.array(result.labels, dtype=object), n_times),
            "x": result.paths[..., 0].ravel(),
            "y": result.paths[..., 1].ravel(),
            "z": result.paths[..., 2].ravel(),
            "objective": result.objective.ravel(),
            "distance": result.distance.ravel(),
            "angle_deg": result.angle.ravel(),
        }
    ).sort_values(["method", "step"], kind="stable", ignore_index=True)
