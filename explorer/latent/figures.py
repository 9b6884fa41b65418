"""Figures of the Latent manifolds view: an autoencoder's reconstruction error over epochs, a VAE's
encoded plane beside its decoded grid (animated over training), and its KL and reconstruction terms.
Arrays in, `go.Figure` out."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.data.datasets import Dataset
from engine.latent.gan import LATTICE, NOISE_EXTENT
from explorer.layers import figures as nf
from explorer.layers.figures import Panel
from explorer.shared import image_figures as imf
from explorer.shared import theme
from explorer.shared.figures import marker_size

PIXEL_LEVELS = 255  # a mosaic's pixels travel as bytes: 0 (blank) to 255 (full ink)
CLICK_LATTICE = 25  # invisible points along each side of the encoded plane: a click anywhere decodes there


def error_figure(history: np.ndarray, epochs: np.ndarray, error: np.ndarray, height: int = 320) -> go.Figure:
    """The training loss per epoch and the recorded rows' error at each snapshot (mean squared, per feature)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.arange(len(history)), y=history, name="training batches (epoch mean)",
                             line={"color": theme.class_color(0)}))  # fmt: skip
    fig.add_trace(go.Scatter(x=epochs, y=error, name="recorded rows", mode="lines+markers",
                             line={"color": theme.class_color(1), "dash": "dot"}))  # fmt: skip
    fig.update_layout(**theme.base_layout("Reconstruction error (mean squared, per feature)", height))
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(type="log")
    return fig


def _means_traces(data: Dataset, means: np.ndarray, stds: np.ndarray, size: int) -> list[dict]:
    """One trace per class of the posterior means, each point's standard deviations on hover."""
    labels = data.y if data.y is not None else np.zeros(len(means), dtype=np.int64)
    traces = []
    for k, name in enumerate(data.class_names or (data.name,)):
        m = labels == k
        traces.append({
            "type": "scatter", "x": means[m, 0].astype(np.float32), "y": means[m, 1].astype(np.float32),
            "customdata": stds[m].astype(np.float32), "mode": "markers", "name": name, "legendgroup": name,
            "marker": {"size": size, "color": theme.class_color(k)}, "xaxis": "x", "yaxis": "y",
            "hovertemplate": f"{name}<br>mean z = (%{{x:.2f}}, %{{y:.2f}})<br>"
                             "σ = (%{customdata[0]:.2f}, %{customdata[1]:.2f})<extra></extra>",
        })  # fmt: skip
    return traces


def _mosaic_trace(grid: np.ndarray, shape: tuple[int, int], extent: float) -> dict:
    """The decoded lattice (g * g, h * w) of pixels in [0, 1] tiled into one image placed over
    [-extent, extent]^2 in latent coordinates (z2 up), so each image sits where its latent point is.
    Sent as bytes (0-255, blank 0 between tiles): a quarter of float32, and a 15 x 15 grid of 28 x 28
    digits is 190,000 pixels a frame."""
    g = int(round(np.sqrt(len(grid))))
    mosaic = imf.tile(grid.reshape(-1, *shape), g)[::-1]  # row 0 at the bottom: z2 rises upwards
    mosaic = np.round(np.clip(np.nan_to_num(mosaic), 0, 1) * PIXEL_LEVELS).astype(np.uint8)
    step = 2 * extent / mosaic.shape[1]
    return {"type": "heatmap", "z": mosaic, "x0": -extent + step / 2, "dx": step, "y0": -extent + step / 2,
            "dy": step, "colorscale": imf.PIXELS, "zmin": 0, "zmax": PIXEL_LEVELS, "showscale": False,
            "hoverongaps": False, "xaxis": "x2", "yaxis": "y2",
            "hovertemplate": "z = (%{x:.2f}, %{y:.2f})<extra></extra>"}  # fmt: skip


