"""What a trained network's layers do to the data: projections, per-layer scores, an SVM head.

Works on plain arrays of recorded activations, (n_snapshots, n_samples, width) per layer, so it
serves `engine.nets.mlp.TrainResult` without depending on it:
- `project_layer` draws a layer in 2-D or 3-D: narrow layers as they are, wider ones through ONE
  PCA fitted on all snapshots together, so every frame of the animation shares the same axes.
- `embed_snapshot` lays out one snapshot with t-SNE or UMAP through `engine.embed.methods.embed`.
- `layer_scores` measures how far each layer has untangled the classes at each snapshot: the test
  accuracy of a linear (softmax) probe and a class-separation score.
- `hybrid_svm` fits an SVM (`feature_svm`) on the last hidden layer's features and compares it with
  the network's head; `hybrid_head` does so for a TrainResult.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.embed.methods import EmbedConfig, embed
from engine.pca import principal_axes

if TYPE_CHECKING:
    from engine.nets.mlp import TrainResult

FIT_ROWS = 100_000  # most stacked rows the shared PCA is fitted on (a seeded sample beyond)
PROBE_ROWS = 4_000  # most train (and test) rows a probe uses (a seeded sample beyond)
PROBE_ITER = 100  # most bound-optimisation steps of the softmax probe
SVM_ROWS = 5_000  # most train rows the hybrid SVM is fitted on (a seeded sample beyond)
SVM_KERNELS = ("rbf", "linear", "poly", "sigmoid")


@dataclass(frozen=True)
class LayerProjection:
    coords: np.ndarray  # (n_snapshots, n_samples, k) float32; k = width if width <= 3 else n_components
    grid_coords: np.ndarray | None  # (n_snapshots, g, k) the same map applied to the grid's activations
    method: str  # "identity" (width <= 3) or "pca"
    explained: float | None  # PCA: share of the stacked activations' variance the k axes keep
    axes: np.ndarray | None = None  # PCA: (width, k) float32, so new points land in the same picture
    shift: np.ndarray | None = None  # PCA: (k,) float32, the mean's coordinates

    def transform(self, x: np.ndarray) -> np.ndarray:
        """More of the layer's activations (m, width) in the same coordinates (m, k)."""
        x = np.asarray(x, dtype=np.float32)
        return x if self.axes is None else x @ self.axes - self.shift


def project_layer(
    acts: np.ndarray, grid_acts: np.ndarray | None = None, n_components: int = 2, seed: int = 0
) -> LayerProjection:
    """Coordinates of one layer for drawing, comparable across snapshots.

    acts: (n_snapshots, n_samples, width); grid_acts: (n_snapshots, g, width) or None. Layers up to
    3 wide are returned as they are. Wider ones are projected on the top `n_components` principal
    axes of all snapshots stacked (fitted on a seeded sample of FIT_ROWS rows when the stack is
    larger), coords = (x - mean) @ axes for every snapshot and grid point alike. Each axis's sign
    is fixed so its largest loading is positive.
    """
    if n_components not in (2, 3):
        raise ValueError(f"A projection has 2 or 3 dimensions; got {n_components}.")
    acts = _array(np.asarray(acts, dtype=np.float32), "acts", 3)  # (n_snapshots, n_samples, width)
    width = acts.shape[2]
    grid = None if grid_acts is None else _array(np.asarray(grid_acts, dtype=np.float32), "grid_acts", 3)
    if grid is not None and grid.shape[2] != width:
        raise ValueError(f"grid_acts have width {grid.shape[2]}, but the layer has width {width}.")
    if width <= 3:
        return LayerProjection(acts, grid, "identity", None)
    mean, axes, explained = _pca_axes(acts.reshape(-1, width), n_components, seed)
    shift = (mean @ axes).astype(np.float32)  # (k,)
    axes32 = axes.astype(np.float32)  # (width, k)
    coords = (acts.reshape(-1, width) @ axes32 - shift).reshape(*acts.shape[:2], n_components)
    if grid is not None:
        grid = (grid.reshape(-1, width) @ axes32 - shift).reshape(*grid.shape[:2], n_components)
    return LayerProjection(coords, grid, "pca", explained, axes32, shift)


