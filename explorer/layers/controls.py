"""Sidebar controls of a network and its training -> `TrainConfig`, with its URL table."""

from __future__ import annotations

import streamlit as st

from engine.nets.mlp import ACTIVATIONS, LIMITS, OPTIMIZERS, TrainConfig
from explorer.shared.url_state import Param
from explorer.shared.widgets import snap_to_options

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # inside LIMITS["lr"]
L2_VALUES = (0.0, 0.00001, 0.0001, 0.001, 0.01, 0.1)  # LIMITS["l2"], decades
EPOCH_STEP = 10  # the epochs slider moves in tens, from EPOCH_STEP up to LIMITS["epochs"]
EVERY_REACH = 100  # the snapshot slider's top: sparser snapshots leave too few frames to animate
PROJECTIONS = ("pca", "umap", "tsne")
LAST_SNAPSHOT = -1  # the snapshot picker's value for the last snapshot, whichever epoch that is
EPOCHS = (max(EPOCH_STEP, LIMITS["epochs"][0]), LIMITS["epochs"][1])  # what the epochs slider offers
EVERY = (LIMITS["snapshot_every"][0], min(EVERY_REACH, LIMITS["snapshot_every"][1]))
HIDDEN_HELP = "{} to {} hidden layers, each {} to {} units wide".format(*LIMITS["layers"], *LIMITS["width"])


def params() -> tuple[Param, ...]:
    """The URL table of the network controls."""
    return (
        Param("hidden", "8,8"),
        Param("act", "tanh", choices=ACTIVATIONS),
        Param("opt", "adam", choices=OPTIMIZERS),
        Param("lr", 0.03, bounds=(LEARNING_RATES[0], LEARNING_RATES[-1])),
        Param("batch", 0, bounds=LIMITS["batch_size"]),
        Param("l2", 0.0, bounds=LIMITS["l2"]),
        Param("epochs", 300, bounds=EPOCHS),
        Param("every", 5, bounds=EVERY),
        Param("proj", "pca", choices=PROJECTIONS),
        Param("snap", LAST_SNAPSHOT, bounds=(LAST_SNAPSHOT, EPOCHS[1])),  # the Export snapshot's epoch
    )


def snapshot_label(last_epoch: int, choice: int) -> str:
    """How the snapshot picker shows a choice: its epoch, the last one marked."""
    return f"{last_epoch} (last)" if choice == LAST_SNAPSHOT else str(choice)


def parse_hidden(text: str) -> tuple[int, ...]:
    """'16, 16' -> (16, 16); raises ValueError with what to type instead."""
    try:
        widths = tuple(int(w) for w in text.replace(" ", "").split(",") if w)
    except ValueError:
        raise ValueError(
            f"Hidden layer widths must be whole numbers separated by commas, like '8, 8'; got {text!r}."
        ) from None
    (lo, hi), (wlo, whi) = LIMITS["layers"], LIMITS["width"]
    if not lo <= len(widths) <= hi or not all(wlo <= w <= whi for w in widths):
        raise ValueError(f"Use {HIDDEN_HELP} (for example '16, 16').")
    return widths


def train_controls(prefix: str, seed: int, device: str) -> TrainConfig:
    """Network shape and training settings. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    for key, options in (("lr", LEARNING_RATES), ("l2", L2_VALUES)):
        snap_to_options(p + key, options, options[0])
    st.sidebar.markdown("**Network**")
    hidden = st.sidebar.text_input(
        "Hidden layer widths", key=f"{p}hidden", help=f"{HIDDEN_HELP}, e.g. 16, 16, 2"
    )
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}act")
    opt = st.sidebar.selectbox("Optimizer", OPTIMIZERS, key=f"{p}opt")
    lr = st.sidebar.select_slider("Learning rate", LEARNING_RATES, key=f"{p}lr")
    with st.sidebar.expander("More training settings"):
        batch = st.number_input("Batch size (0 = full batch)", *LIMITS["batch_size"], key=f"{p}batch")
        l2 = st.select_slider("L2 regularisation", L2_VALUES, key=f"{p}l2")
        epochs = st.slider("Epochs", *EPOCHS, step=EPOCH_STEP, key=f"{p}epochs")
        every = st.slider("Snapshot every k epochs", *EVERY, key=f"{p}every")
    return TrainConfig(
        hidden=parse_hidden(hidden), activation=act, optimizer=opt, lr=float(lr), batch_size=int(batch),
        l2=float(l2), epochs=int(epochs), snapshot_every=int(every), seed=seed, device=device,
    )  # fmt: skip
