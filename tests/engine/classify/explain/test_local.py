"""Explaining one point: oracles, additivity of every explainer, ensembles against their members, validation."""

import numpy as np
import pytest

from engine.classify.explain import shapley
from engine.classify.explain.fitted import background_rows, fitted, response
from engine.classify.explain.local import PointConfig, explain_point
from engine.classify.registry import ModelConfig

LINEUP = ("logreg", "rbf_svm", "knn", "tree", "forest", "hist_gb", "network", "net_svm")
VOTE = tuple(ModelConfig(n) for n in ("logreg", "knn", "tree"))


def _oracle(X, y, tr, x, background=100, seed=0):
    """coef_j / sigma_j * (x_j - mean of the background's column j): a logistic regression's margin
    attributions with an independent background (the scaler's sigma, the background's mean)."""
    model = fitted(X, y, tr, ModelConfig("logreg")).model
    scaler, lr = model.steps[0][1], model.steps[1][1]
    bg = background_rows(X, tr, background, seed)
    return lr.coef_[0] / scaler.scale_ * (x - bg.mean(axis=0))


def test_linear_margin_attributions_equal_coef_times_offset(moons):
    """The oracle holds for the decision function (the logit), where the model is linear; exact SHAP."""
    X, y, tr, _ = moons
    x = X[7]
    res = explain_point(X, y, tr, [ModelConfig("logreg")], x, PointConfig(output="margin", target_class=1))
    a = res.models[0]
    assert a.explainer == "exact" and a.space == "margin"
    np.testing.assert_allclose(a.values, _oracle(X, y, tr, x), rtol=1e-9, atol=1e-12)
    prob = explain_point(X, y, tr, [ModelConfig("logreg")], x, PointConfig(target_class=1)).models[0]
    assert prob.space == "probability" and not np.allclose(prob.values, a.values)  # not linear there


@pytest.mark.parametrize("method", ["shap", "lime"])
def test_every_model_of_the_lineup_is_explained(moons, method):
    X, y, tr, _ = moons
    cfgs = [ModelConfig(n) for n in LINEUP] + [ModelConfig("voting", members=VOTE)]
    res = explain_point(X, y, tr, cfgs, X[3], PointConfig(method=method))
    assert [a.error for a in res.models] == [None] * len(cfgs)
    for a in res.models:
        assert a.values.shape == (2,) and a.predicted in (0, 1) and a.target_class == a.predicted
        if method == "shap":  # additivity: the attributions sum to f(x) - E[f(x)]
            assert abs(a.residual) < 1e-6, a
        else:  # LIME is not additive: its residual is its local fit's miss at x; R^2 in [0, 1]
            assert 0 <= a.score <= 1 and np.isfinite(a.residual)
    kinds = {a.name: a.explainer for a in res.models}
    if method == "shap":
        assert kinds["tree"] == kinds["forest"] == "tree" and kinds["hist_gb"] == kinds["logreg"] == "exact"
    assert {a.name: a.space for a in res.models}["rbf_svm"] == "margin"


def test_permutation_shap_is_additive_on_a_wide_table(cancer):
    X, y, tr, te, names = cancer
    cfgs = [ModelConfig("logreg"), ModelConfig("knn"), ModelConfig("forest", (("n_estimators", 20),))]
    res = explain_point(X, y, tr, cfgs, X[te[0]], PointConfig(n_samples=500, background=50), names)
    assert [a.explainer for a in res.models] == ["permutation", "permutation", "tree"]
    for a in res.models:
        assert a.values.shape == (30,) and abs(a.residual) < 1e-6
    assert res.feature_names == tuple(names)


@pytest.mark.parametrize("name,params", [("tree", (("max_depth", 3),)), ("forest", (("n_estimators", 5),)),
                                         ("extra_trees", (("n_estimators", 5), ("max_depth", 4)))])  # fmt: skip