def _array(a: np.ndarray, name: str, ndim: int) -> np.ndarray:
    """`a` itself, once it is checked to be a non-empty, finite array of `ndim` dimensions."""
    if a.ndim != ndim or 0 in a.shape:
        shape = "(n_snapshots, n_samples, width)" if ndim == 3 else "one snapshot, (n_samples, width)"
        raise ValueError(f"{name} must be {shape}; got shape {a.shape}.")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} hold NaN or infinite values: training diverged; lower the learning rate.")
    return a


def _pca_axes(X: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Mean (w,), top-k principal axes (w, k) and their variance share, of the rows of X (N, w)."""
    pca = principal_axes(X, k, max_rows=FIT_ROWS, seed=seed)
    explained = float(pca.variance.sum() / pca.total) if pca.total > 0 else 1.0
    return pca.mean, pca.axes, min(explained, 1.0)


def embed_snapshot(
    acts: np.ndarray, method: str = "umap", seed: int = 0, n_components: int = 2
) -> np.ndarray:
    """One snapshot's layout, (n_samples, n_components), by `engine.embed.methods.embed` (unscaled).

    acts: (n_samples, width). Rows beyond the method's row limit are not embedded (embed samples
    them, seeded) and come back as NaN, so row i still belongs to sample i.
    """
    acts = _array(np.asarray(acts, dtype=np.float64), "acts", 2)
    result = embed(acts, EmbedConfig(method=method, n_components=n_components, scale=False, seed=seed))
    coords = np.full((acts.shape[0], n_components), np.nan)
    coords[result.index] = result.coords
    return coords


@dataclass(frozen=True)
class LayerScores:
    probe_acc: np.ndarray  # (n_snapshots, n_layers) softmax probe accuracy; NaN at snapshots skipped
    separation: np.ndarray  # (n_snapshots, n_layers) between-class share of scatter in [0, 1]; NaN skipped
    snapshots: np.ndarray  # (n_used,) int64 indices of the snapshots scored
    chance: float  # accuracy of always guessing the most common training class, on the scored rows
    scored_on: str  # "test", or "train" when there are no test rows


def layer_scores(
    layers: Sequence[np.ndarray],
    y: np.ndarray,
    train_index: np.ndarray,
    test_index: np.ndarray,
    every: int = 1,
    seed: int = 0,
    C: float = 1.0,
) -> LayerScores:
    """How linearly separable, and how far apart, the classes are in each layer at each snapshot.

    layers: per layer (n_snapshots, n_samples, width), or (1, n, width) / (n, width) for a layer
    that does not change (the input); y: (n_samples,) class codes. Snapshots 0, every, 2*every, ...
    and the last are scored; the others are NaN.

    probe_acc: a multinomial logistic regression (mean cross-entropy + ||W||^2 / (2 C m), bias not
    penalised, sklearn's LogisticRegression(C) objective) on the layer's activations standardised
    with the train rows' mean and std, fitted on the train rows and scored on the test rows (the
    train rows when there are none); beyond PROBE_ROWS rows of either a seeded sample is used.
    separation: trace(S_between) / trace(S_total) over all samples, the share of the layer's
    scatter that lies between the class means: 1 for tight, distinct clusters, about 0 when the
    classes share one distribution. It sees class means only, so nested classes (circles) score
    near 0 even where they do not overlap; the probe tells those apart.
    """
    if not isinstance(every, int | np.integer) or every < 1:
        raise ValueError(f"every must be a whole number of at least 1; got {every}.")
    if not C > 0:
        raise ValueError(f"The probe's C must be positive; got {C}.")
    arrays = [np.asarray(a) for a in layers]
    arrays = [_array(a[None] if a.ndim == 2 else a, f"Layer {i}", 3) for i, a in enumerate(arrays)]
    if not arrays:
        raise ValueError("layer_scores needs at least one layer.")
    n_snapshots = max(a.shape[0] for a in arrays)
    n = arrays[0].shape[1]
    if any(a.shape[0] not in (1, n_snapshots) or a.shape[1] != n for a in arrays):
        raise ValueError(f"All layers must share the snapshots and samples; got {[a.shape for a in arrays]}.")
    codes, train, test, n_classes = _codes_and_rows(y, n, train_index, test_index)
    rng = np.random.default_rng(seed)
    task = _Task(codes, _sample(train, rng), _sample(test if test.size else train, rng), n_classes, C)
    common = np.bincount(codes[train], minlength=n_classes).argmax()
    chance = float(np.mean(codes[task.score_rows] == common))
    used = np.unique(np.r_[np.arange(0, n_snapshots, every), n_snapshots - 1])  # (n_used,)
    probe = np.full((n_snapshots, len(arrays)), np.nan)
    separation = np.full((n_snapshots, len(arrays)), np.nan)
    for j, acts in enumerate(arrays):
        if acts.shape[0] == 1 or acts.strides[0] == 0:  # a layer that does not change: score it once
            probe[used, j], separation[used, j] = _probe(acts[:1], task)[0], _separation(acts[:1], task)[0]
            continue
        size = max(1, 750_000 // (task.fit_rows.size * (acts.shape[2] + 1)))  # 6 MB a copy: stays in cache
        for start in range(0, used.size, size):
            part = used[start : start + size]
            probe[part, j], separation[part, j] = _probe(acts[part], task), _separation(acts[part], task)
    scored_on = "test" if test.size else "train"
    return LayerScores(probe, separation, used.astype(np.int64), chance, scored_on)


def _codes_and_rows(y, n: int, train_index, test_index) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Class codes 0..K-1 (n,), train and test rows, and K; ValueErrors a user can act on."""
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must hold one label per sample, shape ({n},); got {y.shape}.")
    rows = []
    for name, index in (("train_index", train_index), ("test_index", test_index)):
        index = np.asarray(index).ravel()
        if index.size and not np.issubdtype(index.dtype, np.integer):
            raise ValueError(f"{name} must hold whole row numbers; got {index.dtype} values.")
        index = index.astype(np.int64)
        if index.size and (index.min() < 0 or index.max() >= n):
            raise ValueError(f"{name} must hold row numbers from 0 to {n - 1}.")
        rows.append(index)
    train, test = rows
    classes, codes = np.unique(y, return_inverse=True)
    k = np.unique(codes[train]).size
    if k < 2:
        raise ValueError(
            f"The training rows hold {k} class{'' if k == 1 else 'es'}; a classifier needs at least two. "
            "Use a dataset with more classes, a smaller test share, or another split seed."
        )
    return codes.astype(np.int64), train, test, classes.size


