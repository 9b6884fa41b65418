"""The real loss landscape of a trained network: a 2-D slice of its loss around the trained weights.

`record_trajectory(data, TrainConfig(...))` trains the Layer Manifolds network exactly as
`engine.nets.mlp.train` does (same split, initial weights and batches, so its last weights equal
`train(...).weights`) and keeps the flat weight vector at every snapshot epoch.
`loss_landscape(trajectory, LandscapeConfig(...))` then evaluates the mean training cross-entropy on a
size x size grid of the plane through the trained weights spanned by two directions:

- "random": two seeded Gaussian directions, filter-normalised as in Li et al. 2018 ("Visualizing the
  Loss Landscape of Neural Nets"): each neuron's incoming weights in a direction are scaled to the norm
  of that neuron's trained incoming weights; bias directions are zero. Grid coordinates span
  [-span, span] in those units.
- "pca": the top two principal directions of the trajectory's weights minus the final weights
  (unit vectors); the grid covers the projected trajectory with a margin of `span` times its extent.

A 2-D slice is a slice: the trajectory is projected onto the plane (least squares), and `path_loss` is
the loss at the real weights, which generally differs from the slice's loss under the projected point.

The grid is evaluated batched: a chunk of grid points' weight sets is stacked and run through one
batched forward (matmul over a leading grid axis), in chunks bounded by `max_elements` values per
activation array; on the kernel's backend (NumPy on the CPU, torch on CUDA / MPS), in float32.
Parameters use the kernel's flat layout (engine.nets.kernel.Network.P): per layer W (out, in + 1),
row-major, bias in the last column.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from threadpoolctl import ThreadpoolController

from engine.backend import Array, Backend, activate, make_backend
from engine.data.datasets import Dataset
from engine.device import resolve_device
from engine.nets.mlp import TrainConfig, build

DIRECTIONS = ("random", "pca")
SCRATCH = ("gelu", "leaky_relu")  # activations that need scratch arrays in engine.backend.activate
THREADS = max(1, min(4, os.cpu_count() or 1))  # CPU threads sharing a slice's chunks
CHUNK_ELEMENTS = {"cpu": 2**19, "gpu": 2**26}  # per activation array: about L2-sized on a CPU, large on a GPU
LIMITS = {"size": (5, 201), "span": (0.05, 100.0)}  # (lowest, highest) a LandscapeConfig accepts


@dataclass(frozen=True)
class Trajectory:
    """The weights of one training run at every snapshot epoch, with the data they were trained on."""

    config: TrainConfig
    epochs: np.ndarray  # (n_snapshots,)
    weights: np.ndarray  # (n_snapshots, n_params) float32, the kernel's flat layout
    sizes: tuple[int, ...]  # (n_features, *hidden, n_classes)
    X: np.ndarray  # (n_train, n_features) standardised training inputs, as the network saw them
    y: np.ndarray  # (n_train,) their labels
    train_loss: np.ndarray  # (n_snapshots,) mean training cross-entropy at each snapshot (no L2 term)
    stopped: str | None  # why training ended early (the loss diverged), or None


@dataclass(frozen=True)
class LandscapeConfig:
    """Which slice to compute. Frozen, so it is a cache key and URL state at once."""

    directions: str = "random"  # "random" (filter-normalised) or "pca" (of the trajectory)
    size: int = 51  # grid points per axis, in LIMITS["size"]
    span: float = 1.0  # random: coordinates in [-span, span]; pca: margin around the path, as a share of it; LIMITS["span"]
    seed: int = 0  # random directions
    device: str = "auto"  # engine.device.resolve_device


@dataclass(frozen=True)
class Landscape:
    """A 2-D slice of the training loss, and the trajectory projected onto its plane."""

    config: LandscapeConfig
    alphas: np.ndarray  # (size,) coordinate along the first direction
    betas: np.ndarray  # (size,) coordinate along the second direction
    loss: np.ndarray  # (size, size) mean training cross-entropy; loss[i, j] at (alphas[j], betas[i])
    path: np.ndarray  # (n_snapshots, 2) the trajectory projected onto the plane
    path_loss: np.ndarray  # (n_snapshots,) the loss at the real (unprojected) weights
    epochs: np.ndarray  # (n_snapshots,)
    explained: np.ndarray  # (2,) pca: share of the trajectory's variance per direction; NaN for random
    device: str
    seconds: float
    center: np.ndarray  # (n_params,) float64, the trained weights the plane passes through
    d1: np.ndarray  # (n_params,) float64, the first direction: a point (a, b) is center + a d1 + b d2
    d2: np.ndarray  # (n_params,) float64, the second direction


def record_trajectory(
    data: Dataset, cfg: TrainConfig, on_progress: Callable[[float], None] | None = None
) -> Trajectory:
    """Train as engine.nets.mlp.train does (the same `build`), keeping the flat weights at every snapshot
    epoch. TrainResult keeps only the last weights, so the loop runs with a snapshot callback that copies
    them. No input grid is carried (it does not affect training). `on_progress` gets the share of the
    epochs done at every snapshot."""
    cfg = replace(cfg, grid_size=0)
    run = build(data, cfg)
    d, bk, net, loop = run.prepared, run.backend, run.net, run.loop
    kept: list[np.ndarray] = []

    def keep(k: int) -> None:
        kept.append(np.array(bk.to_numpy(net.P), dtype=np.float32))
        if on_progress is not None:
            on_progress(loop.epochs[k] / max(cfg.epochs, 1))

    with np.errstate(all="ignore"):
        stopped = loop.run(keep)
    return Trajectory(
        config=cfg,
        epochs=np.array(loop.epochs, dtype=np.int64),
        weights=np.stack(kept),
        sizes=run.sizes,
        X=np.ascontiguousarray(d.X[:, : d.n_train].T),
        y=d.y[: d.n_train].copy(),
        train_loss=loop.history()["train_loss"][loop.epochs],
        stopped=stopped,
    )


def layer_matrices(flat: np.ndarray, sizes: tuple[int, ...] | list[int]) -> list[np.ndarray]:
    """Per layer, a view (out, in + 1) of a flat parameter vector (bias last column)."""
    out, at = [], 0
    for i, o in zip(sizes[:-1], sizes[1:], strict=True):
        out.append(flat[at : at + o * (i + 1)].reshape(o, i + 1))
        at += o * (i + 1)
    return out


def filter_normalised(center: np.ndarray, sizes: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A Gaussian direction with each neuron's incoming weights scaled to that neuron's norm in `center`."""
    d = rng.standard_normal(center.shape)
    for D, W in zip(layer_matrices(d, sizes), layer_matrices(center, sizes), strict=True):
        D[:, :-1] *= np.linalg.norm(W[:, :-1], axis=1, keepdims=True) / (
            np.linalg.norm(D[:, :-1], axis=1, keepdims=True) + 1e-12
        )
        D[:, -1] = 0.0  # biases stay put, as in Li et al.'s default
    return d