def test_tree_explainer_agrees_with_the_exact_one(moons, name, params):
    """SHAP's tree explainer on the scaled inputs of the final trees equals exact interventional SHAP
    of the whole pipeline (scaler included) with the same background."""
    X, y, tr, _ = moons
    model = fitted(X, y, tr, ModelConfig(name, params)).model
    bg = background_rows(X, tr, 50, 0)
    f, space = response(model, 1)
    assert shapley.tree_ready(model, space)
    for x in X[[0, 11, 42]]:
        tree = shapley.tree_shap(model, 1, x, bg)
        exact = shapley.model_agnostic(f, x, bg, 1000, 0)
        assert exact.explainer == "exact"
        np.testing.assert_allclose(tree.values, exact.values, atol=1e-6)
        assert abs(tree.base - exact.base) < 1e-6 and abs(tree.value - exact.value) < 1e-12


def test_the_ensembles_explanation_is_its_members_average(moons):
    """Scenario: soft voting's probability is the weighted mean of its members', and Shapley values
    are linear, so with one background and exact SHAP the ensemble's attributions equal the weighted
    mean of the members' to 1e-12; each member row equals that model explained alone."""
    X, y, tr, _ = moons
    cfgs = [ModelConfig("voting", members=VOTE, weights=(2.0, 1.0, 1.0)), *VOTE]
    res = explain_point(X, y, tr, cfgs, X[5], PointConfig(target_class=1))
    vote = res.models[0]
    assert vote.error is None and vote.explainer == "exact" and len(vote.members) == 3
    np.testing.assert_allclose(vote.weights, [0.5, 0.25, 0.25])
    assert vote.gap < 1e-12
    np.testing.assert_allclose(vote.members_mean, vote.values, atol=1e-12)
    for member, alone in zip(vote.members, res.models[1:], strict=True):
        np.testing.assert_allclose(member.values, alone.values, atol=1e-6)  # the tree alone: tree SHAP
        assert abs(member.value - alone.value) < 1e-12 and member.target_class == 1


@pytest.mark.parametrize("method", ["lime", "permutation"])
def test_sampling_explainers_keep_the_ensemble_average_with_shared_samples(cancer, method):
    """With one seed the members and the ensemble see the same LIME samples / SHAP permutations, and
    both methods are linear in the explained function: the gap stays at float error."""
    X, y, tr, te, names = cancer
    cfg = PointConfig(method="lime" if method == "lime" else "shap", n_samples=400, background=30)
    vote = explain_point(X, y, tr, [ModelConfig("voting", members=VOTE)], X[te[3]], cfg).models[0]
    assert vote.explainer == method and vote.gap < 1e-9


def test_hard_voting_bagging_and_stacking_show_their_members(moons):
    X, y, tr, _ = moons
    hard = ModelConfig("voting", members=(ModelConfig("logreg"), ModelConfig("rbf_svm"), ModelConfig("tree")),
                       voting="hard")  # fmt: skip
    bag = ModelConfig("bagging", members=(ModelConfig("tree", (("max_depth", 3),)),))
    svm_bag = ModelConfig("bagging", members=(ModelConfig("linear_svm"),))
    stack = ModelConfig("stacking", members=(ModelConfig("rbf_svm"), ModelConfig("knn")))
    res = explain_point(X, y, tr, [hard, bag, svm_bag, stack], X[9])
    assert [a.error for a in res.models] == [None] * 4
    h, b, sb, s = res.models
    assert h.space == "vote share" and {m.space for m in h.members} == {"vote"} and h.gap < 1e-12
    assert b.space == "probability" and len(b.members) == 10 and b.gap < 1e-12
    assert sb.space == "vote share" and sb.gap < 1e-12  # bagged models without probabilities vote
    assert s.weights is None and np.isnan(s.gap) and [m.space for m in s.members] == ["margin", "probability"]
    for a in res.models:
        assert abs(a.residual) < 1e-9 and all(abs(m.residual) < 1e-9 for m in a.members)
        assert all(m.predicted in (0, 1) for m in a.members)
    own = fitted(X, y, tr, stack).model.estimators_[0].predict(X[9:10])[0]
    assert s.members[0].predicted == own


