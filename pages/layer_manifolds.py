"""Layer manifolds: train a network and watch every hidden layer reshape the data.

What to notice: each layer is a map of the plane (the grey grid is the input plane carried through
it). Training bends and stretches that map until a straight line separates the classes in the
last layer; the linear-probe accuracy rising with depth is that untangling, measured.
"""

from __future__ import annotations

import functools
import time

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from engine.nets.mlp import Snapshot, TrainConfig, TrainResult
from explorer.layers import compute, controls
from explorer.layers import figures as nf
from explorer.layers.panels import input_activations, layer_names, panels_at, result_panels
from explorer.shared import downloads, export, figures, reproduce, widgets

P = "lm"
FRAME_SECONDS = 0.25  # at most four live frames a second, so the browser keeps up
TABLE = widgets.data_params("moons", 500) + controls.params()
LAST = controls.LAST_SNAPSHOT


def live_training(data: Dataset, key: DataSource, cfg: TrainConfig) -> TrainResult | None:
    """Train with frames drawn as snapshots arrive; snapshots are kept if the user presses Stop."""
    status, chart = st.empty(), st.empty()
    kept = st.session_state[f"{P}_partial"] = {"cfg": cfg, "snapshots": []}
    last, live = [0.0], []

    def on_snapshot(s: Snapshot) -> None:
        kept["snapshots"].append(s)
        if time.monotonic() - last[0] < FRAME_SECONDS and s.epoch != cfg.epochs:
            return
        last[0] = time.monotonic()
        status.progress(
            s.epoch / cfg.epochs,
            text=f"Epoch {s.epoch} / {cfg.epochs} · train loss {s.train_loss:.4f} · test accuracy {s.test_acc:.3f}",
        )
        panels = panels_at(data, s)
        if not live:
            live.append(nf.LiveLayers(data, panels, s.epoch))
        chart.plotly_chart(live[0].figure(panels, s.epoch))

    try:
        result = compute.train(key, data, cfg, on_snapshot)
    except ValueError as exc:
        st.error(str(exc))
        result = None
    else:
        del st.session_state[f"{P}_partial"]  # kept only while a run may be interrupted
    finally:
        status.empty()
        chart.empty()
    return result


def show_result(data: Dataset, result: TrainResult, rkey: tuple) -> None:
    h = result.history
    cols = st.columns(5)
    cols[0].metric("Train accuracy", f"{h['train_acc'][-1]:.3f}")
    cols[1].metric("Test accuracy", f"{h['test_acc'][-1]:.3f}")
    cols[2].metric("Train loss", f"{h['train_loss'][-1]:.4f}")
    cols[3].metric("Epochs", f"{int(result.epochs[-1])}")
    cols[4].metric("Time", f"{result.seconds:.2f} s", help=f"on {result.device}")
    if result.stopped:
        st.warning(result.stopped)
    projection = st.session_state.get(f"{P}_proj", "pca")
    epochs = [int(e) for e in result.epochs]
    chosen = st.session_state.get(f"{P}_snap")
    snapshot = epochs.index(chosen) if chosen in epochs else -1
    panels, frames = result_panels(data, result, rkey, projection, snapshot)
    base = data.name
    fig = nf.layer_figure(data, panels, result.epochs[frames])
    downloads.chart(fig, f"{base}_layers", f"{P}_layers")
    how = (
        "one PCA over all snapshots, so frames share axes"
        if projection == "pca"
        else f"{projection.upper()} of the chosen snapshot (under Export)"
    )
    st.caption(
        f"{len(frames)} of {len(result.epochs)} snapshots animated; layers wider than 3 units are shown with {how}."
    )
    left, right = st.columns(2)
    tr, te = result.train_index, result.test_index
    if result.grid is not None:
        proba = result.grid_proba[-1]
        with left:
            regions = figures.decision_figure(
                data, result.grid, proba.argmax(1), proba.max(1), tr, te, "Network: decision regions"
            )
            downloads.chart(regions, f"{base}_regions", f"{P}_regions")
    try:
        head = compute.hybrid_head(rkey, result, data.y)
        with right:
            if head.grid_pred is not None:
                svm = figures.decision_figure(
                    data, result.grid, head.grid_pred, head.grid_score, tr, te, "SVM on the last hidden layer"
                )
                downloads.chart(svm, f"{base}_svm_head", f"{P}_svm")
            st.markdown(
                f"Test accuracy: network head **{head.net_test_acc:.3f}** · SVM on its last hidden layer **{head.svm_test_acc:.3f}**"
            )
    except ValueError as exc:
        right.info(str(exc))
    downloads.chart(nf.curves_figure(h), f"{base}_curves", f"{P}_curves")
    layers = (input_activations(data, len(result.epochs)),) + result.layers
    scores = compute.layer_scores(rkey, layers, data.y, tr, te)
    depth = {"linear-probe accuracy": scores.probe_acc, "class separation": scores.separation}
    downloads.chart(
        nf.depth_figure(layer_names(result, with_input=True), result.epochs, depth),
        f"{base}_depth",
        f"{P}_depth",
    )
    exports(data, result, fig)


