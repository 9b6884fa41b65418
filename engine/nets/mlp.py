"""Multi-layer perceptrons trained with layer snapshots: the engine of the Layer Manifolds view.

`train(data, TrainConfig(...))` fits an MLP with softmax cross-entropy on a seeded, stratified
train/test split (`engine.data.split`), and every `snapshot_every` epochs records each layer's activations on all samples
(and, for 2-D data, on a grid over the input plane), streaming each `Snapshot` to a callback.
Divergence ends training early with a message, never an exception; a page that interrupts training
(Streamlit stopping the script) keeps the snapshots the callback was given. The hand-written
kernel and the epoch loop are in `engine.nets.kernel` (on the array backend of `engine.backend`); `forward`
is a plain NumPy reference pass. torch is imported only to find or use a GPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import psutil

from engine.backend import GELU_C, GELU_K, LEAK, Backend, Optimizer, make_backend
from engine.data.datasets import LIMITS as DATA_LIMITS
from engine.data.datasets import Dataset
from engine.data.split import stratified_split
from engine.device import resolve_device
from engine.grid import Grid
from engine.nets.kernel import Loop, Network, Prepared, init_weights, snapshot_epochs

ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "leaky_relu", "sigmoid", "gelu", "linear")
OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam")
LIMITS = {  # (lowest, highest) of each setting a TrainConfig accepts; the page's widgets read these
    "layers": (1, 6),  # hidden layers
    "width": (2, 256),  # units per hidden layer
    "epochs": (1, 3000),
    "snapshot_every": (1, 3000),
    "batch_size": (0, DATA_LIMITS["n_samples"][1]),  # 0 = full batch; also at most the training rows
    "lr": (0.0001, 100.0),  # the page offers up to 10; the engine's tests show divergence at 100
    "l2": (0.0, 0.1),
    "grid_size": (5, 201),  # or 0 for no grid
}
MAX_TEST_FRACTION = 0.9
MEMORY_SHARE = 0.5  # share of the free memory the recorded snapshots may take


@dataclass(frozen=True)
class TrainConfig:
    """How to build and train the network. Frozen, so it is a cache key and URL state at once."""

    hidden: tuple[int, ...] = (8, 8)  # width of each hidden layer: LIMITS["layers"] layers of LIMITS["width"]
    activation: str = "tanh"  # one of ACTIVATIONS
    optimizer: str = "adam"  # one of OPTIMIZERS
    lr: float = 0.03  # learning rate, in LIMITS["lr"]
    momentum: float = 0.9  # the momentum optimizer's, in [0, 1)
    batch_size: int = 0  # 0 = full batch; else 1..n_train, reshuffled (seeded) every epoch
    l2: float = 0.0  # adds l2 / 2 * (sum of squared weights, biases excluded) to the loss; LIMITS["l2"]
    epochs: int = 300  # in LIMITS["epochs"]
    snapshot_every: int = 5  # epochs between snapshots; epoch 0 and the last epoch are always taken
    test_fraction: float = 0.3  # share of each class held out for testing, in [0, 0.9]
    grid_size: int = 41  # 2-D inputs: a grid_size^2 grid over the data (+10% margin); 0 = none
    standardize: bool = True  # standardise features with the training rows' mean and std
    seed: int = 0  # split, initial weights and batch order
    device: str = "auto"  # engine.device.resolve_device


@dataclass(frozen=True)
class Snapshot:
    """One recorded epoch, streamed to the page while training runs."""

    epoch: int
    layers: tuple[np.ndarray, ...]  # per hidden layer, then the logits: (n_samples, width), dataset order
    plane: Grid | None  # the grid over the input plane (2-D data), as in TrainResult.plane
    grid_layers: tuple[np.ndarray, ...] | None  # the same for the grid points: (grid_size**2, width)
    grid_proba: np.ndarray | None  # (grid_size**2, n_classes) softmax on the grid
    train_loss: float  # mean cross-entropy (without the L2 term)
    test_loss: float  # NaN without a test set
    train_acc: float
    test_acc: float


@dataclass(frozen=True)
class TrainResult:
    """Everything recorded by one training run, as NumPy arrays on the CPU."""

    config: TrainConfig
    epochs: np.ndarray  # (n_snapshots,) epoch of each snapshot
    layers: tuple[np.ndarray, ...]  # per hidden layer, then the logits: (n_snapshots, n_samples, width)
    plane: Grid | None  # 2-D data: the grid_size x grid_size grid over the input plane, in the input's units
    grid_layers: tuple[np.ndarray, ...] | None  # per layer: (n_snapshots, grid_size**2, width)
    grid_proba: np.ndarray | None  # (n_snapshots, grid_size**2, n_classes)
    history: dict[str, np.ndarray]  # train_loss, test_loss, train_acc, test_acc: (last epoch + 1,)
    train_index: np.ndarray  # (n_train,) rows of the dataset, sorted
    test_index: np.ndarray  # (n_test,)
    weights: tuple[tuple[np.ndarray, np.ndarray], ...]  # per layer (W (in, out), b (out,)) at epochs[-1]
    mean: np.ndarray  # (n_features,) the network sees (X - mean) / scale
    scale: np.ndarray  # (n_features,)
    stopped: str | None  # None, or why training ended early: the loss diverged
    device: str  # "cpu", "cuda" or "mps"
    seconds: float

    @property
    def grid(self) -> np.ndarray | None:
        """(grid_size**2, 2) the plane's points, row i * grid_size + j = (x_j, y_i); None without a plane."""
        return None if self.plane is None else self.plane.points


