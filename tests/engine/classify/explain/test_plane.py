"""Attribution maps on the plane: equal to SHAP's exact explainer, additive, the linear oracle."""

import numpy as np
import pytest
import shap

from engine.classify.explain.fitted import background_rows, fitted, response
from engine.classify.explain.plane import PlaneConfig, attribution_map
from engine.classify.registry import ModelConfig


@pytest.mark.parametrize("name", ["rbf_svm", "forest", "voting"])
def test_map_equals_shaps_exact_explainer(moons, name):
    X, y, tr, _ = moons
    cfg_model = ModelConfig(
        name, members=(ModelConfig("logreg"), ModelConfig("knn")) if name == "voting" else ()
    )
    cfg = PlaneConfig(grid_size=12, background=25)
    res = attribution_map(X, y, tr, cfg_model, cfg)
    assert res.values.shape == (2, 12, 12) and res.response.shape == (12, 12) and res.residual < 1e-12
    f, space = response(fitted(X, y, tr, cfg_model).model, 1)
    assert res.space == space and res.target_class == 1
    bg = background_rows(X, tr, 25, 0)
    explainer = shap.ExactExplainer(f, shap.maskers.Independent(bg, max_samples=25))
    for i, j in [(0, 0), (3, 7), (11, 5)]:
        out = explainer(np.array([[res.xs[j], res.ys[i]]]))
        np.testing.assert_allclose(res.values[:, i, j], out.values[0], atol=1e-12)
        assert abs(res.base - out.base_values[0]) < 1e-12


def test_a_linear_margin_map_is_coef_times_offset(moons):
    X, y, tr, _ = moons
    res = attribution_map(X, y, tr, ModelConfig("logreg"), PlaneConfig(grid_size=8, output="margin"))
    model = fitted(X, y, tr, ModelConfig("logreg")).model
    beta = model.steps[1][1].coef_[0] / model.steps[0][1].scale_
    mean = background_rows(X, tr, 50, 0).mean(axis=0)
    np.testing.assert_allclose(res.values[0], np.tile(beta[0] * (res.xs - mean[0]), (8, 1)), atol=1e-12)
    np.testing.assert_allclose(
        res.values[1], np.tile(beta[1] * (res.ys - mean[1])[:, None], (1, 8)), atol=1e-12
    )


def test_map_validates(moons, cancer, collinear):
    X, y, tr, _ = moons
    Xw, yw, trw, _, _ = cancer
    with pytest.raises(ValueError, match="plane of two features; this table has 30"):
        attribution_map(Xw, yw, trw, ModelConfig("logreg"))
    with pytest.raises(ValueError, match="Grid size must be a whole number in \\[5, 60\\]"):
        attribution_map(X, y, tr, ModelConfig("logreg"), PlaneConfig(grid_size=100))
    Xc, yc, trc, _ = collinear
    with pytest.raises(ValueError, match="Quadratic"):
        attribution_map(Xc, yc, trc, ModelConfig("qda"))
