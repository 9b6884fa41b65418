"""The sphere race's figures (trace types, counts and lengths, on tiny races) and its start angles."""

import numpy as np
import pytest

from engine.optim.sphere import METHODS, SphereConfig, point_from_angles, race_sphere
from explorer.optimizers import sphere_figures as sf
from explorer.optimizers.sphere_controls import angles


@pytest.fixture(scope="module")
def result():
    return race_sphere(SphereConfig(steps=30))


def test_sphere_figure_draws_the_sphere_every_path_the_start_and_the_minimum(result):
    fig = sf.sphere_figure(result)
    surface, *rest = fig.data
    assert surface.type == "surface" and surface.opacity < 1
    radius = np.sqrt(surface.x**2 + surface.y**2 + surface.z**2)
    np.testing.assert_allclose(radius, 1.0, atol=1e-12)
    f = np.asarray(surface.surfacecolor)
    assert f.min() >= result.eigenvalues[0] - 1e-5 and f.max() <= result.eigenvalues[-1] + 1e-5
    lines = [t for t in rest if t.mode == "lines+markers"]
    assert [t.name for t in lines] == list(METHODS.values())
    assert all(t.type == "scatter3d" and len(t.x) == 31 for t in lines)
    ends = [t for t in rest if t.name.endswith(": end")]
    assert len(ends) == 3 and all(t.marker.symbol == "circle" for t in ends)
    minimum = next(t for t in rest if t.name.startswith("minimum ±v₁"))
    v = result.eigenvectors[:, 0]
    np.testing.assert_allclose([minimum.x[0], minimum.y[0], minimum.z[0]], v)
    np.testing.assert_allclose([minimum.x[1], minimum.y[1], minimum.z[1]], -v)
    start = next(t for t in rest if t.name == "start")
    np.testing.assert_allclose([start.x[0], start.y[0], start.z[0]], result.start)
    assert len(fig.data) == 1 + 2 * 3 + 2


def test_a_diverged_path_stops_before_it_left_and_ends_in_a_cross():
    r = race_sphere(SphereConfig(lr=0.5, mu=50.0, steps=100))
    k = int(r.diverged_at[2])
    fig = sf.sphere_figure(r)
    line = next(t for t in fig.data if t.name.startswith("Penalty method ·"))
    assert line.name == f"Penalty method · diverged at step {k}" and len(line.x) == k
    assert np.isfinite(np.r_[line.x, line.y, line.z]).all()
    assert next(t for t in fig.data if t.name == "Penalty method: end").marker.symbol == "x"
    curves = [t for t in sf.constraint_figure(r).data if t.name == "Penalty method"]
    assert len(curves) == 3 and all(len(t.x) == k for t in curves)


def test_constraint_figure_has_three_panels_per_method_and_a_floor_on_log_axes(result):
    fig = sf.constraint_figure(result)
    per_method = [t for t in fig.data if t.name in METHODS.values()]
    assert len(per_method) == 9 and all(t.type == "scatter" and len(t.y) == 31 for t in per_method)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis3.type == "log"
    assert fig.layout.yaxis2.type != "log"
    riemannian = [t for t in per_method if t.name == "Riemannian GD"]
    distance, objective, _ = riemannian
    assert (np.asarray(distance.y) >= sf.FLOOR).all() and np.asarray(distance.y).max() <= 1e-9
    np.testing.assert_allclose(objective.y, result.objective[:, 0])
    lam = next(t for t in fig.data if t.name.startswith("λ₁"))
    assert list(lam.y) == [result.eigenvalues[0]] * 2 and lam.line.dash == "dash"


def test_sphere_table_has_every_step_of_every_method(result):
    table = sf.sphere_table(result)
    assert len(table) == 31 * 3 and set(table["method"]) == set(METHODS.values())
    assert list(table.columns) == ["step", "method", "x", "y", "z", "objective", "distance", "angle_deg"]


def test_the_start_shown_as_angles_is_the_start_point():
    x = race_sphere(SphereConfig(seed=4, steps=1)).start
    np.testing.assert_allclose(point_from_angles(*angles(x)), x, atol=1e-12)