def _sample(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(rows, PROBE_ROWS, replace=False)) if rows.size > PROBE_ROWS else rows


@dataclass(frozen=True)
class _Task:
    codes: np.ndarray  # (n,) class codes 0..K-1
    fit_rows: np.ndarray  # (m,) rows the probe is fitted on
    score_rows: np.ndarray  # (r,) rows it is scored on
    n_classes: int
    C: float  # inverse strength of the probe's L2 penalty


def _probe(X: np.ndarray, task: _Task) -> np.ndarray:
    """Accuracy (b,) of a softmax regression per snapshot of X (b, n, w), fitted on task.fit_rows."""
    codes, fit_rows, score_rows = task.codes, task.fit_rows, task.score_rows
    train = X[:, fit_rows].astype(np.float64)  # (b, m, w)
    mean, std = train.mean(axis=1, keepdims=True), train.std(axis=1, keepdims=True)  # (b, 1, w)
    std[std < 1e-12] = 1.0
    b, m, w = train.shape
    Xt = np.concatenate([(train - mean) / std, np.ones((b, m, 1))], axis=2)  # (b, m, w + 1)
    Y = np.eye(task.n_classes)[codes[fit_rows]]  # (m, K)
    W = fit_softmax(Xt, Y, np.r_[np.full(w, 1.0 / (task.C * m)), 0.0], PROBE_ITER)  # (b, w + 1, K)
    Xs = (X[:, score_rows].astype(np.float64) - mean) / std  # (b, r, w)
    pred = (Xs @ W[:, :w] + W[:, w:]).argmax(axis=2)  # (b, r)
    return (pred == codes[score_rows]).mean(axis=1)


