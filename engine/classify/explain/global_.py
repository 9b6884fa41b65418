"""Explaining the whole model: which features it reads, and how its output follows one feature.

`explain_global(X, y, train_idx, eval_idx, cfgs, GlobalConfig(...))` gives, per model, on the rows
`eval_idx` (a seeded sample of `max_rows` above that):
- permutation importance: the drop in accuracy when one feature's column is shuffled, `n_repeats`
  shuffles per feature, the same shuffles as `sklearn.inspection.permutation_importance(model, X, y,
  n_repeats=..., random_state=seed)` (a test checks the numbers are equal);
- mean |SHAP| over `shap_points` of those rows (tree SHAP for trees and forests, model-agnostic
  SHAP for the rest, on one background) when shap_points > 0;
- how concentrated the importance is: the top feature's share and 1 / sum(share^2), the effective
  number of features (1: one feature; n: all alike);
- partial dependence and ICE curves of `feature`: the response with that column set to each grid
  value (sklearn's grid: `percentiles` of the column, `grid_resolution` values, the distinct values
  when fewer), for every row, as `sklearn.inspection.partial_dependence(kind="both")`.
The shuffled and gridded copies are predicted in a few large batches rather than one call per
shuffle or grid value, which is where the time goes for forests and boosting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from engine.classify.explain import shapley
from engine.classify.explain.fitted import (
    background_rows,
    check_class,
    check_config,
    check_data,
    column,
    fitted_all,
    response,
)
from engine.classify.explain.local import OUTPUTS
from engine.classify.fit import N_JOBS
from engine.classify.registry import ModelConfig

CHUNK = 50_000  # rows per predict call of the batched copies
PREDICT_COST = {"rbf_svm": 10, "poly_svm": 10, "gp": 10, "net_svm": 3, "knn": 2, "forest": 2, "extra_trees": 2,
                "hist_gb": 2, "adaboost": 2}  # fmt: skip


@dataclass(frozen=True)
class GlobalConfig:
    feature: int = 0  # column of the partial dependence
    n_repeats: int = 5  # shuffles per feature of the permutation importance
    grid_resolution: int = 50  # values of the partial dependence (the distinct values when fewer)
    percentiles: tuple[float, float] = (0.05, 0.95)  # span of the partial dependence grid
    max_rows: int = 1000  # rows of eval_idx used; a seeded sample above this
    target_class: int | None = None  # class of the PD and mean |SHAP|; None = the last class
    output: str = "probability"  # or "margin": the decision function where the model has one
    shap_points: int = 0  # rows whose |SHAP| is averaged; 0 = no mean |SHAP|
    background: int = 50  # training rows of SHAP's background
    n_samples: int = 500  # permutation SHAP's model evaluations per row (wide tables)
    seed: int = 0


@dataclass(frozen=True)
class ModelImportance:
    name: str
    label: str
    space: str  # the response of the PD and mean |SHAP|, as in Attribution.space
    accuracy: float  # on the rows: the permutation importance's baseline
    permutation: np.ndarray  # (n_features,) mean drop in accuracy when the feature is shuffled
    permutation_std: np.ndarray  # (n_features,) its standard deviation over the shuffles
    mean_abs: np.ndarray | None  # (n_features,) mean |attribution| over shap_points rows, or None
    explainer: str  # the SHAP explainer of mean_abs ("" when not computed)
    top_share: float  # the top feature's share of the importance (mean_abs, else permutation >= 0)
    effective_features: float  # 1 / sum(share^2); NaN when no feature matters
    pd_average: np.ndarray  # (n_grid,) partial dependence: the mean of the ICE curves
    pd_ice: np.ndarray  # (n_rows, n_grid) float32 one curve per row
    error: str | None = None


@dataclass(frozen=True)
class GlobalResult:
    feature_names: tuple[str, ...]
    feature: int
    pd_grid: np.ndarray  # (n_grid,) values of the feature
    target_class: int
    rows: np.ndarray  # (n_rows,) row numbers of X the views are computed on
    n_repeats: int
    models: tuple[ModelImportance, ...]


def explain_global(X, y, train_idx, eval_idx, cfgs: Sequence[ModelConfig], cfg: GlobalConfig = GlobalConfig(),
                   feature_names=None, n_jobs: int = N_JOBS) -> GlobalResult:  # fmt: skip
    """Permutation importance, mean |SHAP| (optional), concentration and PD/ICE for every model, the
    models shared among `n_jobs` worker processes (1: in this process)."""
    X, y, train_idx, names = check_data(X, y, train_idx, feature_names)
    check_config(cfg)
    if cfg.output not in OUTPUTS:
        raise ValueError(f"The output explained is one of {', '.join(OUTPUTS)}, not {cfg.output!r}.")
    if not 0 <= cfg.feature < X.shape[1]:
        raise ValueError(
            f"Choose the partial dependence's feature among the {X.shape[1]} columns, not {cfg.feature}."
        )
    if not 0 <= cfg.percentiles[0] < cfg.percentiles[1] <= 1:
        raise ValueError("The partial dependence's percentiles are two increasing numbers in [0, 1].")
    rows = _rows(eval_idx, len(X), cfg.max_rows, cfg.seed)
    classes = np.unique(y[train_idx])
    k = check_class(cfg.target_class, classes)
    k = int(classes[-1]) if k is None else k
    grid = pd_grid(X[rows, cfg.feature], cfg.percentiles, cfg.grid_resolution)
    bg = background_rows(X, train_idx, cfg.background, cfg.seed) if cfg.shap_points else None
    fits = fitted_all(X, y, train_idx, cfgs)
    args = (X[rows], y[rows], grid, bg, k, cfg)
    if n_jobs == 1 or len(fits) < 2:
        models = [_model(fit, *args) for fit in fits]
    else:  # the fitting workers of fit_all (one configuration, so they are not restarted)
        from joblib import delayed

        from engine.classify.fit import _parallel

        order = sorted(range(len(fits)), key=lambda i: -predict_cost(fits[i].cfg))
        done = _parallel(min(n_jobs, len(fits)))(delayed(_model)(fits[i], *args) for i in order)
        models = [m for _, m in sorted(zip(order, done, strict=True), key=lambda pair: pair[0])]
    return GlobalResult(names, cfg.feature, grid, k, rows, cfg.n_repeats, tuple(models))


def predict_cost(cfg: ModelConfig) -> int:
    """Relative time to predict many rows: kernel machines and ensembles first, so workers finish together."""
    if cfg.members:
        return sum(predict_cost(m) for m in cfg.members) * (1 + (cfg.name == "stacking"))
    return PREDICT_COST.get(cfg.name, 1)


def _rows(eval_idx, n: int, max_rows: int, seed: int) -> np.ndarray:
    rows = np.asarray(eval_idx, dtype=int)
    if rows.ndim != 1 or len(rows) < 2 or rows.min() < 0 or rows.max() >= n:
        raise ValueError("Give at least two row numbers of the table to compute the global views on.")
    if len(rows) > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_rows, replace=False))
    return rows


def _model(fit, R, yR, grid, bg, k: int, cfg: GlobalConfig) -> ModelImportance:
    if fit.model is None:
        return _failed(fit, fit.error)
    try:
        return _importance(fit, R, yR, grid, bg, k, cfg)
    except Exception as exc:  # noqa: BLE001 - one model's failure is shown on its row, not raised
        return _failed(fit, f"{fit.label} could not be explained here: {exc}".strip())


def _failed(fit, error: str | None) -> ModelImportance:
    e, nan = np.empty(0), float("nan")
    return ModelImportance(fit.cfg.name, fit.label, "", nan, e, e, None, "", nan, nan, e, e, error)


def _importance(fit, R, yR, grid, bg, k: int, cfg: GlobalConfig) -> ModelImportance:
    model = fit.model
    f, space = response(model, k, cfg.output)
    accuracy, drops = permutation_drops(model.predict, R, yR, cfg.n_repeats, cfg.seed)
    mean_abs, explainer = None, ""
    if cfg.shap_points:
        P = R[: cfg.shap_points]
        if shapley.tree_ready(model, space):
            values, explainer = shapley.tree_rows(model, column(model.classes_, k), P, bg)[0], "tree"
        else:
            explainer, values, _ = shapley.agnostic_rows(f, P, bg, cfg.n_samples, cfg.seed)
        mean_abs = np.abs(values).mean(axis=0)
    top, effective = concentration(mean_abs if mean_abs is not None else drops.mean(axis=1))
    average, ice = partial_dependence(f, R, cfg.feature, grid)
    return ModelImportance(fit.cfg.name, fit.label, space, accuracy, drops.mean(axis=1), drops.std(axis=1),
                           mean_abs, explainer, top, effective, average, ice.astype(np.float32))  # fmt: skip


def concentration(importance: np.ndarray) -> tuple[float, float]:
    """(top feature's share, 1 / sum(share^2)) of the non-negative part of `importance`."""
    p = np.clip(np.asarray(importance, dtype=float), 0.0, None)
    if p.sum() <= 0:
        return float("nan"), float("nan")
    p = p / p.sum()
    return float(p.max()), float(1.0 / np.sum(p**2))


def permutation_drops(predict: Callable, R: np.ndarray, yR: np.ndarray, n_repeats: int, seed: int
                      ) -> tuple[float, np.ndarray]:  # fmt: skip
    """(accuracy on R, (n_features, n_repeats) drops in accuracy): scikit-learn's permutation
    importance with random_state=seed (the same seed per feature, shuffles applied cumulatively)."""
    n, m = R.shape
    feature_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)

    def shuffled(j: int) -> np.ndarray:  # (n_repeats * n, m): column j shuffled, cumulatively
        rs, idx, col = np.random.RandomState(feature_seed), np.arange(n), R[:, j].copy()
        block = np.repeat(R[None], n_repeats, axis=0)
        for r in range(n_repeats):
            rs.shuffle(idx)
            col = col[idx]
            block[r, :, j] = col
        return block.reshape(-1, m)

    pred = _batched(predict, (shuffled(j) for j in range(m)))
    baseline = float(np.mean(predict(R) == yR))
    correct = (pred.reshape(m, n_repeats, n) == yR).mean(axis=2)
    return baseline, baseline - correct


