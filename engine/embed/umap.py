"""UMAP in NumPy and PyTorch: the algorithm of McInnes, Healy and Melville (umap-learn), without JIT
compiling.

`umap_layout(X, UmapParams(...))` follows umap-learn's steps and constants:
1. the exact k nearest neighbours (`engine.embed.neighbors.knn`, the row itself first);
2. the fuzzy simplicial set: per row, rho = distance to the nearest other row and sigma found by
   bisection so that sum_j exp(-(d_ij - rho) / sigma) = log2(k); weights w_ij = exp(-(d_ij - rho_i)
   / sigma_i), symmetrised as w + w^T - w * w^T, edges below max(w) / n_epochs dropped;
3. a spectral start (the leading eigenvectors of the normalised graph, one per connected piece
   otherwise a PCA start), rescaled to [0, 10];
4. stochastic gradient descent on the fuzzy cross-entropy: each edge is sampled in proportion to
   its weight with 5 negative samples per positive one, learning rate 1 -> 0 linearly, gradients
   clipped at 4, curve 1 / (1 + a d^(2b)) fitted to min_dist. Where umap-learn updates one edge at a
   time, here every edge due in an epoch is updated at once (vectorised, as GPU UMAPs do).
It runs in NumPy on the CPU (no torch import: about a second of a first embedding's wait), or in
torch on CUDA when `device` says so; `on_layout(fraction, coords)` receives the layout as it
optimises. scipy is imported inside the functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from engine.backend import Backend, make_backend
from engine.embed.config import Layout
from engine.embed.neighbors import knn, nearest

NEGATIVE_RATE = 5  # negative samples per positive sample
CLIP = 4.0  # largest step of one coordinate in one update


@dataclass(frozen=True)
class UmapParams:
    n_components: int = 2
    n_neighbors: int = 15  # k of the neighbour graph, the row itself included (as umap-learn)
    min_dist: float = 0.1  # in [0, 1]: how tightly points may pack
    n_epochs: int | None = None  # None: 500 up to 10,000 rows, else 200 (umap-learn's defaults)
    seed: int = 0
    device: str = "cpu"  # a torch device name, resolved by the caller
    layout_every: int = 10  # epochs between calls of on_layout


def umap_layout(X: np.ndarray, params: UmapParams, on_layout: Layout | None = None) -> np.ndarray:
    """UMAP coordinates (n, n_components) float64 of the rows of X (n, d); see the module docstring."""
    n = X.shape[0]
    k = min(params.n_neighbors, n - 1)
    epochs = params.n_epochs or (500 if n <= 10_000 else 200)
    index, dist = knn(X, k, params.device)  # (n, k) each
    graph = fuzzy_graph(index, dist)
    graph.data[graph.data < graph.data.max() / epochs] = 0.0
    graph.eliminate_zeros()
    start = initial_layout(X, graph, params.n_components, params.seed)  # (n, n_components)
    a, b = curve_params(params.min_dist)
    coo = graph.tocoo()
    bk = make_backend(params.device)  # NumPy on the CPU: no torch import there
    return _optimise(bk, start, coo.row, coo.col, coo.data, epochs, a, b, params, on_layout)


def fuzzy_graph(index: np.ndarray, dist: np.ndarray) -> Any:
    """The symmetric fuzzy simplicial set (n x n scipy CSR) of a kNN graph, as umap-learn's."""
    from scipy.sparse import csr_matrix

    n, k = index.shape
    rho, sigma = smooth_knn_dist(dist)
    excess = np.maximum(dist.astype(np.float64) - rho[:, None], 0.0)  # (n, k)
    weights = np.exp(-excess / sigma[:, None])
    weights[index == np.arange(n)[:, None]] = 0.0  # no edge from a row to itself
    rows = np.repeat(np.arange(n), k)
    A = csr_matrix((weights.ravel(), (rows, index.ravel())), shape=(n, n))
    At = A.T.tocsr()
    P = A + At - A.multiply(At)
    P.eliminate_zeros()
    return P.tocsr()


