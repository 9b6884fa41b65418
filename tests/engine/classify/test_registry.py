"""The classifier registry: every entry builds its estimator with its defaults, and settings are checked."""

import numpy as np
import pytest

from engine.classify.registry import MODELS, Choice, ModelConfig, Number, make_model, resolved_params
from engine.nets.mlp import ACTIVATIONS, LIMITS


@pytest.mark.parametrize("name", list(MODELS))
def test_every_entry_builds_its_defaults_and_fits(name):
    p = resolved_params(name, ())
    model = make_model(ModelConfig(name))
    clf = model.steps[-1][1]
    params = clf.get_params()
    for key, value in p.items():
        if key in params:
            assert params[key] == value, (name, key)
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    if name in ("network", "net_svm"):
        model.set_params(**{f"{model.steps[-1][0]}__epochs": 20})
    assert model.fit(X, y).predict(X).shape == (20,)


def test_network_entries_take_the_network_limits():
    for name in ("network", "net_svm"):
        params = MODELS[name].params
        assert params["activation"].options == ACTIVATIONS
        assert (params["width"].lo, params["width"].hi) == LIMITS["width"]
        assert (params["layers"].lo, params["layers"].hi) == LIMITS["layers"]
        assert params["epochs"].hi == LIMITS["epochs"][1]


def test_out_of_range_and_unknown_choice_raise():
    with pytest.raises(ValueError, match=r"RBF SVM: C must be a number in \[0.001, 1000.0\], not 5000.0."):
        resolved_params("rbf_svm", (("C", 5000.0),))
    with pytest.raises(ValueError, match="k nearest neighbours: weights must be one of uniform, distance."):
        resolved_params("knn", (("weights", "nearest"),))
    with pytest.raises(ValueError, match="must be a number"):
        Number(1, 0, 10).check("M", "k", True)
    assert Number(1, 0, 10).check("M", "k", 3.0) == 3 and isinstance(
        Number(1, 0, 10).check("M", "k", 3.0), int
    )
    assert Choice("a", ("a", "b")).check("M", "k", "b") == "b"
    assert resolved_params("network", (("activation", "linear"),))["activation"] == "linear"
