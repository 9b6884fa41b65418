"""Cached computations of the Explanations view: the split, every model's attributions at a point,
their stability over seeds, the global importance and partial dependence, the attribution maps of
the plane, what-if and counterfactuals, and the pixel maps of a digit. SHAP and LIME are imported
by the engine only when the view computes, and warmed up in the background when the page opens."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import streamlit as st

from engine.data.source import DataSource
from explorer.shared.cache import stored


@st.cache_resource
def warm() -> threading.Thread:
    """Import shap and lime and compile shap's first explainers, in the background once per server."""

    def work() -> None:
        from explorer.shared.warmup import IMPORT_LOCK

        with IMPORT_LOCK:
            from engine.classify.explain.shapley import warm_up

            warm_up()

    thread = threading.Thread(target=work, daemon=True, name="warm-explanations")
    thread.start()
    return thread


def _ready() -> None:
    warm().join()  # shap's import finished before this thread imports it


def split(key: DataSource, y: np.ndarray, test: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from engine.classify.fit import split as stratified

    return stored(("explain_split", key, test, seed), lambda: stratified(y, test, seed))


def point(key: DataSource, data, train, cfgs: tuple, x: np.ndarray, cfg: Any, progress=None) -> Any:
    """Every model's attributions at x, one model at a time (each stored on its own, so a rerun or a
    Stop keeps those done); `progress(done, total, label)` after each. The same as one call of
    `explain_point` on the whole lineup: every call draws the same seeded background."""
    from dataclasses import replace

    from engine.classify.explain.local import explain_point

    _ready()
    point_key = tuple(x.tolist())
    results = []
    for i, model in enumerate(cfgs):
        results.append(stored(("explain_point", key, len(train), model, point_key, cfg),
                              lambda m=model: explain_point(data.X, data.y, train, [m], x, cfg, data.feature_names)))  # fmt: skip
        if progress is not None:
            progress(i + 1, len(cfgs), results[-1].models[0].label)
    return replace(results[0], models=tuple(r.models[0] for r in results))


def stability(key: DataSource, data, train, model_cfg, x: np.ndarray, cfg: Any) -> Any:
    from engine.classify.explain.stability import stability as run

    _ready()
    return stored(("explain_stability", key, len(train), model_cfg, tuple(x.tolist()), cfg),
                  lambda: run(data.X, data.y, train, model_cfg, x, cfg, data.feature_names))  # fmt: skip


def global_views(key: DataSource, data, train, test, cfgs: tuple, cfg: Any) -> Any:
    from engine.classify.explain.global_ import explain_global

    _ready()
    return stored(("explain_global", key, len(train), cfgs, cfg),
                  lambda: explain_global(data.X, data.y, train, test, cfgs, cfg, data.feature_names))  # fmt: skip


def attribution_map(key: DataSource, data, train, model_cfg, cfg: Any) -> Any:
    from engine.classify.explain.plane import attribution_map as run

    return stored(
        ("explain_map", key, len(train), model_cfg, cfg), lambda: run(data.X, data.y, train, model_cfg, cfg)
    )


def what_if(key: DataSource, data, train, cfgs: tuple, x: np.ndarray) -> Any:
    from engine.classify.explain.counterfactual import what_if as run

    return stored(("explain_whatif", key, len(train), cfgs, tuple(x.tolist())),
                  lambda: run(data.X, data.y, train, cfgs, x, data.feature_names))  # fmt: skip


def counterfactual(key: DataSource, data, train, model_cfg, x: np.ndarray) -> Any:
    from engine.classify.explain.counterfactual import counterfactual as run

    return stored(("explain_cf", key, len(train), model_cfg, tuple(x.tolist())),
                  lambda: run(data.X, data.y, train, model_cfg, x))  # fmt: skip


def pixels(key: DataSource, data, train, cfgs: tuple, x: np.ndarray, cfg: Any) -> Any:
    from engine.classify.explain.images import pixel_attributions

    _ready()
    return stored(("explain_pixels", key, len(train), cfgs, tuple(x.tolist()), cfg),
                  lambda: pixel_attributions(data.X, data.y, train, cfgs, x, data.image_shape, cfg))  # fmt: skip


def boundary(data, train, test, grid, model_cfg) -> Any:
    """The model's decision regions on the plane (the Decision boundaries view's fit, shared with it)."""
    from explorer.boundaries.compute import boundaries

    return boundaries(data.X, data.y, train, test, grid, [model_cfg])[0]
