"""Optimizer races on 2-parameter loss surfaces, learning-rate tuning and the (learning rate, momentum) map.

All paths of a race step together as (n_paths, 2) NumPy arrays: one update rule with per-path
coefficients covers every optimizer, so 8 racers, a tuning sweep of 8 x 25 learning rates, or a
convergence map of 41 x 41 settings each take one batched pass. The rules follow torch.optim
(SGD with momentum and Nesterov, Adagrad, RMSprop, Adam with their default betas and eps).

On a data surface (engine.optim.surfaces) a stochastic path draws a fresh mini-batch each step (rows
uniformly at random, with replacement); the loss recorded is always that of the full data. On a
test function every gradient is exact, so gd, sgd and minibatch coincide there.

A path diverges when its loss or parameters stop being finite, its loss exceeds EXPLODE times its
start (plus one), or it leaves the surface's box widened BOUND times; `diverged_at` records the step
and the path stops there (NaN afterwards). Divergence is never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.optim.surfaces import Surface

OPTIMIZERS: dict[str, str] = {  # name -> label
    "gd": "Gradient descent (full batch)",
    "sgd": "SGD (batch 1)",
    "minibatch": "Mini-batch SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}
USES_MOMENTUM = ("momentum", "nesterov", "adam")  # adam reads `momentum` as its beta1
DEFAULT_BATCH = {"gd": 0, "sgd": 1, "minibatch": 32}  # 0 = all rows; the others default to 0
RMSPROP_ALPHA, ADAM_BETA2 = 0.99, 0.999  # torch.optim's defaults
EPS = {"adagrad": 1e-10, "rmsprop": 1e-8, "adam": 1e-8}
EXPLODE, BOUND = 1e4, 10.0
MAX_PATHS, MAX_STEPS, MAX_LR = 8, 5000, 1e3
LR_GRID = tuple(float(v) for v in np.logspace(-5, 1, 25))  # what equal footing tries
MAX_WORK = 4e9  # paths x steps x rows a batched pass may touch


@dataclass(frozen=True)
class PathConfig:
    """One racer."""

    optimizer: str = "gd"  # a key of OPTIMIZERS
    lr: float = 0.01  # learning rate, in (0, 1000]
    momentum: float = 0.9  # momentum and nesterov: the coefficient; adam: beta1; the others ignore it
    batch_size: int = 0  # rows per step on data surfaces; 0 = the optimizer's default (DEFAULT_BATCH)


@dataclass(frozen=True)
class RaceConfig:
    """A race from one start point. Frozen, so it is a cache key and URL state at once."""

    paths: tuple[PathConfig, ...] = (PathConfig("gd"), PathConfig("momentum"), PathConfig("adam", lr=0.1))
    start: tuple[float, float] | None = None  # None = the surface's suggested start
    steps: int = 200  # 1..5000
    seed: int = 0  # mini-batch draws
    equal_footing: bool = False  # first tune each path's learning rate over LR_GRID on this surface


@dataclass(frozen=True)
class Tuning:
    """Learning rates tried for each path and how each did."""

    lrs: np.ndarray  # (n_lrs,) the grid tried
    scores: (
        np.ndarray
    )  # (n_paths, n_lrs) mean full-data loss over the last tenth of the steps; inf = diverged
    best: np.ndarray  # (n_paths,) the lr with the lowest score


@dataclass(frozen=True)
class RaceResult:
    """Every step of every path, as NumPy arrays."""

    config: RaceConfig
    labels: tuple[str, ...]  # (n_paths,) e.g. "Adam (lr 0.1)"
    lrs: np.ndarray  # (n_paths,) the learning rates used (tuned ones with equal footing)
    batch_sizes: np.ndarray  # (n_paths,) rows per step; the data's row count for full batch, 1 on a function
    params: np.ndarray  # (steps + 1, n_paths, 2) NaN after a path diverged
    loss: np.ndarray  # (steps + 1, n_paths) on the full data; NaN after divergence
    examples: np.ndarray  # (steps + 1, n_paths) examples processed so far (one per step on a function)
    diverged_at: np.ndarray  # (n_paths,) step at which each path diverged; -1 when it did not
    tuning: Tuning | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Rules:
    """Per-path coefficients of the shared update rule, each (n_paths, 1)."""

    lr: np.ndarray
    mu: np.ndarray  # momentum coefficient (adam: beta1)
    gain: np.ndarray  # weight of the new gradient in the momentum buffer (adam: 1 - beta1)
    nesterov: np.ndarray  # bool
    adam: np.ndarray  # bool
    rho: np.ndarray  # decay of the squared-gradient average (adagrad: 1, a plain sum)
    weight: np.ndarray  # weight of the new squared gradient (0: no second moment)
    eps: np.ndarray  # added to the root (1 where there is no second moment, so it divides by 1)
    batch: np.ndarray  # (n_paths,) int: rows per step, 0 = full data


def rules(paths: list[PathConfig], n_samples: int) -> Rules:
    """The coefficients for `paths` on a surface with `n_samples` rows (0 for a test function)."""
    col = lambda values: np.array(values, dtype=np.float64)[:, None]  # noqa: E731
    names = [p.optimizer for p in paths]
    mu = [p.momentum if n in USES_MOMENTUM else 0.0 for n, p in zip(names, paths, strict=True)]
    rho = [{"adagrad": 1.0, "rmsprop": RMSPROP_ALPHA, "adam": ADAM_BETA2}.get(n, 0.0) for n in names]
    weight = [
        {"adagrad": 1.0, "rmsprop": 1 - RMSPROP_ALPHA, "adam": 1 - ADAM_BETA2}.get(n, 0.0) for n in names
    ]
    return Rules(
        lr=col([p.lr for p in paths]),
        mu=col(mu),
        gain=col([1 - m if n == "adam" else 1.0 for n, m in zip(names, mu, strict=True)]),
        nesterov=col([n == "nesterov" for n in names]).astype(bool),
        adam=col([n == "adam" for n in names]).astype(bool),
        rho=col(rho),
        weight=col(weight),
        eps=col([EPS.get(n, 1.0) for n in names]),
        batch=np.array([_batch(p, n_samples) for p in paths], dtype=np.int64),
    )


def _batch(p: PathConfig, n_samples: int) -> int:
    size = (
        DEFAULT_BATCH.get(p.optimizer, 0)
        if p.optimizer in ("gd", "sgd") or not p.batch_size
        else p.batch_size
    )
    return 0 if n_samples == 0 or size >= n_samples else size


class State:
    """Positions, buffers and step count of many paths; `step(g)` applies one update."""

    def __init__(self, r: Rules, start: np.ndarray):
        self.r, self.p = r, np.array(start, dtype=np.float64)  # (n, 2)
        self.buf, self.sq, self.t = np.zeros_like(self.p), np.zeros_like(self.p), 0

    def step(self, g: np.ndarray) -> None:
        r = self.r
        self.t += 1
        self.sq *= r.rho
        self.sq += r.weight * g * g
        root = np.sqrt(1 - ADAM_BETA2**self.t) if r.adam.any() else 1.0
        denom = np.sqrt(self.sq) / np.where(r.adam, root, 1.0) + r.eps
        q = np.where(r.adam, g, g / denom)
        self.buf *= r.mu
        self.buf += r.gain * q
        d = np.where(r.nesterov, q + r.mu * self.buf, self.buf)
        d = np.where(r.adam, d / (denom * (1 - r.mu**self.t)), d)
        self.p -= r.lr * d


def gradients(surface: Surface, P: np.ndarray, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each path's gradient: on the full data (batch 0) or on a fresh mini-batch of its own size."""
    if surface.n_samples == 0 or not batch.any():
        return surface.grad(P)
    g = np.empty_like(P)
    for size in np.unique(batch):
        idx = np.flatnonzero(batch == size)
        if size == 0:
            g[idx] = surface.grad(P[idx])
        else:
            rows = rng.integers(0, surface.n_samples, (len(idx), size))
            g[idx] = surface.batch_grad(P[idx], rows)
    return g


