"""Learning from few labels: keep 1 to 20 labels per class (a seeded choice, or rows picked by hand)
and compare, on the same points, a supervised RBF SVM that sees the labelled rows only,
scikit-learn's label spreading or propagation over the neighbour graph, and a network trained with a
graph-Laplacian smoothness penalty (manifold regularization, `engine.geometry.laplacian`).

Accuracy is counted on the unlabelled rows. On 2-D data every learner also predicts a grid over the
plane (its decision regions), and the networks' smoothness is measured as the mean norm of the
gradient of their class probabilities, on the data and over a box around it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from engine.classify.fit import MAX_CLASSES
from engine.geometry.graph import Graph, GraphConfig, build_graph, class_bridges, graph_space

SPREAD = {"spreading": "Label spreading", "propagation": "Label propagation"}
LEARNERS = {
    "svm": "RBF SVM (labelled rows only)",
    "spread": "Label spreading",
    "laplacian": "Laplacian network",
}
LIMITS = {
    "per_class": (1, 20),  # labels kept per class
    "alpha": (0.01, 0.99),  # label spreading: the share of a row's label taken from its neighbours
    "penalty": (0.0, 100.0),  # γ, the Laplacian penalty's weight
    "epochs": (50, 2000),
    "grid": (20, 150),  # decision-region grid points per side
}
# Label spreading runs SPREAD_ITER steps (labels travel one hop a step; scikit-learn's 30 stop halfway along a
# moon), all of them: scikit-learn's tol of 1e-3 stops while rows far from every label still hold none.
SPREAD_ITER = 1000
SPREAD_TOL = 0.0


@dataclass(frozen=True)
class FewLabelsConfig:
    per_class: int = 2  # labels kept per class (a seeded choice), when `chosen` is empty
    chosen: tuple[int, ...] = ()  # rows labelled by hand; when given, they are the labelled rows
    graph: GraphConfig = field(default_factory=GraphConfig)  # the graph spreading and the penalty use
    spread: str = "spreading"  # a key of SPREAD
    alpha: float = 0.99  # label spreading's α (label propagation clamps the labels, α unused)
    penalty: float = 10.0  # γ in loss = cross-entropy + γ · ½ Σ w_ij |p_i - p_j|² / n
    hidden: tuple[int, ...] = (32, 32)  # the networks' hidden widths
    epochs: int = 300  # full-batch Adam steps of each network
    lr: float = 0.01
    grid: int = 80  # decision-region grid points per side (2-D data)
    seed: int = 0


@dataclass(frozen=True)
class Learned:
    """One learner's predictions."""

    name: str
    pred: np.ndarray  # (n,) int64 predicted class of every row
    accuracy: float  # on the unlabelled rows
    grid_pred: np.ndarray | None  # (g,) int64 over the plane's grid; None for data that is not 2-D
    grid_conf: np.ndarray | None  # (g,) the predicted class's probability (the SVM: softmax of its scores)
    seconds: float


@dataclass(frozen=True)
class FewLabelsResult:
    labelled: np.ndarray  # (n_labelled,) int64 rows whose label the learners saw
    learners: dict[str, Learned]  # keyed by LEARNERS
    graph: Graph
    bridges: np.ndarray  # (m,) bool: edges of the graph between two classes
    grid: np.ndarray | None  # (g, 2) the plane's grid points (2-D data), else None
    smoothness: dict[str, tuple[float, float]]  # "plain" / "laplacian": mean |∇p| on the data, over the box
    seconds: float


