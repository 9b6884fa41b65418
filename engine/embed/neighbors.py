"""Exact k-nearest neighbours: NumPy for small tables and scikit-learn's brute-force search above
them on the CPU, PyTorch on a GPU.

`knn(X, k, device)` computes every row's k nearest rows (itself first) by Euclidean distance. On the
CPU, tables of up to NUMPY_ROWS rows are searched with one NumPy distance matrix (`nearest`), larger
ones by scikit-learn's `NearestNeighbors(algorithm="brute")`, which works in chunks of its
`working_memory` and needs no compilation. Warm, scikit-learn is faster (1,797 x 64: 15 ms against
35 ms); but importing it takes 0.5 s, which the first picture of a small table would wait for, and its
scores import it after the picture anyway. `knn_torch` runs a blockwise search in torch on any device.

The torch search finds candidates with ||x||^2 - 2 x.y + ||y||^2 in float32 and then recomputes their
distances directly, so the returned distances are exact to float32 rounding. A full top-k over n
columns is slow, so each row's columns are cut into groups of GROUP: the k nearest rows lie in the k
groups with the smallest minima, and the exact top-k runs on those alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NUMPY_ROWS = 2_000  # up to this many rows the CPU search is NumPy's (a 32 MB float64 distance matrix)
BLOCK_BYTES = 16 * 2**20  # most bytes of one block of squared distances (cache-friendly)
GROUP = 32  # columns per group: a first pass keeps the k groups with the smallest minimum


def knn(X: np.ndarray, k: int, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Indices (n, k) int64 and distances (n, k) float32 of each row's k nearest rows of X (n, d).

    Row i's own index comes first (distance 0), as in umap-learn, even among duplicate rows; the
    others are sorted by distance, but which of several rows tied at the k-th distance is kept is
    not defined. scikit-learn on the CPU, torch (`knn_torch`) on any other device.
    """
    if device != "cpu":
        return knn_torch(X, k, device)
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = _check(X, k)
    index = np.empty((n, k), dtype=np.int64)
    dist = np.zeros((n, k), dtype=np.float32)
    index[:, 0] = np.arange(n)
    if k > 1 and n <= NUMPY_ROWS:
        index[:, 1:], dist[:, 1:] = nearest(X, X, k - 1, leave_out_self=True)
    elif k > 1:  # kneighbors() without a query leaves each row itself out
        from sklearn.neighbors import NearestNeighbors

        d, i = NearestNeighbors(n_neighbors=k - 1, algorithm="brute").fit(X).kneighbors()
        index[:, 1:], dist[:, 1:] = i, d
    return index, dist


def nearest(
    Q: np.ndarray, X: np.ndarray, k: int, leave_out_self: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (m, k) and Euclidean distances (m, k) of the k rows of X (n, d) nearest each row of
    Q (m, d), nearest first, by one float64 distance matrix (m, n); with `leave_out_self`, Q is X and
    each row's own index is left out. The distances are recomputed directly, not from the expansion."""
    Q64, X64 = np.asarray(Q, np.float64), np.asarray(X, np.float64)
    sq = (Q64 * Q64).sum(1)[:, None] - 2 * Q64 @ X64.T + (X64 * X64).sum(1)[None]  # (m, n)
    if leave_out_self:
        np.fill_diagonal(sq, np.inf)
    index = np.argpartition(sq, k - 1, axis=1)[:, :k]
    dist = np.linalg.norm(X64[index] - Q64[:, None, :], axis=2)  # (m, k)
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(index, order, 1), np.take_along_axis(dist, order, 1)


def _check(X: Any, k: int) -> int:
    n = X.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of rows ({n}); got {k}.")
    return n


def _layout(n: int, k: int) -> tuple[int, int, int]:
    """Column groups, groups kept per row, and rows per block for n rows and k neighbours."""
    groups = -(-n // GROUP)  # columns are searched in groups of GROUP, the last one padded
    block = max(1, min(n, BLOCK_BYTES // (4 * groups * GROUP)))
    return groups, min(k, groups), block  # groups whose minimum is among the k smallest hold all k


def knn_torch(X: np.ndarray, k: int, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """`knn` in torch on `device` (a GPU's, or the CPU's); torch is imported here."""
    import torch

    n = _check(X, k)
    groups, kg, block = _layout(n, k)
    Xt = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32), device=device)  # (n, d)
    sq = torch.full((groups * GROUP,), float("inf"), device=device)
    sq[:n] = (Xt * Xt).sum(1)  # (n_padded,) squared norms, +inf for the padding
    Xp = torch.zeros((groups * GROUP, Xt.shape[1]), device=device)
    Xp[:n] = Xt
    index = torch.empty((n, k), dtype=torch.int64, device=device)
    for start in range(0, n, block):
        stop = min(start + block, n)
        d2 = torch.addmm(sq[None, :], Xt[start:stop], Xp.T, alpha=-2.0)  # (b, n_padded) minus ||x_i||^2
        rows = torch.arange(start, stop, device=device)
        d2[rows - start, rows] = -float("inf")  # the row itself always comes first
        d2 = d2.view(stop - start, groups, GROUP)
        best = torch.topk(d2.amin(2), kg, dim=1, largest=False).indices  # (b, kg)
        cand = d2.gather(1, best[:, :, None].expand(-1, -1, GROUP)).flatten(1)  # (b, kg * GROUP)
        cols = (best[:, :, None] * GROUP + torch.arange(GROUP, device=device)).flatten(1)
        pick = torch.topk(cand, k, dim=1, largest=False, sorted=True).indices  # (b, k)
        index[start:stop] = cols.gather(1, pick)
    dist = _distances(Xt, index)
    order = torch.argsort(dist, dim=1, stable=True)  # rounding may have swapped close neighbours
    return _numpy(index.gather(1, order)), _numpy(dist.gather(1, order))


def _distances(Xt: Any, index: Any) -> Any:
    """Direct Euclidean distances (n, k) from each row to the rows in `index` (n, k)."""
    import torch

    out = torch.empty(index.shape, dtype=Xt.dtype, device=Xt.device)
    step = max(1, 2**22 // (index.shape[1] * Xt.shape[1]))
    for start in range(0, index.shape[0], step):
        rows = Xt[start : start + step, None, :]  # (b, 1, d)
        out[start : start + step] = (Xt[index[start : start + step]] - rows).norm(dim=2)
    return out


def _numpy(t: Any) -> np.ndarray:
    return t.cpu().numpy()