def train(
    data: Dataset,
    cfg: TrainConfig,
    on_snapshot: Callable[[Snapshot], None] | None = None,
) -> TrainResult:
    """Train an MLP on `data`, recording every layer every `cfg.snapshot_every` epochs.

    Each snapshot goes to `on_snapshot` as it is taken; an exception it raises ends training there.
    The loss is checked every epoch on the CPU, every tenth on a GPU, and at every snapshot. Raises ValueError with a sentence to act on for bad settings
    or data; divergence ends training early with `stopped` saying why, and the result holds what
    was recorded up to the last good snapshot (its `weights` are those of `epochs[-1]`).
    """
    start = time.perf_counter()
    run = build(data, cfg)
    loop, d, plane = run.loop, run.prepared, run.plane
    emit = None if on_snapshot is None else lambda k: on_snapshot(_snapshot(loop, k, plane))
    with np.errstate(all="ignore"):
        stopped = loop.run(emit)
    k, has_grid = loop.k, plane is not None
    return TrainResult(
        config=cfg,
        epochs=np.array(loop.epochs, dtype=np.int64),
        layers=tuple(_trim(a, k) for a in loop.layers),
        plane=plane,
        grid_layers=tuple(_trim(a, k) for a in loop.grid_layers) if has_grid else None,
        grid_proba=_trim(loop.grid_proba, k) if has_grid else None,
        history=loop.history(),
        train_index=np.sort(d.order[: d.n_train]),
        test_index=np.sort(d.order[d.n_train :]),
        weights=loop.weights,
        mean=run.mean,
        scale=run.scale,
        stopped=stopped,
        device=run.device,
        seconds=time.perf_counter() - start,
    )


@dataclass
class Run:
    """A training run set up and ready to start: its data as the kernel sees it, the network and its loop."""

    prepared: Prepared  # split, standardised, laid out for the kernel
    mean: np.ndarray  # (n_features,)
    scale: np.ndarray  # (n_features,)
    plane: Grid | None  # the grid over the input plane, in the input's units, or None
    backend: Backend
    net: Network
    loop: Loop
    sizes: tuple[int, ...]  # (n_features, *hidden, n_classes)
    device: str


