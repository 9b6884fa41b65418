"""Cached computations of the Optimizer paths view: loss surfaces and their grids, races, gradient clouds, the convergence map, a network's trajectory, its loss landscape and the optimizers raced on it, and the race on the unit sphere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from engine.nets.mlp import TrainConfig
from explorer.shared.cache import MAX_ENTRIES, stored


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def loss_surface(data_key: DataSource | None, _data: Dataset | None, cfg: Any) -> Any:
    """The 2-parameter surface `cfg` (an engine.optim.surfaces.SurfaceConfig) on the named data."""
    from engine.optim.surfaces import make_surface

    return make_surface(cfg, _data)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def surface_grid(surface_key: tuple, _surface: Any, size: int = 101) -> Any:
    from engine.optim.surfaces import surface_grid as grid

    return grid(_surface, size)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def race(surface_key: tuple, _surface: Any, cfg: Any) -> Any:
    """A race (engine.optim.race.RaceConfig) on the surface named `surface_key`."""
    from engine.optim.race import race as run

    return run(_surface, cfg)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def gradient_cloud(surface_key: tuple, _surface: Any, point: tuple, batch_size: int, seed: int) -> Any:
    from engine.optim.surfaces import gradient_cloud as cloud

    return cloud(_surface, point, batch_size, seed=seed)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def sphere_race(cfg: Any) -> Any:
    """The race on the unit sphere of `cfg` (an engine.optim.sphere.SphereConfig)."""
    from engine.optim.sphere import race_sphere

    return race_sphere(cfg)


def convergence_map(surface_key: tuple, surface: Any, cfg: Any) -> Any:
    """The (learning rate, momentum) map of `cfg` (an engine.optim.race.MapConfig)."""
    from engine.optim.race import convergence_map as run

    return stored(("convergence_map", surface_key, cfg), lambda: run(surface, cfg))


def trajectory(data_key: DataSource, data: Dataset, cfg: TrainConfig) -> Any:
    """A training run's weights at every snapshot (engine.nets.landscape.Trajectory)."""
    from engine.nets.landscape import record_trajectory

    return stored(("trajectory", data_key, cfg), lambda: record_trajectory(data, cfg))


def landscape(
    data_key: DataSource, traj: Any, cfg: Any, progress: Callable[[float], None] | None = None
) -> Any:
    """A 2-D slice (engine.nets.landscape.LandscapeConfig) of the loss around the trajectory's end."""
    from engine.nets.landscape import loss_landscape

    return stored(("landscape", data_key, traj.config, cfg), lambda: loss_landscape(traj, cfg, progress))


def landscape_race(
    data_key: DataSource,
    data: Dataset,
    traj: Any,
    land: Any,
    cfg: Any,
    progress: Callable[[float], None] | None = None,
) -> Any:
    """The racers `cfg` (an engine.nets.landscape_race.LandscapeRaceConfig) trained from the trajectory's
    start and placed on the slice `land`."""
    from engine.nets.landscape_race import race_on_landscape

    key = ("landscape_race", data_key, traj.config, land.config, cfg)
    return stored(key, lambda: race_on_landscape(data, traj, land, cfg, progress))