def vae_figure(data: Dataset, means: np.ndarray, stds: np.ndarray, grids: np.ndarray, shape: tuple[int, int],
               extents: np.ndarray, epochs: np.ndarray, animate: bool = True, clickable: bool = True,
               height: int = 560) -> go.Figure:  # fmt: skip
    """The posterior means of the recorded rows (left, coloured by label) beside the decoder's images
    of a lattice over the same plane (right), at every snapshot (n_snapshots first in each array).
    With `clickable`, a click anywhere on the left plane selects that latent point (an invisible lattice
    of points; it costs the browser a tenth of a second to draw, so live frames go without)."""
    g = int(round(np.sqrt(grids.shape[1])))
    side = float(extents.max())
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.06, subplot_titles=(
        "encoded: posterior means (hover: σ)", f"decoded: the {g} × {g} grid over the same plane"))  # fmt: skip
    size = max(marker_size(means.shape[1]) - 2, 3)
    traces = [
        *_means_traces(data, means[-1], stds[-1], size),
        _mosaic_trace(grids[-1], shape, float(extents[-1])),
    ]
    if clickable:
        click = np.linspace(-side, side, CLICK_LATTICE, dtype=np.float32)
        cx, cy = np.meshgrid(click, click)
        traces.append({"type": "scatter", "x": cx.ravel(), "y": cy.ravel(), "mode": "markers", "showlegend": False,
                       "marker": {"size": 14, "opacity": 0}, "name": "decode here", "xaxis": "x", "yaxis": "y",
                       "hovertemplate": "click to decode z = (%{x:.2f}, %{y:.2f})<extra></extra>"})  # fmt: skip
    fig.add_traces(traces)
    for col in (1, 2):
        fig.update_xaxes(range=[-side, side], title="z₁", row=1, col=col, zeroline=False)
        fig.update_yaxes(range=[-side, side], title="z₂", row=1, col=col, zeroline=False,
                         scaleanchor="x" if col == 1 else "x2")  # fmt: skip
    fig.update_layout(**theme.base_layout(f"Epoch {int(epochs[-1])}", height))
    fig.update_layout(legend={"orientation": "h", "y": -0.12}, margin={"t": 90})
    if not animate or len(epochs) < 2:
        return fig
    names = [str(int(e)) for e in epochs]
    fig.update_layout(**theme.play_controls(names, names, "epoch", 150, redraw=True, y=-0.2))
    moving = list(
        range(len(data.class_names or (data.name,)) + 1)
    )  # the means and the grid, not the click lattice
    frames = [{"name": name, "traces": moving, "layout": {"title": {"text": f"Epoch {name}"}},
               "data": [*_means_traces(data, means[t], stds[t], size), _mosaic_trace(grids[t], shape, float(extents[t]))]}
              for t, name in enumerate(names)]  # fmt: skip
    return go.Figure({**fig.to_dict(), "frames": frames}, _validate=False)


def elbo_figure(history: dict[str, np.ndarray], beta: float, height: int = 320) -> go.Figure:
    """The training epochs' mean KL and reconstruction terms (nats per row), and the loss they make."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("KL(q(z|x) ‖ N(0, I)), nats", "Reconstruction −log p(x|z) "
                                                         f"and the loss (+ {beta:g} · KL), nats"))  # fmt: skip
    x = np.arange(len(history["kl"]))
    fig.add_trace(
        go.Scatter(x=x, y=history["kl"], name="KL", line={"color": theme.class_color(0)}), row=1, col=1
    )
    for i, key in enumerate(("reconstruction", "loss"), start=1):
        fig.add_trace(go.Scatter(x=x, y=history[key], name=key, line={"color": theme.class_color(i),
                                 "dash": "solid" if i == 1 else "dot"}), row=1, col=2)  # fmt: skip
    fig.update_layout(**theme.base_layout("The two terms of the loss per epoch (training batches)", height))
    fig.update_layout(margin={"t": 90})
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    return fig


def plane_figure(data: Dataset, cfg, epochs, means, stds, grids, extents, shape, inputs=None, live=False):
    """The encoded plane and the decoded grid: images side by side; for a 2-D or 3-D table, the means
    beside the data with the decoder's map of the lattice drawn over it; for a wider table, the means."""
    if shape is not None:
        return vae_figure(
            data, means, stds, grids, shape, extents, epochs, animate=not live, clickable=not live
        )
    panels = [Panel("posterior means", means)]
    if inputs is not None and inputs.shape[1] in (2, 3):
        coords = np.broadcast_to(inputs[None].astype(np.float32), (len(epochs), *inputs.shape))
        panels.append(
            Panel("the data (standardised) and the decoded grid", coords, grids, (cfg.grid, cfg.grid))
        )
    return nf.layer_figure(data, panels, epochs, animate=not live, height=520)


