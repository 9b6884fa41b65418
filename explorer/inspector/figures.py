"""Figures of the Manifold inspector beside its scatter plots (which are the shared `scatter_figure`):
the quality scores of several embeddings side by side. No Streamlit here."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.shared import theme


def quality_figure(names: Sequence[str], scores: dict[str, Sequence[float | None]]) -> go.Figure:
    """Grouped bars: one group per method, one bar per score (trustworthiness, continuity, ...)."""
    fig = go.Figure()
    for i, (score, values) in enumerate(scores.items()):
        y = [np.nan if v is None else v for v in values]
        fig.add_bar(
            x=list(names), y=y, name=score, marker_color=theme.class_color(i),
            text=[f"{v:.3f}" if v is not None else "n/a" for v in values], textposition="outside",
        )  # fmt: skip
    fig.update_layout(**theme.base_layout("Embedding quality (higher is better)", 360))
    fig.update_layout(barmode="group", yaxis_range=[0, 1.08], yaxis_title="score")
    return fig
