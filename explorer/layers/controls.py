"""Sidebar controls of a network and its training -> `TrainConfig`, with its URL table."""

from __future__ import annotations

import streamlit as st

from engine.nets.mlp import ACTIVATIONS, OPTIMIZERS, TrainConfig
from explorer.shared.url_state import Param

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2_VALUES = (0.0, 0.00001, 0.0001, 0.001, 0.01, 0.1)
PROJECTIONS = ("pca", "umap", "tsne")


def params() -> tuple[Param, ...]:
    """The URL table of the network controls."""
    return (
        Param("hidden", "8,8"),
        Param("act", "tanh", choices=ACTIVATIONS),
        Param("opt", "adam", choices=OPTIMIZERS),
        Param("lr", 0.03, bounds=(0.0001, 10.0)),
        Param("batch", 0, bounds=(0, 20_000)),
        Param("l2", 0.0, bounds=(0.0, 0.1)),
        Param("epochs", 300, bounds=(10, 3000)),
        Param("every", 5, bounds=(1, 100)),
        Param("proj", "pca", choices=PROJECTIONS),
    )


def parse_hidden(text: str) -> tuple[int, ...]:
    """'16, 16' -> (16, 16); raises ValueError with what to type instead."""
    try:
        widths = tuple(int(w) for w in text.replace(" ", "").split(",") if w)
    except ValueError:
        raise ValueError(
            f"Hidden layer widths must be whole numbers separated by commas, like '8, 8'; got {text!r}."
        ) from None
    if not 1 <= len(widths) <= 6 or not all(2 <= w <= 256 for w in widths):
        raise ValueError("Use 1 to 6 hidden layers, each 2 to 256 units wide (for example '16, 16').")
    return widths


def _nearest(value: float, options: tuple[float, ...]) -> float:
    return min(options, key=lambda o: abs(o - value))


def train_controls(prefix: str, seed: int, device: str) -> TrainConfig:
    """Network shape and training settings. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    for key, options in (("lr", LEARNING_RATES), ("l2", L2_VALUES)):
        st.session_state[p + key] = _nearest(float(st.session_state.get(p + key, options[0])), options)
    st.sidebar.markdown("**Network**")
    hidden = st.sidebar.text_input(
        "Hidden layer widths", key=f"{p}hidden", help="1-6 layers of 2-256 units, e.g. 16, 16, 2"
    )
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}act")
    opt = st.sidebar.selectbox("Optimizer", OPTIMIZERS, key=f"{p}opt")
    lr = st.sidebar.select_slider("Learning rate", LEARNING_RATES, key=f"{p}lr")
    with st.sidebar.expander("More training settings"):
        batch = st.number_input("Batch size (0 = full batch)", 0, 20_000, key=f"{p}batch")
        l2 = st.select_slider("L2 regularisation", L2_VALUES, key=f"{p}l2")
        epochs = st.slider("Epochs", 10, 3000, step=10, key=f"{p}epochs")
        every = st.slider("Snapshot every k epochs", 1, 100, key=f"{p}every")
    return TrainConfig(
        hidden=parse_hidden(hidden), activation=act, optimizer=opt, lr=float(lr), batch_size=int(batch),
        l2=float(l2), epochs=int(epochs), snapshot_every=int(every), seed=seed, device=device,
    )  # fmt: skip
