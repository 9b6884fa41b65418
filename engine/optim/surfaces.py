"""Loss surfaces over two parameters, vectorised over many points at once: the ground optimizers race on.

Six classic test functions (an ill-conditioned quadratic bowl, Rosenbrock, Beale, Himmelblau, a saddle,
Rastrigin) and the exact surfaces of two models fitted to a dataset:

- "linear": linear regression y ~ w0 + w1 * x, mean squared error, where x and y are two columns of
  the data (by default the first and second feature). Parameters are (intercept, slope).
- "logistic": logistic regression on two features with no bias, P(class 1) = sigmoid(w1 x1 + w2 x2),
  mean cross-entropy. With standardised features the classes of most 2-class sets sit either side of
  the origin, so two weights through the origin are a sensible model; parameters are (w1, w2).

Every surface evaluates `loss(P)` and `grad(P)` for P of shape (..., 2). The data surfaces also
evaluate the loss and gradient of mini-batches (`batch_loss`, `batch_grad`), one batch per point,
so every mini-batch has its own surface. `make_surface(SurfaceConfig(...), data)` builds one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.datasets import Dataset

FUNCTIONS: dict[str, str] = {  # name -> label; these need no data
    "quadratic": "Ill-conditioned quadratic bowl",
    "rosenbrock": "Rosenbrock's valley",
    "beale": "Beale",
    "himmelblau": "Himmelblau (four minima)",
    "saddle": "Saddle between two valleys",
    "rastrigin": "Rastrigin (many local minima)",
}
DATA_SURFACES: dict[str, str] = {
    "linear": "Linear regression (intercept, slope), mean squared error",
    "logistic": "Logistic regression (two weights, no bias), cross-entropy",
}
SURFACES: dict[str, str] = FUNCTIONS | DATA_SURFACES
MAX_CONDITION = 1e4


@dataclass(frozen=True)
class SurfaceConfig:
    """Which surface to build. Frozen, so it is a cache key and URL state at once."""

    name: str = "rosenbrock"  # a key of SURFACES
    condition: float = 10.0  # quadratic only: ratio of the bowl's curvatures, in [1, 1e4]
    x_feature: int = 0  # data surfaces: the regression's x, or logistic's first input column
    y_feature: int = 1  # data surfaces: the regression's target, or logistic's second input column
    standardize: bool = True  # data surfaces: standardise the columns used (regression's x and y too)


class Surface:
    """A loss over two parameters. Subclasses fill in `loss` and `grad` for points P (..., 2)."""

    name: str
    label: str
    axes: tuple[str, str]  # names of the two parameters
    domain: tuple[float, float, float, float]  # (x_min, x_max, y_min, y_max) to draw
    minima: np.ndarray  # (k, 2) known global minima (empty when unknown)
    start: tuple[float, float]  # a start point that makes an interesting race
    n_samples: int = 0  # rows of data behind the loss; 0 for a test function (exact gradients)

    def loss(self, P: np.ndarray) -> np.ndarray:  # (..., 2) -> (...)
        raise NotImplementedError

    def grad(self, P: np.ndarray) -> np.ndarray:  # (..., 2) -> (..., 2)
        raise NotImplementedError

    def batch_loss(self, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Loss of P (k, 2) on its own mini-batch rows (k, b) of the data."""
        raise ValueError(f"{self.label} is a test function: it has no data to draw mini-batches from.")

    def batch_grad(self, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Gradient (k, 2) of each point P (k, 2) on its own mini-batch rows (k, b) of the data."""
        raise ValueError(f"{self.label} is a test function: it has no data to draw mini-batches from.")


class FunctionSurface(Surface):
    """One of FUNCTIONS."""

    def __init__(self, name: str, condition: float = 10.0):
        self.name, self.label, self.condition = name, FUNCTIONS[name], float(condition)
        self.axes = ("x", "y")
        self.domain, minima, self.start = _FUNCTION_DOMAINS[name]
        self.minima = np.array(minima, dtype=np.float64).reshape(-1, 2)

    def loss(self, P: np.ndarray) -> np.ndarray:
        x, y = np.moveaxis(np.asarray(P, dtype=np.float64), -1, 0)
        n = self.name
        if n == "quadratic":
            return 0.5 * (x**2 + self.condition * y**2)
        if n == "rosenbrock":
            return (1 - x) ** 2 + 100 * (y - x**2) ** 2
        if n == "beale":
            return sum((c - x + x * y**k) ** 2 for k, c in _BEALE)
        if n == "himmelblau":
            return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
        if n == "saddle":
            return x**2 + 0.25 * y**4 - 0.5 * y**2
        return 20 + x**2 + y**2 - 10 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y))

    def grad(self, P: np.ndarray) -> np.ndarray:
        x, y = np.moveaxis(np.asarray(P, dtype=np.float64), -1, 0)
        n = self.name
        if n == "quadratic":
            gx, gy = x, self.condition * y
        elif n == "rosenbrock":
            gx, gy = -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)
        elif n == "beale":
            terms = [(c - x + x * y**k, k) for k, c in _BEALE]
            gx = sum(2 * r * (y**k - 1) for r, k in terms)
            gy = sum(2 * r * k * x * y ** (k - 1) for r, k in terms)
        elif n == "himmelblau":
            a, b = x**2 + y - 11, x + y**2 - 7
            gx, gy = 4 * x * a + 2 * b, 2 * a + 4 * y * b
        elif n == "saddle":
            gx, gy = 2 * x, y**3 - y
        else:
            gx = 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)
            gy = 2 * y + 20 * np.pi * np.sin(2 * np.pi * y)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)


_BEALE = ((1, 1.5), (2, 2.25), (3, 2.625))  # (power of y, constant)
_HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
_FUNCTION_DOMAINS = {  # name -> (domain, global minima, start)
    "quadratic": ((-3.0, 3.0, -3.0, 3.0), [(0.0, 0.0)], (-2.5, 1.5)),
    "rosenbrock": ((-2.0, 2.0, -1.0, 3.0), [(1.0, 1.0)], (-1.5, 2.5)),
    "beale": ((-4.5, 4.5, -4.5, 4.5), [(3.0, 0.5)], (1.0, 1.5)),
    "himmelblau": ((-5.0, 5.0, -5.0, 5.0), _HIMMELBLAU_MINIMA, (0.0, -4.0)),
    "saddle": ((-2.0, 2.0, -2.0, 2.0), [(0.0, 1.0), (0.0, -1.0)], (-1.8, 0.01)),
    "rastrigin": ((-5.12, 5.12, -5.12, 5.12), [(0.0, 0.0)], (3.3, -2.7)),
}


class LinearRegressionSurface(Surface):
    """Mean squared error of y ~ w0 + w1 x over the data; P = (w0, w1). Exact on the full data."""

    def __init__(self, x: np.ndarray, y: np.ndarray, names: tuple[str, str]):
        self.name, self.label, self.x, self.y = "linear", DATA_SURFACES["linear"], x, y
        self.axes, self.n_samples = ("intercept", f"slope of {names[1]} on {names[0]}"), len(x)
        # moments: the full-data loss is a quadratic in (w0, w1), exact from six means
        self.m = {
            k: float(v.mean()) for k, v in {"x": x, "y": y, "xx": x * x, "xy": x * y, "yy": y * y}.items()
        }
        A = np.c_[np.ones_like(x), x]
        self.minima = np.linalg.lstsq(A, y, rcond=None)[0][None]  # (1, 2) least squares
        (cx, cy), half = self.minima[0], 2.0 * max(1.0, float(np.std(y)))
        self.domain, self.start = _box_around(self.minima[0], half), (cx - 0.8 * half, cy + 0.8 * half)

    def loss(self, P: np.ndarray) -> np.ndarray:
        w0, w1 = np.moveaxis(np.asarray(P, dtype=np.float64), -1, 0)
        m = self.m
        out = w0**2 + w1**2 * m["xx"] + m["yy"] + 2 * (w0 * w1 * m["x"] - w0 * m["y"] - w1 * m["xy"])
        return np.maximum(out, 0.0)  # rounding may dip a hair below zero at the minimum

    def grad(self, P: np.ndarray) -> np.ndarray:
        w0, w1 = np.moveaxis(np.asarray(P, dtype=np.float64), -1, 0)
        m = self.m
        return np.stack([2 * (w0 + w1 * m["x"] - m["y"]), 2 * (w0 * m["x"] + w1 * m["xx"] - m["xy"])], -1)

    def _residuals(self, P: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xb = self.x[rows]  # (k, b)
        return P[:, :1] + P[:, 1:] * xb - self.y[rows], xb

    def batch_loss(self, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
        r, _ = self._residuals(P, rows)
        return (r * r).mean(axis=1)

    def batch_grad(self, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
        r, xb = self._residuals(P, rows)
        return np.stack([2 * r.mean(axis=1), 2 * (r * xb).mean(axis=1)], -1)


class LogisticRegressionSurface(Surface):
    """Mean cross-entropy of P(class 1) = sigmoid(w1 x1 + w2 x2) over the data; P = (w1, w2)."""

    CHUNK = 2**22  # elements of the (points, samples) logit matrix evaluated at once

    def __init__(self, X: np.ndarray, t: np.ndarray, names: tuple[str, str]):
        self.name, self.label, self.X, self.t = "logistic", DATA_SURFACES["logistic"], X, t
        self.axes, self.n_samples = (f"weight on {names[0]}", f"weight on {names[1]}"), len(t)
        self.minima = np.empty((0, 2))  # the minimum may lie at infinity when the classes separate
        self.domain, self.start = (-6.0, 6.0, -6.0, 6.0), (-4.0, 4.0)

    def _logits(self, P: np.ndarray, X: np.ndarray) -> np.ndarray:
        return P[..., :1] * X[..., 0] + P[..., 1:] * X[..., 1]

    def loss(self, P: np.ndarray) -> np.ndarray:
        P = np.asarray(P, dtype=np.float64)
        flat = P.reshape(-1, 2)
        step = max(1, self.CHUNK // len(self.t))
        out = np.concatenate([self._mean_loss(flat[a : a + step], self.X, self.t)
                              for a in range(0, len(flat), step)])  # fmt: skip
        return out.reshape(P.shape[:-1])

    def _mean_loss(self, P: np.ndarray, X: np.ndarray, t: np.ndarray) -> np.ndarray:
        z = self._logits(P, X)  # (k, m)
        return (np.logaddexp(0.0, z) - t * z).mean(axis=-1)

    def grad(self, P: np.ndarray) -> np.ndarray:
        P = np.asarray(P, dtype=np.float64)
        flat = P.reshape(-1, 2)
        step = max(1, self.CHUNK // len(self.t))
        out = np.concatenate([self._mean_grad(flat[a : a + step], self.X, self.t)
                              for a in range(0, len(flat), step)])  # fmt: skip
        return out.reshape(P.shape)

    def _mean_grad(self, P: np.ndarray, X: np.ndarray, t: np.ndarray) -> np.ndarray:
        r = _sigmoid(self._logits(P, X)) - t  # (k, m)
        return np.stack([(r * X[..., 0]).mean(axis=-1), (r * X[..., 1]).mean(axis=-1)], -1)

    def batch_loss(self, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self._mean_loss(P, self.X[rows], self.t[rows])

    def batch_grad(self, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self._mean_grad(P, self.X[rows], self.t[rows])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow


def _box_around(center: np.ndarray, half: float) -> tuple[float, float, float, float]:
    return (center[0] - half, center[0] + half, center[1] - half, center[1] + half)


def make_surface(cfg: SurfaceConfig, data: Dataset | None = None) -> Surface:
    """Build the surface `cfg` names; the data surfaces need `data`. Bad settings raise ValueError."""
    if cfg.name not in SURFACES:
        raise ValueError(f"Unknown surface {cfg.name!r}: choose one of {', '.join(SURFACES)}.")
    if cfg.name in FUNCTIONS:
        if not 1 <= cfg.condition <= MAX_CONDITION:
            raise ValueError(
                f"The condition number must be between 1 and {MAX_CONDITION:g}; got {cfg.condition}. Try 10."
            )
        return FunctionSurface(cfg.name, cfg.condition)
    if data is None:
        raise ValueError(f"The {cfg.name} surface is fitted to data: choose a dataset first.")
    cols = (cfg.x_feature, cfg.y_feature)
    if any(not 0 <= c < data.n_features for c in cols) or cols[0] == cols[1]:
        raise ValueError(
            f"Choose two different columns among the {data.n_features} features; got {cols[0]} and {cols[1]}."
        )
    if data.n_samples < 2:
        raise ValueError(f"A data surface needs at least 2 rows; the data has {data.n_samples}.")
    Z = np.asarray(data.X[:, list(cols)], dtype=np.float64)
    if cfg.standardize:
        std = Z.std(axis=0)
        Z = (Z - Z.mean(axis=0)) / np.where(std > 0, std, 1.0)
    names = (data.feature_names[cols[0]], data.feature_names[cols[1]])
    if cfg.name == "linear":
        return LinearRegressionSurface(Z[:, 0].copy(), Z[:, 1].copy(), names)
    if data.y is None or len(np.unique(data.y)) != 2:
        raise ValueError(
            "Logistic regression here needs exactly two classes: choose a 2-class dataset "
            "(moons, xor, or blobs/circles with 2 classes)."
        )
    t = (np.asarray(data.y) == np.unique(data.y)[1]).astype(np.float64)
    return LogisticRegressionSurface(np.ascontiguousarray(Z), t, names)


@dataclass(frozen=True)
class SurfaceGrid:
    """The loss on a regular grid, for contours and 3-D views."""

    xs: np.ndarray  # (size,) first parameter
    ys: np.ndarray  # (size,) second parameter
    loss: np.ndarray  # (size, size): loss[i, j] at (xs[j], ys[i])


def surface_grid(surface: Surface, size: int = 101, domain: tuple[float, ...] | None = None) -> SurfaceGrid:
    """Evaluate the exact loss on a size x size grid over `domain` (default: the surface's)."""
    if not 5 <= size <= 401:
        raise ValueError(f"The grid size must be between 5 and 401; got {size}.")
    x0, x1, y0, y1 = domain or surface.domain
    xs, ys = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
    gx, gy = np.meshgrid(xs, ys)
    return SurfaceGrid(xs, ys, surface.loss(np.stack([gx, gy], axis=-1)))


@dataclass(frozen=True)
class GradientCloud:
    """The full gradient at a point and the gradients of many random mini-batches there."""

    point: np.ndarray  # (2,)
    full: np.ndarray  # (2,) gradient on all the data
    batches: np.ndarray  # (n_batches, 2) one per mini-batch
    batch_size: int


def gradient_cloud(
    surface: Surface, point: tuple[float, float], batch_size: int, n_batches: int = 200, seed: int = 0
) -> GradientCloud:
    """The noise of stochastic gradients at `point`: n_batches mini-batch gradients (rows without replacement)."""
    if surface.n_samples == 0:
        raise ValueError(f"{surface.label} has no data, so its gradient has no noise: choose a data surface.")
    if not 1 <= batch_size <= surface.n_samples:
        raise ValueError(f"The batch size must be between 1 and {surface.n_samples}; got {batch_size}.")
    if not 1 <= n_batches <= 10_000:
        raise ValueError(f"Draw between 1 and 10,000 mini-batches; got {n_batches}.")
    rng = np.random.default_rng(seed)
    rows = np.stack([rng.choice(surface.n_samples, batch_size, replace=False) for _ in range(n_batches)])
    p = np.asarray(point, dtype=np.float64)
    P = np.broadcast_to(p, (n_batches, 2))
    return GradientCloud(p, surface.grad(p), surface.batch_grad(P, rows), batch_size)
