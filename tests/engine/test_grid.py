import numpy as np
import pytest

from engine.grid import Grid


def test_points_are_row_major_and_shape_matches():
    g = Grid(np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0]))
    assert g.shape == (2, 3)
    np.testing.assert_array_equal(g.points, [[0, 10], [1, 10], [2, 10], [0, 20], [1, 20], [2, 20]])


def test_of_points_recovers_a_rectangular_grid():
    g = Grid(np.linspace(-1, 1, 7), np.linspace(0, 5, 4))
    back = Grid.of_points(g.points)
    np.testing.assert_array_equal(back.xs, g.xs)
    np.testing.assert_array_equal(back.ys, g.ys)
    assert back.shape == (4, 7)


def test_around_covers_the_data_with_its_margin():
    X = np.array([[0.0, 0.0], [10.0, 2.0]])
    g = Grid.around(X, 5, margin=0.1)
    assert (g.xs[0], g.xs[-1]) == pytest.approx((-1.0, 11.0), rel=1e-12)
    assert (g.ys[0], g.ys[-1]) == pytest.approx((-0.2, 2.2), rel=1e-12)
    flat = Grid.around(np.array([[3.0, 1.0], [3.0, 2.0]]), 3)
    assert (flat.xs[0], flat.xs[-1]) == pytest.approx((2.5, 3.5), rel=1e-12)


def test_not_a_grid_is_refused():
    with pytest.raises(ValueError, match="not a grid"):
        Grid.of_points(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 2.0]]))
