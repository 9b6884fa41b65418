"""explain_point and explain_global: the explanations engine (`engine.classify.explain`) on the
Decision boundaries lineup, against shap and scikit-learn called the way a user would write them.

Both are warm: the models are fitted (and cached) and shap is imported and compiled before the
clock; the fit and a fresh process's first explanation are reported apart. Peers run on the same
fitted models in the same run.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from benchmarks import benchmark, median, median_time, run_python

_FIRST_CALL = """
import json, time
start = time.perf_counter()
from benchmarks import explain as b
space, cfgs = b.point_inputs()
b.explain_point_once(space, cfgs)
print(json.dumps({"s": time.perf_counter() - start}))
"""


def point_inputs():
    """(arena, lineup) of the default Decision Boundaries page: moons 500 / noise 0.3, the eight default
    models and soft voting of the default voting members."""
    from engine.classify.arena import ArenaConfig, arena
    from engine.classify.registry import ModelConfig
    from engine.data.datasets import DatasetConfig, make_dataset
    from explorer.boundaries.controls import DEFAULT_MODELS, DEFAULT_VOTING

    space = arena(make_dataset(DatasetConfig("moons", n_samples=500, noise=0.3, seed=0)), ArenaConfig(seed=0))
    models = {name: ModelConfig(name, seed=0) for name in DEFAULT_MODELS}
    voting = ModelConfig("voting", members=tuple(models[m] for m in DEFAULT_VOTING), voting="soft", seed=0)
    return space, [*models.values(), voting]


def explain_point_once(space, cfgs, row: int = 0):
    from engine.classify.explain.local import PointConfig, explain_point

    d = space.data
    return explain_point(d.X, d.y, space.train, cfgs, d.X[row], PointConfig(), d.feature_names)


def _peer_point(models: list, background: np.ndarray, x: np.ndarray) -> None:
    """shap.Explainer(model.predict_proba, background) per model (decision_function without
    probabilities): shap picks its exact explainer for two features."""
    import shap

    for model in models:
        fn = model.predict_proba if hasattr(model, "predict_proba") else model.decision_function
        shap.Explainer(fn, background)(x[None])


@benchmark(
    "explain_point",
    "SHAP attributions of one point for the 8 default models and soft voting (with its 3 members beside "
    "it) on 500 moons, models fitted and shap warm: <= 1.0 s; the peer is shap.Explainer(predict_proba, "
    "the same 100 background rows) per model, the members not explained",
)
def explain_point_bench(repeat: int) -> dict:
    from engine.classify.explain.fitted import background_rows, fitted

    space, cfgs = point_inputs()
    d = space.data
    start = time.perf_counter()
    first = explain_point_once(space, cfgs)  # fits the models, imports and compiles shap
    first_s = time.perf_counter() - start
    rows = iter(range(1, 10_000))
    ours = median_time(lambda: explain_point_once(space, cfgs, next(rows)), repeat)
    models = [fitted(d.X, d.y, space.train, c).model for c in cfgs]
    bg = background_rows(d.X, space.train, 100, 0)
    _peer_point(models, bg, d.X[0])
    peer = median_time(lambda: _peer_point(models, bg, d.X[next(rows)]), repeat)
    fresh = run_python(_FIRST_CALL)["s"]
    vote = first.models[-1]
    return {
        "ours_s": ours,
        "peer_s": peer,
        "meets": ours <= 1.0 and all(a.error is None for a in first.models),
        "first_in_process_s": first_s,  # fits, shap's import and numba compilation included
        "fresh_process_first_s": fresh,  # the same from a new interpreter (imports of the engine too)
        "explained": len(first.models) + len(vote.members),
        "explainers": sorted({a.explainer for a in first.models}),
        "max_abs_residual": f"{max(abs(a.residual) for a in first.models):.1e}",  # additivity, every model
        "voting_gap": f"{vote.gap:.1e}",  # ensemble against the weighted mean of its members
    }


def global_inputs():
    """(X, y, train, test, lineup): make_classification 1,000 x 20 (6 informative, seed 0), a 30 % test
    split, the default lineup (8 models, soft voting and stacking of the default members)."""
    from sklearn.datasets import make_classification

    from benchmarks.boundaries import page_inputs
    from engine.classify.fit import split

    X, y = make_classification(1000, 20, n_informative=6, random_state=0)
    train, test = split(y, 0.3, 0)
    return X, y, train, test, page_inputs()[1]


def _peer_global(models: list, X: np.ndarray, y: np.ndarray) -> None:
    """permutation_importance (5 repeats) and partial_dependence (kind="both", 50 values) per model,
    called plainly (n_jobs default)."""
    from sklearn.inspection import partial_dependence, permutation_importance

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in models:
            permutation_importance(model, X, y, n_repeats=5, random_state=0)
            partial_dependence(model, X, [0], kind="both", grid_resolution=50)


@benchmark(
    "explain_global",
    "permutation importance (5 shuffles per feature) and partial dependence with ICE (50 values) of the "
    "default lineup (8 models, soft voting, stacking) on the 300 test rows of a 1,000 x 20 table, models "
    "fitted and workers warm: <= 3 s; the peer is scikit-learn's permutation_importance and "
    "partial_dependence per model, called plainly",
    repeat=3,
)
def explain_global_bench(repeat: int) -> dict:
    from engine.classify.explain.fitted import fitted
    from engine.classify.explain.global_ import GlobalConfig, explain_global
    from engine.classify.fit import warm_workers

    X, y, train, test, cfgs = global_inputs()
    warm_workers()
    start = time.perf_counter()
    models = [fitted(X, y, train, c).model for c in cfgs]
    fit_s = time.perf_counter() - start
    cfg = GlobalConfig()
    res = explain_global(X, y, train, test, cfgs, cfg)  # first-call effects in the workers
    ours, one, peer = [], [], []
    for _ in range(repeat):  # alternate, so drifts in machine load hit every side alike
        for times, fn in ((ours, lambda: explain_global(X, y, train, test, cfgs, cfg)),
                          (one, lambda: explain_global(X, y, train, test, cfgs, cfg, n_jobs=1)),
                          (peer, lambda: _peer_global(models, X[test], y[test]))):  # fmt: skip
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return {
        "ours_s": median(ours),
        "peer_s": median(peer),
        "meets": median(ours) <= 3.0 and all(m.error is None for m in res.models),
        "one_process_s": median(one),  # the same in this process: the batching alone
        "fit_s": fit_s,  # fitting the lineup, before the clock
        "models": len(res.models),
    }
