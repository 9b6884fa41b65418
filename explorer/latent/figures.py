"""Figures of an autoencoder's training: its reconstruction error over epochs. Arrays in, `go.Figure` out."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.shared import theme


def error_figure(history: np.ndarray, epochs: np.ndarray, error: np.ndarray, height: int = 320) -> go.Figure:
    """The training loss per epoch and the recorded rows' error at each snapshot (mean squared, per feature)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.arange(len(history)), y=history, name="training batches (epoch mean)",
                             line={"color": theme.class_color(0)}))  # fmt: skip
    fig.add_trace(go.Scatter(x=epochs, y=error, name="recorded rows", mode="lines+markers",
                             line={"color": theme.class_color(1), "dash": "dot"}))  # fmt: skip
    fig.update_layout(**theme.base_layout("Reconstruction error (mean squared, per feature)", height))
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(type="log")
    return fig
