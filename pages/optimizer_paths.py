"""Optimizer paths: gradient descent, SGD, mini-batches, momentum and Adam racing over a loss surface.

What to notice: on a narrow valley plain gradient descent zig-zags and crawls while momentum
builds speed along it; on the examples axis SGD is far ahead of full-batch descent, though its
path keeps jittering near the minimum (the gradient cloud shows why); and on a network's landscape
each racer trains the real network, whose loss (solid) keeps falling where the 2-D slice under its
projected path (dashed) cannot follow: the slice is a plane through a space of thousands of dimensions.
On the unit sphere Riemannian descent stays on the constraint to machine precision; a penalty settles off it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.optim.race import MapConfig
from explorer.optimizers import compute, sphere_view
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


def landscape_view(setup: ow.Setup, rcfg) -> None:
    with st.spinner(
        f"Training a {'-'.join(map(str, setup.train.hidden))} network for {setup.train.epochs} epochs…"
    ):
        traj = compute.trajectory(setup.data_key, setup.data, setup.train)
    land = with_progress("Evaluating the slice…",
                         lambda f: compute.landscape(setup.data_key, traj, setup.landscape, f))  # fmt: skip
    race = with_progress("Racing the optimizers…",
                         lambda f: compute.landscape_race(setup.data_key, setup.data, traj, land, rcfg, f))  # fmt: skip
    for label, why in zip(race.labels, race.stopped, strict=True):
        if why:
            st.warning(f"{label}: {why} Its path stops at its last good epoch, marked ✕.", icon="💥")
    gap = np.abs(race.real_loss - race.slice_loss)
    at, who = np.unravel_index(np.nanargmax(gap), gap.shape) if np.isfinite(gap).any() else (0, 0)
    st.info(
        f"**A 2-D slice is a slice.** This network has {traj.weights.shape[1]:,} weights; each racer trains "
        "all of them from the same start, and the plot shows its weights projected onto one plane through "
        f"the weights {ow.NET_LABELS[traj.config.optimizer]} (lr {traj.config.lr:g}) reached. The real weights "
        f"mostly lie off the plane: at epoch {int(race.epochs[at])} {race.labels[who]}'s loss was "
        f"{race.real_loss[at, who]:.3g}, while the slice under its projected point reads "
        f"{race.slice_loss[at, who]:.3g}.",
        icon=":material/layers:",
    )
    terrain, paths = of.landscape_terrain(land), of.landscape_race_paths(race)
    name = f"{setup.data.name}_landscape"
    table = lambda: of.landscape_race_table(race)  # noqa: E731
    left, right = st.columns([3, 2])
    with left:
        downloads.chart(of.paths_figure(terrain, paths), name, f"{P}_land", table=table)
        hint = (" Random directions see little of any path (it projects close to the centre); PCA directions "
                "follow the network's own path." if land.config.directions == "random" else "")  # fmt: skip
        st.caption("Press ▶ Play to watch the race, drag the slider to scrub." + hint)
    with right:
        downloads.chart(of.surface3d_figure(terrain, paths), f"{name}_3d", f"{P}_land3d", table=table)
    fig = rf.real_vs_slice_figure(race.labels, race.epochs, race.real_loss, race.slice_loss)
    downloads.chart(fig, f"{name}_loss", f"{P}_landloss", table=table)
    st.caption(
        "Solid: the training loss at a racer's real weights, which is what it descends. Dashed: the slice's "
        "loss under its projected point, which is what the contours show. The gap is the descent the "
        f"slice cannot see. Slice of {land.config.size}² points in {land.seconds:.2f} s on {land.device}; "
        f"{len(race.labels)} racers trained in {race.seconds:.2f} s."
    )
    st.download_button("Python script",
                       lambda: reproduce.landscape_script(setup.data_key, setup.train, setup.landscape, rcfg),
                       f"{name}.py", "text/x-python", key=f"{P}_script", on_click="ignore",
                       help=reproduce.HELP)  # fmt: skip


def with_progress(text: str, run):
    """run(on_progress) under a progress bar that goes once it is done."""
    bar = st.progress(0.0, text=text)
    try:
        return run(lambda f: bar.progress(min(max(f, 0.0), 1.0), text=f"{text} {f:.0%}"))
    finally:
        bar.empty()


seed = widgets.page_start("Optimizer paths", "optimizers", P, TABLE)
setup = surface = cfg = None
try:
    setup = ow.surface_controls(P, seed, st.session_state.get("device", "auto"))
    if setup is not None and setup.surface is not None:
        surface = compute.loss_surface(setup.data_key, setup.data, setup.surface)
        cfg = ow.race_controls(P, seed, surface)
    elif setup is not None and setup.sphere is None:
        cfg = ow.landscape_racers(P)
except ValueError as exc:
    st.error(str(exc))
    setup = None
widgets.sync_to_url(P, TABLE)
if setup is None:
    st.stop()
try:
    if setup.sphere is not None:
        sphere_view.show(P, setup.sphere)
    elif surface is None:
        landscape_view(setup, cfg)
    else:
        race_view(setup, surface, cfg)
except ValueError as exc:
    st.error(str(exc))
