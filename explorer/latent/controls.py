"""Sidebar controls of an autoencoder and its training -> `AEConfig`, with its URL table."""

from __future__ import annotations

import streamlit as st

from engine.latent.autoencoder import ACTIVATIONS, LIMITS, AEConfig
from explorer.cnn.controls import parse_widths
from explorer.shared.url_state import Param
from explorer.shared.widgets import snap_to_options

LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)  # inside LIMITS["lr"]
NOISE = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)  # the denoising autoencoder's input noise
HIDDEN_HELP = "up to {1} layers of {2} to {3} units on each side of the bottleneck; empty for none".format(
    *LIMITS["layers"], *LIMITS["width"]
)


def params() -> tuple[Param, ...]:
    d = AEConfig()
    return (
        Param("latent", d.latent, bounds=LIMITS["latent"]),
        Param("hidden", "64"),
        Param("act", d.activation, choices=ACTIVATIONS),
        Param("lr", d.lr, bounds=(LEARNING_RATES[0], LEARNING_RATES[-1])),
        Param("epochs", d.epochs, bounds=LIMITS["epochs"]),
        Param("every", d.snapshot_every, bounds=LIMITS["snapshot_every"]),
        Param("batch", d.batch_size, bounds=LIMITS["batch_size"]),
        Param("aenoise", 0.0, bounds=LIMITS["noise"]),
        Param("pca", False),  # compare with a linear autoencoder and PCA
    )


def train_controls(prefix: str, seed: int, device: str) -> AEConfig:
    """Autoencoder shape and training settings. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    for key, options in (("lr", LEARNING_RATES), ("aenoise", NOISE)):
        snap_to_options(p + key, options, options[0])
    st.sidebar.markdown("**Autoencoder**")
    latent = st.sidebar.radio("Bottleneck units", (2, 3), horizontal=True, key=f"{p}latent")
    hidden = st.sidebar.text_input("Hidden widths (encoder; the decoder mirrors them)", key=f"{p}hidden",
                                   help=f"{HIDDEN_HELP}, e.g. 64 or 128, 32")  # fmt: skip
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}act")
    lr = st.sidebar.select_slider("Learning rate (Adam)", LEARNING_RATES, key=f"{p}lr")
    epochs = st.sidebar.slider("Epochs", *LIMITS["epochs"], key=f"{p}epochs")
    with st.sidebar.expander("More training settings"):
        every = st.slider("Snapshot every k epochs", *LIMITS["snapshot_every"], key=f"{p}every")
        batch = st.number_input("Batch size", *LIMITS["batch_size"], key=f"{p}batch")
        noise = st.select_slider("Denoising: input noise", NOISE, key=f"{p}aenoise",
                                 help="Gaussian noise of this standard deviation is added to each input while "
                                 "training; the target stays the clean input. 0 = a plain autoencoder.")  # fmt: skip
    return AEConfig(
        latent=int(latent), activation=act, lr=float(lr), epochs=int(epochs), snapshot_every=int(every),
        hidden=parse_widths(hidden, "Hidden widths", LIMITS["width"], LIMITS["layers"], HIDDEN_HELP),
        batch_size=int(batch), noise=float(noise), seed=seed, device=device,
    )  # fmt: skip
