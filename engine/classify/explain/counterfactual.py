"""What if: every model's answer at an edited point, and the nearest point a chosen model answers otherwise.

`what_if(X, y, train_idx, cfgs, x)`: each model's predicted class and class probabilities at x, and
the lineup's vote (the class most models predict). `counterfactual(X, y, train_idx, cfg_model, x,
CounterfactualConfig(...))` finds, for one model, the closest point found whose prediction differs
(or is `to_class`) two ways:
- straight line: towards each of the `candidates` nearest training rows the model predicts
  differently, the segment from x is sampled at `steps` points and the step holding the first change
  is sampled again (REFINES rounds, one predict call each); the closest crossing found is returned
  (a search, not a proof that nothing is closer);
- along the data: the training row predicted differently with the shortest path from x through the
  k-nearest-neighbour graph of the training rows (scipy's Dijkstra), so the way there stays where
  data lies; with the path's rows.
Distances are Euclidean in the training rows' standardised units (each feature divided by its
standard deviation), so a feature's scale does not decide what is near.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.classify.explain.fitted import (
    check_class,
    check_config,
    check_data,
    check_point,
    fitted,
    fitted_all,
    outside,
)
from engine.classify.registry import ModelConfig

REFINES = 6  # rounds of sampling the step that holds the first change: it shrinks steps**6-fold


@dataclass(frozen=True)
class WhatIf:
    x: np.ndarray  # (n_features,)
    labels: tuple[str, ...]  # per model
    predicted: np.ndarray  # (n_models,) class each model predicts; -1 where it failed
    proba: np.ndarray  # (n_models, n_classes) class probabilities; NaN rows for models without them
    vote: int  # the class most models predict (the smallest on a tie); -1 when every model failed
    vote_share: float  # share of the working models that predict it
    errors: tuple[str | None, ...]
    outside: tuple[int, ...]
    note: str | None


@dataclass(frozen=True)
class CounterfactualConfig:
    to_class: int | None = None  # None: any class other than the prediction at x
    candidates: int = 20  # nearest differently predicted training rows the straight search heads for
    steps: int = 32  # samples along each segment per refining round
    n_neighbors: int = 10  # k of the neighbour graph over the training rows


@dataclass(frozen=True)
class Counterfactual:
    label: str
    predicted: int  # the model's class at x
    straight: np.ndarray | None  # (n_features,) closest crossing found on a straight segment
    straight_class: int  # its predicted class (-1 when none)
    straight_distance: float  # standardised distance from x (NaN when none)
    row: int | None  # row of X reached along the data: the nearest one predicted differently
    row_class: int  # its predicted class (-1 when none)
    path: np.ndarray  # (n_path,) rows of X from x's first neighbour to `row` along the graph
    geodesic: float  # length of that path, standardised (NaN when none)
    row_distance: float  # straight standardised distance from x to `row` (NaN when none)
    note: str | None  # why one of them is missing


def what_if(X, y, train_idx, cfgs: Sequence[ModelConfig], x, feature_names=None) -> WhatIf:
    """Every model's prediction and probabilities at x, and their vote."""
    X, y, train_idx, names = check_data(X, y, train_idx, feature_names)
    x = check_point(x, X.shape[1])
    if not cfgs:
        raise ValueError("Choose at least one model.")
    classes = np.unique(y[train_idx])
    fits = fitted_all(X, y, train_idx, cfgs)
    pred = np.full(len(fits), -1)
    proba = np.full((len(fits), len(classes)), np.nan)
    for i, fit in enumerate(fits):
        if fit.model is not None:
            pred[i] = fit.model.predict(x[None])[0]
            if hasattr(fit.model, "predict_proba"):
                proba[i, np.searchsorted(classes, fit.model.classes_)] = fit.model.predict_proba(x[None])[0]
    ok = pred[pred >= 0]
    counts = np.bincount(ok) if len(ok) else np.zeros(0, dtype=int)
    vote, share = (int(counts.argmax()), float(counts.max() / len(ok))) if len(ok) else (-1, float("nan"))
    out, note = outside(x, X[train_idx], names)
    return WhatIf(
        x, tuple(f.label for f in fits), pred, proba, vote, share, tuple(f.error for f in fits), out, note
    )


