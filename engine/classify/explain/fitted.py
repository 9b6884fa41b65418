"""What every explanation starts from: the checked inputs, the limits of every explanation config, the
fitted models (kept in a small cache keyed by a fingerprint of the data), and each model's response.

A response is the number an explanation attributes, as a function of the input rows: the
probability of one class where the model gives probabilities, else its decision margin for that
class, else (hard voting) the weighted share of its members voting for the class. `members` gives
an ensemble's members as responses too, in the space where the ensemble is their weighted mean.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from engine.classify.fit import MAX_CLASSES, fingerprint
from engine.classify.registry import ModelConfig, make_model

MAX_FEATURES = 100  # wider tables are refused: the model-agnostic explainers' cost grows with the width
LIMITS: dict[str, tuple[int, int]] = {  # inclusive bounds of the configs' integer fields, by field name
    "background": (10, 500),  # rows of the training split drawn as SHAP's background
    "n_samples": (100, 20_000),  # LIME's perturbed samples; permutation SHAP's model evaluations
    "n_repeats": (2, 20),  # seeds of a stability check; shuffles of a permutation importance
    "top_k": (1, 20),  # features compared across seeds
    "shap_points": (0, 500),  # points whose |attribution| a global importance averages
    "grid_resolution": (5, 200),  # values of a partial dependence
    "max_rows": (50, 5_000),  # rows a global view is computed on (a seeded sample above this)
    "grid_size": (5, 60),  # points per side of an attribution map
    "n_neighbors": (2, 50),  # k of a counterfactual's neighbour graph
    "candidates": (1, 200),  # training rows a straight-line counterfactual search heads for
    "steps": (4, 256),  # samples along each segment per refining round of a counterfactual search
    "block": (1, 4),  # pixels per side of an image's superpixels
}
CACHE_SIZE = 48  # fitted models kept; a lineup with its ensembles is about a dozen
Response = Callable[[np.ndarray], np.ndarray]  # (n, n_features) -> (n,)


def check_config(cfg: Any) -> None:
    """ValueError naming the first integer field of `cfg` outside its LIMITS."""
    for f in fields(cfg):
        if f.name in LIMITS:
            lo, hi = LIMITS[f.name]
            value = getattr(cfg, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(f"{f.name.replace('_', ' ').capitalize()} must be a whole number in [{lo}, {hi}], not {value!r}.")  # fmt: skip


def check_data(
    X, y, train_idx, feature_names=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """(X float64, y, train_idx int, feature names), or ValueError with what to change."""
    X, y, train_idx = np.asarray(X, dtype=float), np.asarray(y), np.asarray(train_idx, dtype=int)
    if X.ndim != 2 or len(X) == 0 or X.shape[1] == 0:
        raise ValueError(
            f"Explanations need a table of rows and feature columns, not an array of shape {X.shape}."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("The table has missing or infinite values: clean or impute them first.")
    if y.shape != (len(X),):
        raise ValueError(f"Give one label per row: {len(X)} rows but labels of shape {y.shape}.")
    if X.shape[1] > MAX_FEATURES:
        raise ValueError(
            f"This table has {X.shape[1]} features; explanations are computed for at most {MAX_FEATURES}: "
            f"choose at most {MAX_FEATURES} feature columns, or explain the 2-D plane of the boundaries view."
        )
    if train_idx.ndim != 1 or len(train_idx) == 0 or train_idx.min() < 0 or train_idx.max() >= len(X):
        raise ValueError("The training rows must be a non-empty list of row numbers of the table.")
    classes = np.unique(y[train_idx])
    if len(classes) < 2:
        raise ValueError("The training rows hold only one class: use a stratified split or more samples.")
    if len(classes) > MAX_CLASSES:
        raise ValueError(f"The label has {len(classes)} classes; at most {MAX_CLASSES} can be explained: choose a label with fewer.")  # fmt: skip
    names = tuple(feature_names) if feature_names is not None else tuple(f"x{i}" for i in range(X.shape[1]))
    if len(names) != X.shape[1]:
        raise ValueError(f"Give one name per feature: {X.shape[1]} features but {len(names)} names.")
    return X, y, train_idx, names


def check_point(x, n_features: int) -> np.ndarray:
    """The point as (n_features,) float64; ValueError when it has the wrong length or a missing value."""
    x = np.asarray(x, dtype=float).ravel()
    if x.shape != (n_features,):
        raise ValueError(f"The point has {x.size} values but the models take {n_features} features.")
    if not np.all(np.isfinite(x)):
        raise ValueError("Every value of the point must be a finite number: fill in the empty ones.")
    return x


def check_class(k: int | None, classes: np.ndarray) -> int | None:
    """`k` itself when it is a class of the training rows (None stays None); else a ValueError."""
    if k is None:
        return None
    if k not in set(classes.tolist()):
        raise ValueError(
            f"Class {k} does not occur in the training rows, so no model learned it: choose one of "
            f"{', '.join(map(str, classes.tolist()))}, or a split that keeps it."
        )
    return int(k)


def outside(x: np.ndarray, X_train: np.ndarray, names: Sequence[str]) -> tuple[tuple[int, ...], str | None]:
    """Features on which x lies outside the training rows' range, and a sentence saying so (or None)."""
    out = np.flatnonzero((x < X_train.min(axis=0)) | (x > X_train.max(axis=0)))
    if len(out) == 0:
        return (), None
    listed = ", ".join(names[i] for i in out[:5]) + (f" and {len(out) - 5} more" if len(out) > 5 else "")
    return tuple(int(i) for i in out), (
        f"The point lies outside the training rows' range on {listed}: the models extrapolate there, "
        "so the explanation describes an extrapolation."
    )