def smooth_knn_dist(dist: np.ndarray, iterations: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """rho (n,) and sigma (n,) of umap-learn's smooth_knn_dist, by bisection on all rows at once.

    dist (n, k) holds each row's neighbour distances, the row itself first (distance 0).
    """
    dist = dist.astype(np.float64)
    n, k = dist.shape
    target = math.log2(k)
    positive = np.where(dist > 0, dist, np.inf)
    rho = positive.min(axis=1)
    rho[~np.isfinite(rho)] = 0.0  # every neighbour at distance 0
    d = dist[:, 1:] - rho[:, None]  # (n, k - 1)
    lo, hi, mid = np.zeros(n), np.full(n, np.inf), np.ones(n)
    for _ in range(iterations):
        psum = np.where(d > 0, np.exp(-np.maximum(d, 0) / mid[:, None]), 1.0).sum(axis=1)
        if np.all(np.abs(psum - target) < 1e-5):
            break
        above = psum > target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
        mid = np.where(above, (lo + hi) / 2, np.where(np.isinf(hi), mid * 2, (lo + hi) / 2))
    mean_all = dist.mean()
    floor = 1e-3 * np.where(rho > 0, dist.mean(axis=1), mean_all)
    return rho, np.maximum(mid, floor)


@cache
def curve_params(min_dist: float, spread: float = 1.0) -> tuple[float, float]:
    """a, b of the curve 1 / (1 + a x^(2b)) that best fits umap's target for `min_dist`."""
    from scipy.optimize import curve_fit

    x = np.linspace(0, spread * 3, 300)
    y = np.where(x < min_dist, 1.0, np.exp(-(x - min_dist) / spread))
    (a, b), _ = curve_fit(lambda x, a, b: 1.0 / (1.0 + a * x ** (2 * b)), x, y)
    return float(a), float(b)


def initial_layout(X: np.ndarray, graph: Any, dims: int, seed: int) -> np.ndarray:
    """A spectral start when the graph is one piece (else PCA), rescaled to [0, 10], plus a little
    seeded noise as umap-learn adds."""
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    pieces, _ = connected_components(graph, directed=False)
    start = _spectral(graph, dims, rng) if pieces == 1 and graph.shape[0] > dims + 2 else None
    if start is None:
        start = pca_start(X, dims)
    start = start * (10.0 / np.abs(start).max()) + rng.normal(scale=1e-4, size=start.shape)
    lo, hi = start.min(axis=0), start.max(axis=0)
    return 10.0 * (start - lo) / np.where(hi > lo, hi - lo, 1.0)


def pca_start(X: np.ndarray, dims: int) -> np.ndarray:
    """The rows of X (n, d) on their top `dims` principal axes (n, dims), zero-padded if d < dims;
    the axes (engine.pca) are fitted on every (n // 20,000)-th row."""
    from engine.pca import principal_axes

    pca = principal_axes(X[:: max(1, X.shape[0] // 20_000)], dims)
    out = (X - X.mean(axis=0)) @ pca.axes
    return np.pad(out, ((0, 0), (0, dims - out.shape[1])))


def _spectral(graph: Any, dims: int, rng: np.random.Generator) -> np.ndarray | None:
    """The eigenvectors 2..dims+1 of D^-1/2 W D^-1/2 (n, dims), or None if eigsh fails."""
    from scipy.sparse import diags
    from scipy.sparse.linalg import ArpackError, eigsh

    degree = np.asarray(graph.sum(axis=1)).ravel()
    scale = diags(1.0 / np.sqrt(degree))
    normalised = scale @ graph @ scale
    v0 = rng.uniform(-1, 1, graph.shape[0])
    try:
        _, vectors = eigsh(normalised, k=dims + 1, which="LA", tol=1e-4, v0=v0, maxiter=graph.shape[0] * 5)
    except (ArpackError, ValueError):
        return None
    return vectors[:, -2 : -dims - 2 : -1]  # eigsh sorts ascending; skip the top (trivial) one


def _optimise(bk: Backend, start: np.ndarray, head: np.ndarray, tail: np.ndarray, weight: np.ndarray,
              epochs: int, a: float, b: float, params: UmapParams, on_layout: Layout | None) -> np.ndarray:  # fmt: skip
    """umap-learn's optimize_layout_euclidean, every edge due in an epoch updated at once; returns
    the layout (n, dims) float64 from the start (n, dims) and the edges head -> tail with weights.

    An edge of weight w is due every max(w) / w epochs; each time, its two ends attract and
    NEGATIVE_RATE random rows push its head away (umap-learn draws the same count on average).
    Written once for the NumPy and torch backends (engine.backend). Coordinates are kept one column per
    dimension and every step writes into buffers made once: one-dimensional gathers and scatter-adds
    are several times faster than on (n, dims) rows, and reusing memory spares the page faults of
    fresh arrays of millions of entries each epoch. Negative samples are read from one seeded pool of
    random rows at a random offset each epoch, since drawing millions of integers cost as much as the
    rest.
    """
    xp = bk.xp
    n, dims = start.shape
    cols = [bk.asarray(start[:, d]) for d in range(dims)]  # dims x (n,)
    every = bk.asarray(weight.max() / weight)  # (n_edges,) epochs between samples of each edge
    next_due = bk.copy(every)
    head, tail = bk.positions(head), bk.positions(tail)
    size = len(weight) * NEGATIVE_RATE
    buf = {k: bk.zeros(size) for k in ("d2", "p", "g")}
    diff = [bk.zeros(size) for _ in range(dims)]
    rng = np.random.default_rng(params.seed)
    pool = bk.positions(rng.integers(0, n, 2 * size))
    offsets = rng.integers(0, size + 1, epochs).tolist()

    def layout() -> np.ndarray:
        return np.stack([bk.to_numpy(c) for c in cols], axis=1).astype(np.float64)

    for epoch in range(epochs):
        alpha = 1.0 - epoch / epochs
        due = bk.flatnonzero(next_due <= epoch)  # (m,)
        next_due[due] += every[due]
        h, t = head[due], tail[due]
        m = h.shape[0]
        # attraction along the sampled edges: grad of log(1 + a d^2b) with respect to d^2
        d2 = _squared(bk, cols, h, t, diff, buf, m)
        bk.clamp_min(d2, 1e-12)
        coef = _power(xp, d2, b, buf["p"][:m])
        g = xp.multiply(coef, a, out=buf["g"][:m])
        g += 1.0
        g *= d2
        xp.divide(coef, g, out=coef)
        coef *= -2.0 * a * b
        for col, dd in zip(cols, diff, strict=True):
            step = _step(xp, dd[:m], coef, alpha)
            bk.scatter_add(col, h, step)
            xp.negative(step, out=step)
            bk.scatter_add(col, t, step)
        # repulsion from NEGATIVE_RATE random rows per sampled edge
        M = m * NEGATIVE_RATE
        tn = pool[offsets[epoch] : offsets[epoch] + M]
        d2 = _squared(bk, cols, h, tn, diff, buf, M, NEGATIVE_RATE)
        coef = _power(xp, d2, b, buf["p"][:M])
        coef *= a
        coef += 1.0
        d2 += 0.001
        coef *= d2
        xp.reciprocal(coef, out=coef)
        coef *= 2.0 * b  # 0 where diff is 0
        pushed = buf["d2"][:m]  # free again: each head's NEGATIVE_RATE pushes, summed before one scatter
        for col, dd in zip(cols, diff, strict=True):
            step = _step(xp, dd[:M], coef, alpha).reshape(NEGATIVE_RATE, m)
            bk.scatter_add(col, h, xp.sum(step, axis=0, out=pushed))
        if on_layout is not None and ((epoch + 1) % params.layout_every == 0 or epoch + 1 == epochs):
            on_layout((epoch + 1) / epochs, layout())
    return layout()


def _power(xp: Any, x: Any, b: float, out: Any) -> Any:
    """x ** b into `out` for x >= 0, as exp(b log x): NumPy's vectorised log and exp take about 60 %
    of the time of its power on float32 (0 ** b = exp(-inf) = 0, without a warning)."""
    with np.errstate(divide="ignore"):
        xp.log(x, out=out)
    out *= b
    return xp.exp(out, out=out)


def _step(xp: Any, diff: Any, coef: Any, alpha: float) -> Any:
    """In place: diff * coef, clipped at CLIP, times the learning rate alpha."""
    diff *= coef
    xp.clip(diff, -CLIP, CLIP, out=diff)
    diff *= alpha
    return diff


def _squared(bk: Backend, cols: list, i: Any, j: Any, diff: list, buf: dict, m: int, repeat: int = 1) -> Any:
    """Into buffers: diff[d][:m] = cols[d][i] - cols[d][j]; returns |diff|^2 (m,), a view of buf["d2"].
    With `repeat`, `i` holds m / repeat rows that stand for themselves `repeat` times over (a head and its
    negative samples): gathered once and copied, which is cheaper than gathering each copy."""
    d2, scratch = buf["d2"][:m], buf["g"][:m]
    d2[...] = 0.0
    mi = m // repeat
    for col, dd in zip(cols, diff, strict=True):
        out = dd[:m]
        bk.gather(col, i, out[:mi])
        if repeat > 1:
            out.reshape(repeat, mi)[1:] = out[:mi]
        out -= bk.gather(col, j, scratch)
        bk.xp.multiply(out, out, out=scratch)
        d2 += scratch
    return d2


def place_new(new: np.ndarray, X: np.ndarray, layout: np.ndarray, k: int = 15) -> np.ndarray:
    """New rows placed in a finished layout: (m, d) rows like X's -> (m, dims) coordinates.

    Each lands at the mean of its k nearest rows of X (n, d) in `layout` (n, dims), weighted by
    UMAP's membership strengths exp(-(distance - rho) / sigma) (`smooth_knn_dist` on its own
    neighbour distances): the start umap-learn's transform gives new points, without its further
    optimisation. Rows of `layout` that are NaN (not embedded) are not used.
    """
    keep = np.isfinite(layout).all(axis=1)
    X, layout = np.asarray(X, np.float64)[keep], np.asarray(layout, np.float64)[keep]
    new = np.asarray(new, np.float64).reshape(len(new), -1)
    if new.shape[1] != X.shape[1] or len(X) == 0:
        raise ValueError(
            f"New rows have {new.shape[1]} columns and the layout's rows {X.shape[1]}; they must match."
        )
    index, dist = nearest(new, X, min(k, len(X)))
    rho, sigma = smooth_knn_dist(
        np.column_stack([np.zeros(len(new)), dist])
    )  # as if each row were its own first
    weight = np.exp(-np.maximum(dist - rho[:, None], 0.0) / sigma[:, None])  # (m, k)
    return (weight[:, :, None] * layout[index]).sum(1) / weight.sum(1, keepdims=True)