def exports(data: Dataset, result: TrainResult, fig) -> None:
    st.subheader("Export")
    cols = st.columns(2)
    epochs = [int(e) for e in result.epochs]
    if st.session_state.get(f"{P}_snap") not in [*epochs[:-1], LAST]:  # from a link, or another run
        st.session_state[f"{P}_snap"] = LAST
    choice = cols[0].selectbox(
        "Snapshot (epoch) for the activations CSV and the UMAP / t-SNE layouts",
        [*epochs[:-1], LAST],
        format_func=functools.partial(controls.snapshot_label, epochs[-1]),
        key=f"{P}_snap",
    )
    t = len(epochs) - 1 if choice == LAST else epochs.index(choice)
    epoch = epochs[t]
    cols[1].download_button(
        "Activations (CSV)",
        lambda: export.csv_bytes(export.activations_frame(data, result, t)),
        f"{data.name}_activations_epoch{epoch}.csv",
        "text/csv",
        key=f"{P}_acts",
        on_click="ignore",
    )
    st.caption("The layer animation's HTML export (under its Export button) plays offline in any browser.")


seed = widgets.page_start("Layer manifolds", "layers", P, TABLE)
try:
    loaded = widgets.data_source(P, seed)
    cfg = controls.train_controls(P, seed, st.session_state.get("device", "auto"))
except ValueError as exc:
    st.error(str(exc))
    loaded = cfg = None
st.sidebar.selectbox(
    "Wide layers shown with",
    controls.PROJECTIONS,
    key=f"{P}_proj",
    help="PCA is instant; UMAP and t-SNE lay out the chosen snapshot only.",
)
widgets.sync_to_url(P, TABLE)
if loaded is None or cfg is None:
    st.stop()
data, key = loaded
if data.y is None or data.n_classes < 2:
    st.error("Training needs a label column with at least two classes: choose one in the sidebar.")
    st.stop()

go_col, stop_col, _ = st.columns([1, 1, 4])
pressed = go_col.button("Train", type="primary", key=f"{P}_train", width="stretch")
stop_col.button(
    "Stop", key=f"{P}_stop", width="stretch", help="Stops training; the epochs done so far are kept."
)
result = compute.trained(key, cfg)
if pressed and result is None:
    result = live_training(data, key, cfg)
partial = st.session_state.get(f"{P}_partial")
if result is None and partial and partial["cfg"] == cfg and partial["snapshots"]:
    shots = partial["snapshots"]
    st.warning(
        f"Training was stopped at epoch {shots[-1].epoch}; the {len(shots)} snapshots taken so far are shown. Press Train to start again."
    )
    st.plotly_chart(
        nf.layer_figure(data, panels_at(data, *shots), np.array([s.epoch for s in shots])), key=f"{P}_stopped"
    )
    st.stop()
if result is None:
    st.info(
        f"{data.name}: {data.n_samples:,} points, {data.n_classes} classes. Press **Train** to watch a "
        f"{'-'.join(map(str, (data.n_features, *cfg.hidden, data.n_classes)))} network learn."
    )
    st.stop()
show_result(data, result, compute.training_key(key, cfg))
st.download_button("Python script", lambda: reproduce.layers_script(key, cfg), f"{data.name}_layers.py",
                   "text/x-python", key=f"{P}_script", on_click="ignore", help=reproduce.HELP)  # fmt: skip