def background_rows(X: np.ndarray, train_idx: np.ndarray, n: int, seed: int) -> np.ndarray:
    """(min(n, distinct training rows), n_features): a seeded draw without replacement of the training
    split's distinct rows, the background every SHAP explainer of one call shares."""
    rows = np.unique(train_idx)
    if len(rows) > n:
        rows = np.sort(np.random.default_rng(seed).choice(rows, n, replace=False))
    return X[rows]


@dataclass(frozen=True)
class Fitted:
    """A model fitted on the training rows, or why it could not be (then `model` is None)."""

    cfg: ModelConfig
    label: str
    model: Any | None
    error: str | None = None


_CACHE: OrderedDict[tuple[str, ModelConfig], Fitted] = OrderedDict()
_LOCK = threading.Lock()


def fitted(X: np.ndarray, y: np.ndarray, train_idx: np.ndarray, cfg: ModelConfig) -> Fitted:
    """`cfg` fitted on X[train_idx]: from the cache when this data and config were fitted before."""
    return fitted_all(X, y, train_idx, [cfg])[0]


def fitted_all(
    X: np.ndarray, y: np.ndarray, train_idx: np.ndarray, cfgs: Sequence[ModelConfig]
) -> list[Fitted]:
    """`fitted` for every config, the data fingerprinted once."""
    data = fingerprint(X, y, train_idx, None)
    return [_cached(X, y, train_idx, (data, cfg)) for cfg in cfgs]


def _cached(X, y, train_idx, key: tuple[str, ModelConfig]) -> Fitted:
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = _fit(X, y, train_idx, key[1])
    with _LOCK:
        _CACHE[key] = result
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def _fit(X, y, train_idx, cfg: ModelConfig) -> Fitted:
    try:
        label = cfg.label
    except KeyError:
        label = cfg.name
    try:
        model = make_model(cfg)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence and collinearity: a failed fit is reported instead
            model.fit(X[train_idx], y[train_idx])
            f, _ = response(model, model.classes_[0])
            finite = np.all(np.isfinite(f(X[train_idx])))
    except Exception as exc:  # noqa: BLE001 - any estimator failure becomes this model's message
        return Fitted(cfg, label, None, f"{label} could not be fitted: {exc}".strip())
    if not finite:
        return Fitted(cfg, label, None, f"{label} gave non-finite scores on this data: try another setting.")
    return Fitted(cfg, label, model)


