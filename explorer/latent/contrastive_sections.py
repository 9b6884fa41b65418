"""The contrastive parts of the Latent manifolds page: the embedding on its circle or sphere over
training, coloured by the labels it never saw, and its scores beside the raw input's."""

from __future__ import annotations

import streamlit as st

from engine.data.datasets import Dataset
from explorer.latent import figures as lf
from explorer.latent.sections import P, recorded
from explorer.layers import figures as nf
from explorer.layers.figures import Panel
from explorer.shared import downloads


def panel(embeddings, cfg) -> Panel:
    where = "sphere" if cfg.dim == 3 else "circle"
    views = "augmented views" if cfg.augment else "no augmentation"
    return Panel(
        f"the embedding on the unit {where}<br><sub>τ = {cfg.temperature:g}, {views}</sub>", embeddings
    )


def round_axes(fig, cfg):
    """A circle drawn round: one unit the same length on both axes."""
    if cfg.dim == 2:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def training(data: Dataset, result) -> None:
    cfg = result.config
    acc = result.knn_accuracy
    cols = st.columns(4)
    if acc is not None:
        cols[0].metric("5-NN accuracy", f"{acc[-1]:.3f}", f"{acc[-1] - acc[0]:+.3f} over the random encoder",
                       help="Leave-one-out 5-NN vote in the embedding, with the labels training never saw")  # fmt: skip
        cols[1].metric("Raw input, 5-NN", f"{result.raw_knn_accuracy:.3f}")
    cols[2].metric(
        "Alignment", f"{result.alignment[-1]:.3f}", help="Mean squared distance between a row's two views"
    )
    cols[3].metric("Uniformity", f"{result.uniformity[-1]:.3f}",
                   help="log of the mean exp(−2 ‖zᵢ − zⱼ‖²) over pairs: lower is spread more evenly")  # fmt: skip
    if result.stopped:
        st.warning(result.stopped)
    sub = recorded(data, result.rows)
    fig = round_axes(nf.layer_figure(sub, [panel(result.embeddings, cfg)], result.epochs, height=560), cfg)
    downloads.chart(fig, f"{data.name}_contrastive", f"{P}_contrastive")
    downloads.chart(
        lf.contrastive_figure(result), f"{data.name}_contrastive_scores", f"{P}_contrastive_scores"
    )
    if acc is not None:
        verdict = (
            f"The raw input scores **{result.raw_knn_accuracy:.3f}**, more than the embedding: on these data the "
            f"{'pixels' if result.image_shape else 'standardised features'} are already well separated "
            f"and squeezing them onto a {'sphere' if cfg.dim == 3 else 'circle'} loses some of it."
            if result.raw_knn_accuracy > acc[-1]
            else f"The embedding scores more than the raw input (**{result.raw_knn_accuracy:.3f}**)."
        )
        st.markdown(f"Without labels, the classes gather: 5-NN accuracy **{acc[0]:.3f}** for the random encoder at "
                    f"epoch 0, **{acc[-1]:.3f}** after {int(result.epochs[-1])} epochs. {verdict}")  # fmt: skip
    if not cfg.augment:
        st.info("No augmentation: the two views of a row are identical, so they align at no cost (alignment 0) and "
                "the loss only spreads the rows apart; nothing teaches the encoder which changes do not matter. "
                "Compare the 5-NN accuracy with augmentation on.")  # fmt: skip
