"""The hand-written training kernel: an MLP's passes, and the epoch loop that records snapshots.

Written once against `engine.backend` (NumPy on the CPU, torch on a GPU), with every array
preallocated, and no autograd: an epoch is a few dozen in-place operations. Arrays are laid out
features x samples: a layer's buffer is (width + 1, m) with a last row of ones, and a layer's
parameters are one matrix W (out, in + 1) whose last column is the bias, so a layer is one matmul
and its weight and bias gradients are another. All parameters live in one flat vector, so an
optimizer step is a handful of operations whatever the depth.

The loss is the mean softmax cross-entropy plus (l2 / 2) * (sum of squared weights, biases excluded).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.backend import Array, Backend, Optimizer, activate, derivative

HE_INIT = ("relu", "leaky_relu", "gelu")  # std sqrt(2 / fan_in); the others use Glorot's
EXPLODE = 1e4  # the loss has diverged once it exceeds this multiple of its value at epoch 0
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}
LR_ADVICE = {"sgd": (0.01, 1.0), "momentum": (0.01, 0.3), "adam": (0.001, 0.1)}  # usual learning rates


def init_weights(sizes: list[int], activation: str, rng: np.random.Generator) -> list[np.ndarray]:
    """Seeded normal weights (He for ReLU-like activations, Glorot otherwise), zero biases.

    sizes: [n_features, *hidden, n_classes]. Returns per layer W (out, in + 1), bias last column.
    """
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        std = math.sqrt(2 / fan_in) if activation in HE_INIT else math.sqrt(2 / (fan_in + fan_out))
        W = np.zeros((fan_out, fan_in + 1))
        W[:, :fan_in] = rng.normal(0.0, std, (fan_out, fan_in))
        weights.append(W)
    return weights


@dataclass
class Buffers:
    """Activations of m samples (columns), and gradients of the first m_grad of them."""

    m: int
    m_grad: int
    H: list[Array]  # per layer input: (width + 1, m), last row ones; H[0][:-1] holds the features
    Z: Array  # (n_classes, m) logits
    E: Array  # (n_classes, m) exp(Z - zmax)
    zmax: Array  # (m,)
    s: Array  # (m,) sum of E over classes
    pre: list[Array | None]  # per hidden layer (width, m): GELU's pre-activations; leaky ReLU's scratch
    th: list[Array | None]  # per hidden layer (width, m): GELU's tanh(GELU_C * (z + GELU_K z^3))
    D: list[Array]  # per layer: (width, m_grad) gradient of the loss w.r.t. its pre-activations
    T: list[tuple[Array, Array]]  # per hidden layer: two (width, m_grad) temporaries


class Network:
    """Parameters, their gradient, and the forward and backward passes on a backend."""

    def __init__(self, bk: Backend, sizes: list[int], activation: str, weights: list[np.ndarray]):
        self.bk, self.xp, self.sizes, self.activation = bk, bk.xp, sizes, activation
        shapes = [(o, i + 1) for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
        ends = np.cumsum([o * i for o, i in shapes]).tolist()
        self.P = bk.asarray(np.concatenate([W.ravel() for W in weights]))  # (n_params,)
        self.G = bk.zeros(ends[-1])  # (n_params,)
        cuts = list(zip([0, *ends[:-1]], ends, shapes, strict=True))
        self.W = [self.P[a:b].reshape(shape) for a, b, shape in cuts]  # views (out, in + 1)
        self.gW = [self.G[a:b].reshape(shape) for a, b, shape in cuts]
        mask = np.concatenate([np.c_[np.ones((o, i - 1)), np.zeros(o)].ravel() for o, i in shapes])
        self.mask = bk.asarray(mask)  # (n_params,) 1 on weights, 0 on biases
        self.scratch = bk.zeros(ends[-1])

    def buffers(self, m: int, m_grad: int = 0) -> Buffers:
        z, hidden, n_out = self.bk.zeros, self.sizes[1:-1], self.sizes[-1]
        H = [z((w + 1, m)) for w in self.sizes[:-1]]
        for h in H:
            h[-1] = 1
        keep_pre, keep_th = self.activation in ("gelu", "leaky_relu"), self.activation == "gelu"
        return Buffers(
            m=m,
            m_grad=m_grad,
            H=H,
            Z=z((n_out, m)),
            E=z((n_out, m)),
            zmax=z(m),
            s=z(m),
            pre=[z((w, m)) if keep_pre else None for w in hidden],
            th=[z((w, m)) if keep_th else None for w in hidden],
            D=[z((w, m_grad)) for w in self.sizes[1:]] if m_grad else [],
            T=[(z((w, m_grad)), z((w, m_grad))) for w in hidden] if m_grad else [],
        )

    def forward(self, buf: Buffers) -> None:
        """Fill every layer of `buf` from its inputs buf.H[0], then the softmax parts E, zmax, s."""
        xp = self.xp
        for i, W in enumerate(self.W[:-1]):
            a = buf.H[i + 1][:-1]  # (width, m)
            xp.matmul(W, buf.H[i], out=a)
            activate(self.bk, self.activation, a, buf.pre[i], buf.th[i])
        xp.matmul(self.W[-1], buf.H[-1], out=buf.Z)
        xp.amax(buf.Z, axis=0, out=buf.zmax)
        xp.subtract(buf.Z, buf.zmax, out=buf.E)
        xp.exp(buf.E, out=buf.E)
        xp.sum(buf.E, axis=0, out=buf.s)

    def backward(self, buf: Buffers, targets: Array, decay: float) -> None:
        """Gradient of the mean loss over the first m_grad samples into self.G.

        targets: (n_classes, m_grad) one-hot labels of those samples. Needs `forward(buf)` first.
        """
        xp, m = self.xp, buf.m_grad
        g = buf.D[-1]  # (n_classes, m): softmax - one-hot, over m
        xp.divide(buf.E[:, :m], buf.s[:m], out=g)
        g -= targets
        g *= 1.0 / m
        for i in range(len(self.W) - 1, -1, -1):
            xp.matmul(buf.D[i], buf.H[i][:, :m].T, out=self.gW[i])
            if i == 0:
                break
            dz, width = buf.D[i - 1], self.sizes[i]
            xp.matmul(self.W[i][:, :width].T, buf.D[i], out=dz)
            a = buf.H[i][:-1, :m]
            pre, th = buf.pre[i - 1], buf.th[i - 1]
            if th is not None:
                pre, th = pre[:, :m], th[:, :m]
            derivative(xp, self.activation, dz, a, pre, th, *buf.T[i - 1])
        if decay:
            xp.multiply(self.P, self.mask, out=self.scratch)
            self.scratch *= decay
            self.G += self.scratch

    def metrics(self, buf: Buffers, flat_labels: Array, lc: Array, split: Array, out: Array) -> None:
        """Per-sample loss and correctness summed over each part of the split, into out (2, 2).

        flat_labels: (m,) flat positions y * m + column of each true logit in buf.Z.
        lc: (2, m) scratch. split: (m, 2) 0/1 membership of each sample in (train, test).
        out: [[train loss sum, test loss sum], [train correct, test correct]].
        """
        xp = self.xp
        picked = lc[1]
        self.bk.take(buf.Z, flat_labels, out=picked)  # (m,) true-class logits
        xp.log(buf.s, out=lc[0])
        lc[0] += buf.zmax
        lc[0] -= picked  # log-sum-exp - true logit
        xp.greater_equal(picked, buf.zmax, out=lc[1])
        xp.matmul(lc, split, out=out)

    def weights(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Per layer (W (in, out), b (out,)) as float64 NumPy arrays."""
        layers = (np.asarray(self.bk.to_numpy(W), dtype=np.float64) for W in self.W)
        return tuple((W[:, :-1].T.copy(), W[:, -1].copy()) for W in layers)


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n) 0/1 matrix, column i has a 1 in row y[i]."""
    out = np.zeros((n_classes, len(y)))
    out[y, np.arange(len(y))] = 1.0
    return out


@dataclass(frozen=True)
class Prepared:
    """The data as the loop needs it: columns are samples, training samples first."""

    X: np.ndarray  # (n_features, n_samples) standardised
    y: np.ndarray  # (n_samples,) labels, in column order
    order: np.ndarray  # (n_samples,) dataset row of each column
    n_train: int
    n_classes: int
    grid: np.ndarray | None  # (2, grid_size**2) standardised grid points, or None


class Loop:
    """Runs the epochs: metrics every epoch, snapshots on schedule, divergence checks.

    cfg: an engine.nets.mlp.TrainConfig. Snapshots are written into preallocated host arrays
    (self.layers, self.grid_layers, self.grid_proba: the first self.k entries are filled).
    """

    def __init__(self, net: Network, opt: Optimizer, d: Prepared, cfg, rng: np.random.Generator):
        bk, n, nt = net.bk, len(d.y), d.n_train
        self.net, self.opt, self.bk, self.d, self.cfg, self.rng = net, opt, bk, d, cfg, rng
        self.full = cfg.batch_size in (0, nt)
        self.eval = net.buffers(n, nt if self.full else 0)
        self.eval.H[0][:-1] = bk.asarray(d.X)
        self.targets = bk.asarray(one_hot(d.y[:nt], d.n_classes))  # (n_classes, n_train)
        self.flat = bk.index(d.y * n + np.arange(n))  # positions of the true logits in Z
        self.lc = bk.zeros((2, n))
        self.split = bk.asarray(np.c_[np.arange(n) < nt, np.arange(n) >= nt])  # (n, 2)
        self.hist = bk.zeros((cfg.epochs + 1, 2, 2))  # per epoch [[loss sums], [correct counts]]
        self.rows = bk.index(np.argsort(d.order))  # column of each dataset row
        n_snap, widths = len(snapshot_epochs(cfg.epochs, cfg.snapshot_every)), net.sizes[1:]
        self.layers = [np.empty((n_snap, n, w), np.float32) for w in widths]
        self.grid, self.grid_layers, self.grid_proba = None, [], None
        if d.grid is not None:
            self.grid = net.buffers(d.grid.shape[1])
            self.grid.H[0][:-1] = bk.asarray(d.grid)
            self.grid_layers = [np.empty((n_snap, d.grid.shape[1], w), np.float32) for w in widths]
            self.grid_proba = np.empty((n_snap, d.grid.shape[1], d.n_classes), np.float32)
        sizes = {min(cfg.batch_size, nt - a) for a in range(0, nt, cfg.batch_size or nt)}
        self.batches = (
            {} if self.full else {m: (net.buffers(m, m), bk.zeros((d.n_classes, m))) for m in sizes}
        )
        self.k, self.epochs, self.last, self.limit = 0, [], -1, np.inf
        self.weights: tuple[tuple[np.ndarray, np.ndarray], ...] = ()

    def run(self, on_snapshot: Callable[[int], None] | None) -> str | None:
        """Train; None when all epochs ran, else why training stopped early (the loss diverged)."""
        cfg, net, checked = self.cfg, self.net, 0
        check_every = 1 if self.bk.library == "numpy" else 10  # a GPU check waits for the device
        for e in range(cfg.epochs + 1):
            net.forward(self.eval)
            net.metrics(self.eval, self.flat, self.lc, self.split, out=self.hist[e])
            snap = e % cfg.snapshot_every == 0 or e == cfg.epochs
            if snap or e % check_every == 0:
                problem = self._check(checked, e)
                if problem:
                    return problem
                self.last, checked = e, e + 1
                if snap:
                    self._snapshot(e)
                    if on_snapshot is not None:
                        on_snapshot(self.k - 1)
            if e < cfg.epochs:
                self._train_epoch()
        return None

    def _train_epoch(self) -> None:
        net, opt, l2, nt, bk = self.net, self.opt, self.cfg.l2, self.d.n_train, self.bk
        if self.full:
            net.backward(self.eval, self.targets, l2)
            opt.step(net.P, net.G)
            return
        inputs, bs = self.eval.H[0][:-1, :nt], self.cfg.batch_size
        order = bk.index(self.rng.permutation(nt))
        for a in range(0, nt, bs):
            buf, targets = self.batches[min(bs, nt - a)]
            bk.take_columns(inputs, order[a : a + bs], out=buf.H[0][:-1])
            bk.take_columns(self.targets, order[a : a + bs], out=targets)
            net.forward(buf)
            net.backward(buf, targets, l2)
            opt.step(net.P, net.G)

    def _check(self, lo: int, e: int) -> str | None:
        """Why the loss diverged in epochs lo..e, or None. Non-finite weights show as a NaN loss."""
        sums = self.bk.to_numpy(self.hist[lo : e + 1, 0, 0])  # training loss sums
        if lo == 0:
            self.limit = EXPLODE * float(sums[0])
        if (sums <= self.limit).all():  # NaN compares False
            return None
        first = int(np.flatnonzero(~(sums <= self.limit))[0])
        self.last = lo + first - 1
        loss = float(sums[first]) / self.d.n_train
        return divergence_message(loss, self.last + 1, self.cfg.lr, self.cfg.optimizer)

    def _snapshot(self, e: int) -> None:
        k, bk, buf = self.k, self.bk, self.eval
        for store, a in zip(self.layers, [h[:-1] for h in buf.H[1:]] + [buf.Z], strict=True):
            bk.to_rows(a, self.rows, out=store[k])
        if self.grid is not None:
            g = self.grid
            self.net.forward(g)
            for store, a in zip(self.grid_layers, [h[:-1] for h in g.H[1:]] + [g.Z], strict=True):
                bk.to_rows(a, None, out=store[k])
            self.bk.xp.divide(g.E, g.s, out=g.E)
            bk.to_rows(g.E, None, out=self.grid_proba[k])
        self.k, self.weights = k + 1, self.net.weights()
        self.epochs.append(e)

    def history(self, epoch: int | None = None) -> dict[str, np.ndarray]:
        """Mean train/test loss (cross-entropy only) and accuracy per epoch 0..last, or at one epoch.

        Test figures are NaN without a test set.
        """
        h = self.hist[: self.last + 1] if epoch is None else self.hist[epoch]
        h = self.bk.to_numpy(h).astype(np.float64)  # (..., 2, 2) sums
        nt, n_test = self.d.n_train, len(self.d.y) - self.d.n_train
        with np.errstate(invalid="ignore", divide="ignore"):
            test = h[..., 1] / n_test if n_test else np.full_like(h[..., 1], np.nan)
        return {
            "train_loss": h[..., 0, 0] / nt,
            "test_loss": test[..., 0],
            "train_acc": h[..., 1, 0] / nt,
            "test_acc": test[..., 1],
        }


def snapshot_epochs(epochs: int, every: int) -> list[int]:
    """0, every, 2 * every, ... and always the last epoch."""
    out = list(range(0, epochs + 1, every))
    return out if out[-1] == epochs else [*out, epochs]


def divergence_message(loss: float, epoch: int, lr: float, optimizer: str) -> str:
    """A sentence naming how the loss diverged at `epoch` and what to change."""
    if np.isnan(loss):
        what = "became NaN"
    elif np.isinf(loss):
        what = "became infinite"
    else:
        what = f"exploded to {loss:.3g}, over {EXPLODE:,.0f} times its starting value,"
    if epoch == 0:
        return f"The loss {what} with the initial weights: the inputs are too large; standardise them."
    label, (low, high) = OPTIMIZER_LABELS[optimizer], LR_ADVICE[optimizer]
    if lr > high:
        fix = f"the learning rate {lr:g} is too large for {label}; try {low:g}-{high:g}."
    else:
        fix = f"try a smaller learning rate than {lr:g}, for example {lr / 10:g}."
    return f"The loss {what} at epoch {epoch}: {fix}"
