"""How much one explanation can be trusted: the sampling methods repeated over seeds on one point.

`stability(X, y, train_idx, cfg_model, x, StabilityConfig(...))` runs LIME and permutation SHAP
(always the sampling explainer here, even where exact SHAP is possible) `n_repeats` times with
seeds seed, seed + 1, ...; the background is drawn once, with `seed`, so only each method's own
sampling changes. For each method: the attributions of every run, every run's top-k features (by
|attribution|) and their mean pairwise Jaccard overlap (1: the same k features every run).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from engine.classify.explain import shapley
from engine.classify.explain.fitted import (
    background_rows,
    check_class,
    check_config,
    check_data,
    check_point,
    fitted,
    response,
)
from engine.classify.explain.local import OUTPUTS
from engine.classify.registry import ModelConfig

SAMPLERS = ("lime", "shap")


@dataclass(frozen=True)
class StabilityConfig:
    methods: tuple[str, ...] = SAMPLERS  # "lime" and/or "shap" (permutation SHAP)
    n_repeats: int = 5  # runs per method, seeds seed .. seed + n_repeats - 1
    top_k: int = 5  # features compared across runs (at most the number of features)
    target_class: int | None = None  # None = the model's prediction at x
    output: str = "probability"  # or "margin"
    background: int = 100
    n_samples: int = 1000  # LIME's samples; permutation SHAP's model evaluations, per run
    seed: int = 0


@dataclass(frozen=True)
class MethodStability:
    method: str  # "lime" or "shap"
    values: np.ndarray  # (n_repeats, n_features) attributions of each run
    top: np.ndarray  # (n_repeats, k) feature indices of each run, largest |attribution| first
    jaccard: float  # mean pairwise Jaccard overlap of the runs' top-k sets, in [0, 1]
    frequency: np.ndarray  # (n_features,) share of runs that put the feature in their top k


@dataclass(frozen=True)
class StabilityResult:
    label: str
    feature_names: tuple[str, ...]
    target_class: int
    space: str  # the response explained, as in Attribution.space
    top_k: int  # k used: min(top_k, n_features); with k = n_features the overlap is 1 by definition
    seeds: tuple[int, ...]
    methods: tuple[MethodStability, ...]


def stability(X, y, train_idx, model_cfg: ModelConfig, x, cfg: StabilityConfig = StabilityConfig(),
              feature_names=None) -> StabilityResult:  # fmt: skip
    """Each sampling method's attributions at x over `n_repeats` seeds and their top-k overlap."""
    X, y, train_idx, names = check_data(X, y, train_idx, feature_names)
    x = check_point(x, X.shape[1])
    check_config(cfg)
    bad = [m for m in cfg.methods if m not in SAMPLERS] or ([] if cfg.methods else ["(none)"])
    if bad:
        raise ValueError(
            f"Stability is measured for {' and '.join(SAMPLERS)}, not {', '.join(map(str, bad))}."
        )
    if cfg.output not in OUTPUTS:
        raise ValueError(f"The output explained is one of {', '.join(OUTPUTS)}, not {cfg.output!r}.")
    k = check_class(cfg.target_class, np.unique(y[train_idx]))
    fit = fitted(X, y, train_idx, model_cfg)
    if fit.model is None:
        raise ValueError(fit.error)
    model = fit.model
    target = model.predict(x[None])[0] if k is None else k
    f, space = response(model, target, cfg.output)
    bg = background_rows(X, train_idx, cfg.background, cfg.seed)
    seeds = tuple(cfg.seed + r for r in range(cfg.n_repeats))
    top_k = min(cfg.top_k, X.shape[1])
    runs = []
    for method in cfg.methods:
        values = np.stack([_run(method, f, x, bg, cfg.n_samples, s) for s in seeds])
        runs.append(top_overlap(method, values, top_k))
    return StabilityResult(fit.label, names, int(target), space, top_k, seeds, tuple(runs))


def _run(method: str, f, x, bg, n_samples: int, seed: int) -> np.ndarray:
    if method == "lime":
        return shapley.lime(f, x, bg, n_samples, seed).values
    return shapley.model_agnostic(f, x, bg, n_samples, seed, sampled=True).values


def top_overlap(method: str, values: np.ndarray, k: int) -> MethodStability:
    """Top-k sets of each row of `values` (n_runs, n_features) and their mean pairwise Jaccard."""
    top = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    sets = [set(t.tolist()) for t in top]
    pairs = [len(a & b) / len(a | b) for a, b in combinations(sets, 2)]
    freq = np.bincount(top.ravel(), minlength=values.shape[1]) / len(values)
    return MethodStability(method, values, top, float(np.mean(pairs)) if pairs else 1.0, freq)
