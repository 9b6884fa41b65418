"""The neighbour graph over a table: k-NN or ε edges, connected components, geodesic distances
(shortest paths along the graph, scipy's Dijkstra) beside straight-line ones, the edges that bridge
two classes or short-circuit two sheets of a manifold, and Isomap on the same graph (scikit-learn's).

Rows with 2 or 3 features are joined in their own coordinates (what is drawn is what is measured);
wider rows are standardised first, so no column dominates by its unit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse

KINDS = {"knn": "k nearest neighbours", "radius": "ε radius"}
LIMITS = {
    "k": (1, 50),  # neighbours per row
    "epsilon": (0.5, 10.0),  # ε in units of the median distance to the nearest neighbour
    "edges": 400_000,  # more edges than this are neither drawn nor useful: lower k or ε
}
SHORTCUT = 0.15  # an edge whose ends lie farther apart than this share of the manifold's length jumps sheets


@dataclass(frozen=True)
class GraphConfig:
    kind: str = "knn"  # a key of KINDS
    k: int = 10  # knn: each row joins its k nearest rows (and every row that has it among its k)
    epsilon: float = 2.0  # radius: rows closer than ε x the median nearest-neighbour distance join


@dataclass(frozen=True)
class Graph:
    """An undirected graph with one node per row; each edge once, i < j."""

    edges: np.ndarray  # (m, 2) int64, i < j
    length: np.ndarray  # (m,) float64: the straight-line distance between its ends
    n_nodes: int
    components: np.ndarray  # (n_nodes,) int64 component of each node, 0 the largest
    radius: float | None  # the ε in data units (radius graphs), else None

    @property
    def n_components(self) -> int:
        return int(self.components.max()) + 1 if self.n_nodes else 0

    def matrix(self, weights: np.ndarray | None = None) -> sparse.csr_matrix:
        """(n, n) symmetric CSR with `weights` (default: the edge lengths) on both entries of an edge."""
        w = self.length if weights is None else np.asarray(weights, dtype=float)
        i, j = self.edges.T
        n = self.n_nodes
        return sparse.csr_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n))

    def adjacency(self) -> sparse.csr_matrix:
        """(n, n) symmetric 0/1 adjacency."""
        return self.matrix(np.ones(len(self.edges)))


def graph_space(X: np.ndarray) -> np.ndarray:
    """The coordinates the graph joins: X itself with 2 or 3 columns, standardised columns otherwise."""
    X = np.asarray(X, dtype=float)
    if X.shape[1] <= 3:
        return X
    from engine.embed.methods import standardize

    return standardize(X)


def check(n_rows: int, cfg: GraphConfig) -> None:
    """Raises ValueError for a graph that cannot be built on n_rows rows."""
    if cfg.kind not in KINDS:
        raise ValueError(f"Unknown graph {cfg.kind!r}; choose one of {', '.join(KINDS)}.")
    if n_rows < 2:
        raise ValueError(f"A neighbour graph needs at least 2 rows; the data has {n_rows}.")
    lo, hi = LIMITS["k"]
    if cfg.kind == "knn" and not lo <= cfg.k <= min(hi, n_rows - 1):
        raise ValueError(
            f"k must be between {lo} and {min(hi, n_rows - 1)} (fewer than the {n_rows} rows); got {cfg.k}."
        )
    lo, hi = LIMITS["epsilon"]
    if cfg.kind == "radius" and not lo <= cfg.epsilon <= hi:
        raise ValueError(f"ε must be between {lo} and {hi} nearest-neighbour distances; got {cfg.epsilon}.")


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    """Component of each node, numbered by size (0 the largest)."""
    from scipy.sparse.csgraph import connected_components

    adj = sparse.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    sizes = np.bincount(labels)
    rank = np.empty_like(sizes)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    return rank[labels].astype(np.int64)


def build_graph(X: np.ndarray, cfg: GraphConfig) -> Graph:
    """The k-NN or ε graph over the rows of X (n, d), joined in `graph_space(X)` by scikit-learn's
    neighbour search (a k-d tree on low-dimensional rows)."""
    from sklearn.neighbors import NearestNeighbors, kneighbors_graph, radius_neighbors_graph

    Z = graph_space(X)
    n = len(Z)
    check(n, cfg)
    radius = None
    if cfg.kind == "knn":
        A = kneighbors_graph(Z, cfg.k, mode="connectivity")  # each row's k nearest others
    else:
        d1, _ = NearestNeighbors(n_neighbors=2).fit(Z).kneighbors(Z)
        radius = float(cfg.epsilon * max(np.median(d1[:, 1]), 1e-12))
        A = radius_neighbors_graph(Z, radius, mode="connectivity")
        A.setdiag(0)
    pairs = sparse.triu(A.maximum(A.T), k=1).tocoo()  # each edge once, i < j, sorted by i then j
    if pairs.nnz > LIMITS["edges"]:
        what = f"ε = {cfg.epsilon}" if cfg.kind == "radius" else f"k = {cfg.k}"
        raise ValueError(
            f"{what} joins {pairs.nnz:,} pairs, more than {LIMITS['edges']:,}: lower "
            f"{'ε or use k nearest neighbours' if cfg.kind == 'radius' else 'k'}."
        )
    edges = np.c_[pairs.row, pairs.col].astype(np.int64)  # (m, 2)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    edges = edges[order]
    length = np.linalg.norm(Z[edges[:, 0]] - Z[edges[:, 1]], axis=1)
    return Graph(edges, length, n, _components(n, edges), radius)


def geodesics(graph: Graph, source: int) -> np.ndarray:
    """(n,) the shortest-path length along the graph from node `source` to every node; inf where
    no path leads (another component)."""
    from scipy.sparse.csgraph import dijkstra

    if not 0 <= source < graph.n_nodes:
        raise ValueError(f"Point {source} does not exist: choose one of 0 to {graph.n_nodes - 1}.")
    return dijkstra(graph.matrix(), directed=False, indices=int(source))


def straight(X: np.ndarray, source: int) -> np.ndarray:
    """(n,) the straight-line distance from row `source` to every row, in `graph_space(X)`."""
    Z = graph_space(X)
    return np.linalg.norm(Z - Z[source], axis=1)


def class_bridges(graph: Graph, y: np.ndarray) -> np.ndarray:
    """(m,) bool: edges whose two ends have different labels."""
    y = np.asarray(y)
    return y[graph.edges[:, 0]] != y[graph.edges[:, 1]]


def short_circuits(graph: Graph, position: np.ndarray) -> np.ndarray:
    """(m,) bool: edges whose ends lie more than SHORTCUT of the manifold's length apart along it
    (`position`, e.g. the angle along a Swiss roll), so the edge jumps between its sheets."""
    position = np.asarray(position, dtype=float)
    span = float(np.ptp(position)) or 1.0
    return np.abs(position[graph.edges[:, 0]] - position[graph.edges[:, 1]]) > SHORTCUT * span


def isomap(X: np.ndarray, cfg: GraphConfig, graph: Graph) -> np.ndarray:
    """(n, 2) Isomap of X on the same neighbour graph (scikit-learn's, which joins components
    that are not connected by their closest pair of points, with a warning silenced here); centred,
    each axis signed so that its largest coordinate is positive (the eigensolver's sign is arbitrary)."""
    from sklearn.manifold import Isomap

    Z = graph_space(X)
    if cfg.kind == "knn":
        est = Isomap(n_neighbors=cfg.k, n_components=2)
    else:
        est = Isomap(n_neighbors=None, radius=graph.radius, n_components=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = est.fit_transform(Z)
    out = out - out.mean(axis=0)
    sign = np.sign(out[np.abs(out).argmax(axis=0), [0, 1]])
    return out * np.where(sign == 0, 1.0, sign)
