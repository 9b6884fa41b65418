"""How faithful an embedding is: trustworthiness, continuity and k-NN accuracy.

Scores compare the high-dimensional rows with their low-dimensional coordinates on a seeded sample
of at most `max_points` rows, so they cost the same on any table. scikit-learn is imported inside
`quality`, so importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KNN_VOTERS = 5  # neighbours that vote in knn_accuracy


@dataclass(frozen=True)
class Quality:
    trustworthiness: float  # in [0, 1]; 1 = no point has false neighbours in the embedding
    continuity: float  # in [0, 1]; 1 = no point lost its true neighbours in the embedding
    knn_accuracy: float | None  # leave-one-out 5-NN accuracy in the embedding; None without labels
    k: int  # neighbourhood size the two scores used (capped below n_evaluated / 2)
    n_evaluated: int  # rows scored: a seeded sample of at most max_points


def quality(
    X: np.ndarray,
    coords: np.ndarray,
    y: np.ndarray | None = None,
    k: int = 10,
    max_points: int = 2000,
    seed: int = 0,
) -> Quality:
    """Score how well `coords` (n, n_components) keeps the neighbourhoods of `X` (n, n_features).

    Trustworthiness (Venna and Kaski) penalises points that are neighbours in the embedding but
    not in X; continuity is the same with the roles swapped. Both use the k nearest neighbours.
    With labels `y` (n,) of at least two classes, knn_accuracy is the share of points whose
    5 nearest neighbours in the embedding (the point itself left out) vote for its own class.
    Rows beyond `max_points` are sampled with numpy default_rng(seed).
    """
    from sklearn.manifold import trustworthiness

    X, coords = _as_pair(X, coords)
    if k < 1 or max_points < 3:
        raise ValueError(f"k must be at least 1 and max_points at least 3; got {k}, {max_points}.")
    n = X.shape[0]
    rows = np.arange(n)
    if n > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))
    m = rows.size
    k_used = min(k, (m - 1) // 2)  # trustworthiness needs k < m / 2
    if k_used < 1:
        raise ValueError(f"Quality scores need at least 3 rows; got {m}.")
    Xe, Ye = X[rows], coords[rows]  # (m, n_features), (m, n_components)
    trust = float(trustworthiness(Xe, Ye, n_neighbors=k_used))
    cont = float(trustworthiness(Ye, Xe, n_neighbors=k_used))
    accuracy = None
    if y is not None:
        labels = np.asarray(y)
        if labels.shape != (n,):
            raise ValueError(f"Labels must have one value per row ({n}); got shape {labels.shape}.")
        accuracy = knn_accuracy(Ye, labels[rows])
    return Quality(trust, cont, accuracy, k_used, m)


def _as_pair(X: np.ndarray, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)  # (n, n_features)
    coords = np.asarray(coords, dtype=np.float64)  # (n, n_components)
    if X.ndim != 2 or coords.ndim != 2 or X.shape[0] != coords.shape[0]:
        raise ValueError(
            f"The data and the embedding must be tables with the same rows; "
            f"got shapes {X.shape} and {coords.shape}."
        )
    if not (np.isfinite(X).all() and np.isfinite(coords).all()):
        raise ValueError("The data or the embedding contain missing or infinite values.")
    return X, coords


def knn_accuracy(coords: np.ndarray, y: np.ndarray) -> float | None:
    """Leave-one-out accuracy of a 5-NN vote in `coords` (m, d); None with fewer than 2 classes."""
    from sklearn.neighbors import NearestNeighbors

    classes, codes = np.unique(y, return_inverse=True)  # codes (m,) in [0, n_classes)
    m = codes.size
    if classes.size < 2 or m < 2:
        return None
    voters = min(KNN_VOTERS, m - 1)
    neighbours = (
        NearestNeighbors(n_neighbors=voters).fit(coords).kneighbors(return_distance=False)
    )  # (m, voters), each point left out of its own list
    votes = np.zeros((m, classes.size), dtype=np.int64)  # (m, n_classes)
    np.add.at(votes, (np.repeat(np.arange(m), voters), codes[neighbours].ravel()), 1)
    return float(np.mean(votes.argmax(axis=1) == codes))
