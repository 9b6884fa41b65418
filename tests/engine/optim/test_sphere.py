"""Optimizing on the unit sphere: the constraint kept, the minimum against numpy's eigh, the tangent
gradient, the penalty method's drift, divergence, determinism and validation."""

import numpy as np
import pytest

from engine.optim.sphere import (
    LIMITS,
    METHODS,
    SphereConfig,
    penalized,
    point_from_angles,
    quadratic_form,
    race_sphere,
    riemannian_grad,
)


@pytest.fixture(scope="module")
def long_race():
    return race_sphere(SphereConfig(steps=1000))


def test_riemannian_and_projected_iterates_stay_on_the_sphere(long_race):
    for method in ("riemannian", "projected"):
        path = long_race.path(method)
        assert np.isfinite(path).all()
        assert np.abs(np.linalg.norm(path, axis=1) - 1).max() <= 1e-9, method
        assert long_race.distance[:, long_race.methods.index(method)].max() <= 1e-9


def test_the_minimum_found_is_the_smallest_eigenvector(long_race):
    a = quadratic_form(long_race.config)
    lam, vec = np.linalg.eigh(a)
    np.testing.assert_allclose(long_race.matrix, a)
    np.testing.assert_allclose(long_race.eigenvalues, [1.0, 3.0, 6.0], atol=1e-12)
    for method in ("riemannian", "projected"):
        end = long_race.path(method)[-1]
        sign = np.sign(end @ vec[:, 0])
        np.testing.assert_allclose(end, sign * vec[:, 0], atol=1e-8)
        i = long_race.methods.index(method)
        assert long_race.objective[-1, i] == pytest.approx(lam[0], abs=1e-10)
        assert long_race.angle[-1, i] < 1e-6
        assert long_race.angle[0, i] > 10, "the race starts away from the minimum"


def test_the_tangent_gradient_is_orthogonal_to_x():
    a = quadratic_form(SphereConfig(seed=3))
    x = np.random.default_rng(0).standard_normal((50, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    g = riemannian_grad(a, x)
    np.testing.assert_allclose(np.sum(g * x, axis=1), 0.0, atol=1e-12)
    assert np.linalg.norm(g, axis=1).min() > 1e-3, "it is not the zero vector"
    v = np.linalg.eigh(a)[1][:, 0]
    np.testing.assert_allclose(riemannian_grad(a, v), 0.0, atol=1e-12)  # an eigenvector is stationary


def test_one_riemannian_step_is_a_shorter_projected_step():
    """For a quadratic form, Riemannian with lr equals projected with lr / (1 + 2 lr f(x))."""
    cfg = SphereConfig(steps=1, lr=0.1)
    r = race_sphere(cfg)
    x, f = r.start, r.objective[0, 0]
    q = race_sphere(SphereConfig(steps=1, lr=0.1 / (1 + 2 * 0.1 * f), start=tuple(x)))
    np.testing.assert_allclose(r.path("riemannian")[1], q.path("projected")[1], atol=1e-12)


def test_the_penalty_method_leaves_the_sphere_less_as_mu_grows():
    ends = []
    for mu in (1.0, 10.0, 100.0):
        r = race_sphere(SphereConfig(mu=mu, lr=0.002, steps=2000))
        d = r.distance[:, r.methods.index("penalty")]
        assert r.diverged_at[2] == -1 and d.max() > 1e-3
        ends.append(d[-1])
        # its minimum along v1 lies at radius sqrt(1 - lambda1 / (2 mu))
        assert d[-1] == pytest.approx(1 - np.sqrt(1 - 1.0 / (2 * mu)), rel=1e-3)
    assert ends[0] > ends[1] > ends[2] > 0


def test_penalty_objective_is_xAx_and_its_penalised_loss_falls():
    r = race_sphere(SphereConfig(steps=300))
    x = r.path("penalty")
    np.testing.assert_allclose(r.objective[:, 2], np.einsum("ti,ij,tj->t", x, r.matrix, x))
    assert r.objective[-1, 2] < r.eigenvalues[0], "off the sphere it dips below the smallest eigenvalue"
    np.testing.assert_allclose(r.rayleigh[-1, 2], r.eigenvalues[0], atol=1e-6)
    loss = penalized(r.matrix, x, r.config.mu)
    assert loss[-1] < loss[0]


def test_a_too_large_learning_rate_diverges_the_penalty_method_gracefully():
    r = race_sphere(SphereConfig(lr=0.5, mu=50.0, steps=100))
    k = r.diverged_at[2]
    assert 1 <= k <= 100 and np.isnan(r.path("penalty")[k + 1 :]).all()
    assert np.isfinite(r.path("penalty")[:k]).all()
    assert r.diverged_at[0] == -1 and np.abs(np.linalg.norm(r.path("riemannian"), axis=1) - 1).max() <= 1e-9


def test_start_point_and_angles():
    np.testing.assert_allclose(point_from_angles(90, 0), (1, 0, 0), atol=1e-15)
    np.testing.assert_allclose(point_from_angles(0, 123), (0, 0, 1), atol=1e-15)
    r = race_sphere(SphereConfig(start=(0.0, 0.0, 5.0), steps=3))
    np.testing.assert_allclose(r.start, (0, 0, 1))
    assert (r.paths[0] == r.start).all()


def test_same_seed_same_race_and_no_global_state():
    np.random.seed(7)
    before = np.random.random()
    np.random.seed(7)
    a, b = race_sphere(SphereConfig(seed=5)), race_sphere(SphereConfig(seed=5))
    assert np.random.random() == before, "the global generator was not touched"
    np.testing.assert_array_equal(a.paths, b.paths)
    c = race_sphere(SphereConfig(seed=6))
    assert not np.allclose(a.matrix, c.matrix) and not np.allclose(a.start, c.start)
    assert a.labels == tuple(METHODS.values())


@pytest.mark.parametrize(
    "cfg, words",
    [
        (SphereConfig(lr=0.0), "learning rate must be from"),
        (SphereConfig(lr=-1.0), "learning rate must be from"),
        (SphereConfig(start=(0.0, 0.0, 0.0)), "start point is the origin"),
        (SphereConfig(start=(1.0, np.nan, 0.0)), "three finite numbers"),
        (SphereConfig(eigenvalues=(2.0, 2.0, 5.0)), "must differ by at least"),
        (SphereConfig(eigenvalues=(1.0, 2.0, 50.0)), "three eigenvalues between"),
        (SphereConfig(mu=0.0), "penalty weight"),
        (SphereConfig(steps=0), "Steps must be a whole number"),
        (SphereConfig(steps=LIMITS["steps"][1] + 1), "Steps must be a whole number"),
        (SphereConfig(seed=-1), "seed must be"),
    ],
)
def test_bad_settings_raise_a_clear_error(cfg, words):
    with pytest.raises(ValueError, match=words):
        race_sphere(cfg)