def counterfactual(X, y, train_idx, model_cfg: ModelConfig, x, cfg: CounterfactualConfig = CounterfactualConfig()
                   ) -> Counterfactual:  # fmt: skip
    """The nearest differently predicted point on a straight line and along the data, for one model."""
    X, y, train_idx, _ = check_data(X, y, train_idx)
    x = check_point(x, X.shape[1])
    check_config(cfg)
    to = check_class(cfg.to_class, np.unique(y[train_idx]))
    fit = fitted(X, y, train_idx, model_cfg)
    if fit.model is None:
        raise ValueError(fit.error)
    model, rows = fit.model, np.unique(train_idx)
    here = int(model.predict(x[None])[0])
    if to == here:
        raise ValueError(f"{fit.label} already predicts class {to} at this point: choose another class.")
    std = X[rows].std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    preds = model.predict(X[rows])
    other = rows[preds != here] if to is None else rows[preds == to]
    nan, none = float("nan"), np.empty(0, dtype=int)
    if len(other) == 0:
        wanted = "another class" if to is None else f"class {to}"
        note = f"{fit.label} predicts no training row as {wanted}, so no counterfactual was searched for."
        return Counterfactual(fit.label, here, None, -1, nan, None, -1, none, nan, nan, note)
    straight, s_class = _straight(model, x, X[other], scale, here, to, cfg)
    row, path, geodesic = _along_data(X, rows, x, other, scale, cfg.n_neighbors)
    note = (
        None if row is not None else "No differently predicted training row is linked to the point: raise k."
    )
    s_dist = float(np.linalg.norm((straight - x) / scale)) if straight is not None else nan
    r_class = int(model.predict(X[row][None])[0]) if row is not None else -1
    r_dist = float(np.linalg.norm((X[row] - x) / scale)) if row is not None else nan
    return Counterfactual(
        fit.label, here, straight, s_class, s_dist, row, r_class, path, geodesic, r_dist, note
    )


def _changed(pred: np.ndarray, here: int, to: int | None) -> np.ndarray:
    return pred != here if to is None else pred == to


def _straight(model, x, targets, scale, here: int, to: int | None, cfg: CounterfactualConfig):
    """The closest first change of prediction on the segments from x to the nearest `targets`."""
    d = np.linalg.norm((targets - x) / scale, axis=1)
    targets = targets[np.argsort(d)[: cfg.candidates]]
    lo, hi = np.zeros(len(targets)), np.ones(len(targets))
    frac = np.linspace(0.0, 1.0, cfg.steps + 1)[1:]  # (s,)
    for round_ in range(REFINES):  # one predict call per round, whatever the model's cost per call
        t = lo[:, None] + (hi - lo)[:, None] * frac  # (c, s)
        pts = x + t[:, :, None] * (targets - x)[:, None, :]  # (c, s, m)
        hit = _changed(model.predict(pts.reshape(-1, len(x))), here, to).reshape(t.shape)
        if round_ == 0:  # each segment ends at a changed row, but for rounding
            keep = hit.any(axis=1)
            targets, lo, hi, t, hit = targets[keep], lo[keep], hi[keep], t[keep], hit[keep]
            if len(targets) == 0:
                return None, -1
        found, first = hit.any(axis=1), hit.argmax(axis=1)
        rows = np.arange(len(t))
        new_lo = np.where(first > 0, t[rows, np.maximum(first - 1, 0)], lo)
        lo, hi = np.where(found, new_lo, lo), np.where(found, t[rows, first], hi)
    ends = x + hi[:, None] * (targets - x)
    best = int(np.argmin(np.linalg.norm((ends - x) / scale, axis=1)))
    return ends[best], int(model.predict(ends[best][None])[0])


def _along_data(X, rows, x, other, scale, k: int):
    """(row, path rows, geodesic length) of the differently predicted row nearest x along the graph."""
    from scipy.sparse.csgraph import dijkstra
    from sklearn.neighbors import kneighbors_graph

    Z = np.vstack([X[rows], x[None]]) / scale  # x is the last node
    A = kneighbors_graph(Z, min(k, len(Z) - 1), mode="distance")
    A.data = np.maximum(A.data, 1e-12)  # duplicate rows stay connected
    A = A.maximum(A.T)
    dist, pred = dijkstra(A, directed=False, indices=len(Z) - 1, return_predecessors=True)
    node = np.searchsorted(rows, other)
    reach = node[np.isfinite(dist[node])]
    if len(reach) == 0:
        return None, np.empty(0, dtype=int), float("nan")
    end = int(reach[np.argmin(dist[reach])])
    path, at = [], end
    while at != len(Z) - 1:
        path.append(at)
        at = pred[at]
    return int(rows[end]), rows[np.array(path[::-1], dtype=int)], float(dist[end])