def _outside(surface: Surface, P: np.ndarray) -> np.ndarray:
    x0, x1, y0, y1 = surface.domain
    c, half = np.array([(x0 + x1) / 2, (y0 + y1) / 2]), np.array([(x1 - x0) / 2, (y1 - y0) / 2])
    return (np.abs(P - c) > BOUND * half).any(axis=1)


def simulate(
    surface: Surface, r: Rules, start: np.ndarray, steps: int, seed: int, record: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Run all paths `steps` steps from `start` (n, 2); (params, loss, diverged_at).

    record=True: params (steps + 1, n, 2) and loss (steps + 1, n), NaN after divergence.
    record=False: params None, loss (n,) the full-data loss at the end (inf when diverged), and
    the loss checked only at the end, so divergence is found from the parameters along the way.
    """
    rng, n = np.random.default_rng(seed), len(start)
    state = State(r, start)
    loss0 = surface.loss(state.p)
    limit = loss0 + EXPLODE * (np.abs(loss0) + 1)
    diverged = np.full(n, -1, dtype=np.int64)
    params = np.full((steps + 1, n, 2), np.nan) if record else None
    losses = np.full((steps + 1, n), np.nan) if record else None
    if record:
        params[0], losses[0] = state.p, loss0
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            state.step(gradients(surface, state.p, r.batch, rng))
            bad = ~np.isfinite(state.p).all(axis=1) | _outside(surface, state.p)
            if record:
                loss = surface.loss(state.p)
                bad |= ~(loss <= limit)
                params[t], losses[t] = state.p, loss
            new = bad & (diverged < 0)
            diverged[new] = t
        final = surface.loss(state.p)
    if record:
        for i in np.flatnonzero(diverged >= 0):
            params[diverged[i] + 1 :, i], losses[diverged[i] + 1 :, i] = np.nan, np.nan
        return params, losses, diverged
    late = (diverged < 0) & ~(final <= limit)
    diverged[late] = steps
    return None, np.where(diverged < 0, final, np.inf), diverged


def check_paths(paths: tuple[PathConfig, ...] | list[PathConfig], surface: Surface) -> None:
    """Raise ValueError, with what to change, for racers that cannot run on `surface`."""
    if not 1 <= len(paths) <= MAX_PATHS:
        raise ValueError(f"Race 1 to {MAX_PATHS} optimizers at once; got {len(paths)}.")
    for i, p in enumerate(paths, 1):
        if p.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"Unknown optimizer {p.optimizer!r} (racer {i}): choose one of {', '.join(OPTIMIZERS)}."
            )
        if not 0 < p.lr <= MAX_LR:
            raise ValueError(
                f"The learning rate must be above 0 and at most {MAX_LR:g}; racer {i} has {p.lr}."
            )
        if not 0 <= p.momentum < 1:
            raise ValueError(f"Momentum must be at least 0 and below 1; racer {i} has {p.momentum}. Try 0.9.")
        if not isinstance(p.batch_size, int | np.integer) or p.batch_size < 0:
            raise ValueError(
                f"The batch size must be 0 (the default) or a positive whole number; racer {i} has {p.batch_size!r}."
            )
        if surface.n_samples and p.batch_size > surface.n_samples:
            raise ValueError(
                f"The batch size must be at most the {surface.n_samples} rows of the data; racer {i} has {p.batch_size}."
            )


def _check_run(steps: int, seed: int, start: tuple[float, float] | None) -> None:
    if not isinstance(steps, int | np.integer) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"Steps must be a whole number from 1 to {MAX_STEPS:,}; got {steps!r}.")
    if not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to 2**32 - 1; got {seed!r}.")
    if start is not None and (len(start) != 2 or not np.isfinite(np.asarray(start, dtype=float)).all()):
        raise ValueError(f"The start point must be two finite numbers; got {start!r}.")


def _check_work(surface: Surface, n_paths: int, steps: int) -> None:
    work = n_paths * steps * max(surface.n_samples, 1)
    if work > MAX_WORK:
        raise ValueError(
            f"{n_paths:,} settings x {steps:,} steps x {surface.n_samples:,} rows is too much work for one "
            "pass: use fewer steps, a coarser grid, or fewer data points."
        )


def label(p: PathConfig, lr: float | None = None) -> str:
    """A short legend entry, e.g. 'Adam (lr 0.1)' or 'Momentum 0.9 (lr 0.01)'."""
    name = {"gd": "GD", "sgd": "SGD", "minibatch": f"Mini-batch {p.batch_size or 32}"}.get(
        p.optimizer, OPTIMIZERS[p.optimizer]
    )
    if p.optimizer in ("momentum", "nesterov"):
        name += f" {p.momentum:g}"
    return f"{name} (lr {p.lr if lr is None else lr:.3g})"


def race(surface: Surface, cfg: RaceConfig) -> RaceResult:
    """Race every path of `cfg` from the same start on `surface`, recording every step."""
    check_paths(cfg.paths, surface)
    _check_run(cfg.steps, cfg.seed, cfg.start)
    paths, tuning = list(cfg.paths), None
    if cfg.equal_footing:
        tuning = tune_learning_rates(surface, cfg)
        paths = [
            PathConfig(p.optimizer, float(lr), p.momentum, p.batch_size)
            for p, lr in zip(paths, tuning.best, strict=True)
        ]
    _check_work(surface, len(paths), cfg.steps)
    r = rules(paths, surface.n_samples)
    start = np.tile(np.asarray(cfg.start or surface.start, dtype=np.float64), (len(paths), 1))
    params, loss, diverged = simulate(surface, r, start, cfg.steps, cfg.seed)
    per_step = np.where(r.batch > 0, r.batch, max(surface.n_samples, 1))
    return RaceResult(
        config=cfg,
        labels=tuple(label(p) for p in paths),
        lrs=r.lr[:, 0].copy(),
        batch_sizes=per_step,
        params=params,
        loss=loss,
        examples=np.arange(cfg.steps + 1)[:, None] * per_step[None, :],
        diverged_at=diverged,
        tuning=tuning,
    )


def tune_learning_rates(surface: Surface, cfg: RaceConfig, lrs: tuple[float, ...] = LR_GRID) -> Tuning:
    """Run every path of `cfg` at every lr of `lrs` in one batched pass; the best by late full-data loss.

    A path's score is its mean loss over the last tenth of the steps (inf when it diverged), so a
    noisy stochastic path is judged on where it settles, not on one lucky step.
    """
    check_paths(cfg.paths, surface)
    _check_run(cfg.steps, cfg.seed, cfg.start)
    grid = np.asarray(lrs, dtype=np.float64)
    if grid.ndim != 1 or not len(grid) or not ((grid > 0) & (grid <= MAX_LR)).all():
        raise ValueError(f"Learning rates to try must be above 0 and at most {MAX_LR:g}.")
    paths = [PathConfig(p.optimizer, float(lr), p.momentum, p.batch_size) for p in cfg.paths for lr in grid]
    _check_work(surface, len(paths), cfg.steps)
    start = np.tile(np.asarray(cfg.start or surface.start, dtype=np.float64), (len(paths), 1))
    _, loss, diverged = simulate(surface, rules(paths, surface.n_samples), start, cfg.steps, cfg.seed)
    tail = loss[-max(1, cfg.steps // 10) :].mean(axis=0)
    scores = np.where((diverged < 0) & np.isfinite(tail), tail, np.inf).reshape(len(cfg.paths), len(grid))
    return Tuning(lrs=grid, scores=scores, best=grid[np.argmin(scores, axis=1)])


@dataclass(frozen=True)
class MapConfig:
    """A (learning rate, momentum) convergence map for one optimizer, like Distill's momentum figure."""

    optimizer: str = "momentum"  # momentum, nesterov or adam (momentum = beta1); the others ignore momentum
    lr_range: tuple[float, float] = (1e-4, 1.0)  # log-spaced
    n_lr: int = 41
    momentum_range: tuple[float, float] = (0.0, 0.99)  # linearly spaced
    n_momentum: int = 41
    steps: int = 100
    batch_size: int = 0  # as in PathConfig
    start: tuple[float, float] | None = None
    seed: int = 0


@dataclass(frozen=True)
class ConvergenceMap:
    """Final loss of every (momentum, learning rate) setting after `steps` steps."""

    config: MapConfig
    lrs: np.ndarray  # (n_lr,)
    momenta: np.ndarray  # (n_momentum,)
    final_loss: np.ndarray  # (n_momentum, n_lr) full-data loss at the end; inf where it diverged
    diverged_at: np.ndarray  # (n_momentum, n_lr) step of divergence, -1 when it did not


def convergence_map(surface: Surface, cfg: MapConfig) -> ConvergenceMap:
    """Every (lr, momentum) pair of `cfg` raced from the same start in one batched pass."""
    (lo, hi), (mlo, mhi) = cfg.lr_range, cfg.momentum_range
    if not 0 < lo < hi <= MAX_LR:
        raise ValueError(
            f"The learning-rate range must satisfy 0 < low < high <= {MAX_LR:g}; got {cfg.lr_range}."
        )
    if not 0 <= mlo <= mhi < 1:
        raise ValueError(f"The momentum range must satisfy 0 <= low <= high < 1; got {cfg.momentum_range}.")
    for name in ("n_lr", "n_momentum"):
        if not isinstance(getattr(cfg, name), int | np.integer) or not 2 <= getattr(cfg, name) <= 201:
            raise ValueError(f"{name} must be a whole number from 2 to 201; got {getattr(cfg, name)!r}.")
    lrs, momenta = np.geomspace(lo, hi, cfg.n_lr), np.linspace(mlo, mhi, cfg.n_momentum)
    paths = [PathConfig(cfg.optimizer, float(lr), float(m), cfg.batch_size) for m in momenta for lr in lrs]
    check_paths(paths[:1], surface)
    _check_run(cfg.steps, cfg.seed, cfg.start)
    _check_work(surface, len(paths), cfg.steps)
    start = np.tile(np.asarray(cfg.start or surface.start, dtype=np.float64), (len(paths), 1))
    _, final, diverged = simulate(
        surface, rules(paths, surface.n_samples), start, cfg.steps, cfg.seed, record=False
    )
    shape = (cfg.n_momentum, cfg.n_lr)
    return ConvergenceMap(cfg, lrs, momenta, final.reshape(shape), diverged.reshape(shape))
