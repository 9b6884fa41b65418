"""Decision boundaries: fit many classifiers on the same 2-D data and evaluate each on a grid.

`fit_all(X, y, train_idx, test_idx, grid, [ModelConfig(...), ...])` fits every model (registry in
`engine.classify.registry`) in parallel and returns one `BoundaryResult` per model: the predicted class and
a confidence on every grid point, and test metrics. A model that fails to fit (QDA on collinear
data, a bad setting) gets an `error` message; the others are unaffected. With a `cache` dict only
models whose configuration or data changed are refitted. scikit-learn is imported inside functions.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.classify.registry import ENSEMBLES, MODELS, ModelConfig, ModelSpec, make_model
from engine.data.split import stratified_split
from engine.grid import Grid

__all__ = [
    "ENSEMBLES", "MODELS", "BoundaryResult", "ModelConfig", "ModelSpec", "confusion", "disagreement", "fingerprint",
    "fit_all", "fit_boundary", "make_grid", "make_model", "overruled", "oversample", "split",
    "subsample_class", "warm_workers",
]  # fmt: skip

MAX_CLASSES = 20  # more colours than this cannot be told apart on a map, and one-vs-one fits explode
N_JOBS = max(1, min(8, os.cpu_count() or 1))  # worker processes of fit_all
BACKEND = "loky"  # faster than threads here once its workers have started: see fit_all
IDLE_WORKER_S = 3600  # workers stay this long after their last task, so the next fit does not restart them


@dataclass(frozen=True)
class BoundaryResult:
    name: str  # ModelConfig.name
    label: str  # human name for the tile
    grid_pred: np.ndarray  # (g*g,) predicted class on the grid
    grid_conf: np.ndarray  # (g*g,) in [0, 1]: max predict_proba, else tanh of the decision margin
    train_acc: float
    test_acc: float  # NaN without test rows
    f1: float  # macro F1 on the test rows
    roc_auc: float | None  # test; binary: score of class 1; multi-class: one-vs-rest macro (needs proba)
    fit_s: float
    predict_s: float  # grid and test predictions
    test_pred: np.ndarray  # (n_test,)
    error: str | None = None  # why this model failed; then the arrays are empty and the scores NaN


def make_grid(X2: np.ndarray, size: int = 150, margin: float = 0.1) -> np.ndarray:
    """(size**2, 2) points over X2's bounding box plus `margin`; row i * size + j = (x_j, y_i)."""
    X2 = np.asarray(X2, dtype=float)
    if X2.ndim != 2 or X2.shape[1] != 2 or len(X2) == 0:
        raise ValueError(
            "Decision boundaries are drawn on two features: choose two columns or a 2-D projection."
        )
    if not 2 <= size <= 1000:
        raise ValueError(f"The grid size must be between 2 and 1000, not {size}.")
    return Grid.around(X2, size, margin).points


def _check_labels(y: np.ndarray) -> None:
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            "A classifier needs at least two classes: choose a dataset or label column with two or more."
        )
    if len(classes) > MAX_CLASSES:
        raise ValueError(
            f"The label has {len(classes)} classes; decision regions can be told apart for at most "
            f"{MAX_CLASSES}: choose a label column with fewer classes (a category, not an ID or a measurement)."
        )
    single = classes[counts < 2]
    if len(single):
        raise ValueError(
            f"Class {', '.join(map(str, single))} has only one sample; each class needs at least two "
            "(one to train, one to test): add samples or drop that class."
        )


