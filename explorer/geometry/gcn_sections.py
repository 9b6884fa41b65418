"""The graph-network part of the Manifold geometry page: a two-layer GCN trained live on the data's
neighbour graph with a few labels per class, or on Zachary's karate club with its two leaders
labelled; each layer's node embedding animated over training, the graph drawn with the predictions,
and the accuracy against label spreading on the same graph."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset
from engine.geometry.few_labels import LIMITS as LABEL_LIMITS
from engine.geometry.few_labels import FewLabelsConfig
from engine.geometry.gcn import ACTIVATIONS, LIMITS, GCNConfig
from explorer.geometry import compute
from explorer.geometry import gcn_figures as gcf
from explorer.geometry.controls import ALPHAS
from explorer.layers import figures as nf
from explorer.shared import downloads
from explorer.shared.url_state import Param
from explorer.shared.widgets import snap_to_options

KARATE = "karate"
GRAPHS = {"data": "The data's neighbour graph", KARATE: "Zachary's karate club"}
RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)  # inside LIMITS["lr"]
DROPOUTS = (0.0, 0.1, 0.3, 0.5, 0.7)  # inside LIMITS["dropout"]
LIVE_INTERVAL = 0.25  # seconds between two live frames


def params() -> tuple[Param, ...]:
    g = GCNConfig()
    return (
        Param("graph", "data", choices=tuple(GRAPHS)),
        Param("ghid", g.hidden, bounds=LIMITS["hidden"]),
        Param("gact", g.activation, choices=ACTIVATIONS),
        Param("glr", g.lr, bounds=(RATES[0], RATES[-1])),
        Param("gdrop", g.dropout, bounds=LIMITS["dropout"]),
        Param("gepochs", g.epochs, bounds=LIMITS["epochs"]),
        Param("gevery", g.snapshot_every, bounds=LIMITS["snapshot_every"]),
    )


def karate_source(prefix: str) -> str | None:
    """KARATE when the karate club is chosen (the page then needs no dataset), else None."""
    choice = st.sidebar.radio("Graph", tuple(GRAPHS), format_func=GRAPHS.get, key=f"{prefix}_graph",
                              help="The k-NN graph of the dataset below, or the friendships of a karate club "
                              "that split in two (networkx ships it).")  # fmt: skip
    return KARATE if choice == KARATE else None


def controls(prefix: str, seed: int, karate: bool) -> GCNConfig:
    p = f"{prefix}_"
    snap_to_options(p + "glr", RATES, GCNConfig.lr)
    snap_to_options(p + "gdrop", DROPOUTS, GCNConfig.dropout)
    snap_to_options(p + "alpha", ALPHAS, FewLabelsConfig.alpha)
    st.sidebar.markdown("**Graph network** (2 graph convolutions)")
    if not karate:
        st.sidebar.slider("Labels per class", *LABEL_LIMITS["per_class"], key=f"{p}per")
    hidden = st.sidebar.slider("Hidden width", *LIMITS["hidden"], key=f"{p}ghid")
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}gact")
    lr = st.sidebar.select_slider("Learning rate (Adam)", RATES, key=f"{p}glr")
    epochs = st.sidebar.slider("Epochs", *LIMITS["epochs"], key=f"{p}gepochs")
    with st.sidebar.expander("More settings"):
        dropout = st.select_slider("Dropout (hidden layer)", DROPOUTS, key=f"{p}gdrop")
        every = st.slider("Snapshot every k epochs", *LIMITS["snapshot_every"], key=f"{p}gevery")
        st.select_slider("α of label spreading (the comparison)", ALPHAS, key=f"{p}alpha")
    return GCNConfig(hidden=int(hidden), activation=act, lr=float(lr), dropout=float(dropout), epochs=int(epochs),
                     snapshot_every=int(every), seed=seed, device=st.session_state.get("device", "auto"))  # fmt: skip


def _live(net: compute.Net, cfg: GCNConfig):
    """Train with the layers drawn as they arrive (at most one frame per LIVE_INTERVAL)."""
    status, chart = st.empty(), st.empty()
    live: list = []
    drawn = [-LIVE_INTERVAL]
    g = net.graph
    classes = gcf.node_classes(g.labels, np.zeros(len(g.labels), np.int64))

    def on_snapshot(s) -> None:
        status.progress(
            s.epoch / cfg.epochs, text=f"Epoch {s.epoch} / {cfg.epochs} · accuracy {s.accuracy:.3f}"
        )
        now = time.perf_counter()
        if now - drawn[0] >= LIVE_INTERVAL or s.epoch == cfg.epochs:
            panels = gcf.embedding_panels([a[None] for a in s.layers])
            if not live:
                live.append(
                    nf.LiveLayers(gcf.node_dataset(classes, g.class_names), panels, s.epoch, height=420)
                )
            chart.plotly_chart(live[0].figure(panels, s.epoch))
            drawn[0] = now

    try:
        return compute.train_gcn(net, cfg, on_snapshot)
    finally:
        status.empty()
        chart.empty()


def _show(net: compute.Net, cfg: GCNConfig, alpha: float, prefix: str) -> None:
    go_col, stop_col, _ = st.columns([1, 1, 4])
    pressed = go_col.button("Train", type="primary", key=f"{prefix}_gtrain", width="stretch")
    stop_col.button("Stop", key=f"{prefix}_gstop", width="stretch", help="Stops training.")
    result = compute.trained_gcn(net, cfg)
    if pressed and result is None:
        result = _live(net, cfg)
    spread_pred, spread_acc = compute.spread(net, alpha)
    g = net.graph
    n_lab = int(g.labelled.sum())
    if result is None:
        st.info(f"{g.name}: {len(g.labels):,} nodes, {len(g.edges):,} edges, {n_lab} labelled. Press **Train** "
                "to train a two-layer GCN on the labelled nodes' classes.")  # fmt: skip
        fig = gcf.prediction_figure(g.positions, g.edges, spread_pred, g.labelled, g.class_names, g.labels,
                                    g.node_names, title=f"Label spreading: {spread_acc:.3f}")  # fmt: skip
        downloads.chart(fig, f"{g.name}_spreading", f"{prefix}_gspread")
        return
    if result.stopped:
        st.warning(result.stopped)
    cols = st.columns(4)
    cols[0].metric("GCN accuracy", f"{result.accuracy[-1]:.3f}", help="On the unlabelled nodes")
    cols[1].metric(
        "Label spreading", f"{spread_acc:.3f}", help=f"On the same graph and labels, α = {alpha:g}"
    )
    cols[2].metric("Labelled nodes", f"{n_lab}")
    cols[3].metric("Time", f"{result.seconds:.2f} s")
    left, right = st.columns(2)
    with left:
        fig = gcf.prediction_figure(g.positions, g.edges, result.predictions, g.labelled, g.class_names,
                                    g.labels, g.node_names, title=f"GCN: {result.accuracy[-1]:.3f}")  # fmt: skip
        downloads.chart(fig, f"{g.name}_gcn", f"{prefix}_gpred")
    with right:
        fig = gcf.prediction_figure(g.positions, g.edges, spread_pred, g.labelled, g.class_names, g.labels,
                                    g.node_names, title=f"Label spreading: {spread_acc:.3f}")  # fmt: skip
        downloads.chart(fig, f"{g.name}_spreading", f"{prefix}_gspread")
    classes = gcf.node_classes(g.labels, result.predictions)
    fig = gcf.embedding_figure(result.layers, result.epochs, classes, g.class_names, result.layer_names)
    downloads.chart(fig, f"{g.name}_gcn_layers", f"{prefix}_glayers")
    st.caption("Each node's hidden and output (logit) vector over training, in its true class's colour; press ▶ "
               "Play. One graph convolution mixes each node with its neighbours, so two of them reach two hops: "
               "nodes farther from every label learn only through their neighbours' features.")  # fmt: skip
    fig = gcf.accuracy_figure(
        result.epochs, result.accuracy, result.loss, spread_acc, f"label spreading (α = {alpha:g})"
    )
    downloads.chart(fig, f"{g.name}_gcn_curves", f"{prefix}_gcurves")


def karate(cfg: GCNConfig, prefix: str) -> None:
    """The GCN on Zachary's karate club, its two leaders labelled, one-hot node features."""
    _show(
        compute.karate(), cfg, float(st.session_state.get(f"{prefix}_alpha", FewLabelsConfig.alpha)), prefix
    )


def on_data(data: Dataset, key, s, graph_cfg, cfg: GCNConfig, seed: int, prefix: str) -> None:
    """The GCN on the data's neighbour graph (the survey's), a few labels per class, the rows as features."""
    per = int(st.session_state.get(f"{prefix}_per", FewLabelsConfig.per_class))
    net = compute.data_graph(key, data, s, graph_cfg, per, seed)
    _show(net, cfg, float(st.session_state.get(f"{prefix}_alpha", FewLabelsConfig.alpha)), prefix)
