"""Sidebar controls of a convolutional network and its training -> `CNNConfig`, with its URL table,
and the attack controls' choices."""

from __future__ import annotations

import streamlit as st

from engine.cnn.attack import ATTACKS, MAX_STEPS
from engine.cnn.model import ACTIVATIONS, KERNELS, LIMITS, OPTIMIZERS, CNNConfig
from explorer.shared.url_state import Param
from explorer.shared.widgets import snap_to_options

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # inside LIMITS["lr"]
EPS_VALUES = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)  # L-infinity budgets, inside LIMITS["eps"]
PROJECTIONS = ("pca", "umap", "tsne")
ATTACK_EPS = {"fgsm": 0.1, "pgd_linf": 0.1, "pgd_l2": 1.5}  # a default budget per attack's norm
BLOCKS_HELP = "{} to {} conv blocks, each {} to {} channels".format(*LIMITS["blocks"], *LIMITS["channels"])
DENSE_HELP = "up to {1} dense layers of {2} to {3} units; empty for none".format(
    *LIMITS["dense_layers"], *LIMITS["width"]
)


def params() -> tuple[Param, ...]:
    """The URL table of the network, training and attack controls."""
    return (
        Param("channels", "8,16"),
        Param("kernel", 5, bounds=(KERNELS[0], KERNELS[-1])),
        Param("dense", ""),
        Param("act", "relu", choices=ACTIVATIONS),
        Param("opt", "adam", choices=OPTIMIZERS),
        Param("lr", 0.003, bounds=(LEARNING_RATES[0], LEARNING_RATES[-1])),
        Param("epochs", 3, bounds=LIMITS["epochs"]),
        Param("batch", CNNConfig.batch_size, bounds=LIMITS["batch_size"]),
        Param("adv", False),
        Param("eps", 0.1, bounds=LIMITS["eps"]),
        Param("proj", "pca", choices=PROJECTIONS),
        Param("snap", -1, bounds=(-1, LIMITS["epochs"][1])),  # the epoch UMAP / t-SNE lays out; -1: the last
        Param("digit", 0, bounds=(0, 100_000)),  # position among the recorded held-out digits
        Param("attack", "pgd_linf", choices=tuple(ATTACKS)),
        Param("aeps", 0.1, bounds=(0.001, 10.0)),
        Param("steps", 40, bounds=(1, MAX_STEPS)),
    )


def parse_widths(
    text: str, what: str, limits: tuple[int, int], count: tuple[int, int], hint: str
) -> tuple[int, ...]:
    """'8, 16' -> (8, 16); raises ValueError with what to type instead."""
    try:
        widths = tuple(int(w) for w in text.replace(" ", "").split(",") if w)
    except ValueError:
        raise ValueError(
            f"{what} must be whole numbers separated by commas, like '8, 16'; got {text!r}."
        ) from None
    if not count[0] <= len(widths) <= count[1] or not all(limits[0] <= w <= limits[1] for w in widths):
        raise ValueError(f"{what}: use {hint}.")
    return widths


def train_controls(prefix: str, seed: int, device: str) -> CNNConfig:
    """Network shape and training settings. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    for key, options in (("lr", LEARNING_RATES), ("eps", EPS_VALUES)):
        snap_to_options(p + key, options, options[1])
    if st.session_state.get(p + "kernel") not in KERNELS:
        st.session_state[p + "kernel"] = CNNConfig.kernel
    st.sidebar.markdown("**Network**")
    channels = st.sidebar.text_input(
        "Channels per conv block", key=f"{p}channels", help=f"{BLOCKS_HELP}, e.g. 8, 16"
    )
    kernel = st.sidebar.selectbox("Kernel size", KERNELS, key=f"{p}kernel")
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}act")
    opt = st.sidebar.selectbox("Optimizer", OPTIMIZERS, key=f"{p}opt")
    lr = st.sidebar.select_slider("Learning rate", LEARNING_RATES, key=f"{p}lr")
    epochs = st.sidebar.slider("Epochs", *LIMITS["epochs"], key=f"{p}epochs")
    with st.sidebar.expander("More training settings"):
        dense = st.text_input("Dense layer widths", key=f"{p}dense", help=f"{DENSE_HELP}, e.g. 64")
        batch = st.number_input("Batch size", *LIMITS["batch_size"], key=f"{p}batch")
        adv = st.toggle("Adversarial training", key=f"{p}adv",
                        help="Half of every batch is replaced by its FGSM example of budget ε.")  # fmt: skip
        eps = st.select_slider("ε (L∞, pixels in 0-1)", EPS_VALUES, key=f"{p}eps",
                               help="The budget of adversarial training and of the robust accuracy.")  # fmt: skip
    return CNNConfig(
        channels=parse_widths(channels, "Channels per conv block", LIMITS["channels"], LIMITS["blocks"], BLOCKS_HELP),
        kernel=int(kernel), activation=act, optimizer=opt, lr=float(lr), epochs=int(epochs),
        dense=parse_widths(dense, "Dense layer widths", LIMITS["width"], LIMITS["dense_layers"], DENSE_HELP),
        batch_size=int(batch), adversarial=bool(adv), eps=float(eps), seed=seed, device=device,
    )  # fmt: skip