def contrastive_figure(result, height: int = 320) -> go.Figure:
    """NT-Xent per epoch; alignment and uniformity per snapshot; the embedding's 5-NN accuracy per
    snapshot beside the raw inputs' and the untrained encoder's (epoch 0)."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("NT-Xent loss", "alignment, uniformity (lower: better)",
                                                        "5-NN accuracy (labels unseen)"))  # fmt: skip
    fig.add_trace(go.Scatter(x=np.arange(len(result.loss)), y=result.loss, name="loss",
                             line={"color": theme.class_color(0)}), row=1, col=1)  # fmt: skip
    for i, (name, values) in enumerate(
        (("alignment", result.alignment), ("uniformity", result.uniformity)), start=1
    ):
        fig.add_trace(go.Scatter(x=result.epochs, y=values, name=name, mode="lines+markers",
                                 line={"color": theme.class_color(i)}), row=1, col=2)  # fmt: skip
    if result.knn_accuracy is not None:
        fig.add_trace(go.Scatter(x=result.epochs, y=result.knn_accuracy, name="the embedding", mode="lines+markers",
                                 line={"color": theme.class_color(3)}), row=1, col=3)  # fmt: skip
        for dash, value, name in (("dash", result.raw_knn_accuracy, "raw input"),
                                  ("dot", float(result.knn_accuracy[0]), "random encoder (epoch 0)")):  # fmt: skip
            fig.add_trace(go.Scatter(x=[result.epochs[0], result.epochs[-1]], y=[value, value], name=name,
                                     mode="lines", line={"color": "gray", "dash": dash}), row=1, col=3)  # fmt: skip
        fig.update_yaxes(range=[0, 1.02], row=1, col=3)
    fig.update_layout(**theme.base_layout("Training without labels", height))
    fig.update_layout(margin={"t": 90})
    fig.update_xaxes(title="epoch")
    return fig


def _gan_traces(samples, grid, heat, bounds, three: bool) -> list[dict]:
    """The data-plane traces that change over training: D's map (2-D), the warped grid, the samples."""
    xy = ("x2", "y2") if not three else (None, None)
    kind = "scatter3d" if three else "scatter"
    lines = nf.grid_lines(grid, (LATTICE, LATTICE), stride=1)
    axes = {} if three else {"xaxis": xy[0], "yaxis": xy[1]}
    traces = []
    if heat is not None:
        (x0, y0), (x1, y1) = bounds
        traces.append({"type": "heatmap", "z": heat.astype(np.float32), "x0": float(x0), "dx": float((x1 - x0) / (len(heat) - 1)),
                       "y0": float(y0), "dy": float((y1 - y0) / (len(heat) - 1)), "zmin": 0.0, "zmax": 1.0,
                       "colorscale": "RdBu", "opacity": 0.55, "showscale": True, "colorbar": {"title": "D(x)", "len": 0.8},
                       "hovertemplate": "D(x) = %{z:.2f}<extra></extra>", **axes})  # fmt: skip
    traces.append({"type": kind, "x": lines[0], "y": lines[1], **({"z": lines[2]} if three else {}), "mode": "lines",
                   "line": {"color": "rgba(40, 40, 40, 0.55)", "width": 1}, "hoverinfo": "skip",
                   "name": "the noise grid, through G", **axes})  # fmt: skip
    s = samples.astype(np.float32)
    traces.append({"type": kind, "x": s[:, 0], "y": s[:, 1], **({"z": s[:, 2]} if three else {}), "mode": "markers",
                   "marker": {"size": 3 if three else 5, "color": "black", "symbol": "x" if not three else "circle"},
                   "name": "generated", **axes})  # fmt: skip
    return traces