def pd_grid(values: np.ndarray, percentiles: tuple[float, float], resolution: int) -> np.ndarray:
    """scikit-learn's partial dependence grid of one column: its distinct values when fewer than
    `resolution`, else `resolution` values evenly between the two percentiles (the column's range
    when those coincide)."""
    from scipy.stats.mstats import mquantiles

    uniques = np.unique(values)
    if len(uniques) < resolution:
        return uniques
    lo, hi = mquantiles(values, prob=percentiles, axis=0)
    if np.isclose(lo, hi):
        lo, hi = uniques[0], uniques[-1]
    return np.linspace(lo, hi, resolution)


def partial_dependence(
    f: Callable, R: np.ndarray, feature: int, grid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(average (n_grid,), ice (n_rows, n_grid)): f on every row of R with `feature` set to each value."""
    n = len(R)
    copies = np.repeat(R[None], len(grid), axis=0)  # (n_grid, n, m)
    copies[:, :, feature] = grid[:, None]
    ice = _batched(f, iter([copies.reshape(-1, R.shape[1])])).reshape(len(grid), n).T
    return ice.mean(axis=0), ice


def _batched(fn: Callable, blocks: Iterator[np.ndarray]) -> np.ndarray:
    """fn over the rows of the blocks in order, in calls of about CHUNK rows (blocks are gathered
    until they reach it, a large block is cut), so the copies never all sit in memory at once."""
    out, pending, size = [], [], 0
    for block in blocks:
        pending.append(block)
        size += len(block)
        if size >= CHUNK:
            rows = np.concatenate(pending) if len(pending) > 1 else pending[0]
            out += [fn(rows[i : i + CHUNK]) for i in range(0, len(rows), CHUNK)]
            pending, size = [], 0
    if pending:
        out.append(fn(np.concatenate(pending)))
    return np.concatenate(out)
