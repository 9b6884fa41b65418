"""Global views: permutation importance and partial dependence against scikit-learn, concentration,
the 'A tree reads one feature, a forest reads several' scenario."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.inspection import partial_dependence, permutation_importance

from engine.classify.explain.fitted import fitted
from engine.classify.explain.global_ import GlobalConfig, concentration, explain_global
from engine.classify.fit import split
from engine.classify.registry import ModelConfig

CFGS = [ModelConfig("logreg"), ModelConfig("rbf_svm"), ModelConfig("forest", (("n_estimators", 20),)),
        ModelConfig("voting", members=(ModelConfig("logreg"), ModelConfig("knn")))]  # fmt: skip


@pytest.fixture(scope="module")
def table():
    X, y = make_classification(300, 6, n_informative=3, random_state=0)
    tr, te = split(y, 0.3, 0)
    return X, y, tr, te


def test_permutation_importance_and_partial_dependence_equal_scikit_learns(table):
    X, y, tr, te = table
    cfg = GlobalConfig(feature=2, n_repeats=4, grid_resolution=20, seed=3)
    res = explain_global(X, y, tr, te, CFGS, cfg, n_jobs=1)
    np.testing.assert_array_equal(res.rows, te)
    for c, m in zip(CFGS, res.models, strict=True):
        model = fitted(X, y, tr, c).model
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pi = permutation_importance(model, X[te], y[te], n_repeats=4, random_state=3)
            pd = partial_dependence(model, X[te], [2], kind="both", grid_resolution=20)
        np.testing.assert_allclose(m.permutation, pi.importances_mean, atol=1e-12)
        np.testing.assert_allclose(m.permutation_std, pi.importances_std, atol=1e-12)
        np.testing.assert_allclose(res.pd_grid, pd["grid_values"][0], rtol=1e-12)
        np.testing.assert_allclose(m.pd_average, pd["average"][0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(m.pd_ice, pd["individual"][0], rtol=1e-5, atol=1e-6)  # float32
        assert m.space == ("margin" if c.name == "rbf_svm" else "probability") and m.mean_abs is None


def test_worker_processes_give_the_same_numbers(table):
    X, y, tr, te = table
    cfg = GlobalConfig(shap_points=10, background=10, n_samples=200)
    one = explain_global(X, y, tr, te, CFGS, cfg, n_jobs=1)
    two = explain_global(X, y, tr, te, CFGS, cfg, n_jobs=2)
    for a, b in zip(one.models, two.models, strict=True):
        assert a.label == b.label
        np.testing.assert_array_equal(a.permutation, b.permutation)
        np.testing.assert_array_equal(a.mean_abs, b.mean_abs)
        np.testing.assert_array_equal(a.pd_ice, b.pd_ice)


def test_concentration():
    assert concentration(np.array([0.0, 3.0, 0.0])) == (1.0, 1.0)
    top, n = concentration(np.array([1.0, 1.0, 1.0, 1.0, -0.5]))  # negative drops count as 0
    assert top == 0.25 and n == pytest.approx(4.0)
    assert np.isnan(concentration(np.zeros(3))[0])


def test_a_tree_reads_one_feature_a_forest_reads_several(cancer):
    """Scenario: on the breast-cancer table a depth-1 tree's importance (mean |tree SHAP| over 100
    test rows, and permutation importance) sits on one feature; a forest's spreads over several
    (effective number of features 1.0 against 13.6, top share 1.0 against 0.13, when written)."""
    X, y, tr, te, names = cancer
    stump, forest = ModelConfig("tree", (("max_depth", 1),)), ModelConfig("forest")
    res = explain_global(X, y, tr, te, [stump, forest], GlobalConfig(shap_points=100), names, n_jobs=1)
    s, f = res.models
    assert s.explainer == f.explainer == "tree"
    assert s.top_share == 1.0 and s.effective_features == 1.0
    assert np.count_nonzero(s.permutation) <= 1 and np.count_nonzero(s.mean_abs > 1e-12) == 1
    assert f.top_share < 0.5 and f.effective_features > 3


def test_mean_abs_shap_with_the_model_agnostic_explainer(table):
    X, y, tr, te = table
    res = explain_global(
        X, y, tr, te, [ModelConfig("logreg")], GlobalConfig(shap_points=20, background=20), n_jobs=1
    )
    m = res.models[0]
    assert m.explainer == "exact" and m.mean_abs.shape == (6,) and (m.mean_abs > 0).all()
    assert m.top_share == pytest.approx(m.mean_abs.max() / m.mean_abs.sum())


def test_global_views_validate_and_report_failures(table, collinear):
    X, y, tr, te = table
    with pytest.raises(ValueError, match="among the 6 columns"):
        explain_global(X, y, tr, te, CFGS[:1], GlobalConfig(feature=6))
    with pytest.raises(ValueError, match="at least two row numbers"):
        explain_global(X, y, tr, te[:1], CFGS[:1])
    with pytest.raises(ValueError, match="Class 5 does not occur"):
        explain_global(X, y, tr, te, CFGS[:1], GlobalConfig(target_class=5))
    Xc, yc, trc, tec = collinear
    res = explain_global(Xc, yc, trc, tec, [ModelConfig("qda"), ModelConfig("logreg")], n_jobs=1)
    assert "Quadratic" in res.models[0].error and res.models[1].error is None
    assert res.models[1].pd_ice.shape == (len(tec), len(res.pd_grid))
