"""How far an adversarial example sits from the data manifold, measured against noise of its size.

Two distances stand in for "off the manifold": the distance to the nearest training digit, and the
residual of the image off the training digits' top PCA_DIMS principal components. `compare` puts
the original, the adversarial example and random noise of the same L2 norm (Gaussian directions,
clipped to [0, 1], N_NOISE draws, medians) side by side, with what the model predicts for each.
`push_study` measures, over many test digits, how small a push flips the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.pca import Principal, principal_axes

PCA_DIMS = 50
N_NOISE = 20
NOISE_ROUNDS = 8  # rescalings after clipping that bring the noise to the adversarial norm


@dataclass(frozen=True)
class Reference:
    """The training digits, flattened, and their principal axes."""

    pixels: np.ndarray  # (n_train, d) float32
    labels: np.ndarray  # (n_train,)
    pca: Principal

    @classmethod
    def of(cls, pixels: np.ndarray, labels: np.ndarray, seed: int = 0) -> Reference:
        flat = np.asarray(pixels, np.float32).reshape(len(pixels), -1)
        return cls(flat, np.asarray(labels), principal_axes(flat, PCA_DIMS, seed=seed))

    def nearest(self, x: np.ndarray) -> np.ndarray:
        """(m, d) -> (m,) Euclidean distance to the nearest training digit."""
        x = np.asarray(x, np.float32).reshape(len(x), -1)
        sq = (x * x).sum(1)[:, None] - 2 * x @ self.pixels.T + (self.pixels * self.pixels).sum(1)[None]
        return np.sqrt(np.maximum(sq.min(1), 0.0))

    def residual(self, x: np.ndarray) -> np.ndarray:
        """(m, d) -> (m,) norm of what the top principal components do not explain."""
        c = np.asarray(x, np.float64).reshape(len(x), -1) - self.pca.mean
        return np.linalg.norm(c - (c @ self.pca.axes) @ self.pca.axes.T, axis=1)


@dataclass(frozen=True)
class Comparison:
    rows: tuple[str, ...]  # "original", "adversarial", "noise (same L2 norm)"
    l2: np.ndarray  # (3,) distance from the original
    nearest: np.ndarray  # (3,) to the nearest training digit
    residual: np.ndarray  # (3,) off the top PCA_DIMS components
    true_proba: np.ndarray  # (3,) the model's probability of the true class
    flipped: np.ndarray  # (3,) share predicted as another class (noise: over the draws)


def _noise(original: np.ndarray, norm: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n copies of original (h, w) plus Gaussian directions, clipped to [0, 1] and rescaled (a few
    rounds) so each lands at L2 distance `norm` from the original where the clipping allows."""
    flat = original.reshape(1, -1).astype(np.float32)
    d = rng.standard_normal((n, flat.shape[1])).astype(np.float32)
    for _ in range(NOISE_ROUNDS):
        length = np.linalg.norm(np.clip(flat + d, 0, 1) - flat, axis=1, keepdims=True)
        d *= norm / np.maximum(length, 1e-12)
    return np.clip(flat + d, 0, 1).reshape(n, *original.shape)


def _predict(model, images: np.ndarray) -> np.ndarray:
    import torch

    with torch.inference_mode():
        return torch.softmax(model(torch.as_tensor(images[:, None], dtype=torch.float32)), 1).numpy()


def compare(
    model, ref: Reference, original: np.ndarray, adversarial: np.ndarray, label: int, seed: int = 0
) -> Comparison:
    """The original (h, w), its adversarial example and same-norm noise, measured side by side."""
    norm = float(np.linalg.norm(adversarial - original))
    noise = _noise(original, norm, N_NOISE, np.random.default_rng(seed))
    images = np.concatenate([original[None], adversarial[None], noise])
    proba = _predict(model, images)
    flips = proba.argmax(1) != label
    l2 = np.linalg.norm((images - original).reshape(len(images), -1), axis=1)
    near, res = ref.nearest(images), ref.residual(images)

    def pick(v: np.ndarray) -> np.ndarray:
        return np.array([v[0], v[1], np.median(v[2:])], dtype=np.float64)

    return Comparison(("original", "adversarial", "noise (same L2 norm)"), pick(l2), pick(near), pick(res),
                      pick(proba[:, label]), np.array([flips[0], flips[1], flips[2:].mean()], float))  # fmt: skip


@dataclass(frozen=True)
class PushStudy:
    """Over n test digits the model got right: the smallest L2 push found that flips each."""

    n: int
    flipped: float  # share flipped within the budget
    norm_share_of_image: float  # median ||delta|| / ||x|| over the flipped
    norm_share_of_nearest: float  # median ||delta|| / (distance from x to its nearest training digit)
    noise_flipped: float  # share flipped by noise of each one's flipping norm (N_NOISE draws each)


def push_study(model, ref: Reference, images: np.ndarray, labels: np.ndarray, budget: float = 4.0,
               steps: int = 40, seed: int = 0) -> PushStudy:  # fmt: skip
    """Attack each image (n, h, w) with L2 steps up to `budget`; the first flipping step is its push."""
    import torch

    from engine.cnn.attack import pgd

    x = torch.as_tensor(np.asarray(images, np.float32)[:, None])
    y = torch.as_tensor(np.asarray(labels))
    with torch.inference_mode():
        right = (model(x).argmax(1) == y).numpy()
    x, y = x[right], y[right]
    first = np.full(len(y), np.inf)

    def on_step(t, xt, loss) -> None:
        with torch.inference_mode():
            wrong = (model(xt).argmax(1) != y).numpy()
        norms = (xt - x).flatten(1).norm(dim=1).numpy()
        new = wrong & np.isinf(first)
        first[new] = norms[new]

    pgd(model, x, y, budget, steps, "l2", on_step)
    ok = np.isfinite(first)
    orig = x[:, 0].numpy()
    rng = np.random.default_rng(seed)
    noise_flips = [
        float((_predict(model, _noise(orig[i], first[i], N_NOISE, rng)).argmax(1) != int(y[i])).mean())
        for i in np.flatnonzero(ok)
    ]
    if not ok.any():
        return PushStudy(len(y), 0.0, float("nan"), float("nan"), float("nan"))
    image_norm = np.linalg.norm(orig.reshape(len(orig), -1), axis=1)
    nearest = ref.nearest(orig)
    return PushStudy(len(y), float(ok.mean()), float(np.median(first[ok] / image_norm[ok])),
                     float(np.median(first[ok] / nearest[ok])), float(np.mean(noise_flips)))  # fmt: skip
