"""Optimizer paths: gradient descent, SGD, mini-batches, momentum and Adam racing over a loss surface.

What to notice: on a narrow valley plain gradient descent zig-zags and crawls while momentum
builds speed along it; on the examples axis SGD is far ahead of full-batch descent, though its
path keeps jittering near the minimum (the gradient cloud shows why); and a network's landscape
shown here is a 2-D slice of a surface with thousands of dimensions.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.optim.race import MapConfig
from explorer.optimizers import compute
from explorer.optimizers import controls as ow
from explorer.optimizers import loss_figures as rf
from explorer.optimizers import path_figures as of
from explorer.shared import downloads, reproduce, widgets

P = "op"
TABLE = ow.params()


def start_clicked() -> None:
    """A click on the contour plot starts the next race there."""
    points = st.session_state[f"{P}_paths"].selection.get("points", [])
    if points:
        st.session_state[f"{P}_own"] = True
        st.session_state[f"{P}_sx"], st.session_state[f"{P}_sy"] = (
            round(float(points[0][k]), 3) for k in "xy"
        )


def race_view(setup: ow.Setup, surface, cfg) -> None:
    skey = (setup.data_key, setup.surface)
    with st.spinner("Tuning the learning rates…" if cfg.equal_footing else "Racing…"):
        result = compute.race(skey, surface, cfg)
    if result.tuning is not None:
        scores = result.tuning.scores.min(axis=1)
        st.markdown(
            "**Equal footing**: each racer's learning rate was tuned on this surface first (25 rates, "
            "best mean loss over the last tenth of the steps): "
            + " · ".join(
                f"{ow.OPTIMIZERS[p.optimizer]} **{lr:.3g}**" + ("" if np.isfinite(s) else " (all diverged)")
                for p, lr, s in zip(cfg.paths, result.lrs, scores, strict=True)
            )
        )
    for label, k in zip(result.labels, result.diverged_at, strict=True):
        if k >= 0:
            st.warning(
                f"{label} diverged at step {k}: its path stops there, marked ✕ where it left.", icon="💥"
            )
    terrain, paths = of.surface_terrain(surface, compute.surface_grid(skey, surface)), of.race_paths(result)
    name = f"{surface.name}_race"
    table = lambda: of.paths_table(paths, result.examples)  # noqa: E731
    left, right = st.columns([3, 2])
    with left:
        downloads.chart(
            of.paths_figure(terrain, paths, clickable=True),
            name,
            f"{P}_paths",
            table=table,
            on_select=start_clicked,
            selection_mode="points",
        )
        st.caption("Press ▶ Play to watch the race, drag the slider to scrub; click the plot to start there.")
    with right:
        downloads.chart(of.surface3d_figure(terrain, paths), f"{name}_3d", f"{P}_3d", table=table)
    finals = " · ".join(
        f"{lab} {v:.3g}" for lab, v in zip(result.labels, result.loss[-1], strict=True) if np.isfinite(v)
    )
    st.caption(f"Final loss after {cfg.steps} steps: {finals or 'every racer diverged'}.")
    examples = result.examples if surface.n_samples else None
    downloads.chart(
        rf.loss_figure(result.labels, paths.times, result.loss, examples),
        f"{name}_loss",
        f"{P}_loss",
        table=table,
    )
    if surface.n_samples:
        st.caption(
            f"Full-batch descent reads all {surface.n_samples:,} rows a step, SGD one: on the right, "
            "the same race against the compute spent."
        )
        clouds_view(skey, surface, result, cfg)
    opt = ow.map_controls(P)
    if opt:
        mcfg = MapConfig(optimizer=opt, steps=cfg.steps, start=cfg.start, seed=cfg.seed)
        with st.spinner("Racing 41 x 41 settings…"):
            cmap = compute.convergence_map(skey, surface, mcfg)
        downloads.chart(rf.map_figure(cmap, ow.OPTIMIZERS[opt]), f"{name}_map", f"{P}_mapfig")
    st.download_button("Python script",
                       lambda: reproduce.race_script(setup.data_key, setup.surface, cfg, mcfg if opt else None),
                       f"{name}.py", "text/x-python", key=f"{P}_script", on_click="ignore",
                       help=reproduce.HELP)  # fmt: skip


def clouds_view(skey: tuple, surface, result, cfg) -> None:
    sizes = sorted({int(b) for b in result.batch_sizes if b < surface.n_samples})[:3] or [1, 32]
    point = tuple(float(v) for v in (cfg.start or surface.start))
    clouds = [
        compute.gradient_cloud(skey, surface, point, min(b, surface.n_samples), cfg.seed) for b in sizes
    ]
    downloads.chart(rf.cloud_figure(clouds, surface.axes), f"{surface.name}_gradients", f"{P}_cloud")
    st.caption(
        "Each dot is one mini-batch's gradient at the start point; the black arrow is the gradient of all "
        "the data, their average. The spread is SGD's noise: it shrinks as the batches grow."
    )


def landscape_view(setup: ow.Setup) -> None:
    with st.spinner(
        f"Training a {'-'.join(map(str, setup.train.hidden))} network for {setup.train.epochs} epochs…"
    ):
        traj = compute.trajectory(setup.data_key, setup.data, setup.train)
    bar = st.progress(0.0, text="Evaluating the slice…")
    try:
        land = compute.landscape(
            setup.data_key,
            traj,
            setup.landscape,
            lambda f: bar.progress(f, text=f"Evaluating the slice… {f:.0%}"),
        )
    finally:
        bar.empty()
    terrain, paths = of.landscape_terrain(land), of.landscape_paths(land)
    on_slice = paths.loss[:, 0]
    gap = np.abs(land.path_loss - on_slice)
    at = int(np.argmax(gap))
    st.info(
        f"**A 2-D slice is a slice.** This network has {traj.weights.shape[1]:,} weights; the plot shows the "
        "training loss on one plane through the trained weights, and the training path projected onto it. "
        f"The real weights mostly lie off the plane: at epoch {int(land.epochs[at])} the loss there was "
        f"{land.path_loss[at]:.3g}, while the slice under the projected point reads {on_slice[at]:.3g}.",
        icon=":material/layers:",
    )
    name = f"{setup.data.name}_landscape"
    table = lambda: of.paths_table(paths)  # noqa: E731
    left, right = st.columns([3, 2])
    with left:
        downloads.chart(of.paths_figure(terrain, paths), name, f"{P}_land", table=table)
    with right:
        downloads.chart(of.surface3d_figure(terrain, paths), f"{name}_3d", f"{P}_land3d", table=table)
    curves = np.c_[land.path_loss, on_slice]
    fig = rf.loss_figure(
        ("at the real weights", "on the slice, under the projected point"),
        land.epochs,
        curves,
        time_name="epoch",
        title="Training loss along the path",
    )
    downloads.chart(fig, f"{name}_loss", f"{P}_landloss")
    st.caption(f"Slice of {land.config.size}² points computed in {land.seconds:.2f} s on {land.device}.")
    st.download_button("Python script",
                       lambda: reproduce.landscape_script(setup.data_key, setup.train, setup.landscape),
                       f"{name}.py", "text/x-python", key=f"{P}_script", on_click="ignore",
                       help=reproduce.HELP)  # fmt: skip


seed = widgets.page_start("Optimizer paths", "optimizers", P, TABLE)
setup = surface = cfg = None
try:
    setup = ow.surface_controls(P, seed, st.session_state.get("device", "auto"))
    if setup is not None and setup.surface is not None:
        surface = compute.loss_surface(setup.data_key, setup.data, setup.surface)
        cfg = ow.race_controls(P, seed, surface)
except ValueError as exc:
    st.error(str(exc))
    setup = None
widgets.sync_to_url(P, TABLE)
if setup is None:
    st.stop()
try:
    if surface is None:
        landscape_view(setup)
    else:
        race_view(setup, surface, cfg)
except ValueError as exc:
    st.error(str(exc))