def pca_directions(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top two principal directions (unit, (n_params,) each) of the weights minus the last, and their variance shares."""
    M = np.asarray(weights, dtype=np.float64) - np.asarray(weights[-1], dtype=np.float64)
    M -= M.mean(axis=0)
    _, s, Vt = np.linalg.svd(M, full_matrices=False)
    if len(s) < 2 or s[1] <= 1e-12 * max(s[0], 1e-300):
        raise ValueError(
            "The training path has fewer than two directions to show: train for more epochs or take "
            "snapshots more often, or use random directions."
        )
    var = s**2
    return Vt[0], Vt[1], var[:2] / var.sum()


def project(weights: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """(n, 2) least-squares coordinates of weights (n, n_params) - center in the plane of d1, d2."""
    A = np.stack([d1, d2], axis=1)  # (n_params, 2)
    return np.linalg.lstsq(A, (np.asarray(weights, dtype=np.float64) - center).T, rcond=None)[0].T


def grid_losses(
    bk: Backend,
    center: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    coords: np.ndarray,
    sizes: tuple[int, ...],
    activation: str,
    X: np.ndarray,
    y: np.ndarray,
    max_elements: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Mean cross-entropy at center + a d1 + b d2 for every row (a, b) of coords (g, 2), batched.

    X: (n, n_features) as the network sees it; y: (n,). Returns (g,) float64.

    Each layer is one batched matmul of the grid points' weights (out, in + 1) with the layer's input
    and a row of ones, so biases cost nothing apart. With two classes the last layer computes only the
    margin z_other - z_true and the loss is its softplus; with more, a log-sum-exp over the logits.
    """
    budget = max_elements or CHUNK_ELEMENTS["cpu" if bk.device == "cpu" else "gpu"]
    plane = _plane(bk, center, d1, d2, sizes, activation, X, y)
    step = max(1, budget // (max(sizes[1:]) * len(y)))
    out = np.empty(len(coords))
    chunk = _chunk_evaluator(plane, bk.asarray(coords), step, out)
    threads = THREADS if bk.device == "cpu" and len(coords) > step else 1  # NumPy releases the GIL
    _run_chunks(chunk, range(0, len(coords), step), len(coords), threads, on_progress)
    return out


@dataclass
class _Plane:
    """The slice's network on the backend: each layer's center, d1 and d2 matrices, the input, the truth."""

    bk: Backend
    Ws: list  # per layer [W, D, E], each (1, out, in + 1); two classes: the last is the margin row
    H0: Array  # (1, n_features + 1, n) the inputs and a row of ones
    truth: Array  # two classes: (n,) +1 / -1; more: (n,) position of each true logit in a (k, n) block
    sizes: tuple[int, ...]
    activation: str


def _plane(bk: Backend, center, d1, d2, sizes, activation: str, X: np.ndarray, y: np.ndarray) -> _Plane:
    n, k = len(y), sizes[-1]
    views = [layer_matrices(v, sizes) for v in (center, d1, d2)]
    if k == 2:  # the margin row z_1 - z_0, its sign flipped for samples of class 1
        views = [[*V[:-1], V[-1][1:] - V[-1][:1]] for V in views]
        truth = bk.asarray(np.where(np.asarray(y) == 0, 1.0, -1.0))
    else:  # the position of each true logit in a (k, n) block
        truth = bk.index(np.asarray(y) * n + np.arange(n))
    Ws = [[bk.asarray(V[i])[None] for V in views] for i in range(len(sizes) - 1)]  # (1, out, in + 1) each
    H0 = bk.asarray(np.r_[np.asarray(X).T, np.ones((1, n))])[None]  # (1, n_features + 1, n)
    return _Plane(bk, Ws, H0, truth, tuple(sizes), activation)


def _buffers(p: _Plane, step: int) -> tuple[list, list, Array, Array | None]:
    """One thread's arrays for a chunk of `step` grid points: hidden outputs (a row of ones below each),
    scratch for the activation, the last layer's output, and the two-class loss's scratch."""
    bk, sizes, n, k = p.bk, p.sizes, p.H0.shape[2], p.sizes[-1]
    H = [bk.zeros((step, o + 1, n)) for o in sizes[1:-1]]
    for h in H:
        h[:, -1] = 1.0
    S = [[bk.zeros((step, o, n)) for _ in range(2)] if p.activation in SCRATCH else None for o in sizes[1:-1]]
    return H, S, bk.zeros((step, 1 if k == 2 else k, n)), bk.zeros((step, n)) if k == 2 else None


def _chunk_evaluator(p: _Plane, coords: Array, step: int, out: np.ndarray) -> Callable[[int], int]:
    """chunk(at): the losses of grid points at..at + step into `out`; returns how many it did.
    Each thread preallocates its buffers once: fresh large arrays cost page faults."""
    local, bk, xp, n_layers = threading.local(), p.bk, p.bk.xp, len(p.Ws)

    def chunk(at: int) -> int:
        if not hasattr(local, "buffers"):
            local.buffers = _buffers(p, step)
        H, S, Z, T = local.buffers
        c = min(step, len(out) - at)
        a, b = coords[at : at + c, 0, None, None], coords[at : at + c, 1, None, None]
        h = p.H0
        with np.errstate(all="ignore"):  # per thread: the caller's setting does not reach worker threads
            for i in range(n_layers):
                (W, D, E), last = p.Ws[i], i == n_layers - 1
                z = Z[:c] if last else H[i][:c, :-1]
                xp.matmul(W + a * D + b * E, h, out=z)  # (c, out, n)
                if not last:
                    activate(bk, p.activation, z, *([None, None] if S[i] is None else [t[:c] for t in S[i]]))
                    h = H[i][:c]
            out[at : at + c] = bk.to_numpy(_mean_loss(bk, Z[:c], None if T is None else T[:c], p.truth))
        return c

    return chunk


def _run_chunks(
    chunk: Callable[[int], int], starts, total: int, threads: int, on_progress: Callable[[float], None] | None
) -> None:
    """Every chunk, on `threads` threads; progress is reported from the calling thread."""
    pool = None
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(threads)
    try:
        done = 0
        for c in pool.map(chunk, starts) if pool else map(chunk, starts):
            done += c
            if on_progress is not None:
                on_progress(done / total)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)


def _mean_loss(bk: Backend, z: Array, t: Array | None, truth: Array) -> Array:
    """Mean cross-entropy (c,) of c grid points' last-layer outputs z, in place (z is overwritten).

    Two classes: z (c, 1, n) holds the margin z_1 - z_0 and `truth` (n,) is +1 for class 0 and -1
    for class 1, so z * truth = z_other - z_true = m and the loss is softplus(m) = max(m, 0) +
    log(1 + exp(-|m|)), with t (c, n) as scratch. More classes: z (c, k, n) holds the logits and
    `truth` (n,) the position of each true logit in a flattened (k, n) block.
    """
    xp, c = bk.xp, z.shape[0]
    if z.shape[1] == 1:
        m = z[:, 0]
        m *= truth
        xp.abs(m, out=t)
        t *= -1.0
        xp.exp(t, out=t)
        xp.log1p(t, out=t)
        bk.clamp_min(m, 0.0)
        m += t
        return m.mean(axis=1)
    zmax = xp.amax(z, axis=1)  # (c, n)
    true = z.reshape(c, -1)[:, truth]  # (c, n) true-class logits
    z -= zmax[:, None]
    xp.exp(z, out=z)
    return (xp.log(z.sum(axis=1)) + zmax - true).mean(axis=1)


def loss_landscape(
    traj: Trajectory, cfg: LandscapeConfig, on_progress: Callable[[float], None] | None = None
) -> Landscape:
    """The loss on a cfg.size^2 grid of the plane through the trained weights, with the projected path."""
    start = time.perf_counter()
    _check(cfg)
    device = resolve_device(cfg.device)
    center = traj.weights[-1].astype(np.float64)
    with _one_blas_thread():
        if cfg.directions == "random":
            rng = np.random.default_rng(cfg.seed)
            d1, d2 = (filter_normalised(center, traj.sizes, rng) for _ in range(2))
            explained = np.full(2, np.nan)
            (a0, a1), (b0, b1) = (-cfg.span, cfg.span), (-cfg.span, cfg.span)
        else:
            d1, d2, explained = pca_directions(traj.weights)
        path = project(traj.weights, center, d1, d2)
    if cfg.directions == "pca":
        lo, hi = np.minimum(path.min(axis=0), 0.0), np.maximum(path.max(axis=0), 0.0)
        pad = cfg.span * np.maximum(hi - lo, 1e-6)
        (a0, b0), (a1, b1) = lo - pad, hi + pad
    alphas, betas = np.linspace(a0, a1, cfg.size), np.linspace(b0, b1, cfg.size)
    ga, gb = np.meshgrid(alphas, betas)
    bk = make_backend(device)
    activation = traj.config.activation
    with np.errstate(all="ignore"):
        loss = grid_losses(bk, center, d1, d2, np.c_[ga.ravel(), gb.ravel()], traj.sizes, activation,
                           traj.X, traj.y, on_progress=on_progress)  # fmt: skip
    return Landscape(
        config=cfg,
        alphas=alphas,
        betas=betas,
        loss=loss.reshape(cfg.size, cfg.size),
        path=path,
        path_loss=traj.train_loss,
        epochs=traj.epochs,
        explained=explained,
        device=device,
        seconds=time.perf_counter() - start,
        center=center,
        d1=np.asarray(d1, dtype=np.float64),
        d2=np.asarray(d2, dtype=np.float64),
    )


@functools.cache
def _blas_threads() -> ThreadpoolController:
    return ThreadpoolController()


_BLAS_LIMIT = threading.Lock()  # the limit is process-wide: one holder at a time restores it right


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on the calling thread only, for small linear algebra just before the slice.

    Once woken, OpenBLAS's threads spin for a while (about 0.1 s) before they sleep, and take the cores
    from the slice's own threads: an SVD or a least-squares fit of the trajectory made the slice after
    it about 1.6 times slower. The limit applies to the whole process and is undone on leaving, so
    sessions take it in turn (each holds it for about a millisecond); interleaved, the last to leave
    would restore the one thread the other had set.
    """
    with _BLAS_LIMIT, _blas_threads().limit(limits=1, user_api="blas"):
        yield


def _check(cfg: LandscapeConfig) -> None:
    if cfg.directions not in DIRECTIONS:
        raise ValueError(f"Unknown directions {cfg.directions!r}: choose one of {', '.join(DIRECTIONS)}.")
    (lo, hi), (slo, shi) = LIMITS["size"], LIMITS["span"]
    if not isinstance(cfg.size, int | np.integer) or not lo <= cfg.size <= hi:
        raise ValueError(f"The grid size must be a whole number from {lo} to {hi}; got {cfg.size!r}.")
    if not slo <= cfg.span <= shi:
        raise ValueError(f"The span must be between {slo:g} and {shi:g}; got {cfg.span}. Try 1.")
    if not isinstance(cfg.seed, int | np.integer) or not 0 <= cfg.seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to 2**32 - 1; got {cfg.seed!r}.")
