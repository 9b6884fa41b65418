"""Explaining one point: every model's attributions side by side, an ensemble's members beside it.

`explain_point(X, y, train_idx, cfgs, x, PointConfig(...))` fits (or takes from the cache) every
model of `cfgs` on the training rows and attributes its response at x to the features: SHAP (tree
explainer for trees and forests, exact or permutation SHAP for the rest, all on one seeded
background of training rows) or LIME. An ensemble's members are explained on the same point, for the
ensemble's class, with the ensemble's explainer and background; for soft voting (and hard voting,
and bagging) the ensemble's response is the weighted mean of its members', so by the linearity of
Shapley values its attributions equal the weighted mean of theirs: `gap` measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from engine.classify.explain import shapley
from engine.classify.explain.fitted import (
    Fitted,
    background_rows,
    check_class,
    check_config,
    check_data,
    check_point,
    column,
    fitted_all,
    members,
    outside,
    response,
)
from engine.classify.registry import ModelConfig

METHODS = ("shap", "lime")
OUTPUTS = ("probability", "margin")
AVERAGING = ("voting", "bagging")  # ensembles whose response is the weighted mean of their members'


@dataclass(frozen=True)
class PointConfig:
    method: str = "shap"  # "shap" (tree SHAP for trees and forests, exact/permutation SHAP else) or "lime"
    target_class: int | None = None  # class code explained; None = each model's prediction at x
    output: str = "probability"  # or "margin": the decision function where the model has one
    background: int = 100  # training rows drawn (seeded) as SHAP's background and LIME's scale
    n_samples: int = 1000  # LIME's perturbed samples; permutation SHAP's model evaluations
    seed: int = 0


@dataclass(frozen=True)
class Attribution:
    name: str  # ModelConfig.name, or "member" for an ensemble's member
    label: str
    explainer: str  # a key of shapley.EXPLAINERS; "" when the model failed
    space: str  # "probability", "margin", "vote share" (hard voting) or "vote" (a voting member)
    target_class: int  # class code explained (-1 when the model failed)
    values: np.ndarray  # (n_features,) each feature's attribution, in `space` units
    base: float  # SHAP: E[f(x)] over the background; LIME: its local fit's intercept
    value: float  # f(x)
    residual: float  # sum(values) - (value - base): SHAP's additivity (about 0); LIME's local miss at x
    predicted: int  # class the model predicts at x
    score: float = float("nan")  # LIME: R^2 of its weighted local fit
    members: tuple[Attribution, ...] = ()  # an ensemble's members, on x, for the ensemble's class
    weights: np.ndarray | None = None  # (n_members,) normalised, when the ensemble averages its members
    members_mean: np.ndarray | None = None  # (n_features,) sum of weights[i] * members[i].values
    gap: float = float("nan")  # max |values - members_mean|; 0 within float error for exact SHAP
    error: str | None = None  # why this model could not be fitted or explained


@dataclass(frozen=True)
class PointResult:
    x: np.ndarray  # (n_features,) the point explained
    feature_names: tuple[str, ...]
    method: str
    background: int  # training rows in the background
    n_samples: int
    outside: tuple[int, ...]  # features on which x lies outside the training rows' range
    note: str | None  # a sentence for the page when x is outside that range
    models: tuple[Attribution, ...]  # in the order of cfgs


def check_point_config(cfg: PointConfig) -> None:
    check_config(cfg)
    if cfg.method not in METHODS:
        raise ValueError(f"The explanation method is one of {', '.join(METHODS)}, not {cfg.method!r}.")
    if cfg.output not in OUTPUTS:
        raise ValueError(f"The output explained is one of {', '.join(OUTPUTS)}, not {cfg.output!r}.")


def explain_point(
    X, y, train_idx, cfgs: Sequence[ModelConfig], x, cfg: PointConfig = PointConfig(), feature_names=None
) -> PointResult:
    """Attributions of every model of `cfgs` at x; ValueError for inputs the user can change, a
    model's own failure as its `error`."""
    X, y, train_idx, names = check_data(X, y, train_idx, feature_names)
    x = check_point(x, X.shape[1])
    check_point_config(cfg)
    if not cfgs:
        raise ValueError("Choose at least one model to explain.")
    k = check_class(cfg.target_class, np.unique(y[train_idx]))
    bg = background_rows(X, train_idx, cfg.background, cfg.seed)
    out, note = outside(x, X[train_idx], names)
    models = tuple(explain_model(fit, x, bg, cfg, k) for fit in fitted_all(X, y, train_idx, cfgs))
    return PointResult(x, names, cfg.method, len(bg), cfg.n_samples, out, note, models)


