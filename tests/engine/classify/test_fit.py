"""Engine of the Decision Boundaries view: oracles, ensembles arithmetic, caching, quality, validation."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_moons

import engine.classify.fit as B
from engine.classify.fit import MODELS, ModelConfig, fit_all, fit_boundary, make_grid, make_model, split


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(200, noise=0.2, random_state=0)
    tr, te = split(y, 0.3, seed=0)
    return X, y, tr, te, make_grid(X, 30)


def test_grid_matches_network_grid_layout():
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    g = make_grid(X, 3)
    assert g.shape == (9, 2)
    np.testing.assert_allclose(g[1], [0.5, -0.2])  # row i*size + j = (x_j, y_i)
    np.testing.assert_allclose(g[3], [-0.1, 1.0])


def test_logistic_boundary_changes_sign_on_the_line():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) * [2.0, 1.0] + [1.0, -1.0]
    y = (0.7 * X[:, 0] - 1.3 * X[:, 1] + 0.5 > 0).astype(int)
    model = make_model(ModelConfig("logreg", (("C", 100.0),))).fit(X, y)
    scaler, clf = model[0], model[-1]
    w = clf.coef_[0] / scaler.scale_
    b = clf.intercept_[0] - w @ scaler.mean_
    grid = make_grid(X, 40)
    res = fit_boundary(X, y, np.arange(200), np.arange(0), grid, ModelConfig("logreg", (("C", 100.0),)))
    side = grid @ w + b
    far = np.abs(side) > 1e-6 * np.abs(side).max()
    np.testing.assert_array_equal(res.grid_pred[far], (side[far] > 0).astype(int))
    assert (side > 0).any() and (side < 0).any()
    # points just either side of the line: move from a point on it along the normal
    p0 = -b * w / (w @ w)
    eps = 1e-3 * w / np.linalg.norm(w)
    assert model.predict(np.array([p0 + eps, p0 - eps])).tolist() == [1, 0]


def test_soft_voting_is_the_weighted_average_of_member_probabilities(moons):
    X, y, tr, te, grid = moons
    members = (ModelConfig("logreg"), ModelConfig("knn"), ModelConfig("tree"))
    probas = [make_model(m).fit(X[tr], y[tr]).predict_proba(grid) for m in members]
    for w in [(1.0, 1.0, 1.0), (1.0, 0.0, 3.0), (0.0, 5.0, 0.0)]:
        vote = make_model(ModelConfig("voting", members=members, weights=w)).fit(X[tr], y[tr])
        expected = sum(wi * p for wi, p in zip(w, probas, strict=True)) / sum(w)
        np.testing.assert_allclose(vote.predict_proba(grid), expected, atol=1e-12)
        res = fit_boundary(X, y, tr, te, grid, ModelConfig("voting", members=members, weights=w))
        np.testing.assert_array_equal(res.grid_pred, expected.argmax(axis=1))
        np.testing.assert_allclose(res.grid_conf, expected.max(axis=1), rtol=2.0**-23)  # stored as float32
    only_knn = fit_boundary(
        X, y, tr, te, grid, ModelConfig("voting", members=members, weights=(0.0, 5.0, 0.0))
    )
    assert not np.array_equal(only_knn.grid_pred, probas[0].argmax(axis=1))  # weights changed the vote
    np.testing.assert_array_equal(only_knn.grid_pred, probas[1].argmax(axis=1))


def test_soft_voting_without_probabilities_is_a_tile_message(moons):
    cfg = ModelConfig("voting", members=(ModelConfig("logreg"), ModelConfig("rbf_svm")))
    res = fit_boundary(*moons, cfg)
    assert "hard voting" in res.error
    hard = fit_boundary(*moons, ModelConfig("voting", members=cfg.members, voting="hard"))
    assert hard.error is None and hard.test_acc > 0.75


def test_only_the_changed_model_and_its_ensembles_refit(moons, monkeypatch):
    built = []
    real = B.make_model
    monkeypatch.setattr(B, "make_model", lambda cfg: built.append(cfg) or real(cfg))
    knn, tree, lr = ModelConfig("knn"), ModelConfig("tree"), ModelConfig("logreg")
    cfgs = [
        knn,
        tree,
        lr,
        ModelConfig("voting", members=(knn, lr)),
        ModelConfig("stacking", members=(tree, lr)),
    ]
    cache = {}
    first = fit_all(*moons, cfgs, n_jobs=1, cache=cache)
    assert len(built) == 5
    built.clear()
    again = fit_all(*moons, cfgs, n_jobs=1, cache=cache)
    assert built == [] and all(a is b for a, b in zip(first, again, strict=True))
    knn7 = ModelConfig("knn", (("n_neighbors", 7),))
    changed = [knn7, tree, lr, ModelConfig("voting", members=(knn7, lr)), cfgs[4]]
    fit_all(*moons, changed, n_jobs=1, cache=cache)
    assert sorted(c.name for c in built) == ["knn", "voting"]
    built.clear()
    X, y, tr, te, grid = moons
    fit_all(X, y, tr, te, grid + 0.01, changed, n_jobs=1, cache=cache)  # new data: all refit
    assert len(built) == 5


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_learns_moons(moons, name):
    res = fit_boundary(*moons, ModelConfig(name))
    assert res.error is None
    assert res.test_acc > (0.6 if name in ("perceptron", "gnb", "qda") else 0.75)
    assert res.grid_pred.shape == res.grid_conf.shape == (900,)
    assert res.grid_conf.min() >= 0 and res.grid_conf.max() <= 1
    assert 0.5 < res.roc_auc <= 1 and res.fit_s >= 0 and res.test_pred.shape == moons[3].shape


def test_multiclass_ensembles_and_parallel(moons):
    X, y = make_blobs(150, centers=3, cluster_std=1.5, random_state=1)
    tr, te = split(y, 0.3, 0)
    grid = make_grid(X, 20)
    cfgs = [ModelConfig("rbf_svm"), ModelConfig("forest", class_weight="balanced"), ModelConfig("qda"),
            ModelConfig("stacking", members=(ModelConfig("knn"), ModelConfig("linear_svm"))),
            ModelConfig("bagging", members=(ModelConfig("tree"),))]  # fmt: skip
    res = fit_all(X, y, tr, te, grid, cfgs, n_jobs=2)
    for r in res:
        assert r.error is None and r.test_acc > 0.85, r
        assert set(np.unique(r.grid_pred)) == {0, 1, 2}
    assert res[0].roc_auc is None and res[2].roc_auc > 0.9  # ovr AUC needs probabilities


def test_qda_on_collinear_data_fails_alone():
    rng = np.random.default_rng(0)
    t = rng.normal(size=60)
    X = np.c_[t, 2 * t]
    y = (t > 0).astype(int)
    tr, te = split(y, 0.3, 0)
    res = fit_all(X, y, tr, te, make_grid(X, 10), [ModelConfig("qda"), ModelConfig("logreg")], n_jobs=1)
    assert res[0].error and "Quadratic" in res[0].error and np.isnan(res[0].test_acc)
    assert res[1].error is None and res[1].test_acc > 0.9


def test_data_problems_raise_clear_errors(moons):
    X, y, tr, te, grid = moons
    with pytest.raises(ValueError, match="at least two classes"):
        fit_boundary(X, np.zeros_like(y), tr, te, grid, ModelConfig("logreg"))
    y1 = y.copy()
    y1[0] = 2
    with pytest.raises(ValueError, match="Class 2 has only one sample"):
        fit_boundary(X, y1, tr, te, grid, ModelConfig("logreg"))
    with pytest.raises(ValueError, match="only one sample"):
        split(y1)
    with pytest.raises(ValueError, match="only one class"):
        fit_boundary(X, y, tr[y[tr] == 0], te, grid, ModelConfig("logreg"))
    bad = fit_boundary(X, y, tr, te, grid, ModelConfig("knn", (("n_neighbors", 0),)))
    assert "n_neighbors must be a number in [1, 100]" in bad.error


def test_same_seed_same_result_and_global_rng_untouched(moons):
    state = np.random.get_state()[1].copy()
    cfg = ModelConfig("forest", seed=3)
    a, b = fit_boundary(*moons, cfg), fit_boundary(*moons, cfg)
    np.testing.assert_array_equal(a.grid_conf, b.grid_conf)
    c = fit_boundary(*moons, ModelConfig("forest", seed=4))
    assert not np.array_equal(a.grid_conf, c.grid_conf)
    np.testing.assert_array_equal(split(moons[1], 0.3, 5)[1], split(moons[1], 0.3, 5)[1])
    assert not np.array_equal(split(moons[1], 0.3, 5)[1], split(moons[1], 0.3, 6)[1])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_subsample_class_keeps_other_classes():
    y = np.array([0] * 50 + [1] * 50)
    kept = B.subsample_class(y, 1, 0.2, seed=0)
    assert np.bincount(y[kept]).tolist() == [50, 10]
    np.testing.assert_array_equal(kept, B.subsample_class(y, 1, 0.2, seed=0))
    assert np.bincount(y[B.subsample_class(y, 1, 0.001)]).tolist() == [50, 2]
    with pytest.raises(ValueError, match="no class 3"):
        B.subsample_class(y, 3, 0.5)


def test_disagreement_and_overruled():
    a, b, c = np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), np.array([0, 1, 1, 0])
    np.testing.assert_allclose(B.disagreement([a, b, c]), [0, 1 / 3, 0, 2 / 3])
    ens = np.array([1, 1, 1, 2])
    np.testing.assert_array_equal(B.overruled(ens, [a, b, c]), [True, False, False, False])


def test_import_does_not_load_sklearn():
    import subprocess
    import sys

    code = "import sys, engine.classify.fit; print(any(m.startswith('sklearn') for m in sys.modules))"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )


def test_an_interrupted_fit_still_finishes_and_keeps_every_model(moons):
    cfgs = [ModelConfig("knn", (("n_neighbors", k),)) for k in (3, 5, 7, 9)]
    cache, seen = {}, []

    def stop(result, done, total):
        seen.append(result.name)
        raise KeyboardInterrupt  # a Streamlit rerun interrupting the page's progress bar

    with pytest.raises(KeyboardInterrupt):
        fit_all(*moons, cfgs, n_jobs=2, cache=cache, on_result=stop)
    assert len(seen) == 1 and len(cache) == 4  # the rest were collected, not abandoned
    again = fit_all(*moons, cfgs, n_jobs=2, cache=cache)
    assert [r.error for r in again] == [None] * 4
    assert again[0].grid_pred.dtype == np.int16 and again[0].grid_conf.dtype == np.float32
