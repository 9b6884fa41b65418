"""What a graph learner does with what it is given: checks of the adjacency and node features
(`check_graph`), of the labels with the mask of labelled nodes (`check_labels`) and of the memory
its recorded layers would take (`check_memory`), each raising a ValueError with a sentence that says
what to change; and the features standardised (`standardised`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

SYMMETRY_TOL = 1e-8  # largest |A - A.T| allowed, relative to the largest weight
RECORD_BYTES = 512 * 2**20  # most memory a trainer's recorded layers may take


def check_graph(adjacency, features: np.ndarray | None) -> sparse.csr_matrix:
    """The adjacency as float64 CSR once it is square, finite, non-negative and symmetric, with
    `features` (n, d) or None of matching rows and finite."""
    if sparse.issparse(adjacency):
        A = sparse.csr_matrix(adjacency, dtype=np.float64)
    else:
        dense = np.asarray(adjacency, dtype=np.float64)
        if dense.ndim != 2:
            raise ValueError(f"The adjacency must be an (n, n) matrix; got shape {dense.shape}.")
        A = sparse.csr_matrix(dense)
    n = A.shape[0]
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"The adjacency must be square, one row and column per node; got shape {A.shape}.")
    if n < 2:
        raise ValueError(f"A graph needs at least 2 nodes; this one has {n}.")
    if not np.isfinite(A.data).all():
        raise ValueError("The adjacency holds NaN or infinite weights: give every edge a finite weight.")
    if (A.data < 0).any():
        raise ValueError("The adjacency holds negative weights: use 0/1 edges or positive similarities.")
    top = float(A.data.max()) if A.nnz else 0.0
    if A.nnz and abs(A - A.T).max() > SYMMETRY_TOL * top:
        raise ValueError("The adjacency is not symmetric: the graph must be undirected; use (A + A.T) / 2.")
    if features is not None:
        X = np.asarray(features)
        if X.ndim != 2 or X.shape[1] == 0:
            raise ValueError(f"Node features must be an (n_nodes, n_features) array; got shape {X.shape}.")
        if X.shape[0] != n:
            raise ValueError(f"There are {X.shape[0]} feature rows for {n} nodes: give one row per node.")
        if not np.issubdtype(X.dtype, np.number) or not np.isfinite(X).all():
            raise ValueError("The node features hold NaN or non-numeric values: impute or drop them first.")
    return A


def check_labels(
    labels: np.ndarray, labelled_mask: np.ndarray, n_nodes: int, class_names: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """(labels as int64, the mask as bool, n_classes) once every labelled node has a class, every
    class has a labelled node and some node is left to predict. Labels are in [0, n_classes), -1
    where unknown; n_classes is len(class_names) when given, else the largest label + 1."""
    raw, mask = np.asarray(labels), np.asarray(labelled_mask)
    if raw.shape != (n_nodes,) or mask.shape != (n_nodes,):
        raise ValueError(f"Give one label and one labelled flag per node ({n_nodes}); got shapes "
                         f"{raw.shape} and {mask.shape}.")  # fmt: skip
    if not np.issubdtype(raw.dtype, np.number) or (
        np.issubdtype(raw.dtype, np.floating) and not np.isfinite(raw).all()
    ):
        raise ValueError(
            "The labels hold NaN or non-numeric values: use -1 for a node whose class is unknown."
        )
    if (raw != np.round(raw)).any() or (raw < -1).any():
        raise ValueError("Labels are class numbers 0, 1, ...: use -1 for a node whose class is unknown.")
    if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
        raise ValueError("The labelled mask must be True/False for each node.")
    y, mask = raw.astype(np.int64), mask.astype(bool)
    if not mask.any():
        raise ValueError("No node is labelled: label at least one node of each class.")
    if mask.all():
        raise ValueError(
            "Every node is labelled, so nothing is left to predict: leave some nodes unlabelled."
        )
    unknown = np.flatnonzero(mask & (y < 0))
    if unknown.size:
        raise ValueError(f"Node {unknown[0]} is marked labelled but its class is unknown (-1): give it a class "
                         "or leave it unlabelled.")  # fmt: skip
    k = len(class_names) if class_names is not None else int(y.max()) + 1
    if y.max() >= k:
        raise ValueError(f"Label {y.max()} is beyond the {k} class names given.")
    if k < 2:
        raise ValueError("There is only one class: a classifier needs at least two.")
    missing = np.setdiff1d(np.arange(k), y[mask])
    if missing.size:
        c = int(missing[0])
        name = repr(class_names[c]) if class_names is not None else str(c)
        raise ValueError(f"Class {name} has no labelled node: label at least one node of every class.")
    return y, mask, k


def check_memory(n_snapshots: int, n_nodes: int, width: int) -> None:
    """Refuse to record `width` float32 values per node at `n_snapshots` beyond RECORD_BYTES."""
    need = 4 * n_snapshots * n_nodes * width
    if need > RECORD_BYTES:
        raise ValueError(
            f"Recording every layer of {n_nodes:,} nodes at {n_snapshots} snapshots would take "
            f"{need / 2**20:,.0f} MB (at most {RECORD_BYTES / 2**20:,.0f} MB): snapshot less often, "
            "train fewer epochs or use fewer hidden units."
        )


def standardised(features: np.ndarray) -> np.ndarray:
    """(n, d) float32 columns of zero mean and unit variance (constant columns all zeros): the
    inspector's `standardize`, in the dtype the network trains in."""
    from engine.embed.methods import standardize

    return standardize(features).astype(np.float32)
