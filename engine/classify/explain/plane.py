"""Where each coordinate drives the decision: a model's attribution of both plane coordinates as maps.

`attribution_map(X, y, train_idx, cfg_model, PlaneConfig(...))` evaluates exact interventional
Shapley values of both coordinates of 2-D data on a grid_size x grid_size grid over the data, with a
seeded background of training rows B. With two features the four coalition values are
v0 = mean_b f(b), v1(x) = mean_b f(x1, b2), v2(x) = mean_b f(b1, x2) and f(x), and
phi1 = ((v1 - v0) + (f - v2)) / 2, phi2 = ((v2 - v0) + (f - v1)) / 2: exactly what SHAP's exact
explainer gives with the same background (a test checks it), computed for the whole grid at once.
On a grid v1 depends on the column alone and v2 on the row alone, so the model sees only
g * g + 2 * g * |B| rows. Exact for every model, not only linear ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.classify.explain.fitted import (
    background_rows,
    check_class,
    check_config,
    check_data,
    fitted,
    response,
)
from engine.classify.explain.local import OUTPUTS
from engine.classify.registry import ModelConfig
from engine.grid import Grid


@dataclass(frozen=True)
class PlaneConfig:
    grid_size: int = 30  # points per side of the map
    margin: float = 0.1  # the grid spans the data's box widened by this share of it on each side
    background: int = 50  # training rows of the background
    target_class: int | None = None  # None: the last class (class 1 of a binary label)
    output: str = "probability"  # or "margin": the decision function where the model has one
    seed: int = 0


@dataclass(frozen=True)
class AttributionMap:
    label: str
    space: str  # the response, as in Attribution.space
    target_class: int
    xs: np.ndarray  # (g,) grid columns
    ys: np.ndarray  # (g,) grid rows
    values: np.ndarray  # (2, g, g): attribution of coordinate 0 and 1 at (xs[j], ys[i]) -> [:, i, j]
    response: np.ndarray  # (g, g) f on the grid
    base: float  # E[f] over the background
    residual: float  # max over the grid of |phi1 + phi2 - (f - base)|: float error only
    background: int
    explainer: str = "exact"


def attribution_map(
    X, y, train_idx, model_cfg: ModelConfig, cfg: PlaneConfig = PlaneConfig()
) -> AttributionMap:
    """Both coordinates' exact Shapley values on a grid over 2-D data, for one model."""
    X, y, train_idx, _ = check_data(X, y, train_idx)
    if X.shape[1] != 2:
        raise ValueError(
            f"The attribution map is drawn on a plane of two features; this table has {X.shape[1]}: "
            "explain the 2-D plane the boundaries are drawn on."
        )
    check_config(cfg)
    if cfg.output not in OUTPUTS:
        raise ValueError(f"The output explained is one of {', '.join(OUTPUTS)}, not {cfg.output!r}.")
    if not 0 <= cfg.margin <= 1:
        raise ValueError(f"The map's margin is a share of the data's extent in [0, 1], not {cfg.margin}.")
    classes = np.unique(y[train_idx])
    k = check_class(cfg.target_class, classes)
    k = int(classes[-1]) if k is None else k
    fit = fitted(X, y, train_idx, model_cfg)
    if fit.model is None:
        raise ValueError(fit.error)
    f, space = response(fit.model, k, cfg.output)
    grid = Grid.around(X, cfg.grid_size, cfg.margin)
    bg = background_rows(X, train_idx, cfg.background, cfg.seed)
    values, fx, base = shapley_2d(f, grid.xs, grid.ys, bg)
    residual = float(np.abs(values.sum(axis=0) - (fx - base)).max())
    return AttributionMap(fit.label, space, k, grid.xs, grid.ys, values, fx, base, residual, len(bg))


def shapley_2d(f, xs: np.ndarray, ys: np.ndarray, bg: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(values (2, ny, nx), f (ny, nx), E[f]) of exact two-feature Shapley values on the grid xs x ys."""
    nb = len(bg)
    v0 = float(f(bg).mean())
    v1 = f(np.c_[np.repeat(xs, nb), np.tile(bg[:, 1], len(xs))]).reshape(len(xs), nb).mean(axis=1)  # (nx,)
    v2 = f(np.c_[np.tile(bg[:, 0], len(ys)), np.repeat(ys, nb)]).reshape(len(ys), nb).mean(axis=1)  # (ny,)
    gx, gy = np.meshgrid(xs, ys)
    fx = f(np.c_[gx.ravel(), gy.ravel()]).reshape(len(ys), len(xs))
    V1, V2 = v1[None, :], v2[:, None]
    phi1 = 0.5 * ((V1 - v0) + (fx - V2))
    phi2 = 0.5 * ((V2 - v0) + (fx - V1))
    return np.stack([phi1, phi2]), fx, v0
