"""Optimizing on a curved surface: minimise a quadratic form f(x) = xᵀAx on the unit sphere in 3-D.

The minimum of f on the sphere is the eigenvector of A's smallest eigenvalue (±v₁, where f = λ₁).
Three methods race from the same start on the sphere, with one learning rate:

- "riemannian": Riemannian gradient descent. The Euclidean gradient 2Ax is projected onto the
  sphere's tangent space at x (minus its component along x), the step is taken along it, and the
  retraction x / ‖x‖ puts the point back on the sphere.
- "projected": projected gradient descent. The step takes the full Euclidean gradient, then the point
  is normalised back onto the sphere. For a quadratic form the two differ only in step length: a
  Riemannian step equals a projected step with learning rate lr / (1 + 2·lr·f(x)), so the projected
  step is the longer one (when f > 0) and is the first to overshoot.
- "penalty": plain gradient descent on xᵀAx + μ(‖x‖² − 1)², with no projection. It leaves the sphere:
  along v₁ its minimum lies at radius √(1 − λ₁ / (2μ)), so it ends about λ₁ / (4μ) away from the
  sphere (at the origin once λ₁ ≥ 2μ), and its radial curvature of about 8μ limits its learning rate.

The objective recorded is xᵀAx at the iterate itself (for the penalty method off the sphere, where it
can dip below λ₁); `rayleigh` is xᵀAx / ‖x‖², the objective of the iterate's direction.
A method diverges when its point stops being finite, leaves the ball of radius BOUND, its normalisation
meets a zero vector, or its penalised loss exceeds EXPLODE times its start (plus one), the conventions
of `engine.optim.race`: `diverged_at` records the step and the path stops there (NaN afterwards).
Divergence is never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.optim.race import BOUND, EXPLODE

METHODS: dict[str, str] = {  # name -> label
    "riemannian": "Riemannian GD",
    "projected": "Projected GD",
    "penalty": "Penalty method",
}
LIMITS = {  # (lowest, highest) of each setting a SphereConfig accepts; the page's widgets read these
    "eigenvalue": (-10.0, 10.0),
    "lr": (1e-4, 10.0),
    "steps": (1, 2000),
    "mu": (0.01, 1000.0),
}
MIN_GAP = 0.01  # the two smallest eigenvalues must differ by this much: one pair of minima ±v₁
TINY = 1e-12  # a vector shorter than this cannot be normalised


@dataclass(frozen=True)
class SphereConfig:
    """A race on the unit sphere. Frozen, so it is a cache key and URL state at once."""

    eigenvalues: tuple[float, float, float] = (1.0, 3.0, 6.0)  # of A, any order; in LIMITS["eigenvalue"]
    start: tuple[float, float, float] | None = None  # any non-zero point, normalised; None = seeded
    lr: float = 0.02  # one learning rate for every method, in LIMITS["lr"]
    steps: int = 200  # in LIMITS["steps"]
    mu: float = 2.0  # the penalty method's weight μ, in LIMITS["mu"]
    seed: int = 0  # the random rotation A = Q diag(λ) Qᵀ and, without `start`, the start point


@dataclass(frozen=True)
class SphereResult:
    """Every step of every method, as NumPy arrays."""

    config: SphereConfig
    methods: tuple[str, ...]  # (n_methods,) keys of METHODS
    labels: tuple[str, ...]  # (n_methods,)
    matrix: np.ndarray  # (3, 3) A, symmetric
    eigenvalues: np.ndarray  # (3,) ascending
    eigenvectors: np.ndarray  # (3, 3) columns, in the order of `eigenvalues`; column 0 is v₁
    start: np.ndarray  # (3,) on the sphere
    paths: np.ndarray  # (steps + 1, n_methods, 3); paths[:, i] is method i's path; NaN after divergence
    objective: np.ndarray  # (steps + 1, n_methods) xᵀAx at the iterate
    rayleigh: np.ndarray  # (steps + 1, n_methods) xᵀAx / ‖x‖²
    distance: np.ndarray  # (steps + 1, n_methods) |‖x‖ − 1|, the distance from the constraint
    angle: np.ndarray  # (steps + 1, n_methods) degrees between the line through x and v₁, in [0, 90]
    diverged_at: np.ndarray  # (n_methods,) step at which a method diverged; -1 when it did not

    def path(self, method: str) -> np.ndarray:
        """(steps + 1, 3) the path of `method`."""
        return self.paths[:, self.methods.index(method)]


def point_from_angles(polar: float, azimuth: float) -> tuple[float, float, float]:
    """The point of the unit sphere at `polar` degrees from +z and `azimuth` degrees from +x."""
    t, p = np.radians(polar), np.radians(azimuth)
    return (float(np.sin(t) * np.cos(p)), float(np.sin(t) * np.sin(p)), float(np.cos(t)))


def quadratic_form(cfg: SphereConfig) -> np.ndarray:
    """A = Q diag(λ) Qᵀ with Q a rotation drawn from `cfg.seed` (uniform over rotations)."""
    rng = np.random.default_rng(cfg.seed)
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q *= np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    a = q @ np.diag(np.asarray(cfg.eigenvalues, dtype=np.float64)) @ q.T
    return (a + a.T) / 2


def start_point(cfg: SphereConfig) -> np.ndarray:
    """(3,) `cfg.start` normalised, or a point drawn uniformly on the sphere from the seed."""
    if cfg.start is not None:
        x = np.asarray(cfg.start, dtype=np.float64)
    else:
        x = np.random.default_rng([cfg.seed, 1]).standard_normal(3)
    return x / np.linalg.norm(x)


def euclidean_grad(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """∇(xᵀAx) = 2Ax for points x (..., 3)."""
    return 2 * x @ a


def riemannian_grad(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The Euclidean gradient projected onto the tangent space at x (..., 3) on the unit sphere:
    g − (x·g) x, orthogonal to x."""
    g = euclidean_grad(a, x)
    return g - np.sum(x * g, axis=-1, keepdims=True) * x


