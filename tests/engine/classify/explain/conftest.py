"""Data shared by the explanation tests: moons with a split, and the breast-cancer table."""

import numpy as np
import pytest
from sklearn.datasets import make_moons

from engine.classify.fit import split


@pytest.fixture(scope="package")
def moons():
    X, y = make_moons(200, noise=0.2, random_state=0)
    tr, te = split(y, 0.3, seed=0)
    return X, y, tr, te


@pytest.fixture(scope="package")
def cancer():
    from engine.data.datasets import load_bundled

    d = load_bundled("breast_cancer")
    tr, te = split(d.y, 0.3, seed=0)
    return d.X, d.y, tr, te, d.feature_names


@pytest.fixture
def collinear():
    rng = np.random.default_rng(0)
    t = rng.normal(size=60)
    X = np.c_[t, 2 * t]
    y = (t > 0).astype(int)
    tr, te = split(y, 0.3, 0)
    return X, y, tr, te
