"""What if: the models at an edited point, and counterfactuals on a straight line and along the data."""

import numpy as np
import pytest

from engine.classify.explain.counterfactual import CounterfactualConfig, counterfactual, what_if
from engine.classify.explain.fitted import fitted
from engine.classify.registry import ModelConfig


def test_what_if_gives_every_models_answer_and_the_vote(moons):
    X, y, tr, _ = moons
    cfgs = [ModelConfig("logreg"), ModelConfig("rbf_svm"), ModelConfig("knn")]
    x = np.array([0.5, 0.25])
    res = what_if(X, y, tr, cfgs, x)
    for i, c in enumerate(cfgs):
        model = fitted(X, y, tr, c).model
        assert res.predicted[i] == model.predict(x[None])[0]
    np.testing.assert_allclose(res.proba[0], fitted(X, y, tr, cfgs[0]).model.predict_proba(x[None])[0])
    assert np.isnan(res.proba[1]).all()  # the SVM gives no probabilities
    counts = np.bincount(res.predicted, minlength=2)
    assert res.vote == counts.argmax() and res.vote_share == counts.max() / 3 and res.note is None
    assert what_if(X, y, tr, cfgs, [9.0, 0.0]).outside == (0,)


def test_straight_counterfactual_of_a_linear_model_lies_on_its_boundary(moons):
    """The crossing found is on the line coef.x + b = 0 (bisected), predicted differently, no closer
    than the boundary's true distance and not much farther."""
    X, y, tr, _ = moons
    model = fitted(X, y, tr, ModelConfig("logreg")).model
    scale = X[np.unique(tr)].std(axis=0)
    beta = model.steps[1][1].coef_[0] / model.steps[0][1].scale_  # margin = beta . x + const
    for i in (0, 10, 20):
        x = X[i]
        res = counterfactual(X, y, tr, ModelConfig("logreg"), x)
        assert res.predicted == model.predict(x[None])[0] != res.straight_class
        assert abs(model.decision_function(res.straight[None])[0]) < 1e-6
        true = abs(model.decision_function(x[None])[0]) / np.linalg.norm(beta * scale)
        assert true - 1e-9 <= res.straight_distance <= 1.25 * true


def test_counterfactual_along_the_data_follows_the_neighbour_graph(moons):
    X, y, tr, _ = moons
    model = fitted(X, y, tr, ModelConfig("knn")).model
    scale = X[np.unique(tr)].std(axis=0)
    res = counterfactual(X, y, tr, ModelConfig("knn"), X[3], CounterfactualConfig(n_neighbors=5))
    assert res.row in set(tr.tolist()) and res.row_class != res.predicted
    assert model.predict(X[res.row][None])[0] == res.row_class and res.path[-1] == res.row
    hops = np.vstack([X[3], X[res.path]])
    assert np.linalg.norm(np.diff(hops, axis=0) / scale, axis=1).sum() == pytest.approx(res.geodesic)
    assert res.geodesic >= res.row_distance - 1e-12
    to = counterfactual(X, y, tr, ModelConfig("knn"), X[3], CounterfactualConfig(to_class=1 - res.predicted))
    assert to.straight_class == 1 - res.predicted


def test_no_counterfactual_when_the_model_predicts_one_class(moons):
    X, y, tr, _ = moons
    flat = ModelConfig("logreg", (("C", 1e-3),), class_weight=None)
    keep = np.concatenate([tr[y[tr] == 0], tr[y[tr] == 1][:8]])  # 8 rows of class 1: it is never predicted
    res = counterfactual(X, y, keep, flat, X[0])
    assert res.straight is None and res.row is None and "predicts no training row" in res.note


def test_counterfactual_validates(moons):
    X, y, tr, _ = moons
    here = fitted(X, y, tr, ModelConfig("logreg")).model.predict(X[:1])[0]
    with pytest.raises(ValueError, match=f"already predicts class {here}"):
        counterfactual(X, y, tr, ModelConfig("logreg"), X[0], CounterfactualConfig(to_class=int(here)))
    with pytest.raises(ValueError, match="N neighbors must be a whole number"):
        counterfactual(X, y, tr, ModelConfig("logreg"), X[0], CounterfactualConfig(n_neighbors=1))
    with pytest.raises(ValueError, match="at least one model"):
        what_if(X, y, tr, [], X[0])