def choose_labels(y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Sorted rows: `per_class` of each class (all of a smaller class), drawn with `seed`."""
    rng = np.random.default_rng(seed)
    rows = [rng.permutation(np.flatnonzero(y == c))[:per_class] for c in np.unique(y)]
    return np.sort(np.concatenate(rows)).astype(np.int64)


def labelled_rows(y: np.ndarray | None, n_classes: int, cfg: FewLabelsConfig) -> np.ndarray:
    """The rows the learners may see, checked: every class labelled, something left to predict."""
    if y is None:
        raise ValueError("Learning from few labels needs a label column: choose one in the sidebar.")
    if n_classes > MAX_CLASSES:
        raise ValueError(
            f"The label has {n_classes} classes; at most {MAX_CLASSES} can be told apart on a map. "
            "Choose a label column with fewer classes."
        )
    if n_classes < 2:
        raise ValueError(
            "The label has one class: there is nothing to tell apart. Choose another label column."
        )
    lo, hi = LIMITS["per_class"]
    if not lo <= cfg.per_class <= hi:
        raise ValueError(f"Labels per class must be between {lo} and {hi}; got {cfg.per_class}.")
    n = len(y)
    if cfg.chosen:
        rows = np.unique(np.asarray(cfg.chosen, dtype=np.int64))
        if rows.min() < 0 or rows.max() >= n:
            raise ValueError(f"Labelled rows must lie between 0 and {n - 1}; clear the picked points.")
    else:
        rows = choose_labels(y, cfg.per_class, cfg.seed)
    missing = sorted(set(range(n_classes)) - set(y[rows].tolist()))
    if missing:
        raise ValueError(
            f"{len(missing)} class(es) have no labelled point (class {', '.join(map(str, missing))}): "
            "label at least one point of every class."
        )
    if len(rows) >= n:
        raise ValueError("Every point is labelled: nothing is left to predict. Keep fewer labels.")
    return rows


def _accuracy(pred: np.ndarray, y: np.ndarray, labelled: np.ndarray) -> float:
    rest = np.ones(len(y), bool)
    rest[labelled] = False
    return float(np.mean(pred[rest] == y[rest]))


def fit_svm(Z, y, labelled, grid) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """An RBF SVM (standardised inputs, scikit-learn's defaults) on the labelled rows alone."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    svm = make_pipeline(StandardScaler(), SVC(kernel="rbf", decision_function_shape="ovr"))
    svm.fit(Z[labelled], y[labelled])
    if grid is None:
        return svm.predict(Z), None, None
    scores = svm.decision_function(grid)
    if scores.ndim == 1:  # two classes: one signed score
        scores = np.c_[-scores, scores] / 2
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return svm.predict(Z), svm.classes_[p.argmax(1)], p.max(1)


def graph_kernel(graph: Graph, k: int):
    """A kernel for scikit-learn's label spreading: the graph's sparse 0/1 adjacency between the
    training rows, and each new point joined to its k nearest rows."""
    adjacency = graph.adjacency().tocoo()

    def kernel(a: np.ndarray, b: np.ndarray):
        if a is b:  # fitting: scikit-learn asks for the kernel of the training rows with themselves
            return adjacency.copy()
        from sklearn.neighbors import NearestNeighbors

        idx = NearestNeighbors(n_neighbors=min(k, len(a))).fit(a).kneighbors(b, return_distance=False)
        w = np.zeros((len(a), len(b)))
        w[idx, np.arange(len(b))[:, None]] = 1.0
        return w

    return kernel


def spread_labels(kernel, X: np.ndarray, target: np.ndarray, method: str, alpha: float):
    """scikit-learn's LabelSpreading (or LabelPropagation) with `kernel` over rows X, `target` -1 where
    the class is unknown: the fitted estimator and (n,) int64 predictions, -1 where no label reaches a
    row (a piece of the graph without a labelled row). It runs SPREAD_ITER steps."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.semi_supervised import LabelPropagation, LabelSpreading

    if method == "propagation":
        est = LabelPropagation(kernel=kernel, max_iter=SPREAD_ITER, tol=SPREAD_TOL)
    else:
        est = LabelSpreading(kernel=kernel, alpha=alpha, max_iter=SPREAD_ITER, tol=SPREAD_TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # it runs every step by design
        warnings.simplefilter("ignore", RuntimeWarning)  # propagation divides rows no label reached by 0
        est.fit(X, target)
    dist = np.nan_to_num(est.label_distributions_)
    reached = dist.max(axis=1) > 0
    return est, np.where(reached, est.classes_[dist.argmax(1)], -1).astype(np.int64)


def fit_spread(Z, y, labelled, graph: Graph, cfg: FewLabelsConfig, grid):
    """Label spreading or propagation over `graph`; grid points join their k nearest rows."""
    k = cfg.graph.k if cfg.graph.kind == "knn" else 10
    target = np.full(len(y), -1)
    target[labelled] = y[labelled]
    est, pred = spread_labels(graph_kernel(graph, k), Z, target, cfg.spread, cfg.alpha)
    if grid is None:
        return pred, None, None
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.nan_to_num(est.predict_proba(grid))
    return pred, est.classes_[p.argmax(1)], p.max(1)


def few_labels(X: np.ndarray, y: np.ndarray, n_classes: int, cfg: FewLabelsConfig) -> FewLabelsResult:
    """The three learners on the same rows and labels; decision regions on 2-D data."""
    from engine.geometry.laplacian import fit_network

    start = time.perf_counter()
    if cfg.spread not in SPREAD:
        raise ValueError(f"Unknown spreading {cfg.spread!r}; choose one of {', '.join(SPREAD)}.")
    labelled = labelled_rows(y, n_classes, cfg)
    Z = graph_space(X)
    graph = build_graph(X, cfg.graph)
    grid = None
    if Z.shape[1] == 2:
        from engine.grid import Grid

        grid = Grid.around(Z, cfg.grid).points
    learners: dict[str, Learned] = {}
    fits = {
        "svm": lambda: fit_svm(Z, y, labelled, grid),
        "spread": lambda: fit_spread(Z, y, labelled, graph, cfg, grid),
    }
    for name, fit in fits.items():
        t = time.perf_counter()
        pred, gp, gc = fit()
        learners[name] = Learned(name, pred, _accuracy(pred, y, labelled), gp, gc, time.perf_counter() - t)
    smoothness = {}
    for name, gamma in (("plain", 0.0), ("laplacian", cfg.penalty)):
        t = time.perf_counter()
        net = fit_network(Z, y, labelled, graph, cfg, gamma, n_classes, grid)
        smoothness[name] = (net.grad_data, net.grad_box)
        if name == "laplacian":
            acc = _accuracy(net.pred, y, labelled)
            learners[name] = Learned(
                name, net.pred, acc, net.grid_pred, net.grid_conf, time.perf_counter() - t
            )
    return FewLabelsResult(
        labelled, learners, graph, class_bridges(graph, y), grid, smoothness, time.perf_counter() - start
    )