def test_lime_recovers_a_linear_models_strongest_feature(moons):
    """What LIME guarantees: a good local fit (R^2 near 1) of a linear margin, and the sign of the
    strongest feature's contribution."""
    X, y, tr, _ = moons
    for i in (2, 30, 77):
        x = X[i]
        a = explain_point(X, y, tr, [ModelConfig("logreg")], x, PointConfig("lime", 1, "margin")).models[0]
        oracle = _oracle(X, y, tr, x)
        j = int(np.argmax(np.abs(oracle)))
        assert a.explainer == "lime" and a.score > 0.99
        assert np.sign(a.values[j]) == np.sign(oracle[j])


def test_same_seed_same_result_and_global_rng_untouched(cancer):
    X, y, tr, te, _ = cancer
    cfgs = [ModelConfig("logreg"), ModelConfig("knn")]
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    runs = [explain_point(X, y, tr, cfgs, X[te[1]], PointConfig(method=m, n_samples=300, background=20))
            for m in ("shap", "shap", "lime", "lime")]  # fmt: skip
    assert np.array_equal(np.random.get_state()[1], state)
    for a, b in zip(runs[0].models + runs[2].models, runs[1].models + runs[3].models, strict=True):
        np.testing.assert_array_equal(a.values, b.values)
    other = explain_point(X, y, tr, cfgs, X[te[1]], PointConfig(n_samples=300, background=20, seed=1))
    assert not np.array_equal(other.models[0].values, runs[0].models[0].values)


def test_a_model_that_failed_to_fit_is_reported_alone(collinear):
    X, y, tr, _ = collinear
    res = explain_point(X, y, tr, [ModelConfig("qda"), ModelConfig("logreg")], X[0])
    assert res.models[0].error and "Quadratic" in res.models[0].error and res.models[0].values.size == 0
    assert res.models[1].error is None and abs(res.models[1].residual) < 1e-9


def test_a_point_outside_the_data_is_explained_and_flagged(moons):
    X, y, tr, _ = moons
    res = explain_point(X, y, tr, [ModelConfig("logreg")], [10.0, 0.0], feature_names=("a", "b"))
    assert res.outside == (0,) and "outside the training rows' range on a" in res.note
    assert res.models[0].error is None
    assert explain_point(X, y, tr, [ModelConfig("logreg")], X[0]).note is None


def test_bad_input_raises_what_to_change(moons):
    X, y, tr, _ = moons
    m = [ModelConfig("logreg")]
    y3 = y.copy()
    y3[np.setdiff1d(np.arange(len(y)), tr)[:2]] = 2  # class 2 only among the test rows
    with pytest.raises(ValueError, match="Class 2 does not occur in the training rows"):
        explain_point(X, y3, tr, m, X[0], PointConfig(target_class=2))
    wide = np.random.default_rng(0).normal(size=(60, 500))
    with pytest.raises(ValueError, match="500 features; explanations are computed for at most 100"):
        explain_point(wide, np.arange(60) % 2, np.arange(40), m, wide[0])
    with pytest.raises(ValueError, match="3 values but the models take 2"):
        explain_point(X, y, tr, m, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        explain_point(X, y, tr, m, [np.nan, 0.0])
    with pytest.raises(ValueError, match="Background must be a whole number in \\[10, 500\\]"):
        explain_point(X, y, tr, m, X[0], PointConfig(background=5))
    with pytest.raises(ValueError, match="one of shap, lime"):
        explain_point(X, y, tr, m, X[0], PointConfig(method="anchors"))
    with pytest.raises(ValueError, match="only one class"):
        explain_point(X, y, np.flatnonzero(y == 0), m, X[0])
    with pytest.raises(ValueError, match="at least one model"):
        explain_point(X, y, tr, [], X[0])


def test_fitted_models_are_cached_by_data_and_config(moons):
    X, y, tr, _ = moons
    a = fitted(X, y, tr, ModelConfig("knn"))
    assert fitted(X, y, tr, ModelConfig("knn")) is a
    assert fitted(X, y, tr[1:], ModelConfig("knn")) is not a
    assert fitted(X, y, tr, ModelConfig("knn", seed=1)) is not a


def test_warm_up_leaves_the_global_generator_alone():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    shapley.warm_up()
    assert np.array_equal(np.random.get_state()[1], before)