def gan_figure(data: Dataset, inputs: np.ndarray, cfg, steps: np.ndarray, grids: np.ndarray, samples: np.ndarray,
               heats: np.ndarray | None, animate: bool = True, height: int = 560) -> go.Figure:  # fmt: skip
    """The noise plane with its lattice (left) and, over the data `inputs` (right), the generator's
    image of that lattice as a warped grid, its samples, and for 2-D data the discriminator's
    probability of "real" beneath; animated over the recorded steps (n_snapshots first in each array)."""
    from engine.latent.gan import fixed_noise, noise_lattice, plane_bounds

    three = inputs.shape[1] == 3
    bounds = plane_bounds(inputs)
    specs = [[{"type": "xy"}, {"type": "scene" if three else "xy"}]]
    fig = make_subplots(rows=1, cols=2, specs=specs, column_widths=[0.35, 0.65], horizontal_spacing=0.06,
                        subplot_titles=("the noise plane z ~ N(0, I)", "the data: G's image of the noise grid, D beneath"))  # fmt: skip
    lat = noise_lattice()
    lines = nf.grid_lines(lat, (LATTICE, LATTICE), stride=1)
    fixed = fixed_noise(cfg.seed)
    fig.add_trace(go.Scatter(x=lines[0], y=lines[1], mode="lines", hoverinfo="skip", showlegend=False,
                             line={"color": "rgba(40, 40, 40, 0.55)", "width": 1}), row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=fixed[:, 0], y=fixed[:, 1], mode="markers", showlegend=False, name="noise draws",
                             marker={"size": 4, "color": "black", "symbol": "x"}), row=1, col=1)  # fmt: skip
    real = inputs
    labels = data.y if data.y is not None else np.zeros(len(real), dtype=np.int64)
    for k, name in enumerate(data.class_names or ("real",)):
        m = labels == k
        trace = dict(x=real[m, 0], y=real[m, 1], mode="markers", name=f"real: {name}",
                     marker={"size": 3 if three else 4, "color": theme.class_color(k), "opacity": 0.6})  # fmt: skip
        fig.add_trace(go.Scatter3d(z=real[m, 2], **trace) if three else go.Scatter(**trace), row=1, col=2)
    first = len(fig.data)
    moving = _gan_traces(samples[-1], grids[-1], None if heats is None else heats[-1], bounds, three)
    fig.add_traces(moving, rows=1, cols=2)
    fig.update_yaxes(scaleanchor="x", row=1, col=1)
    fig.update_layout(**theme.base_layout(f"Step {int(steps[-1])}", height))
    fig.update_layout(legend={"orientation": "h", "y": -0.12}, margin={"t": 90})
    if not animate or len(steps) < 2:
        return fig
    names = [str(int(s)) for s in steps]
    fig.update_layout(**theme.play_controls(names, names, "step", 120, redraw=True, y=-0.2))
    idx = list(range(first, first + len(moving)))
    frames = [{"name": name, "traces": idx, "layout": {"title": {"text": f"Step {name}"}},
               "data": _gan_traces(samples[t], grids[t], None if heats is None else heats[t], bounds, three)}
              for t, name in enumerate(names)]  # fmt: skip
    return go.Figure({**fig.to_dict(), "frames": frames}, _validate=False)


def gan_losses_figure(d_loss: np.ndarray, g_loss: np.ndarray, height: int = 300) -> go.Figure:
    """Both losses per step, with their 50-step running means (ln 2 and ln 2 are where D cannot tell)."""
    fig = go.Figure()
    x = np.arange(len(d_loss))
    for i, (name, values) in enumerate((("discriminator", d_loss), ("generator", g_loss))):
        fig.add_trace(go.Scatter(x=x, y=values, name=name, line={"color": theme.class_color(i), "width": 1},
                                 opacity=0.35, legendgroup=name))  # fmt: skip
        v = np.nan_to_num(values[1:], nan=0.0)
        w = min(50, max(len(v), 1))
        run = np.convolve(v, np.ones(w) / w, mode="valid") if len(v) >= w else v
        fig.add_trace(go.Scatter(x=x[w:] if len(v) >= w else x[1:], y=run, name=f"{name} (50-step mean)",
                                 line={"color": theme.class_color(i), "width": 2.5}, legendgroup=name))  # fmt: skip
    fig.add_hline(y=float(np.log(2)), line={"dash": "dot", "color": "gray"},
                  annotation_text="ln 2: D cannot tell real from generated")  # fmt: skip
    fig.update_layout(**theme.base_layout("The two losses per step (binary cross-entropy, nats)", height))
    fig.update_xaxes(title="step")
    return fig


def gan_mosaic_figure(
    shape: tuple[int, int], steps: np.ndarray, grids: np.ndarray, height: int = 560
) -> go.Figure:
    """For images: the generator's image of every point of the noise lattice, tiled where the point
    lies on the noise plane, animated over the recorded steps."""
    side = NOISE_EXTENT * LATTICE / (LATTICE - 1)  # the lattice's cells reach half a step past its points

    def top_first(grid: np.ndarray) -> np.ndarray:  # the noise lattice starts at the bottom row
        return grid.reshape(LATTICE, LATTICE, -1)[::-1].reshape(len(grid), -1)

    fig = go.Figure(_mosaic_trace(top_first(grids[-1]), shape, side) | {"xaxis": "x", "yaxis": "y"})
    fig.update_xaxes(range=[-side, side], title="z₁")
    fig.update_yaxes(range=[-side, side], title="z₂", scaleanchor="x")
    fig.update_layout(**theme.base_layout(f"Step {int(steps[-1])}: G's image of the noise plane", height))
    if len(steps) < 2:
        return fig
    names = [str(int(s)) for s in steps]
    fig.update_layout(**theme.play_controls(names, names, "step", 150, redraw=True, y=-0.12))
    frames = [{"name": n, "traces": [0], "data": [_mosaic_trace(top_first(grids[t]), shape, side) | {"xaxis": "x", "yaxis": "y"}],
               "layout": {"title": {"text": f"Step {n}: G's image of the noise plane"}}} for t, n in enumerate(names)]  # fmt: skip
    return go.Figure({**fig.to_dict(), "frames": frames}, _validate=False)