def split(y: np.ndarray, test_fraction: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded (train_idx, test_idx), each sorted: `engine.data.split.stratified_split`,
    the network's split, after checks that every class can be drawn and both sides hold every class."""
    y = np.asarray(y)
    _check_labels(y)
    if not 0 < test_fraction < 1:
        raise ValueError(f"The test fraction must be between 0 and 1, not {test_fraction}.")
    k, n = len(np.unique(y)), len(y)
    n_test = int(np.ceil(test_fraction * n))
    if n_test < k or n - n_test < k:
        raise ValueError(
            f"{n} samples cannot hold one of each of the {k} classes in both the training and test sets "
            f"with a test fraction of {test_fraction}: add samples or change the test fraction."
        )
    return stratified_split(y, test_fraction, np.random.default_rng(seed))


def subsample_class(y: np.ndarray, cls, keep_fraction: float, seed: int = 0) -> np.ndarray:
    """Sorted rows kept when only `keep_fraction` of class `cls` is kept (at least two of it)."""
    y = np.asarray(y)
    if not 0 < keep_fraction <= 1:
        raise ValueError(f"The share of the class to keep must be in (0, 1], not {keep_fraction}.")
    rows = np.flatnonzero(y == cls)
    if len(rows) == 0:
        raise ValueError(f"There is no class {cls!r} in the labels.")
    n_keep = min(len(rows), max(2, round(keep_fraction * len(rows))))
    kept = np.random.default_rng(seed).choice(rows, n_keep, replace=False)
    return np.sort(np.concatenate([np.flatnonzero(y != cls), kept]))


def oversample(y: np.ndarray, train_idx: np.ndarray, seed: int = 0) -> np.ndarray:
    """Training rows with every class's rows repeated (seeded draw) up to the largest class's count."""
    y, train_idx = np.asarray(y), np.asarray(train_idx, dtype=int)
    classes, counts = np.unique(y[train_idx], return_counts=True)
    rng, out = np.random.default_rng(seed), [train_idx]
    for c, n in zip(classes, counts, strict=True):
        if n < counts.max():
            out.append(rng.choice(train_idx[y[train_idx] == c], counts.max() - n, replace=True))
    return np.sort(np.concatenate(out))


def fingerprint(X, y, train_idx, grid, test_idx=None) -> str:
    """blake2b of the arrays' bytes (with shapes and dtypes): the data part of a cache key."""
    h = hashlib.blake2b(digest_size=16)
    for a in (X, y, train_idx, grid, test_idx):
        a = np.ascontiguousarray(a if a is not None else np.empty(0))
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _confidence(model, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(predicted class, confidence in [0, 1]) on the rows of G with one pass over them."""
    classes = model.classes_
    if hasattr(model, "predict_proba"):
        p = model.predict_proba(G)
        return classes[p.argmax(axis=1)], p.max(axis=1)
    if not hasattr(model, "decision_function"):  # hard voting: the weighted share of the winning votes
        votes = model.transform(G)  # (n, n_members) class index of each member
        w = np.asarray(model.weights if model.weights is not None else np.ones(votes.shape[1]), dtype=float)
        share = np.stack([((votes == k) * w).sum(axis=1) for k in range(len(classes))], axis=1) / w.sum()
        return classes[share.argmax(axis=1)], share.max(axis=1)
    d = model.decision_function(G)
    if d.ndim == 1:
        return classes[(d > 0).astype(int)], np.tanh(np.abs(d))
    top2 = np.sort(d, axis=1)[:, -2:]
    return classes[d.argmax(axis=1)], np.tanh(top2[:, 1] - top2[:, 0])


def _roc_auc(model, Xt: np.ndarray, yt: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    classes = model.classes_
    if len(np.unique(yt)) < 2 or not set(np.unique(yt)) <= set(classes):
        return None
    try:
        if len(classes) == 2:
            if not (hasattr(model, "predict_proba") or hasattr(model, "decision_function")):
                return None
            has_p = hasattr(model, "predict_proba")
            s = model.predict_proba(Xt)[:, 1] if has_p else model.decision_function(Xt)
            return float(roc_auc_score(yt == classes[1], s))
        if not hasattr(model, "predict_proba") or len(np.unique(yt)) < len(classes):
            return None
        return float(roc_auc_score(yt, model.predict_proba(Xt), multi_class="ovr", labels=classes))
    except ValueError:
        return None


def _failed(cfg: ModelConfig, label: str, message: str) -> BoundaryResult:
    empty, nan = np.empty(0), float("nan")
    return BoundaryResult(cfg.name, label, empty, empty, nan, nan, nan, None, nan, nan, empty, message)


def _label(cfg: ModelConfig) -> str:
    try:
        return cfg.label
    except KeyError:
        return cfg.name


def fit_boundary(X, y, train_idx, test_idx, grid, cfg: ModelConfig) -> BoundaryResult:
    """Fit `cfg` on the training rows, predict the grid and the test rows.

    Raises ValueError for problems of the data (fewer than two classes in the training rows, a
    class with one sample); a failure of this model alone is returned as `error`.
    """
    import warnings

    from sklearn.metrics import accuracy_score, f1_score

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    train_idx, test_idx = np.asarray(train_idx, dtype=int), np.asarray(test_idx, dtype=int)
    _check_labels(y[np.concatenate([train_idx, test_idx])])
    if len(np.unique(y[train_idx])) < 2:
        raise ValueError("The training rows hold only one class: use a stratified split or more samples.")
    if grid.ndim != 2 or grid.shape[1] != X.shape[1]:
        raise ValueError(f"The grid has {grid.shape[-1]} columns but the data has {X.shape[1]} features.")
    label = _label(cfg)
    try:
        model = make_model(cfg)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence and collinearity warnings: scores tell the story
            model.fit(X[train_idx], y[train_idx])
            t1 = time.perf_counter()
            gp, gc = _confidence(model, grid)
            test_pred = model.predict(X[test_idx]) if len(test_idx) else np.empty(0, dtype=y.dtype)
            t2 = time.perf_counter()
            train_acc = float(accuracy_score(y[train_idx], model.predict(X[train_idx])))
            auc = _roc_auc(model, X[test_idx], y[test_idx]) if len(test_idx) else None
    except Exception as exc:  # noqa: BLE001 - any estimator failure becomes a message on its tile
        return _failed(cfg, label, f"{label} could not be fitted: {exc}".strip())
    if not np.all(np.isfinite(gc)):
        return _failed(cfg, label, f"{label} gave non-finite scores on this data: try another setting.")
    yt = y[test_idx]
    test_acc = float(accuracy_score(yt, test_pred)) if len(yt) else float("nan")
    f1 = float(f1_score(yt, test_pred, average="macro")) if len(yt) else float("nan")
    gp = gp.astype(np.int16) if np.issubdtype(gp.dtype, np.integer) and np.abs(gp).max() < 2**15 else gp
    conf = np.clip(gc, 0.0, 1.0).astype(np.float32)  # both kept for every cached model: keep them small
    return BoundaryResult(
        cfg.name, label, gp, conf, train_acc, test_acc, f1, auc, t1 - t0, t2 - t1, test_pred
    )


def fit_all(
    X,
    y,
    train_idx,
    test_idx,
    grid,
    cfgs: Sequence[ModelConfig],
    n_jobs: int = N_JOBS,
    cache: dict | None = None,
    on_result: Callable[[BoundaryResult, int, int], None] | None = None,
) -> list[BoundaryResult]:
    """fit_boundary for every config, in parallel, in the order given.

    With `cache`, results are kept under (data fingerprint, cfg): a config seen before on the same
    data is not refitted, so changing one model's setting refits that model and the ensembles that
    contain it. Identical configs in `cfgs` are fitted once. loky worker processes beat threads
    (about 0.4x against 0.85x of a sequential loop on two cores) once started; the first call
    pays a few seconds to start them (see `warm_workers`), and they stay for the next calls.
    `on_result(result, done, total)` is called as each model finishes, in the order they finish.
    """
    X, y, grid = np.asarray(X, dtype=float), np.asarray(y), np.asarray(grid, dtype=float)
    _check_labels(y[np.concatenate([np.asarray(train_idx), np.asarray(test_idx)]).astype(int)])
    if len(np.unique(y[np.asarray(train_idx, dtype=int)])) < 2:
        raise ValueError("The training rows hold only one class: use a stratified split or more samples.")
    data = fingerprint(X, y, train_idx, grid, test_idx)
    cache = {} if cache is None else cache
    found = {c: r for c in cfgs if (r := cache.get((data, c))) is not None}
    todo = [c for c in dict.fromkeys(cfgs) if c not in found]
    if todo:
        from joblib import delayed

        todo.sort(key=_cost, reverse=True)  # longest first keeps both workers busy to the end
        results = _parallel(min(n_jobs, len(todo)), "generator_unordered")(
            delayed(_fit_one)(X, y, train_idx, test_idx, grid, c) for c in todo
        )
        try:
            for done, (c, r) in enumerate(results, 1):
                cache[(data, c)] = found[c] = r
                if on_result is not None:
                    on_result(r, done, len(todo))
        except BaseException:  # e.g. the caller was interrupted: abandoning the generator would
            for c, r in results:  # shut the workers every session shares down, so finish and keep
                cache[(data, c)] = r
            raise
    return [found[c] for c in cfgs]


def _fit_one(X, y, train_idx, test_idx, grid, cfg: ModelConfig) -> tuple[ModelConfig, BoundaryResult]:
    return cfg, fit_boundary(X, y, train_idx, test_idx, grid, cfg)


def _import_models() -> int:
    import sklearn.ensemble  # noqa: F401
    import sklearn.gaussian_process  # noqa: F401
    import sklearn.neural_network  # noqa: F401
    import sklearn.svm  # noqa: F401

    import engine.nets.estimators  # noqa: F401

    return 0


def warm_workers(n_jobs: int = N_JOBS) -> None:
    """Start the worker processes fit_all uses and import the models there, ahead of the first fit."""
    from joblib import delayed

    _parallel(n_jobs)(delayed(_import_models)() for _ in range(n_jobs))


def _parallel(n_jobs: int, return_as: str = "list"):
    """joblib.Parallel on the shared, long-lived worker processes (one configuration everywhere, so
    calls never restart them)."""
    from joblib import Parallel, parallel_config

    with parallel_config(backend=BACKEND, idle_worker_timeout=IDLE_WORKER_S):
        return Parallel(n_jobs=n_jobs, return_as=return_as, max_nbytes=None)  # no memmapped temporary files


def _cost(cfg: ModelConfig) -> int:
    if cfg.name in ENSEMBLES:
        return (6 if cfg.name == "stacking" else 2) * sum(_cost(m) for m in cfg.members)
    return MODELS[cfg.name].cost if cfg.name in MODELS else 1


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts: row = true class code, column = predicted."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))


def disagreement(preds: Sequence[np.ndarray]) -> np.ndarray:
    """(n,) share of the models whose prediction differs from the majority class (0 = all agree)."""
    P = np.asarray(preds)  # (n_models, n)
    if P.ndim != 2 or len(P) == 0:
        raise ValueError("Disagreement needs the predictions of at least one model on the same points.")
    counts = np.stack([(c == P).sum(axis=0) for c in np.unique(P)])
    return 1.0 - counts.max(axis=0) / len(P)


def overruled(ensemble_pred: np.ndarray, member_preds: Sequence[np.ndarray]) -> np.ndarray:
    """(n,) True where the ensemble predicts a class that is not the members' majority (or a tied top)."""
    P, e = np.asarray(member_preds), np.asarray(ensemble_pred)
    if P.ndim != 2 or P.shape[1] != len(e):
        raise ValueError("The ensemble and its members must be predicted on the same points.")
    votes = (e == P).sum(axis=0)
    top = np.stack([(c == P).sum(axis=0) for c in np.unique(P)]).max(axis=0)
    return votes < top