def fit_softmax(X: np.ndarray, Y: np.ndarray, penalty: np.ndarray, max_iter: int = 100) -> np.ndarray:
    """Weights (b, d, K) minimising mean cross-entropy(softmax(X @ W), Y) + sum(penalty * W**2) / 2.

    X: (b, m, d) b problems at once; Y: (m, K) one-hot; penalty: (d,) per input (0 for a bias column).
    Böhning's bound: the loss's Hessian is at most A = X'X / (2m) + diag(penalty) for every class,
    so the step A^-1 grad needs no line search; Nesterov momentum, reset for any problem whose step
    turns uphill, speeds it up. From W = 0 (where the first step is a ridge least-squares fit),
    at most `max_iter` steps, stopping once no weight moves by more than 1e-5 of the largest.
    """
    b, m, d = X.shape
    Xt = np.ascontiguousarray(X.transpose(0, 2, 1))  # (b, d, m)
    A = Xt @ X / (2 * m)  # (b, d, d)
    A[:, np.arange(d), np.arange(d)] += penalty
    A_inv = np.linalg.inv(A)
    Yt = np.ascontiguousarray(Y.T)  # (K, m): classes first, so softmax reduces over a short outer axis
    W = np.zeros((b, Y.shape[1], d))  # (b, K, d)
    V, t = W, np.ones(b)  # look-ahead point, momentum counter
    for _ in range(max_iter):
        Z = V @ Xt  # (b, K, m)
        P = np.exp(np.maximum(Z - Z.max(axis=1, keepdims=True), -60.0))
        P /= P.sum(axis=1, keepdims=True)
        grad = (P - Yt) @ X / m + penalty * V  # (b, K, d)
        new = V - grad @ A_inv
        moved = new - W
        t_next = (1 + np.sqrt(1 + 4 * t**2)) / 2
        t_next[np.einsum("bkd,bkd->b", grad, moved) > 0] = 1.0  # heading uphill: drop the momentum
        V = new + ((t - 1) / t_next)[:, None, None] * moved
        W, t = new, t_next
        if np.abs(moved).max() <= 1e-5 * max(1.0, np.abs(W).max()):
            break
    return W.transpose(0, 2, 1)


def _separation(X: np.ndarray, task: _Task) -> np.ndarray:
    """trace(S_b) / trace(S_t) per snapshot of X (b, n, w) over all n samples; 0 with no scatter."""
    X = X.astype(np.float64)
    centred = X - X.mean(axis=1, keepdims=True)  # (b, n, w)
    total = np.einsum("bnw,bnw->b", centred, centred)  # (b,)
    onehot = np.eye(task.n_classes)[task.codes]  # (n, K)
    counts = onehot.sum(axis=0)  # (K,)
    sums = onehot.T @ centred  # (b, K, w) per-class sums of centred rows
    between = (np.einsum("bkw,bkw->bk", sums, sums) / np.maximum(counts, 1)).sum(axis=1)  # (b,)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.clip(between / total, 0.0, 1.0), 0.0)


def last_hidden(layers: Sequence[np.ndarray]) -> np.ndarray:
    """The layer an SVM head is fitted on: the last hidden one of (hidden layers..., logits)."""
    return layers[-2]


