"""Convolutional networks: train a CNN on real digits and watch every layer reshape their manifold;
look inside at one digit, then push it across a class boundary with an adversarial attack.

What to notice: the probe accuracy rises from the pixels to the last block (each layer untangles
the digits further), random filters already help a little, and a push far smaller than the
distance between two digits flips the class while noise of the same size does not.
"""

from __future__ import annotations

import streamlit as st

from engine.cnn.model import layer_names, stage_shapes
from engine.data.images import Images, as_images, rows_dataset
from engine.data.source import DataSource
from explorer.cnn import compute, controls, sections
from explorer.cnn.panels import input_panel, live_panels
from explorer.layers import figures as nf
from explorer.shared import reproduce, reproduce_nets, widgets

P = sections.P
FRAME_SECONDS = 0.25  # at most four live frames a second
TABLE = widgets.data_params("mnist") + controls.params()


def live_training(images: Images, key: DataSource, cfg) -> object | None:
    """Train with each epoch drawn as it arrives; the snapshots are kept if the user presses Stop."""
    status, chart = st.empty(), st.empty()
    kept = st.session_state[f"{P}_partial"] = {"cfg": cfg, "snapshots": []}
    names, shapes = layer_names(cfg), stage_shapes(cfg, images.shape, len(images.class_names))
    live: list = []  # the input's panel, then the live figure

    def on_snapshot(s) -> None:
        kept["snapshots"].append(s)
        status.progress(
            s.epoch / cfg.epochs, text=f"Epoch {s.epoch} / {cfg.epochs} · test accuracy {s.test_acc:.3f}"
        )
        if not live:
            live.append(input_panel(images, s.capture_index))
        panels = live_panels(images, s.capture_index, names, shapes, [s], live[0])
        if len(live) == 1:
            live.append(nf.LiveLayers(rows_dataset(images, s.capture_index), panels, s.epoch))
        chart.plotly_chart(live[1].figure(panels, s.epoch))

    try:
        result = compute.train(key, images, cfg, on_snapshot)
    except ValueError as exc:
        st.error(str(exc))
        result = None
    else:
        del st.session_state[f"{P}_partial"]  # kept only while a run may be interrupted
    finally:
        status.empty()
        chart.empty()
    return result


def stopped_view(images: Images, cfg) -> bool:
    """Draw what a stopped training recorded; True when there was one for these settings."""
    partial = st.session_state.get(f"{P}_partial")
    if not partial or partial["cfg"] != cfg or not partial["snapshots"]:
        return False
    shots = partial["snapshots"]
    rows = shots[0].capture_index
    st.warning(f"Training was stopped after epoch {shots[-1].epoch}; the {len(shots)} snapshots taken so far are "
               "shown. Press Train to start again.")  # fmt: skip
    panels = live_panels(
        images, rows, layer_names(cfg), stage_shapes(cfg, images.shape, len(images.class_names)), shots
    )
    st.plotly_chart(nf.layer_figure(rows_dataset(images, rows), panels, [s.epoch for s in shots]),
                    key=f"{P}_stopped")  # fmt: skip
    return True


seed = widgets.page_start("Convolutional networks", "cnn", P, TABLE)
compute.prefetch()
try:
    loaded = widgets.data_source(P, seed)
    cfg = controls.train_controls(P, seed, st.session_state.get("device", "auto"))
    images = None if loaded is None else as_images(loaded[0])
except ValueError as exc:
    st.error(str(exc))
    loaded = cfg = images = None
st.sidebar.selectbox("Layers shown with", controls.PROJECTIONS, key=f"{P}_proj",
                     help="PCA is instant and animates; UMAP and t-SNE lay out one chosen snapshot.")  # fmt: skip
widgets.sync_to_url(P, TABLE)
if loaded is None or cfg is None or images is None:
    st.stop()
data, key = loaded
widgets.data_notes(data)
for note in images.notes:
    st.caption(note)

go_col, stop_col, _ = st.columns([1, 1, 4])
pressed = go_col.button("Train", type="primary", key=f"{P}_train", width="stretch")
stop_col.button(
    "Stop", key=f"{P}_stop", width="stretch", help="Stops training; the epochs done so far are kept."
)
result = compute.trained(key, cfg)
if pressed and result is None:
    result = live_training(images, key, cfg)
if result is None:
    if not stopped_view(images, cfg):
        h, w = images.shape
        st.info(f"{images.name}: {len(images.y):,} images of {h} x {w} pixels, {len(images.class_names)} classes. "
                f"Press **Train** to watch a {len(cfg.channels)}-block CNN ({', '.join(map(str, cfg.channels))} "
                "channels) learn them.")  # fmt: skip
        sections.first_images(images)
    st.stop()

rkey = compute.training_key(key, cfg)
cols = st.columns(4)
cols[0].metric("Test accuracy", f"{result.history['test_acc'][-1]:.3f}")
cols[1].metric("Train loss", f"{result.history['train_loss'][-1]:.4f}")
cols[2].metric("Epochs", f"{int(result.epochs[-1])}")
cols[3].metric("Time", f"{result.seconds:.1f} s", help=f"on {result.device}")
if result.stopped:
    st.warning(result.stopped)
projections = sections.layers(images, result, rkey)
row, _ = sections.digit(images, result, rkey)
sections.attack(images, result, rkey, row, projections)
st.subheader("Adversarial training")
sections.robustness(images, result, rkey, key)
st.download_button("Python script", lambda: reproduce_nets.cnn_script(key, cfg), f"{images.name}_cnn.py",
                   "text/x-python", key=f"{P}_script", on_click="ignore", help=reproduce.HELP)  # fmt: skip
