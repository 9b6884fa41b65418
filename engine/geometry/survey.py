"""What the neighbour-graph view shows of a table: the graph over (a seeded sample of) its rows,
the coordinates it is drawn on (the rows themselves in 2-D or 3-D, their first two principal axes
otherwise), the edges that bridge two classes or short-circuit two sheets, and the geodesic
distances from one row beside the straight-line ones. Isomap on the same graph is `unrolled`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.geometry.graph import (
    Graph,
    GraphConfig,
    build_graph,
    class_bridges,
    geodesics,
    graph_space,
    short_circuits,
    straight,
)
from engine.geometry.graph import isomap as isomap_of

MAX_ROWS = 5_000  # rows the graph is built and drawn on; a larger table is sampled (seeded)


@dataclass(frozen=True)
class Survey:
    rows: np.ndarray  # (n,) int64 rows of the table used, sorted
    graph: Graph
    coords: np.ndarray  # (n, 2 | 3) where each node is drawn
    axis_names: tuple[str, ...]
    bridges: np.ndarray | None  # (m,) bool: edges between two classes; None when unlabelled
    shortcuts: np.ndarray | None  # (m,) bool: edges jumping sheets; None without a position along it
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Distances:
    source: int  # position among the survey's rows
    geodesic: np.ndarray  # (n,) along the graph; inf where no path leads
    straight: np.ndarray  # (n,)
    stretch: float  # the largest geodesic / straight ratio over reached points: how curved the manifold is
    order: float | None  # Spearman ρ of geodesic with the distance along the manifold's position, if known


@dataclass(frozen=True)
class Unrolled:
    coords: np.ndarray  # (n, 2) Isomap on the same graph
    order: float | None  # the largest |Spearman ρ| of an Isomap axis with the position along the manifold


def sample_rows(n: int, seed: int, most: int = MAX_ROWS) -> np.ndarray:
    """All n rows, or a sorted seeded sample of `most`."""
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, most, replace=False))


def survey(X: np.ndarray, y: np.ndarray | None, position: np.ndarray | None, feature_names, cfg: GraphConfig,
           seed: int = 0) -> Survey:  # fmt: skip
    """The graph over X (N, d) (a seeded sample of MAX_ROWS rows when larger) and how to draw it."""
    rows = sample_rows(len(X), seed)
    notes = []
    if len(rows) < len(X):
        notes.append(f"The graph joins a random sample of {len(rows):,} of {len(X):,} rows (seed {seed}).")
    Xs = np.asarray(X, dtype=float)[rows]
    graph = build_graph(Xs, cfg)
    if Xs.shape[1] <= 3:
        coords, names = Xs, tuple(feature_names)
    else:
        from engine.pca import principal_axes

        Z = graph_space(Xs)
        pc = principal_axes(Z, 2)
        coords, names = (Z - pc.mean) @ pc.axes, ("PC 1", "PC 2")
        notes.append(
            f"The graph joins all {Xs.shape[1]} standardised columns; it is drawn on their first two principal "
            "axes, so an edge may look long where it is short."
        )
    if graph.n_components > 1:
        notes.append(
            f"The graph falls into {graph.n_components} pieces: no path joins a row to the rows of another "
            "piece, so their geodesic distance is infinite (grey). Raise k (or ε) to join them."
        )
    bridges = None if y is None else class_bridges(graph, np.asarray(y)[rows])
    shortcuts = None if position is None else short_circuits(graph, np.asarray(position)[rows])
    return Survey(rows, graph, coords, names, bridges, shortcuts, tuple(notes))


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0])


def distances(X: np.ndarray, position: np.ndarray | None, s: Survey, source: int) -> Distances:
    """Geodesic and straight-line distances from the survey's row at position `source`."""
    Xs = np.asarray(X, dtype=float)[s.rows]
    geo = geodesics(s.graph, source)
    line = straight(Xs, source)
    ok = np.isfinite(geo) & (line > 0)
    stretch = float(np.max(geo[ok] / line[ok])) if ok.any() else 1.0
    order = None
    if position is not None:
        reach = np.isfinite(geo)
        along = np.abs(np.asarray(position, dtype=float)[s.rows] - position[s.rows][source])
        order = _spearman(geo[reach], along[reach]) if reach.sum() > 2 else None
    return Distances(source, geo, line, stretch, order)


def unrolled(X: np.ndarray, position: np.ndarray | None, s: Survey, cfg: GraphConfig) -> Unrolled:
    """Isomap of the survey's rows on the same graph, and how well it keeps their order along the manifold."""
    coords = isomap_of(np.asarray(X, dtype=float)[s.rows], cfg, s.graph)
    order = None
    if position is not None:
        p = np.asarray(position, dtype=float)[s.rows]
        order = max(abs(_spearman(coords[:, 0], p)), abs(_spearman(coords[:, 1], p)))
    return Unrolled(coords, order)


def as_labelled_graph(X: np.ndarray, y: np.ndarray | None, class_names, s: Survey, per_class: int, seed: int,
                      name: str):  # fmt: skip
    """The survey's graph as a `LabelledGraph` for a graph network: the rows as node features,
    `per_class` labelled rows of each class (seeded), drawn on the survey's first two coordinates
    (a 3-D table on its top two principal axes)."""
    from engine.geometry.few_labels import FewLabelsConfig, labelled_rows
    from engine.geometry.graphs import LabelledGraph

    labels = None if y is None else np.asarray(y)[s.rows]
    rows = labelled_rows(labels, len(class_names), FewLabelsConfig(per_class=per_class, seed=seed))
    mask = np.zeros(len(s.rows), bool)
    mask[rows] = True
    coords = s.coords
    if coords.shape[1] > 2:
        from engine.pca import principal_axes

        pc = principal_axes(coords, 2)
        coords = (coords - pc.mean) @ pc.axes
    return LabelledGraph(
        adjacency=s.graph.adjacency(), labels=labels.astype(np.int64), class_names=tuple(class_names),
        node_names=tuple(f"point {i}" for i in range(len(s.rows))), positions=np.asarray(coords, float),
        labelled=mask, name=name, features=np.asarray(X, float)[s.rows],
    )  # fmt: skip
