"""Pixel attributions of the 8 x 8 digits: superpixels, additivity, exactness, the ensemble and its members."""

from itertools import combinations
from math import factorial

import numpy as np
import pytest

from engine.classify.explain.fitted import background_rows, fitted, response
from engine.classify.explain.images import PixelConfig, pixel_attributions, superpixels
from engine.classify.fit import split
from engine.classify.registry import ModelConfig

VOTE = ModelConfig("voting", members=(ModelConfig("logreg"), ModelConfig("knn")))


@pytest.fixture(scope="module")
def digits():
    from engine.data.datasets import load_bundled

    d = load_bundled("digits")
    rows = np.random.default_rng(0).choice(len(d.y), 400, replace=False)
    X, y = d.X[rows], d.y[rows]
    tr, te = split(y, 0.3, 0)
    return X, y, tr, te


def test_superpixels_are_row_major_blocks():
    b = superpixels((8, 8), 2)
    assert b.shape == (8, 8) and b.max() == 15 and b[0, :4].tolist() == [0, 0, 1, 1] and b[7, 7] == 15
    assert np.bincount(superpixels((8, 8), 3).ravel()).tolist() == [9, 9, 6, 9, 9, 6, 6, 6, 4]


def test_maps_are_additive_and_the_ensembles_is_its_members_average(digits):
    X, y, tr, te = digits
    cfgs = [ModelConfig("logreg"), ModelConfig("tree"), VOTE]
    res = pixel_attributions(X, y, tr, cfgs, X[te[0]], (8, 8), PixelConfig(n_samples=400, background=10))
    assert res.image.shape == res.blocks.shape == (8, 8) and len(res.heat) == 3
    for a, heat in zip(res.models, res.heat, strict=True):
        assert a.error is None and a.explainer == "permutation" and a.values.shape == (16,)
        assert heat.shape == (8, 8) and heat.sum() == pytest.approx(a.value - a.base, abs=1e-9)
    vote = res.models[2]
    assert vote.gap < 1e-9 and len(res.member_heat[2]) == 2
    mean = sum(w * h for w, h in zip(vote.weights, res.member_heat[2], strict=True))
    np.testing.assert_allclose(res.heat[2], mean, atol=1e-9)


def test_four_blocks_are_exact_shapley_values(digits):
    """With 4 x 4 blocks there are 4 players: the map equals Shapley values computed by hand, a block
    left out taking its pixels from each background image in turn."""
    X, y, tr, te = digits
    x = X[te[1]]
    cfg = PixelConfig(block=4, background=10, target_class=3)
    a = pixel_attributions(X, y, tr, [ModelConfig("logreg")], x, (8, 8), cfg).models[0]
    assert a.explainer == "exact"
    f, _ = response(fitted(X, y, tr, ModelConfig("logreg")).model, 3)
    bg, groups = background_rows(X, tr, 10, 0), superpixels((8, 8), 4).ravel()

    def v(S):
        keep = np.isin(groups, list(S))
        return f(np.where(keep, x, bg)).mean()

    players, n = range(4), 4
    phi = [sum(factorial(len(S)) * factorial(n - len(S) - 1) / factorial(n) * (v({*S, i}) - v(set(S)))
               for r in range(n) for S in combinations([p for p in players if p != i], r)) for i in players]  # fmt: skip
    np.testing.assert_allclose(a.values, phi, atol=1e-12)


def test_images_validate(digits):
    X, y, tr, te = digits
    with pytest.raises(ValueError, match="7 x 8 pixels has 56 values, but the rows have 64"):
        pixel_attributions(X, y, tr, [ModelConfig("logreg")], X[0], (7, 8))
    with pytest.raises(ValueError, match="Block must be a whole number in \\[1, 4\\]"):
        pixel_attributions(X, y, tr, [ModelConfig("logreg")], X[0], (8, 8), PixelConfig(block=8))