def column(classes: np.ndarray, k) -> int:
    """Position of class `k` in a fitted model's `classes_`."""
    hit = np.flatnonzero(np.asarray(classes) == k)
    if len(hit) == 0:
        raise ValueError(f"Class {k} is not one of this model's classes.")
    return int(hit[0])


def response(model, k, output: str = "probability") -> tuple[Response, str]:
    """(f, space): f(rows) -> (n,) the model's output for class `k`, and what it measures: "probability",
    "margin" (the decision function; output="margin" asks for it where the model has one) or "vote
    share" (hard voting, and bagging of members without probabilities)."""
    col = column(model.classes_, k)
    has_p, has_d = hasattr(model, "predict_proba"), hasattr(model, "decision_function")
    if has_d and (output == "margin" or not has_p):
        return _margin(model, col), "margin"
    if has_p:
        voted = _is(model, "BaggingClassifier") and not hasattr(model.estimators_[0], "predict_proba")
        return (lambda Z: model.predict_proba(Z)[:, col]), ("vote share" if voted else "probability")
    w = np.asarray(model.weights if model.weights is not None else np.ones(len(model.estimators_)), float)
    return (lambda Z: (model.transform(Z) == col) @ w / w.sum()), "vote share"


def _margin(model, col: int, features: np.ndarray | None = None) -> Response:
    def f(Z: np.ndarray) -> np.ndarray:
        d = model.decision_function(Z if features is None else Z[:, features])
        return (d if col == 1 else -d) if d.ndim == 1 else d[:, col]

    return f


def _is(model, name: str) -> bool:
    return type(model).__name__ == name


@dataclass(frozen=True)
class Member:
    label: str
    f: Response  # the member's response for the ensemble's class
    space: str
    predict: Callable[
        [np.ndarray], np.ndarray
    ]  # rows -> the member's class, as a position in the ensemble's classes_


def members(
    model, cfg: ModelConfig, col: int, space: str, output: str = "probability"
) -> tuple[list[Member], np.ndarray | None]:
    """An ensemble's fitted members as responses for the class at `col` of its classes, and their
    normalised weights when the ensemble's response is their weighted mean (voting, bagging; None for
    stacking, whose members are each in their own space). Members learn encoded labels 0..K-1."""
    ests = model.estimators_
    feats = model.estimators_features_ if cfg.name == "bagging" else [None] * len(ests)
    if cfg.name == "bagging":
        labels = [f"{cfg.members[0].label} #{i + 1}" for i in range(len(ests))]
    else:
        labels = [c.label for c in cfg.members]
    weights = getattr(model, "weights", None)  # voting's; bagging and stacking have none
    w = np.asarray(weights if weights is not None else np.ones(len(ests)), float)
    out = []
    for label, est, fe in zip(labels, ests, feats, strict=True):
        if cfg.name == "stacking":
            f, s = response(est, col, output)
        else:
            f, s = _member(est, fe, col, space), _MEMBER_SPACE[space]
        out.append(Member(label, f, s, _predict(est, fe)))
    return out, (None if cfg.name == "stacking" else w / w.sum())


def _predict(est, features: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    return lambda Z: est.predict(Z if features is None else Z[:, features])


_MEMBER_SPACE = {"probability": "probability", "margin": "margin", "vote share": "vote"}


def _member(est, features: np.ndarray | None, col: int, space: str) -> Response:
    """One averaged member in the ensemble's space: its probability (0 for a class its bootstrap
    missed), its margin, or 1 where it votes for the class."""
    pick = (lambda Z: Z) if features is None else (lambda Z: Z[:, features])
    if space == "margin":
        return _margin(est, col, features)
    if space == "vote share":
        return lambda Z: (est.predict(pick(Z)) == col).astype(float)
    hit = np.flatnonzero(est.classes_ == col)
    if len(hit) == 0:
        return lambda Z: np.zeros(len(Z))
    return lambda Z: est.predict_proba(pick(Z))[:, hit[0]]
