"""Layer figures: grid lines follow the lattice the panel names, square or not."""

import numpy as np
import pytest

from engine.grid import Grid
from explorer.layers.figures import Panel, _grid_lines


def test_grid_lines_of_a_wide_lattice_run_along_its_rows_and_columns():
    grid = Grid(np.arange(5.0), np.arange(3.0))  # 3 rows of 5 points
    x, y = _grid_lines(grid.points, grid.shape, stride=1)
    pieces = np.split(np.c_[x, y], np.flatnonzero(np.isnan(x)) + 1)
    lines = [p[~np.isnan(p[:, 0])] for p in pieces if (~np.isnan(p[:, 0])).any()]
    assert [len(p) for p in lines] == [5] * 3 + [3] * 5
    assert all((p[:, 1] == p[0, 1]).all() for p in lines[:3])  # rows: constant y
    assert all((p[:, 0] == p[0, 0]).all() for p in lines[3:])  # columns: constant x


def test_a_panel_grid_comes_with_its_lattice_shape():
    coords = np.zeros((1, 4, 2))
    assert Panel("a", coords, np.zeros((1, 15, 2)), (3, 5)).grid_shape == (3, 5)
    assert Panel("b", coords).grid is None
    with pytest.raises(ValueError, match="shape"):
        Panel("c", coords, np.zeros((1, 15, 2)))
    with pytest.raises(ValueError, match="shape"):
        Panel("d", coords, None, (3, 5))