def explain_model(fit: Fitted, x: np.ndarray, bg: np.ndarray, cfg: PointConfig, k: int | None,
                  attribute: Callable[..., shapley.Attr] | None = None) -> Attribution:  # fmt: skip
    """One fitted model at x (its members beside it when it is an ensemble); `attribute` replaces
    the method's attribution (same arguments as `_attribute`), e.g. over superpixels."""
    attribute = attribute or _attribute
    if fit.model is None:
        return failed(fit.cfg.name, fit.label, fit.error)
    model = fit.model
    try:
        predicted = model.predict(x[None])[0]
        target = predicted if k is None else k
        f, space = response(model, target, cfg.output)
        attr = attribute(model, f, space, x, bg, cfg, column(model.classes_, target))
        main = _attribution(fit.cfg.name, fit.label, attr, space, int(target), int(predicted))
        if fit.cfg.name not in ("voting", "stacking", "bagging"):
            return main
        return _with_members(main, fit, x, bg, cfg, column(model.classes_, target), attr.explainer, attribute)
    except Exception as exc:  # noqa: BLE001 - one model's failure is shown on its row, not raised
        return failed(fit.cfg.name, fit.label, f"{fit.label} could not be explained here: {exc}".strip())


def _attribute(
    model, f, space, x, bg, cfg: PointConfig, col: int, explainer: str | None = None
) -> shapley.Attr:
    """The method's attribution; `explainer` forces the model-agnostic one an ensemble used."""
    if cfg.method == "lime":
        return shapley.lime(f, x, bg, cfg.n_samples, cfg.seed)
    if explainer is None and shapley.tree_ready(model, space):
        return shapley.tree_shap(model, col, x, bg)
    return shapley.model_agnostic(f, x, bg, cfg.n_samples, cfg.seed, sampled=explainer == "permutation")


def _with_members(main: Attribution, fit: Fitted, x, bg, cfg: PointConfig, col: int, explainer: str,
                  attribute: Callable[..., shapley.Attr]) -> Attribution:  # fmt: skip
    parts, weights = members(fit.model, fit.cfg, col, main.space, cfg.output)
    rows = []
    for m in parts:
        attr = attribute(None, m.f, m.space, x, bg, cfg, col, explainer)
        own = int(fit.model.classes_[m.predict(x[None])[0]])
        rows.append(_attribution("member", m.label, attr, m.space, main.target_class, own))
    if weights is None or fit.cfg.name not in AVERAGING:
        return replace(main, members=tuple(rows))
    mean = weights @ np.stack([r.values for r in rows])
    gap = float(np.abs(main.values - mean).max())
    return replace(main, members=tuple(rows), weights=weights, members_mean=mean, gap=gap)


def _attribution(
    name: str, label: str, a: shapley.Attr, space: str, target: int, predicted: int
) -> Attribution:
    residual = float(a.values.sum() - (a.value - a.base))
    return Attribution(name, label, a.explainer, space, target, a.values, a.base, a.value, residual,
                       predicted, a.score)  # fmt: skip


def failed(name: str, label: str, error: str | None) -> Attribution:
    nan = float("nan")
    return Attribution(name, label, "", "", -1, np.empty(0), nan, nan, nan, -1, error=error)