def build(data: Dataset, cfg: TrainConfig) -> Run:
    """Check `cfg`, split and prepare `data`, and set up the network, its optimizer and the epoch loop,
    with the seeds split once for the split, the initial weights and the batch order. Every training run
    starts here (`train`, and `engine.nets.landscape.record_trajectory`), so equal configs train alike."""
    check_config(cfg)
    device = resolve_device(cfg.device)
    seeds = np.random.SeedSequence(cfg.seed).spawn(3)
    rng_split, rng_init, rng_batches = (np.random.default_rng(s) for s in seeds)
    d, mean, scale, plane = prepare(data, cfg, rng_split)
    _check_memory(d, cfg)
    bk = make_backend(device)
    sizes = (d.X.shape[0], *cfg.hidden, d.n_classes)
    net = Network(bk, list(sizes), cfg.activation, init_weights(list(sizes), cfg.activation, rng_init))
    opt = Optimizer(bk, net.P.shape[0], cfg.optimizer, cfg.lr, cfg.momentum)
    loop = Loop(net, opt, d, cfg, rng_batches)
    return Run(d, mean, scale, plane, bk, net, loop, sizes, device)


def _trim(a: np.ndarray, k: int) -> np.ndarray:
    return a if len(a) == k else a[:k].copy()


def _snapshot(loop: Loop, k: int, plane: Grid | None) -> Snapshot:
    e = loop.epochs[k]
    h = loop.history(e)
    has_grid = loop.grid is not None
    return Snapshot(
        epoch=e,
        layers=tuple(a[k] for a in loop.layers),
        plane=plane,
        grid_layers=tuple(a[k] for a in loop.grid_layers) if has_grid else None,
        grid_proba=loop.grid_proba[k] if has_grid else None,
        **{name: float(v) for name, v in h.items()},
    )


def check_config(cfg: TrainConfig) -> None:
    for name in ("epochs", "snapshot_every", "batch_size", "grid_size", "seed"):
        value = getattr(cfg, name)
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            raise ValueError(f"{name} must be a whole number; got {value!r}.")
    (lo, hi), (wlo, whi) = LIMITS["layers"], LIMITS["width"]
    hidden = tuple(cfg.hidden)
    if not lo <= len(hidden) <= hi:
        raise ValueError(f"A network needs {lo} to {hi} hidden layers; got {len(hidden)}.")
    for i, w in enumerate(hidden, 1):
        if not isinstance(w, int | np.integer) or isinstance(w, bool) or not wlo <= w <= whi:
            raise ValueError(f"Each hidden layer needs {wlo} to {whi} units; layer {i} has {w!r}.")
    if cfg.activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {cfg.activation!r}: choose one of {', '.join(ACTIVATIONS)}.")
    if cfg.optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {cfg.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}.")
    llo, lhi = LIMITS["lr"]
    if not llo <= cfg.lr <= lhi:
        raise ValueError(f"The learning rate must be between {llo:g} and {lhi:g}; got {cfg.lr}.")
    if not 0 <= cfg.momentum < 1:
        raise ValueError(f"Momentum must be at least 0 and below 1; got {cfg.momentum}. Try 0.9.")
    rlo, rhi = LIMITS["l2"]
    if not rlo <= cfg.l2 <= rhi:
        raise ValueError(f"L2 must be between {rlo:g} and {rhi:g}; got {cfg.l2}. Try 0.001.")
    elo, ehi = LIMITS["epochs"]
    if not elo <= cfg.epochs <= ehi:
        raise ValueError(f"Epochs must be between {elo} and {ehi:,}; got {cfg.epochs}.")
    slo, shi = LIMITS["snapshot_every"]
    if not slo <= cfg.snapshot_every <= shi:
        raise ValueError(
            f"snapshot_every must be at least {slo} and at most {shi:,} epochs; got {cfg.snapshot_every}."
        )
    blo, bhi = LIMITS["batch_size"]
    if not blo <= cfg.batch_size <= bhi:
        raise ValueError(
            f"Batch size must be 0 (full batch) or a positive number up to {bhi:,}; got {cfg.batch_size}."
        )
    if not 0 <= cfg.test_fraction <= MAX_TEST_FRACTION:
        raise ValueError(
            f"The test fraction must be between 0 and {MAX_TEST_FRACTION}; got {cfg.test_fraction}."
        )
    glo, ghi = LIMITS["grid_size"]
    if cfg.grid_size != 0 and not glo <= cfg.grid_size <= ghi:
        raise ValueError(
            f"The grid size must be 0 (no grid) or between {glo} and {ghi}; got {cfg.grid_size}."
        )
    if not 0 <= cfg.seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to 2**32 - 1; got {cfg.seed}.")


