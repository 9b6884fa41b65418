"""Figures that sit beside an optimizer race: loss curves (against steps and against examples
processed), the cloud of mini-batch gradients, and the (learning rate, momentum) convergence map.
Arrays in, `go.Figure` out; no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.optim.race import ConvergenceMap
from engine.optim.surfaces import GradientCloud
from explorer.shared import theme


def loss_figure(
    labels: Sequence[str],
    times: np.ndarray,
    loss: np.ndarray,
    examples: np.ndarray | None = None,
    time_name: str = "step",
    title: str = "Loss",
    height: int = 380,
) -> go.Figure:
    """Loss per path against steps (times), and against examples processed when `examples` is given.

    loss, examples: (n_times, n_paths); log scale when every loss is positive.
    """
    panels = [f"against {time_name}s"] + (["against examples processed"] if examples is not None else [])
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=panels, horizontal_spacing=0.08)
    for i, name in enumerate(labels):
        for c, x in enumerate([times] + ([examples[:, i]] if examples is not None else []), start=1):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=loss[:, i],
                    mode="lines",
                    name=name,
                    legendgroup=name,
                    showlegend=c == 1,
                    line={"color": theme.class_color(i), "width": 2},
                ),
                row=1,
                col=c,
            )
        fig.update_xaxes(title=time_name, row=1, col=1)
    if examples is not None:
        fig.update_xaxes(title="examples processed", type="log", dtick=1, row=1, col=2)
    finite = loss[np.isfinite(loss)]
    log = bool(len(finite)) and bool((finite > 0).all())
    fig.update_yaxes(type="log" if log else "linear", title="loss", dtick=1 if log else None)  # decades only
    fig.update_layout(**theme.base_layout(title, height))
    fig.update_layout(legend={"orientation": "h", "y": -0.25}, margin={"t": 70})
    return fig


def real_vs_slice_figure(
    labels: Sequence[str],
    epochs: np.ndarray,
    real: np.ndarray,
    sliced: np.ndarray,
    title: str = "Training loss of each racer: at its real weights and on the slice",
    height: int = 400,
) -> go.Figure:
    """Per racer, the loss at its real weights (solid) and the slice's loss under its projected point
    (dashed, the same colour), against epochs. real, sliced: (n_epochs, n_racers); log scale when positive."""
    fig = go.Figure()
    for i, name in enumerate(labels):
        for what, values, dash in (("real weights", real, "solid"), ("on the slice", sliced, "dash")):
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values[:, i],
                    mode="lines",
                    name=f"{name}: {what}",
                    legendgroup=name,
                    line={"color": theme.class_color(i), "width": 2, "dash": dash},
                )
            )
    both = np.r_[real.ravel(), sliced.ravel()]
    finite = both[np.isfinite(both)]
    log = bool(len(finite)) and bool((finite > 0).all())
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(type="log" if log else "linear", title="training loss")
    fig.update_layout(**theme.base_layout(title, height))
    fig.update_layout(legend={"orientation": "h", "y": -0.25}, margin={"t": 70})
    return fig


def cloud_figure(clouds: Sequence[GradientCloud], axes: tuple[str, str], height: int = 440) -> go.Figure:
    """Mini-batch gradients at a point (one colour per batch size) around the full gradient."""
    fig = go.Figure()
    for i, c in enumerate(clouds):
        fig.add_trace(
            go.Scatter(
                x=c.batches[:, 0],
                y=c.batches[:, 1],
                mode="markers",
                opacity=0.55,
                name=f"batches of {c.batch_size}",
                marker={"size": 6, "color": theme.class_color(i)},
            )
        )
    full = clouds[0].full
    fig.add_trace(
        go.Scatter(
            x=[0, full[0]],
            y=[0, full[1]],
            mode="lines+markers",
            name="full gradient",
            line={"color": "black", "width": 3},
            marker={"symbol": ["circle", "star"], "size": [6, 16], "color": "black"},
        )
    )
    p = clouds[0].point
    fig.update_layout(
        **theme.base_layout(
            f"Gradients at ({p[0]:.3g}, {p[1]:.3g}): each mini-batch's vs. all the data's", height
        )
    )
    fig.update_xaxes(title=f"∂loss/∂{axes[0]}", zeroline=True)
    fig.update_yaxes(title=f"∂loss/∂{axes[1]}", zeroline=True, scaleanchor="x")
    return fig


def map_figure(cmap: ConvergenceMap, label: str, height: int = 460) -> go.Figure:
    """Final loss over (learning rate, momentum), log colour; diverged settings crossed out."""
    final = np.where(np.isfinite(cmap.final_loss), cmap.final_loss, np.nan)
    lo = np.nanmin(final) if np.isfinite(final).any() else 0.0
    with np.errstate(all="ignore"):
        z = np.log10(final - min(lo, 0.0) + 1e-12)
    lx = np.log10(cmap.lrs)
    fig = go.Figure(
        go.Heatmap(
            x=lx,
            y=cmap.momenta,
            z=z.astype(np.float32),
            colorscale=theme.CONTINUOUS_SCALE,
            colorbar={"title": {"text": "log10 final loss", "side": "right"}},
            customdata=cmap.lrs[None].repeat(len(cmap.momenta), 0),
            hovertemplate="lr %{customdata:.3g}, momentum %{y:.2f}<br>log10 loss %{z:.2f}<extra></extra>",
        )
    )
    bad_m, bad_l = np.nonzero(cmap.diverged_at >= 0)
    fig.add_trace(
        go.Scatter(
            x=lx[bad_l],
            y=cmap.momenta[bad_m],
            mode="markers",
            name="diverged",
            marker={"symbol": "x-thin", "size": 6, "line": {"width": 1, "color": "#C0392B"}},
            hovertemplate="diverged<extra></extra>",
        )
    )
    ticks = np.arange(np.ceil(lx[0]), np.floor(lx[-1]) + 1)
    fig.update_layout(**theme.base_layout(f"{label}: final loss after {cmap.config.steps} steps", height))
    fig.update_xaxes(title="learning rate", tickvals=ticks, ticktext=[f"{10**t:g}" for t in ticks])
    fig.update_yaxes(title="momentum")
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return fig
