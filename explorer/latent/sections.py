"""The parts of the Latent manifolds page: the latent over training, reconstructions, and the
linear autoencoder beside PCA."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset
from explorer.latent import compute
from explorer.latent import figures as lf
from explorer.layers import figures as nf
from explorer.layers.figures import Panel
from explorer.shared import downloads
from explorer.shared import image_figures as imf

P = "lt"
SHOWN = 12  # reconstructions shown


def first_rows(data: Dataset) -> None:
    """Before training, what will be squeezed: the first images, or the data drawn as the inspector
    would (its first two or three features, or principal components)."""
    if data.image_shape is not None:
        n = min(2 * SHOWN, data.n_samples)
        images = data.X[:n].reshape(n, *data.image_shape)
        images = (images - images.min()) / max(float(np.ptp(images)), 1e-12)
        labels = [data.class_names[c] for c in data.y[:n]] if data.y is not None else [""] * n
        st.plotly_chart(imf.strip_figure(images, labels, f"The first {n} of the {data.n_samples:,} images"),
                        key=f"{P}_data_strip", config={"displayModeBar": False})  # fmt: skip
        return
    if data.n_features in (2, 3):
        fig = nf.layer_figure(data, [Panel("the data", data.X[None].astype(np.float32))], np.array([0]),
                              animate=False, height=420)  # fmt: skip
        fig.update_layout(title_text=f"{data.name}: the data to squeeze through the bottleneck")
        st.plotly_chart(fig, key=f"{P}_data_plot")


def recorded(data: Dataset, rows: np.ndarray) -> Dataset:
    """The recorded rows as a Dataset, to colour the latent by label."""
    y = None if data.y is None else data.y[rows]
    return Dataset(data.X[rows], y, data.feature_names, data.class_names if y is not None else (), data.name)


def latent_panel(latents: np.ndarray, cfg, title: str = "latent") -> Panel:
    kind = "linear" if cfg.linear else cfg.activation
    return Panel(
        f"{title}<br><sub>{cfg.latent} units, {kind}{', denoising' if cfg.noise else ''}</sub>", latents
    )


def training(data: Dataset, result, rkey: tuple) -> None:
    """The latent animation, the error curve and the reconstructions."""
    sub = recorded(data, result.rows)
    fig = nf.layer_figure(sub, [latent_panel(result.latents, result.config)], result.epochs, height=520)
    downloads.chart(fig, f"{data.name}_latent", f"{P}_latent_fig")
    q = compute.scores(rkey, "ae", result.inputs, result.latents[-1], sub.y)
    knn = "" if q.knn_accuracy is None else f" · 5-NN accuracy **{q.knn_accuracy:.3f}**"
    st.markdown(f"Latent of the last epoch: trustworthiness **{q.trustworthiness:.3f}** · continuity "
                f"**{q.continuity:.3f}**{knn} (the inspector's scores, k = {q.k}).")  # fmt: skip
    downloads.chart(
        lf.error_figure(result.history, result.epochs, result.error), f"{data.name}_ae_error", f"{P}_error"
    )
    st.caption(f"Reconstruction error (mean squared, per feature) on the {len(result.rows):,} recorded rows: "
               f"{result.error[0]:.4f} untrained, {result.error[-1]:.4f} at epoch {int(result.epochs[-1])}.")  # fmt: skip
    reconstructions(data, result, sub)


def reconstructions(data: Dataset, result, sub: Dataset) -> None:
    """The first recorded images above their reconstructions, or a 2-D / 3-D table beside its own."""
    if result.image_shape is not None:
        n = min(SHOWN, len(result.rows))
        pair = np.concatenate([result.inputs[:n], np.clip(result.reconstructions[:n], 0, 1)])
        fig = imf.grid_figure(pair.reshape(-1, *result.image_shape), "Originals (top) and their reconstructions",
                              cols=n, height=260)  # fmt: skip
        downloads.chart(fig, f"{data.name}_reconstructions", f"{P}_recon")
    elif result.inputs.shape[1] in (2, 3):
        panels = [
            Panel("data (standardised)", result.inputs[None]),
            Panel("reconstruction", result.reconstructions[None]),
        ]
        fig = nf.layer_figure(sub, panels, result.epochs[-1:], animate=False, height=460)
        fig.update_layout(title_text="The data and its reconstruction through the bottleneck")
        downloads.chart(fig, f"{data.name}_reconstruction", f"{P}_recon")


def against_pca(data: Dataset, data_key, result, rkey: tuple, train) -> None:
    """A linear autoencoder of the same shape beside PCA, and this autoencoder's latent beside both."""
    st.subheader("A linear autoencoder is PCA")
    linear_cfg = replace(result.config, linear=True)
    linear = result if result.config.linear else train(linear_cfg)
    lkey = compute.training_key(data_key, linear_cfg)
    cmp = compute.pca(lkey, linear)
    sub = recorded(data, result.rows)
    q_pca = compute.scores(lkey, "pca", linear.inputs, cmp.pca_coords, sub.y)
    q_lin = compute.scores(lkey, "ae", linear.inputs, linear.latents[-1], sub.y)
    q_ae = compute.scores(rkey, "ae", result.inputs, result.latents[-1], sub.y)
    panels = [Panel(f"PCA<br><sub>trustworthiness {q_pca.trustworthiness:.3f}</sub>", cmp.pca_coords[None]),
              Panel(f"linear autoencoder<br><sub>trustworthiness {q_lin.trustworthiness:.3f}</sub>", linear.latents[-1:])]  # fmt: skip
    if not result.config.linear:
        panels.append(
            Panel(
                f"this autoencoder<br><sub>trustworthiness {q_ae.trustworthiness:.3f}</sub>",
                result.latents[-1:],
            )
        )
    fig = nf.layer_figure(sub, panels, result.epochs[-1:], animate=False, height=440)
    fig.update_layout(title_text="PCA, the linear autoencoder and this one, on the same rows")
    downloads.chart(fig, f"{data.name}_ae_vs_pca", f"{P}_vs_pca")
    angles = ", ".join(f"{a:.1f}°" for a in cmp.angles_deg)
    st.markdown(
        f"Principal angles between the linear decoder's span and PCA's top {len(cmp.angles_deg)} axes: **{angles}** "
        f"(0° = the same plane). Reconstruction error: PCA **{cmp.pca_error:.4f}**, linear autoencoder "
        f"**{linear.error[-1]:.4f}**"
        + ("" if result.config.linear else f", this autoencoder **{result.error[-1]:.4f}**")
        + "."
    )
    st.caption("A linear autoencoder can only learn a plane: at its best, PCA's. It reaches it by gradient descent, "
               "so the angles shrink with more epochs; its axes inside the plane may differ from PCA's (a "
               "rotation or stretch), which the angles do not count.")  # fmt: skip
