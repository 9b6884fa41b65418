"""Figures of the graph network: the graph coloured by predicted class (the view's `graph_figure`,
with the labelled nodes ringed and wrong predictions crossed), each layer's node embedding animated
over training (the Layer manifolds view's `layer_figure`), and accuracy over the epochs against
label spreading's. Arrays in, `go.Figure` out; no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.data.datasets import Dataset
from engine.pca import principal_axes
from explorer.geometry.figures import UNREACHED_COLOR, graph_figure
from explorer.layers.figures import Panel, layer_figure
from explorer.shared import theme
from explorer.shared.figures import marker_size
from explorer.shared.frames import thin_frames

MAX_FRAMES = 61  # animation frames sent to the browser; snapshots are thinned evenly beyond this
FIT_ROWS = 20_000  # most rows of the stacked snapshots the shared PCA is fitted on
WRONG = {"symbol": "x-thin-open", "color": "black", "line": {"color": "black", "width": 2}}


def prediction_figure(
    positions: np.ndarray,  # (n, 2) where each node is drawn
    edges: np.ndarray,  # (m, 2) int node pairs, each edge once
    predictions: np.ndarray,  # (n,) predicted class, -1 where none reached the node
    labelled: np.ndarray,  # (n,) bool: the nodes trained on
    class_names: Sequence[str],
    labels: np.ndarray | None = None,  # (n,) true class, -1 where unknown; None: none known
    node_names: Sequence[str] | None = None,
    title: str = "",
    height: int = 480,
) -> go.Figure:
    """The graph with each node in its predicted class's colour, the labelled nodes ringed, and every
    unlabelled node of known class that is predicted wrong marked with a cross."""
    predictions = np.asarray(predictions)
    rows = np.flatnonzero(labelled)
    fig = graph_figure(positions, np.asarray(edges).reshape(-1, 2), classes=predictions, class_names=class_names,
                       marked=rows, marked_name=f"labelled ({rows.size})", title=title, height=height,
                       axis_names=("", ""))  # fmt: skip
    size = marker_size(len(positions))
    names = np.asarray(node_names if node_names is not None else [f"node {i}" for i in range(len(positions))])
    gone = np.flatnonzero(predictions < 0)
    if gone.size:
        fig.add_trace(_nodes(positions, gone, names, f"not reached ({gone.size})",
                             {"size": size, "color": UNREACHED_COLOR}))  # fmt: skip
    if labels is not None:
        wrong = np.flatnonzero(~np.asarray(labelled) & (labels >= 0) & (predictions != labels))
        fig.add_trace(_nodes(positions, wrong, names, f"wrong ({wrong.size})", WRONG | {"size": size * 1.6}))
    for trace in fig.data:  # every node trace names its nodes in the hover
        if trace.mode == "markers" and trace.customdata is not None and trace.text is None:
            picked = np.asarray(trace.customdata)[:, 0].astype(np.int64)
            trace.text = names[picked]
            trace.hovertemplate = "%{text}<extra>" + trace.name + "</extra>"
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return fig


def _nodes(
    positions: np.ndarray, rows: np.ndarray, names: np.ndarray, name: str, marker: dict
) -> go.Scattergl:
    return go.Scattergl(x=positions[rows, 0], y=positions[rows, 1], mode="markers", name=name, marker=marker,
                        customdata=rows[:, None], text=names[rows],
                        hovertemplate="%{text}<extra>" + name + "</extra>")  # fmt: skip


def node_classes(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """(n,) the class to colour each node by in the embeddings: its true class where known, else
    its prediction (0 where neither is known)."""
    return np.where(labels >= 0, labels, np.maximum(predictions, 0)).astype(np.int64)


def project(acts: np.ndarray) -> tuple[np.ndarray, float | None]:
    """(n_snapshots, n, width) -> (n_snapshots, n, 2) float32 comparable across snapshots: as it is
    for width 2, else on the top two principal axes of every snapshot stacked; and the share of the
    variance those axes keep (None when not projected)."""
    acts = np.asarray(acts, dtype=np.float32)
    if acts.shape[2] <= 2:
        return acts, None
    flat = acts.reshape(-1, acts.shape[2])
    pca = principal_axes(flat, 2, max_rows=FIT_ROWS)
    coords = (flat - pca.mean.astype(np.float32)) @ pca.axes.astype(np.float32)
    return coords.reshape(*acts.shape[:2], 2), float(pca.shares.sum())


def embedding_panels(
    layers: Sequence[np.ndarray], names: Sequence[str] = ("hidden", "output")
) -> list[Panel]:
    """One panel per layer ((n_snapshots, n, width) each) for `layer_figure` or `LiveLayers`."""
    panels = []
    for name, acts in zip(names, layers, strict=True):
        coords, kept = project(acts)
        width = acts.shape[2]
        what = "logits" if name == "output" else "units"
        sub = f"{width} {what}" + ("" if kept is None else f", PCA 2-D ({kept:.0%} of variance)")
        panels.append(Panel(f"{name}<br><sub>{sub}</sub>", coords))
    return panels


def node_dataset(classes: np.ndarray, class_names: Sequence[str], name: str = "nodes") -> Dataset:
    """The nodes as the `Dataset` `layer_figure` colours by: one row per node, its class in y."""
    n = len(classes)
    return Dataset(np.zeros((n, 1)), np.asarray(classes, np.int64), ("node",), tuple(class_names), name)


def embedding_figure(
    layers: Sequence[np.ndarray],  # per layer: (n_snapshots, n_nodes, width)
    epochs: np.ndarray,  # (n_snapshots,)
    classes: np.ndarray,  # (n_nodes,) the class to colour each node by (`node_classes`)
    class_names: Sequence[str],
    names: Sequence[str] = ("hidden", "output"),
    height: int = 440,
) -> go.Figure:
    """Each layer's node embedding side by side, animated over the snapshots (thinned to
    MAX_FRAMES) with play / pause and an epoch slider; layers wider than 2 on a shared PCA plane."""
    frames = thin_frames(len(epochs), MAX_FRAMES)
    panels = embedding_panels([np.asarray(a)[frames] for a in layers], names)
    return layer_figure(node_dataset(classes, class_names), panels, np.asarray(epochs)[frames], height=height)


def accuracy_figure(
    epochs: np.ndarray,  # (n_snapshots,)
    accuracy: np.ndarray,  # (n_snapshots,) the GCN's on the unlabelled nodes
    loss: np.ndarray,  # (n_epochs + 1,) training loss, NaN at 0
    baseline: float | None = None,  # label spreading's accuracy on the same nodes
    baseline_name: str = "label spreading",
    height: int = 320,
) -> go.Figure:
    """The labelled nodes' training loss, and the accuracy on the unlabelled nodes over the epochs
    with `baseline` as a dashed horizontal line across them."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Training loss (labelled nodes)",
                                                        "Accuracy on the unlabelled nodes"))  # fmt: skip
    fig.add_trace(go.Scatter(x=np.arange(len(loss)), y=loss, mode="lines", name="loss", showlegend=False,
                             line={"color": theme.class_color(0)}), row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=epochs, y=accuracy, mode="lines+markers", name="GCN",
                             line={"color": theme.class_color(0)}), row=1, col=2)  # fmt: skip
    if baseline is not None and np.isfinite(baseline):
        span = [float(epochs[0]), float(epochs[-1])]
        fig.add_trace(go.Scatter(x=span, y=[baseline] * 2, mode="lines", name=f"{baseline_name} ({baseline:.3f})",
                                 line={"color": theme.class_color(1), "dash": "dash"}), row=1, col=2)  # fmt: skip
    fig.update_layout(**theme.base_layout("", height))
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    return fig
