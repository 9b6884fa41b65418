"""Latent manifolds: an autoencoder squeezes the data through 2 or 3 units, a VAE learns a 2-D latent
whose every point decodes to something, a GAN maps a noise plane onto the data, and a contrastive
encoder places augmented views together without labels; watch each latent organise itself while it trains.

What to notice: a linear autoencoder finds PCA's plane (the principal angles fall towards 0°), and
a non-linear one keeps neighbours together where PCA cannot (a higher trustworthiness, lower error).
A VAE's decoded grid changes smoothly across the plane; turn β up and the posterior collapses. A GAN's
warped grid folds onto the data; a generator faster than its critic collapses onto a few modes.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from engine.latent import autoencoder, contrastive, gan, vae
from explorer.latent import compute, contrastive_sections, controls, gan_sections, sections, vae_sections
from explorer.latent import figures as lf
from explorer.layers import figures as nf
from explorer.shared import reproduce, reproduce_nets, widgets

P = sections.P
TABLE = widgets.data_params("digits") + controls.params()
LIVE_INTERVAL = 0.25  # seconds: the shortest gap between two live frames (the browser draws one in 0.1-0.3 s)


def live_figure(data, cfg, s, live: list):
    """The figure of one snapshot while training; `live` keeps what later snapshots reuse."""
    if isinstance(cfg, vae.VAEConfig):
        if not live:
            live.append(sections.recorded(data, s.rows))
        return lf.plane_figure(live[0], cfg, np.array([s.epoch]), s.means[None], s.stds[None], s.grid[None],
                               np.array([s.extent]), s.image_shape, live=True)  # fmt: skip
    if isinstance(cfg, gan.GANConfig):
        if not live:
            live.append(autoencoder.model_inputs(data))
        inputs, shape = live[0]
        return gan_sections.of_snapshot(data, inputs, cfg, s, shape)
    if isinstance(cfg, contrastive.ContrastiveConfig):
        panels = [contrastive_sections.panel(s.embedding[None], cfg)]
    else:
        panels = [sections.latent_panel(s.latent[None], cfg)]
    if not live:
        live.append(nf.LiveLayers(sections.recorded(data, s.rows), panels, s.epoch, height=520))
    fig = live[0].figure(panels, s.epoch)
    return (
        contrastive_sections.round_axes(fig, cfg) if isinstance(cfg, contrastive.ContrastiveConfig) else fig
    )


def progress(s, cfg) -> tuple[int, int, str]:
    """(done, total, what to say) of a snapshot: steps for a GAN, epochs for the rest."""
    if isinstance(cfg, gan.GANConfig):
        return (
            s.step,
            cfg.steps,
            f"Step {s.step:,} / {cfg.steps:,} · D loss {s.d_loss:.3f} · G loss {s.g_loss:.3f}",
        )
    if isinstance(cfg, vae.VAEConfig):
        loss = f"KL {s.kl:.2f} · reconstruction {s.reconstruction:.1f} nats"
    elif isinstance(cfg, contrastive.ContrastiveConfig):
        loss = f"alignment {s.alignment:.3f} · uniformity {s.uniformity:.3f}"
    else:
        loss = f"loss {s.loss:.4f}"
    return s.epoch, cfg.epochs, f"Epoch {s.epoch} / {cfg.epochs} · {loss}"


def live_training(data, key, cfg):
    """Train with snapshots drawn as they arrive (at most one per LIVE_INTERVAL, so the browser never
    falls behind; the first and the last always); Stop keeps the page usable."""
    status, chart = st.empty(), st.empty()
    live: list = []
    drawn = [-LIVE_INTERVAL]

    def on_snapshot(s) -> None:
        done, total, text = progress(s, cfg)
        status.progress(done / total, text=text)
        now = time.perf_counter()
        if now - drawn[0] >= LIVE_INTERVAL or done == total:
            chart.plotly_chart(live_figure(data, cfg, s, live))
            drawn[0] = now

    try:
        return compute.train(key, data, cfg, on_snapshot)
    except ValueError as exc:
        st.error(str(exc))
        return None
    finally:
        status.empty()
        chart.empty()


seed = widgets.page_start("Latent manifolds", "latent", P, TABLE)
compute.prefetch()
model = controls.model_choice(P)
try:
    loaded = widgets.data_source(P, seed)
    device = st.session_state.get("device", "auto")
    if model == "gan":
        cfg = controls.gan_controls(P, seed, device)
    elif model == "simclr":
        cfg = controls.contrastive_controls(
            P, seed, device, loaded is not None and loaded[0].image_shape is not None
        )
    else:
        cfg = (controls.vae_controls if model == "vae" else controls.train_controls)(P, seed, device)
except ValueError as exc:
    st.error(str(exc))
    loaded = cfg = None
if model == "ae":
    st.sidebar.toggle("Compare with a linear autoencoder and PCA", key=f"{P}_pca",
                      help="Trains a linear autoencoder of the same shape too.")  # fmt: skip
widgets.sync_to_url(P, TABLE)
if loaded is None or cfg is None:
    st.stop()
data, key = loaded
widgets.data_notes(data)
try:
    checks = {"vae": vae.check_config, "simclr": contrastive.check_config, "gan": gan.check_config,
              "ae": autoencoder.check_config}  # fmt: skip
    checks[model](cfg, data.n_features)
except ValueError as exc:  # data this model cannot compress: say so before any Train, and show the data
    st.error(str(exc))
    sections.first_rows(data)
    st.stop()

go_col, stop_col, _ = st.columns([1, 1, 4])
pressed = go_col.button("Train", type="primary", key=f"{P}_train", width="stretch")
stop_col.button("Stop", key=f"{P}_stop", width="stretch", help="Stops training.")
result = compute.trained(key, cfg)
if pressed and result is None:
    result = live_training(data, key, cfg)
if result is None:
    what = "its pixels" if data.image_shape is not None else "its standardised features"
    task = {"vae": f"squeeze {what} through a 2-D latent (a VAE)",
            "simclr": f"place two altered views of each row together on a {'sphere' if getattr(cfg, 'dim', 3) == 3 else 'circle'}, without labels",
            "gan": "train a generator that maps a 2-D noise plane onto the data against a discriminator",
            "ae": f"squeeze {what} through {getattr(cfg, 'latent', 2)} units and back"}[model]  # fmt: skip
    st.info(f"{data.name}: {data.n_samples:,} rows, {data.n_features} features. Press **Train** to {task}.")
    sections.first_rows(data)
    st.stop()
rkey = compute.training_key(key, cfg)
if model == "gan":
    gan_sections.training(data, result)
    gan_sections.step_by_step(data, result, rkey)
elif model == "simclr":
    contrastive_sections.training(data, result)
elif model == "vae":
    vae_sections.training(data, result)
    vae_sections.decode_point(data, result, rkey)
    vae_sections.interpolation(data, result, rkey)
    vae_sections.prior(data, result, rkey)
else:
    cols = st.columns(3)
    cols[0].metric(
        "Reconstruction error", f"{result.error[-1]:.4f}", help="Mean squared, per feature, recorded rows"
    )
    cols[1].metric("Epochs", f"{int(result.epochs[-1])}")
    cols[2].metric("Time", f"{result.seconds:.1f} s")
    if result.stopped:
        st.warning(result.stopped)
    sections.training(data, result, rkey)
    if st.session_state.get(f"{P}_pca"):
        with st.spinner("Training the linear autoencoder…"):
            sections.against_pca(data, key, result, rkey, lambda c: compute.train(key, data, c))
st.download_button("Python script", lambda: reproduce_nets.latent_script(key, cfg), f"{data.name}_latent.py",
                   "text/x-python", key=f"{P}_script", on_click="ignore", help=reproduce.HELP)  # fmt: skip
