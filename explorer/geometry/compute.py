"""Cached computations of the Manifold geometry view: the neighbour graph's survey of a table, the
geodesics from one point, Isomap on the same graph, and the few-label learners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from explorer.shared.cache import results, stored

# imported when the graph-network part opens: torch.optim's first optimizer imports torch._dynamo (1.2 s)
FOR_TRAINING = ("torch", "torch._dynamo", "engine.geometry.gcn")


@dataclass(frozen=True, eq=False)
class Net:
    """A graph for the graph network, with what names it in the result store."""

    key: tuple
    graph: Any  # engine.geometry.graphs.LabelledGraph


def survey(key: DataSource, data: Dataset, cfg: Any, seed: int) -> Any:
    from engine.geometry.survey import survey as build

    return stored(("geometry_survey", key, cfg, seed),
                  lambda: build(data.X, data.y, data.position, data.feature_names, cfg, seed))  # fmt: skip


def distances(key: DataSource, data: Dataset, s: Any, cfg: Any, seed: int, source: int) -> Any:
    from engine.geometry.survey import distances as of

    return stored(
        ("geometry_distances", key, cfg, seed, source), lambda: of(data.X, data.position, s, source)
    )


def unrolled(key: DataSource, data: Dataset, s: Any, cfg: Any, seed: int) -> Any:
    from engine.geometry.survey import unrolled as of

    return stored(("geometry_isomap", key, cfg, seed), lambda: of(data.X, data.position, s, cfg))


def few_labels(key: DataSource, data: Dataset, rows: np.ndarray, cfg: Any) -> Any:
    """The three learners on the survey's rows (positions among them label the points)."""
    from engine.geometry.few_labels import few_labels as fit

    y = None if data.y is None else data.y[rows]
    return stored(("geometry_labels", key, cfg, len(rows)), lambda: fit(data.X[rows], y, data.n_classes, cfg))


def prefetch() -> None:
    """Start importing what training needs, in the background, once per server."""
    from explorer.shared.warmup import prefetch as start

    start(FOR_TRAINING)


def karate() -> Net:
    from engine.geometry.graphs import load_graph

    return Net(("karate",), stored(("graph", "karate"), lambda: load_graph("karate")))


def data_graph(key: DataSource, data: Dataset, s: Any, graph_cfg: Any, per_class: int, seed: int) -> Net:
    """The survey's graph with `per_class` seeded labels per class, as the graph network's input."""
    from engine.geometry.survey import as_labelled_graph

    net_key = ("data", key, graph_cfg, per_class, seed)
    return Net(net_key, stored(("graph", *net_key), lambda: as_labelled_graph(
        data.X, data.y, data.class_names, s, per_class, seed, data.name)))  # fmt: skip


def trained_gcn(net: Net, cfg: Any) -> Any | None:
    return results().get(("gcn", net.key, cfg))


def train_gcn(net: Net, cfg: Any, on_snapshot: Callable | None = None) -> Any:
    from explorer.shared.warmup import prefetch as started

    started(FOR_TRAINING).join()  # its imports finished before this thread imports the same packages
    from engine.geometry.gcn import train_gcn as train

    g = net.graph
    return stored(("gcn", net.key, cfg), lambda: train(g.adjacency, g.features, g.labels, g.labelled, cfg,
                                                        on_snapshot, g.class_names))  # fmt: skip


def spread(net: Net, alpha: float) -> tuple[np.ndarray, float]:
    """Label spreading on the same graph and labels: predictions (-1 unreached) and accuracy."""
    from engine.geometry.gcn import spread_on_graph

    g = net.graph
    return stored(("gcn_spread", net.key, alpha),
                  lambda: spread_on_graph(g.adjacency, g.labels, g.labelled, alpha, g.class_names))  # fmt: skip
