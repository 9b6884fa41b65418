"""Cached computations of the Layer manifolds view: training runs (streamed while they train), layer projections and layouts, per-layer scores and the SVM head."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from engine.nets.mlp import TrainConfig, TrainResult
from explorer.shared.cache import results, stored


def training_key(data_key: DataSource, cfg: TrainConfig) -> tuple:
    return ("train", data_key, cfg)


def trained(data_key: DataSource, cfg: TrainConfig) -> TrainResult | None:
    """A finished training of `cfg` on the named data, if one was stored."""
    return results().get(training_key(data_key, cfg))


def train(
    data_key: DataSource, data: Dataset, cfg: TrainConfig, on_snapshot: Callable | None = None
) -> TrainResult:
    """Train (or return the stored run); snapshots stream to `on_snapshot` while it trains."""
    from engine.nets.mlp import train as fit

    return stored(training_key(data_key, cfg), lambda: fit(data, cfg, on_snapshot))


def layer_projection(
    result_key: tuple, layer: int, acts: np.ndarray, grid: np.ndarray | None, dims: int
) -> Any:
    """One layer's activations over training in at most `dims` comparable coordinates."""
    from engine.nets.analysis import project_layer

    return stored(("proj", result_key, layer, dims), lambda: project_layer(acts, grid, n_components=dims))


def snapshot_layout(
    result_key: tuple, layer: int, snapshot: int, acts: np.ndarray, method: str, seed: int
) -> np.ndarray:
    """A UMAP or t-SNE layout of one layer at one snapshot."""
    from engine.nets.analysis import embed_snapshot

    return stored(
        ("layout", result_key, layer, snapshot, method, seed), lambda: embed_snapshot(acts, method, seed)
    )


def layer_scores(
    result_key: tuple, layers: tuple, y: np.ndarray, train_index: np.ndarray, test_index: np.ndarray
) -> Any:
    """Linear-probe accuracy and class separation of every layer at every snapshot."""
    from engine.nets.analysis import layer_scores as score

    return stored(("scores", result_key), lambda: score(layers, y, train_index, test_index))


def hybrid_head(result_key: tuple, result: TrainResult, y: np.ndarray) -> Any:
    """An SVM fitted on the last hidden layer's features, against the network's own head."""
    from engine.nets.analysis import hybrid_head as fit

    return stored(("hybrid", result_key), lambda: fit(result, y))
