"""Real small graphs shipped in a package, with their node classes and a layout to draw them by.

`edges_of` lists a symmetric adjacency's edges once each, as (i, j) pairs with i < j, for drawing.
`GRAPHS` maps a short lowercase name (it appears in URLs) to a loader returning a `LabelledGraph`;
today it holds Zachary's karate club (networkx's copy): 34 members of a club that split in two
after a dispute, the classic test of learning from two labelled nodes (the instructor, "Mr. Hi",
node 0, and the officer, node 33). networkx is imported only when a graph is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class LabelledGraph:
    """A graph whose nodes have classes and names, with a fixed 2-D layout."""

    adjacency: sparse.csr_matrix  # (n, n) float64 symmetric, 0/1 unless loaded weighted
    labels: np.ndarray  # (n,) int64 in [0, n_classes)
    class_names: tuple[str, ...]
    node_names: tuple[str, ...]  # (n,)
    positions: np.ndarray  # (n, 2) float64 layout for drawing (seeded spring layout)
    labelled: np.ndarray  # (n,) bool: the nodes labelled by default
    name: str
    features: np.ndarray | None = None  # (n, d) what each node carries; None: nothing (one-hot)

    @property
    def n_nodes(self) -> int:
        return int(self.adjacency.shape[0])

    @property
    def edges(self) -> np.ndarray:
        """(m, 2) int64 node pairs i < j, each edge once."""
        return edges_of(self.adjacency)


def edges_of(adjacency) -> np.ndarray:
    """(m, 2) int64 node pairs i < j of a symmetric adjacency's non-zero entries, each edge once."""
    upper = sparse.triu(sparse.coo_matrix(adjacency), k=1)
    upper.eliminate_zeros()
    order = np.lexsort((upper.col, upper.row))
    return np.c_[upper.row[order], upper.col[order]].astype(np.int64)


def karate_club(weighted: bool = False, seed: int = 0) -> LabelledGraph:
    """Zachary's karate club: 34 members, 78 friendships, the two factions it split into ("Mr. Hi",
    "Officer") as classes, nodes 0 and 33 (the two leaders) labelled. `weighted`: edges carry the
    number of contexts the two members met in, else 0/1. `seed` fixes the spring layout."""
    import networkx as nx

    G = nx.karate_club_graph()
    nodes = sorted(G.nodes)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight="weight" if weighted else None, dtype=np.float64)
    classes = ("Mr. Hi", "Officer")
    labels = np.array([classes.index(G.nodes[v]["club"]) for v in nodes], dtype=np.int64)
    layout = nx.spring_layout(G, seed=seed)
    names = {0: "Mr. Hi (0)", 33: "Officer (33)"}
    labelled = np.zeros(len(nodes), dtype=bool)
    labelled[[0, 33]] = True
    return LabelledGraph(
        adjacency=sparse.csr_matrix(A), labels=labels, class_names=classes,
        node_names=tuple(names.get(v, f"member {v}") for v in nodes),
        positions=np.array([layout[v] for v in nodes], dtype=np.float64), labelled=labelled,
        name="Zachary's karate club",
    )  # fmt: skip


GRAPHS: dict[str, Callable[[], LabelledGraph]] = {"karate": karate_club}


def load_graph(name: str) -> LabelledGraph:
    """The shipped graph called `name` (a key of GRAPHS)."""
    if name not in GRAPHS:
        raise ValueError(f"Unknown graph {name!r}: choose one of {', '.join(GRAPHS)}.")
    return GRAPHS[name]()