def feature_svm(C: float = 1.0, kernel: str = "rbf", seed: int = 0):
    """The SVM fitted on a network's last hidden layer: make_pipeline(StandardScaler(), SVC(C, kernel,
    gamma='scale')), unfitted. Used by `hybrid_svm` and by engine.nets.estimators.NetworkSVM."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(C=float(C), kernel=kernel, random_state=seed))


@dataclass(frozen=True)
class HybridHead:
    svm_test_acc: float  # the SVM on the last hidden layer's features; NaN without test rows
    net_test_acc: float  # argmax of the network's logits; NaN without test rows
    svm_train_acc: float  # on the rows the SVM was fitted on
    n_fit: int  # train rows the SVM was fitted on (a seeded sample beyond SVM_ROWS)
    grid_pred: np.ndarray | None  # (g,) the SVM's class on each grid point
    grid_score: np.ndarray | None  # (g,) confidence in [0, 1): tanh of the decision margin


def hybrid_svm(
    features: np.ndarray,
    logits: np.ndarray,
    y: np.ndarray,
    train_index: np.ndarray,
    test_index: np.ndarray,
    grid_features: np.ndarray | None = None,
    C: float = 1.0,
    kernel: str = "rbf",
    seed: int = 0,
) -> HybridHead:
    """Swap the network's softmax head for an SVM on its last hidden layer, and compare.

    features: (n, width) last hidden layer at the final snapshot; logits: (n, n_classes) there;
    y: (n,) class codes 0..K-1 as the network was trained on; grid_features: (g, width) or None.
    The SVM is `feature_svm(C, kernel, seed)` fitted on the train rows.
    grid_score = tanh(margin): margin is |decision value| for two classes, and the gap between the
    two highest one-vs-rest scores (votes plus a confidence below 1) for more; 0 on the boundary.
    """
    if kernel not in SVM_KERNELS:
        raise ValueError(f"Unknown SVM kernel {kernel!r}: choose one of {', '.join(SVM_KERNELS)}.")
    if not (np.isfinite(C) and C > 0):
        raise ValueError(f"The SVM's C must be a positive number; got {C}.")
    features = _array(np.asarray(features, dtype=np.float64), "features", 2)  # (n, w)
    logits = _array(np.asarray(logits, dtype=np.float64), "logits", 2)  # (n, K)
    n = features.shape[0]
    if logits.shape[0] != n:
        raise ValueError(f"features and logits must have the same rows; got {n} and {logits.shape[0]}.")
    _, train, test, _ = _codes_and_rows(y, n, train_index, test_index)
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= logits.shape[1]:
        raise ValueError(f"y must hold class codes 0 to {logits.shape[1] - 1}, one per logit column.")
    if train.size > SVM_ROWS:
        train = np.sort(np.random.default_rng(seed).choice(train, SVM_ROWS, replace=False))
    model = feature_svm(C, kernel, seed).fit(features[train], y[train])
    svm_train = float(model.score(features[train], y[train]))
    svm_test = float(model.score(features[test], y[test])) if test.size else float("nan")
    net_test = float(np.mean(logits[test].argmax(axis=1) == y[test])) if test.size else float("nan")
    grid_pred = grid_score = None
    if grid_features is not None:
        grid = _array(np.asarray(grid_features, dtype=np.float64), "grid_features", 2)  # (g, w)
        if grid.shape[1] != features.shape[1]:
            raise ValueError(
                f"grid_features have width {grid.shape[1]}; the features have {features.shape[1]}."
            )
        grid_pred = model.predict(grid)
        decision = model.decision_function(grid)  # (g,) or (g, K)
        top = np.sort(decision, axis=1) if decision.ndim == 2 else None
        grid_score = np.tanh(np.abs(decision) if top is None else top[:, -1] - top[:, -2])
    return HybridHead(svm_test, net_test, svm_train, int(train.size), grid_pred, grid_score)


def hybrid_head(
    result: TrainResult, y: np.ndarray, C: float = 1.0, kernel: str = "rbf", seed: int = 0
) -> HybridHead:
    """`hybrid_svm` on a finished training run: its last hidden layer and logits at the last snapshot,
    its split, and its input grid carried through the network (when it has one)."""
    final = [a[-1] for a in result.layers]  # per layer (n, width) at the last snapshot
    grid = last_hidden(result.grid_layers)[-1] if result.grid_layers else None
    return hybrid_svm(last_hidden(final), final[-1], y, result.train_index, result.test_index,
                      grid_features=grid, C=C, kernel=kernel, seed=seed)  # fmt: skip