def prepare(
    data: Dataset, cfg: TrainConfig, rng: np.random.Generator
) -> tuple[Prepared, np.ndarray, np.ndarray, Grid | None]:
    """Split, standardise and lay out the data; also (mean, scale) and the input plane's grid."""
    if data.y is None or len(np.unique(data.y)) < 2:
        raise ValueError(
            "Training needs a label column with at least two classes; choose a labelled dataset "
            "or pick the label column of your CSV."
        )
    y = np.asarray(data.y, dtype=np.int64)
    train_index, test_index = stratified_split(y, cfg.test_fraction, rng, data.class_names)
    if cfg.batch_size > len(train_index):
        raise ValueError(
            f"The batch size must be 0 (full batch) or at most the {len(train_index)} training rows; "
            f"got {cfg.batch_size}."
        )
    X = np.asarray(data.X, dtype=np.float64)
    mean, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    if cfg.standardize:
        mean, std = X[train_index].mean(axis=0), X[train_index].std(axis=0)
        scale = np.where(std > 0, std, 1.0)
    plane = Grid.around(X, cfg.grid_size) if X.shape[1] == 2 and cfg.grid_size else None
    order = np.concatenate([train_index, test_index])
    d = Prepared(
        X=((X[order] - mean) / scale).T,
        y=y[order],
        order=order,
        n_train=len(train_index),
        n_classes=max(data.n_classes, int(y.max()) + 1),
        grid=None if plane is None else ((plane.points - mean) / scale).T,
    )
    return d, mean, scale, plane


def _check_memory(d: Prepared, cfg: TrainConfig) -> None:
    n_snap, width = len(snapshot_epochs(cfg.epochs, cfg.snapshot_every)), sum(cfg.hidden) + d.n_classes
    grid = 0 if d.grid is None else d.grid.shape[1] * (width + d.n_classes)  # layers and softmax
    need = 4 * n_snap * (len(d.y) * width + grid)  # float32 bytes
    free = psutil.virtual_memory().available * MEMORY_SHARE
    if need > free:
        every = int(np.ceil(cfg.snapshot_every * need / free))
        raise ValueError(
            f"Recording {n_snap:,} snapshots would take {need / 1e9:.1f} GB, more than half the free "
            f"memory: set snapshot_every to {every} or more, or use fewer points, narrower layers or no grid."
        )


def forward(
    weights: tuple[tuple[np.ndarray, np.ndarray], ...] | list, X: np.ndarray, activation: str
) -> list[np.ndarray]:
    """Reference pass in float64 NumPy: each hidden layer's activations, then the logits.

    weights: per layer (W (in, out), b (out,)), as in TrainResult.weights; X: (n, n_features),
    already standardised as the network saw it ((X - result.mean) / result.scale).
    """
    h, out = np.asarray(X, dtype=np.float64), []
    for i, (W, b) in enumerate(weights):
        h = h @ W + b
        if i < len(weights) - 1:
            h = _REFERENCE[activation](h)
        out.append(h)
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


_REFERENCE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, LEAK * z),
    "sigmoid": _sigmoid,
    "gelu": lambda z: 0.5 * z * (1.0 + np.tanh(GELU_C * (z + GELU_K * z**3))),
    "linear": lambda z: z,
}
