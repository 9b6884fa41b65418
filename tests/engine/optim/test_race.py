"""Optimizer races on 2-parameter surfaces: closed forms, torch.optim oracles, exact data surfaces,
divergence, tuning, the convergence map, validation and seeds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from engine.optim.race import (
    LR_GRID,
    OPTIMIZERS,
    MapConfig,
    PathConfig,
    RaceConfig,
    convergence_map,
    race,
    tune_learning_rates,
)
from engine.optim.surfaces import FUNCTIONS, SurfaceConfig, gradient_cloud, make_surface, surface_grid


@pytest.fixture(scope="module")
def moons() -> Dataset:
    return make_dataset(DatasetConfig("moons", n_samples=300, noise=0.2, seed=1))


def _standardised(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    Z = data.X[:, :2]
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
    return Z[:, 0], Z[:, 1]


def test_one_gd_step_on_a_quadratic_is_the_closed_form():
    bowl = make_surface(SurfaceConfig("quadratic", condition=10.0))
    cfg = RaceConfig(paths=(PathConfig("gd", lr=0.05),), start=(2.0, 1.0), steps=3)
    params = race(bowl, cfg).params[:, 0]
    for k in range(4):  # f = (x^2 + 10 y^2) / 2: x <- (1 - lr) x, y <- (1 - 10 lr) y
        np.testing.assert_allclose(params[k], [2.0 * 0.95**k, 1.0 * 0.5**k], rtol=1e-12)


def _torch_path(surface, name: str, lr: float, momentum: float, start, steps: int) -> np.ndarray:
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = {
        "momentum": lambda: torch.optim.SGD([p], lr=lr, momentum=momentum),
        "nesterov": lambda: torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=True),
        "adagrad": lambda: torch.optim.Adagrad([p], lr=lr),
        "rmsprop": lambda: torch.optim.RMSprop([p], lr=lr),
        "adam": lambda: torch.optim.Adam([p], lr=lr, betas=(momentum, 0.999)),
    }[name]()
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.tensor(surface.grad(p.detach().numpy()))
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


def test_steps_equal_torch_optim_on_the_same_gradients():
    rosen = make_surface(SurfaceConfig("rosenbrock"))
    paths = (PathConfig("momentum", 2e-4, 0.9), PathConfig("nesterov", 2e-4, 0.8), PathConfig("adagrad", 0.1),
             PathConfig("rmsprop", 0.01), PathConfig("adam", 0.05, 0.85))  # fmt: skip
    result = race(rosen, RaceConfig(paths=paths, start=(-1.5, 2.5), steps=25))  # all five in one batch
    assert (result.diverged_at == -1).all()
    for i, p in enumerate(paths):
        expected = _torch_path(rosen, p.optimizer, p.lr, p.momentum, [-1.5, 2.5], 25)
        np.testing.assert_allclose(result.params[:, i], expected, rtol=1e-10, atol=1e-12, err_msg=p.optimizer)
        assert not np.allclose(expected[-1], expected[0])  # the path moved


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_function_gradients_match_finite_differences(name):
    surface = make_surface(SurfaceConfig(name, condition=7.0))
    x0, x1, y0, y1 = surface.domain
    P = np.random.default_rng(0).uniform([x0, y0], [x1, y1], size=(20, 2))
    h = 1e-6
    numeric = np.stack([(surface.loss(P + h * e) - surface.loss(P - h * e)) / (2 * h) for e in np.eye(2)], -1)
    np.testing.assert_allclose(surface.grad(P), numeric, rtol=1e-5, atol=1e-4)
    assert np.allclose(surface.grad(surface.minima), 0.0, atol=1e-4)


def test_linear_regression_surface_is_the_exact_mse(moons):
    surface = make_surface(SurfaceConfig("linear"), moons)
    x, y = _standardised(moons)
    P = np.random.default_rng(1).normal(size=(30, 2)) * 2
    direct = np.array([np.mean((w0 + w1 * x - y) ** 2) for w0, w1 in P])
    np.testing.assert_allclose(surface.loss(P), direct, rtol=1e-10)
    grad = np.array([[2 * np.mean(w0 + w1 * x - y), 2 * np.mean((w0 + w1 * x - y) * x)] for w0, w1 in P])
    np.testing.assert_allclose(surface.grad(P), grad, rtol=1e-9, atol=1e-12)
    rows = np.random.default_rng(2).integers(0, len(x), (30, 16))  # each point its own mini-batch
    batch = [np.mean((w0 + w1 * x[r] - y[r]) ** 2) for (w0, w1), r in zip(P, rows, strict=True)]
    np.testing.assert_allclose(surface.batch_loss(P, rows), batch, rtol=1e-10)
    assert np.allclose(surface.grad(surface.minima), 0.0, atol=1e-10)  # least squares is the minimum


def test_logistic_regression_surface_is_the_exact_cross_entropy(moons):
    surface = make_surface(SurfaceConfig("logistic"), moons)
    X, t = np.c_[_standardised(moons)], moons.y
    P = np.random.default_rng(3).normal(size=(25, 2)) * 3
    proba = 1 / (1 + np.exp(-(X @ P.T)))  # (n, 25)
    direct = -np.mean(t[:, None] * np.log(proba) + (1 - t[:, None]) * np.log(1 - proba), axis=0)
    np.testing.assert_allclose(surface.loss(P), direct, rtol=1e-9)
    h = 1e-6
    numeric = np.stack([(surface.loss(P + h * e) - surface.loss(P - h * e)) / (2 * h) for e in np.eye(2)], -1)
    np.testing.assert_allclose(surface.grad(P), numeric, rtol=1e-5, atol=1e-8)
    all_rows = np.tile(np.arange(len(t)), (len(P), 1))
    np.testing.assert_allclose(surface.batch_grad(P, all_rows), surface.grad(P), rtol=1e-12)


def test_surface_grid_is_the_loss_on_the_grid():
    surface = make_surface(SurfaceConfig("himmelblau"))
    g = surface_grid(surface, 21)
    assert g.loss.shape == (21, 21)
    # the same elementwise float64 arithmetic on the grid and on one point: equal, not just close
    assert g.loss[3, 7] == float(surface.loss(np.array([g.xs[7], g.ys[3]])))


def test_gradient_noise_shrinks_with_the_batch_and_centres_on_the_full_gradient(moons):
    surface = make_surface(SurfaceConfig("linear"), moons)
    small = gradient_cloud(surface, (1.0, -1.0), batch_size=4, n_batches=400, seed=0)
    large = gradient_cloud(surface, (1.0, -1.0), batch_size=64, n_batches=400, seed=0)
    assert small.batches.shape == (400, 2)
    assert small.batches.std(axis=0).mean() > 2.5 * large.batches.std(axis=0).mean()
    error = np.abs(large.batches.mean(axis=0) - large.full)
    assert (error < 4 * large.batches.std(axis=0) / np.sqrt(400)).all()


def test_race_records_examples_processed_per_optimizer(moons):
    surface = make_surface(SurfaceConfig("linear"), moons)
    paths = (PathConfig("gd", 0.1), PathConfig("sgd", 0.01), PathConfig("minibatch", 0.05, batch_size=20),
             PathConfig("adam", 0.05, batch_size=10), PathConfig("momentum", 0.01))  # fmt: skip
    result = race(surface, RaceConfig(paths=paths, steps=40))
    np.testing.assert_array_equal(result.batch_sizes, [300, 1, 20, 10, 300])
    np.testing.assert_array_equal(result.examples[40], 40 * result.batch_sizes)
    assert result.loss.shape == (41, 5) and result.params.shape == (41, 5, 2)
    assert (result.loss[-1] < result.loss[0]).all()  # every racer went downhill on the full data
    assert len(set(result.labels)) == 5


def test_divergence_is_recorded_not_raised():
    bowl = make_surface(SurfaceConfig("quadratic", condition=10.0))  # GD is stable for lr < 2 / 10
    paths = (PathConfig("gd", 0.25), PathConfig("gd", 0.15), PathConfig("adam", 900.0))
    result = race(bowl, RaceConfig(paths=paths, steps=200))
    assert result.diverged_at[0] > 0 and result.diverged_at[1] == -1 and result.diverged_at[2] > 0
    k = result.diverged_at[0]
    assert np.isnan(result.params[k + 1 :, 0]).all() and np.isnan(result.loss[k + 1 :, 0]).all()
    assert np.isfinite(result.loss[:k, 0]).all()
    assert result.loss[-1, 1] < 1e-10


def test_equal_footing_tunes_each_learning_rate_to_a_stable_one():
    bowl = make_surface(SurfaceConfig("quadratic", condition=10.0))
    cfg = RaceConfig(paths=(PathConfig("gd", 5.0), PathConfig("adam", 1e-5)), steps=60, equal_footing=True)
    result = race(bowl, cfg)
    assert result.tuning is not None and result.tuning.scores.shape == (2, len(LR_GRID))
    assert 0.05 < result.lrs[0] < 0.2  # the fastest GD rate below the stability limit 2 / 10
    assert (result.diverged_at == -1).all()
    untuned = race(bowl, replace(cfg, equal_footing=False))
    assert untuned.diverged_at[0] > 0 and result.loss[-1, 1] < 1e-3 * untuned.loss[-1, 1]
    np.testing.assert_array_equal(tune_learning_rates(bowl, cfg).best, result.lrs)


def test_convergence_map_follows_the_heavy_ball_stability_limit():
    bowl = make_surface(SurfaceConfig("quadratic", condition=50.0))
    m = convergence_map(bowl, MapConfig("momentum", lr_range=(1e-3, 1.0), n_lr=31, n_momentum=11, steps=150))
    assert m.final_loss.shape == (11, 31) == m.diverged_at.shape
    limit = (
        2 * (1 + m.momenta[:, None]) / 50.0
    )  # heavy ball on curvature 50 is stable iff lr < 2 (1 + mu) / 50
    lrs = m.lrs[None, :]
    assert (m.diverged_at[lrs > 1.3 * limit] > 0).all()
    assert (m.diverged_at[lrs < 0.7 * limit] == -1).all()
    assert np.isinf(m.final_loss[m.diverged_at > 0]).all()


def test_seeds_reproduce_and_leave_the_global_generator_alone(moons):
    surface = make_surface(SurfaceConfig("logistic"), moons)
    cfg = RaceConfig(
        paths=(PathConfig("sgd", 0.1), PathConfig("minibatch", 0.1, batch_size=8)), steps=50, seed=3
    )
    state = np.random.get_state()[1].copy()
    a, b = race(surface, cfg), race(surface, cfg)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(race(surface, replace(cfg, seed=4)).params, a.params)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_every_optimizer_runs_on_every_kind_of_surface(moons):
    for surface, lr in (
        (make_surface(SurfaceConfig("beale")), 1e-3),
        (make_surface(SurfaceConfig("logistic"), moons), 0.1),
    ):
        paths = tuple(PathConfig(name, lr) for name in OPTIMIZERS)
        result = race(surface, RaceConfig(paths=paths, steps=20))
        assert np.isfinite(result.loss).all() and (result.loss[-1] < result.loss[0]).all()


@pytest.mark.parametrize(
    "call,phrase",
    [
        (lambda s, d: race(s, RaceConfig(paths=(PathConfig("lbfgs"),))), "Unknown optimizer"),
        (lambda s, d: race(s, RaceConfig(paths=(PathConfig(lr=0.0),))), "learning rate must be above 0"),
        (lambda s, d: race(s, RaceConfig(paths=(PathConfig("momentum", momentum=1.0),))), "Momentum must be"),
        (lambda s, d: race(s, RaceConfig(paths=(PathConfig(),) * 9)), "1 to 8 optimizers"),
        (lambda s, d: race(s, RaceConfig(paths=())), "1 to 8 optimizers"),
        (lambda s, d: race(s, RaceConfig(steps=0)), "Steps must be"),
        (lambda s, d: race(s, RaceConfig(start=(np.nan, 0.0))), "two finite numbers"),
        (lambda s, d: race(make_surface(SurfaceConfig("linear"), d), RaceConfig(paths=(PathConfig("minibatch", batch_size=301),))), "at most the 300 rows"),
        (lambda s, d: make_surface(SurfaceConfig("volcano")), "Unknown surface"),
        (lambda s, d: make_surface(SurfaceConfig("quadratic", condition=0.5)), "condition number"),
        (lambda s, d: make_surface(SurfaceConfig("linear")), "choose a dataset"),
        (lambda s, d: make_surface(SurfaceConfig("linear", x_feature=1), d), "two different columns"),
        (lambda s, d: make_surface(SurfaceConfig("logistic"), make_dataset(DatasetConfig("blobs", n_classes=3))), "exactly two classes"),
        (lambda s, d: gradient_cloud(s, (0.0, 0.0), 4), "has no data"),
        (lambda s, d: convergence_map(s, MapConfig(lr_range=(1.0, 0.1))), "learning-rate range"),
        (lambda s, d: convergence_map(s, MapConfig(momentum_range=(0.0, 1.0))), "momentum range"),
    ],
)  # fmt: skip
def test_bad_settings_raise_a_clear_value_error(call, phrase, moons):
    with pytest.raises(ValueError, match=phrase):
        call(make_surface(SurfaceConfig("rosenbrock")), moons)
