"""Stability of the sampling explainers over seeds: the top-k overlap, the 'LIME changes its mind' scenario."""

import numpy as np
import pytest

from engine.classify.explain.stability import StabilityConfig, stability, top_overlap
from engine.classify.registry import ModelConfig


def test_top_overlap_is_the_mean_pairwise_jaccard():
    values = np.array([[5.0, 4, 0, 0], [5, 0, 4, 0], [-5, 4, 0, 0]])  # top-2: {0,1}, {0,2}, {0,1}
    s = top_overlap("lime", values, 2)
    assert s.top.tolist() == [[0, 1], [0, 2], [0, 1]]
    assert s.jaccard == pytest.approx((1 / 3 + 1 + 1 / 3) / 3)
    np.testing.assert_allclose(s.frequency, [1, 2 / 3, 1 / 3, 0])


def test_lime_changes_its_mind(cancer):
    """Scenario: on the first test row of the breast-cancer table (30 features) a logistic
    regression's LIME explanation, repeated over 5 seeds with 1,000 samples each, does not name the
    same five features every time: the top-5 overlap is below 1 (0.29 when written)."""
    X, y, tr, te, names = cancer
    res = stability(X, y, tr, ModelConfig("logreg"), X[te[0]], StabilityConfig(methods=("lime",)), names)
    (lime,) = res.methods
    assert lime.values.shape == (5, 30) and lime.top.shape == (5, 5) and res.seeds == (0, 1, 2, 3, 4)
    assert lime.jaccard < 0.6
    assert len({tuple(sorted(t)) for t in lime.top.tolist()}) > 1


def test_exact_shap_on_a_plane_agrees_with_itself_and_runs_are_reproducible(moons):
    """On two features antithetic permutations are all the orderings there are: SHAP is exact and
    its top feature never changes; the same seeds give the same runs."""
    X, y, tr, _ = moons
    cfg = StabilityConfig(top_k=1, n_samples=100, background=20)
    a = stability(X, y, tr, ModelConfig("knn"), X[4], cfg)
    b = stability(X, y, tr, ModelConfig("knn"), X[4], cfg)
    shap = {m.method: m for m in a.methods}["shap"]
    assert shap.jaccard == 1.0 and np.ptp(shap.values, axis=0).max() < 1e-12 and a.top_k == 1
    for m, n in zip(a.methods, b.methods, strict=True):
        np.testing.assert_array_equal(m.values, n.values)


def test_stability_validates(moons, collinear):
    X, y, tr, _ = moons
    with pytest.raises(ValueError, match="measured for lime and shap"):
        stability(X, y, tr, ModelConfig("knn"), X[0], StabilityConfig(methods=("exact",)))
    with pytest.raises(ValueError, match="N repeats must be a whole number in \\[2, 20\\]"):
        stability(X, y, tr, ModelConfig("knn"), X[0], StabilityConfig(n_repeats=1))
    Xc, yc, trc, _ = collinear
    with pytest.raises(ValueError, match="Quadratic discriminant could not be fitted"):
        stability(Xc, yc, trc, ModelConfig("qda"), Xc[0])
