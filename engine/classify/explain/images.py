"""Pixel attributions of an image (the 8 x 8 digits) for every model and ensemble, as heat maps.

`pixel_attributions(X, y, train_idx, cfgs, x, shape, PixelConfig(...))` explains every model of
`cfgs` at the image x with model-agnostic SHAP over superpixels: square blocks of `block` x `block`
pixels are the players (2 x 2 blocks of an 8 x 8 digit: 16 players; block=1: all 64 pixels). A
block left out takes its pixels from a background image, all of that image's pixels together, so
the Shapley values are interventional over the seeded background of training images (an
Independent masker over "which image each block comes from"). Permutation SHAP with `n_samples`
model evaluations per model (exact SHAP for 8 blocks or fewer); additive by construction. Each
pixel shows its block's attribution divided by the block's pixel count, so a map sums to
f(x) - E[f]. Ensembles carry their members' maps, explained for the ensemble's class with the same
background and seed (soft voting: the ensemble's map is their weighted mean).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.classify.explain import shapley
from engine.classify.explain.fitted import (
    background_rows,
    check_class,
    check_config,
    check_data,
    check_point,
    fitted_all,
)
from engine.classify.explain.local import Attribution, PointConfig, explain_model
from engine.classify.registry import ModelConfig


@dataclass(frozen=True)
class PixelConfig:
    block: int = 2  # pixels per side of a superpixel; 1 = every pixel is a player
    background: int = 20  # training images of the background
    n_samples: int = 1000  # permutation SHAP's model evaluations per model
    target_class: int | None = None  # None: each model's prediction (an ensemble's members: the ensemble's)
    seed: int = 0


@dataclass(frozen=True)
class PixelResult:
    image: np.ndarray  # (h, w) the image explained
    blocks: np.ndarray  # (h, w) superpixel number of every pixel
    background: int  # images in the background
    n_samples: int
    heat: tuple[np.ndarray, ...]  # per model: (h, w) attribution per pixel (empty when it failed)
    member_heat: tuple[tuple[np.ndarray, ...], ...]  # per model: its members' (h, w) maps
    models: tuple[Attribution, ...]  # per model: values per superpixel, base, f(x), residual, gap...


def superpixels(shape: tuple[int, int], block: int) -> np.ndarray:
    """(h, w) block number of every pixel, row-major over blocks of block x block pixels."""
    h, w = shape
    per_row = -(-w // block)
    r, c = np.indices((h, w))
    return (r // block) * per_row + c // block


def pixel_attributions(X, y, train_idx, cfgs: Sequence[ModelConfig], x, shape: tuple[int, int],
                       cfg: PixelConfig = PixelConfig()) -> PixelResult:  # fmt: skip
    """Every model's superpixel SHAP map at the image x; ValueError for inputs the user can change."""
    X, y, train_idx, _ = check_data(X, y, train_idx)
    x = check_point(x, X.shape[1])
    check_config(cfg)
    h, w = shape
    if h * w != X.shape[1]:
        raise ValueError(f"An image of {h} x {w} pixels has {h * w} values, but the rows have {X.shape[1]}.")
    if not cfgs:
        raise ValueError("Choose at least one model to explain.")
    k = check_class(cfg.target_class, np.unique(y[train_idx]))
    groups = superpixels(shape, cfg.block).ravel()  # (p,)
    bg = background_rows(X, train_idx, cfg.background, cfg.seed)
    attribute = _superpixel_shap(x, bg, groups)
    pcfg = PointConfig(target_class=k, background=cfg.background, n_samples=cfg.n_samples, seed=cfg.seed)
    models = tuple(explain_model(fit, x, bg, pcfg, k, attribute) for fit in fitted_all(X, y, train_idx, cfgs))
    heat = tuple(_heat(a, groups, shape) for a in models)
    member_heat = tuple(tuple(_heat(m, groups, shape) for m in a.members) for a in models)
    return PixelResult(
        x.reshape(shape), groups.reshape(shape), len(bg), cfg.n_samples, heat, member_heat, models
    )


def _superpixel_shap(x: np.ndarray, bg: np.ndarray, groups: np.ndarray):
    """An `attribute` for explain_model whose players are the superpixels of x."""
    table = np.vstack([x, bg])  # row 0: the image; rows 1..: background images
    n_groups, pixels = int(groups.max()) + 1, np.arange(len(x))
    source_bg = np.repeat(np.arange(1, len(table))[:, None], n_groups, axis=1).astype(float)  # (b, g)

    def attribute(model, f, space, x_, bg_, cfg: PointConfig, col: int, explainer: str | None = None):
        def lifted(U: np.ndarray) -> np.ndarray:  # (n, g) source image of each block -> f of the images
            return f(table[U.astype(int)[:, groups], pixels])

        sampled = n_groups > shapley.EXACT_MAX
        kind, values, base = shapley.agnostic_rows(lifted, np.zeros((1, n_groups)), source_bg, cfg.n_samples,
                                                   cfg.seed, sampled)  # fmt: skip
        return shapley.Attr(kind, values[0], base, float(f(x[None])[0]))

    return attribute


def _heat(a: Attribution, groups: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if a.error is not None:
        return np.empty(0)
    sizes = np.bincount(groups)
    return (a.values[groups] / sizes[groups]).reshape(shape)
