"""Layer figures: grid lines follow the lattice the panel names, square or not; live frames and
animation frames hold exactly what a freshly built figure holds."""

import json

import numpy as np
import pytest

from engine.data.datasets import DatasetConfig, make_dataset
from engine.grid import Grid
from explorer.layers.figures import LiveLayers, Panel, grid_lines, layer_figure


def test_grid_lines_of_a_wide_lattice_run_along_its_rows_and_columns():
    grid = Grid(np.arange(5.0), np.arange(3.0))  # 3 rows of 5 points
    x, y = grid_lines(grid.points, grid.shape, stride=1)
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


def _panels(rng: np.random.Generator, n: int, grid: Grid) -> list[Panel]:
    """An input panel with its grid, a 2-D layer with its grid and a 3-D layer without one."""
    g = len(grid.points)
    return [
        Panel("input", rng.normal(size=(1, n, 2)), rng.normal(size=(1, g, 2)), grid.shape),
        Panel("hidden 1", rng.normal(size=(1, n, 2)) * 5, rng.normal(size=(1, g, 2)), grid.shape),
        Panel("hidden 2", rng.normal(size=(1, n, 3))),
    ]


def test_a_live_frame_is_the_figure_built_afresh_for_that_snapshot():
    data = make_dataset(DatasetConfig("blobs", n_samples=60, n_classes=3))
    grid = Grid(np.linspace(-1, 1, 7), np.linspace(-1, 1, 5))
    rng = np.random.default_rng(0)
    live = LiveLayers(data, _panels(rng, 60, grid), 0)
    for epoch in (5, 10):
        panels = _panels(rng, 60, grid)
        fresh = layer_figure(data, panels, np.array([epoch]), animate=False)
        assert json.loads(live.figure(panels, epoch).to_json()) == json.loads(fresh.to_json())


def test_animation_frames_carry_the_moving_panels_of_every_snapshot():
    data = make_dataset(DatasetConfig("blobs", n_samples=60, n_classes=3))
    grid = Grid(np.linspace(-1, 1, 7), np.linspace(-1, 1, 5))
    rng = np.random.default_rng(1)
    steps = [_panels(rng, 60, grid) for _ in range(4)]
    steps = [[Panel(p.title, p.coords, p.grid, p.grid_shape) for p in s] for s in steps]
    panels = [
        Panel(ps[0].title, np.concatenate([s[k].coords for s in steps]),
              None if ps[k].grid is None else np.concatenate([s[k].grid for s in steps]), ps[k].grid_shape)
        for k, ps in enumerate([steps[0]] * 3)
    ]  # fmt: skip
    fig = layer_figure(data, panels, np.array([0, 5, 10, 15]))
    assert [f.name for f in fig.frames] == ["0", "5", "10", "15"]
    for t, frame in enumerate(fig.frames):
        still = layer_figure(data, [Panel(p.title, p.coords[t : t + 1], None if p.grid is None else p.grid[t : t + 1],
                                          p.grid_shape) for p in panels], np.array([0]), animate=False)  # fmt: skip
        expected = [still.data[i] for i in frame.traces]
        assert len(frame.data) == len(expected) == len(fig.data) - 3  # every panel moves; not the legend
        for got, want in zip(frame.data, expected, strict=True):
            np.testing.assert_array_equal(np.asarray(got.x, dtype=float), np.asarray(want.x, dtype=float))
        assert frame.layout.title.text == f"Epoch {t * 5}"