def penalized(a: np.ndarray, x: np.ndarray, mu: float) -> np.ndarray:
    """xᵀAx + μ(‖x‖² − 1)² for points x (..., 3): what the penalty method descends."""
    return np.sum(x * (x @ a), axis=-1) + mu * (np.sum(x * x, axis=-1) - 1) ** 2


def check(cfg: SphereConfig) -> None:
    """Raise ValueError, with what to change, for a SphereConfig that cannot run."""
    lam = np.asarray(cfg.eigenvalues, dtype=np.float64)
    lo, hi = LIMITS["eigenvalue"]
    if lam.shape != (3,) or not np.isfinite(lam).all() or not ((lam >= lo) & (lam <= hi)).all():
        raise ValueError(f"Give three eigenvalues between {lo:g} and {hi:g}; got {cfg.eigenvalues!r}.")
    s = np.sort(lam)
    if s[1] - s[0] < MIN_GAP:
        raise ValueError(
            f"The two smallest eigenvalues ({s[0]:g} and {s[1]:g}) must differ by at least {MIN_GAP:g}, "
            "so that the minimum is a single pair of points ±v₁: raise one of them."
        )
    lo, hi = LIMITS["lr"]
    if not lo <= cfg.lr <= hi:
        raise ValueError(f"The learning rate must be from {lo:g} to {hi:g}; got {cfg.lr}. Try 0.02.")
    lo, hi = LIMITS["mu"]
    if not lo <= cfg.mu <= hi:
        raise ValueError(f"The penalty weight μ must be from {lo:g} to {hi:g}; got {cfg.mu}. Try 10.")
    lo, hi = LIMITS["steps"]
    if not isinstance(cfg.steps, int | np.integer) or not lo <= cfg.steps <= hi:
        raise ValueError(f"Steps must be a whole number from {lo} to {hi:,}; got {cfg.steps!r}.")
    if not isinstance(cfg.seed, int | np.integer) or not 0 <= cfg.seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to 2**32 - 1; got {cfg.seed!r}.")
    if cfg.start is not None:
        x = np.asarray(cfg.start, dtype=np.float64)
        if x.shape != (3,) or not np.isfinite(x).all():
            raise ValueError(f"The start point must be three finite numbers; got {cfg.start!r}.")
        if np.linalg.norm(x) < TINY:
            raise ValueError(
                "The start point is the origin, which has no direction to put on the sphere: "
                "give any other point."
            )


def _step(method: str, a: np.ndarray, x: np.ndarray, lr: float, mu: float) -> np.ndarray:
    """One step of `method` from x (3,); NaN where a normalisation meets a zero vector."""
    if method == "riemannian":
        y = x - lr * riemannian_grad(a, x)
    elif method == "projected":
        y = x - lr * euclidean_grad(a, x)
    else:
        return x - lr * (euclidean_grad(a, x) + 4 * mu * (x @ x - 1) * x)
    n = np.linalg.norm(y)
    return y / n if n > TINY else np.full(3, np.nan)


def race_sphere(cfg: SphereConfig) -> SphereResult:
    """Race the three METHODS from one start on the unit sphere, recording every step."""
    check(cfg)
    a = quadratic_form(cfg)
    lam, vec = np.linalg.eigh(a)
    x0 = start_point(cfg)
    methods = tuple(METHODS)
    paths = np.full((cfg.steps + 1, len(methods), 3), np.nan)
    paths[0] = x0
    diverged = np.full(len(methods), -1, dtype=np.int64)
    f0 = float(penalized(a, x0, cfg.mu))
    limit = f0 + EXPLODE * (abs(f0) + 1)
    with np.errstate(all="ignore"):
        for i, m in enumerate(methods):
            x = x0
            for t in range(1, cfg.steps + 1):
                x = _step(m, a, x, cfg.lr, cfg.mu)
                paths[t, i] = x
                gone = not np.isfinite(x).all() or np.linalg.norm(x) > BOUND
                if gone or not penalized(a, x, cfg.mu) <= limit:
                    diverged[i] = t
                    paths[t + 1 :, i] = np.nan
                    break
        norm = np.linalg.norm(paths, axis=-1)
        objective = np.sum(paths * (paths @ a), axis=-1)
        along = paths @ vec[:, 0]  # (steps + 1, n_methods)
        across = np.linalg.norm(paths - along[..., None] * vec[:, 0], axis=-1)
        angle = np.degrees(np.arctan2(across, np.abs(along)))
        angle = np.where(norm > TINY, angle, np.nan)
        rayleigh = np.where(norm > TINY, objective / norm**2, np.nan)
    return SphereResult(
        config=cfg,
        methods=methods,
        labels=tuple(METHODS[m] for m in methods),
        matrix=a,
        eigenvalues=lam,
        eigenvectors=vec,
        start=x0,
        paths=paths,
        objective=objective,
        rayleigh=rayleigh,
        distance=np.abs(norm - 1),
        angle=angle,
        diverged_at=diverged,
    )
