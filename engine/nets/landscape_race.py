"""Optimizers raced on a network's loss landscape: every racer trains the real network, in its full weight
space, and its path is drawn on the landscape's 2-D slice.

`race_on_landscape(data, trajectory, landscape, LandscapeRaceConfig(...))` trains the trajectory's network
once per racer with `record_trajectory` (so `engine.nets.mlp.build`: the same split, initial weights,
epochs, snapshot epochs and seed for the batch order), changing only the optimizer, the learning rate and
the batch size. Each racer's weights at every snapshot are projected onto the slice's plane (the
landscape's center + a d1 + b d2, by least squares, as the landscape projects its own path), and two
losses are kept per snapshot:

- `real_loss`: the mean training cross-entropy at the racer's real weights (what training descends);
- `slice_loss`: the slice's loss at the projected point, center + a d1 + b d2 (what the picture shows).

Their gap is the part of the descent the 2-D slice cannot see. A racer whose loss diverges stops at its
last good snapshot (NaN afterwards, `diverged_at` names the row, `stopped` says why); the others race on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from engine.backend import make_backend
from engine.data.datasets import Dataset
from engine.nets.landscape import Landscape, Trajectory, grid_losses, project, record_trajectory
from engine.nets.mlp import OPTIMIZERS, TrainConfig

MAX_RACERS = 4
LABELS = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}  # engine.nets.mlp.OPTIMIZERS


@dataclass(frozen=True)
class Racer:
    """One optimizer on the network; everything else is the trajectory's."""

    optimizer: str = "adam"  # one of engine.nets.mlp.OPTIMIZERS
    lr: float = 0.03  # learning rate, in engine.nets.mlp.LIMITS["lr"]
    batch_size: int = 0  # 0 = full batch; else rows per step, reshuffled (seeded) every epoch

    @property
    def label(self) -> str:
        batch = f", batch {self.batch_size}" if self.batch_size else ""
        return f"{LABELS.get(self.optimizer, self.optimizer)} (lr {self.lr:g}{batch})"


@dataclass(frozen=True)
class LandscapeRaceConfig:
    """Which racers to train. Frozen, so it is a cache key and URL state at once."""

    racers: tuple[Racer, ...] = (
        Racer("sgd", 0.3),
        Racer("momentum", 0.1),
        Racer("adam", 0.03),
        Racer("sgd", 0.1, batch_size=32),
    )


@dataclass(frozen=True)
class LandscapeRace:
    """Every racer's path on the slice and its two losses, per snapshot epoch; NaN after a racer diverged."""

    config: LandscapeRaceConfig
    labels: tuple[str, ...]  # (n_racers,) e.g. "Adam (lr 0.03)"
    epochs: np.ndarray  # (n_snapshots,) the trajectory's snapshot epochs
    path: np.ndarray  # (n_snapshots, n_racers, 2) the real weights projected onto the slice's plane
    real_loss: np.ndarray  # (n_snapshots, n_racers) mean training cross-entropy at the real weights
    slice_loss: np.ndarray  # (n_snapshots, n_racers) the slice's loss at the projected point
    diverged_at: np.ndarray  # (n_racers,) first row missing because the loss diverged; -1 when it did not
    stopped: tuple[str | None, ...]  # (n_racers,) why a racer stopped early, or None
    seconds: float


def racer_config(train: TrainConfig, racer: Racer) -> TrainConfig:
    """The trajectory's training run with the racer's optimizer, learning rate and batch size."""
    return replace(train, optimizer=racer.optimizer, lr=racer.lr, batch_size=racer.batch_size)


def race_on_landscape(
    data: Dataset,
    traj: Trajectory,
    land: Landscape,
    cfg: LandscapeRaceConfig,
    on_progress: Callable[[float], None] | None = None,
) -> LandscapeRace:
    """Train every racer from the trajectory's start on `data` and place it on `land`'s slice.

    `data` must be what `traj` was trained on; `on_progress` gets the share of all racers' epochs done.
    Raises ValueError (naming the racer) for settings that cannot train.
    """
    start = time.perf_counter()
    _check(cfg)
    n_snap, n = len(traj.epochs), len(cfg.racers)
    path, real = np.full((n_snap, n, 2), np.nan), np.full((n_snap, n), np.nan)
    diverged, stopped = np.full(n, -1, dtype=np.int64), []
    for i, racer in enumerate(cfg.racers):
        run = _train(data, traj, racer, i, None if on_progress is None else _share(on_progress, i, n))
        k = len(run.weights)
        path[:k, i] = project(run.weights, land.center, land.d1, land.d2)
        real[:k, i] = run.train_loss
        diverged[i] = -1 if run.stopped is None else k
        stopped.append(run.stopped)
    return LandscapeRace(
        config=cfg,
        labels=tuple(r.label for r in cfg.racers),
        epochs=traj.epochs.copy(),
        path=path,
        real_loss=real,
        slice_loss=slice_losses(traj, land, path),
        diverged_at=diverged,
        stopped=tuple(stopped),
        seconds=time.perf_counter() - start,
    )


def slice_losses(traj: Trajectory, land: Landscape, path: np.ndarray) -> np.ndarray:
    """The slice's loss at every finite point of `path` (..., 2), evaluated as the slice's grid is."""
    flat = path.reshape(-1, 2)
    ok = np.isfinite(flat).all(axis=1)
    out = np.full(len(flat), np.nan)
    if ok.any():
        bk = make_backend(land.device)
        with np.errstate(all="ignore"):
            out[ok] = grid_losses(bk, land.center, land.d1, land.d2, flat[ok], traj.sizes,
                                  traj.config.activation, traj.X, traj.y)  # fmt: skip
    return out.reshape(path.shape[:-1])


def _train(
    data: Dataset, traj: Trajectory, racer: Racer, i: int, on_progress: Callable[[float], None] | None
) -> Trajectory:
    try:
        run = record_trajectory(data, racer_config(traj.config, racer), on_progress)
    except ValueError as exc:
        raise ValueError(f"Racer {i + 1} ({racer.label}): {exc}") from exc
    if run.X.shape != traj.X.shape or not np.array_equal(run.X, traj.X):
        raise ValueError("The race needs the data the network's trajectory was trained on.")
    return run


def _share(on_progress: Callable[[float], None], i: int, n: int) -> Callable[[float], None]:
    return lambda f: on_progress((i + f) / n)


def _check(cfg: LandscapeRaceConfig) -> None:
    if not 1 <= len(cfg.racers) <= MAX_RACERS:
        raise ValueError(f"A race needs 1 to {MAX_RACERS} racers; got {len(cfg.racers)}.")
    for i, r in enumerate(cfg.racers, 1):
        if r.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"Racer {i}: unknown optimizer {r.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}."
            )
