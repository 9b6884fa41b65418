"""A GAN learning the data manifold: a generator that maps a 2-D noise plane onto the data, and a
discriminator telling its points from the real ones, trained live or one update at a time.

`GANTrainer(data, GANConfig(...))` holds the generator G (noise z ~ N(0, I) in 2-D -> a row of the
data, standardised; or an image's pixels, through a sigmoid) and the discriminator D (a row -> a
logit), both MLPs, each with its own Adam (beta1 = 0.5, as in DCGAN). `d_step` and `g_step` make one
update of either (the non-saturating losses: D's binary cross-entropy on a real and a generated
batch; G's -log D(G(z))); `step` makes `d_steps` discriminator updates then one generator update.
`train_gan` runs `steps` of them and records, at step 0 and every `snapshot_every`, the generator's
image of a lattice over the noise plane (the warped grid), of SAMPLES fixed noise draws, and for 2-D
data the discriminator's probability over a grid of the data plane. `modes_covered` counts which
modes of a mixture the samples reach (a mode: a class of the data); `classes_drawn` which classes of
labelled images the samples look like.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.data.datasets import Dataset
from engine.latent.autoencoder import check_shared, mlp, model_inputs

NOISE = 2
SAMPLES = 500  # fixed noise draws whose images are recorded
LATTICE = 21  # noise-plane lattice points along each side, over [-NOISE_EXTENT, NOISE_EXTENT]
NOISE_EXTENT = 2.5
HEAT = 60  # the discriminator's map: points along each side of the data plane
LIMITS = {
    "layers": (1, 3),
    "width": (4, 256),
    "lr": (0.00001, 0.01),
    "steps": (1, 20_000),
    "snapshot_every": (1, 1_000),
    "batch_size": (8, 1024),
    "d_steps": (1, 10),
}
MODE_SHARE = 0.25  # a mode is covered when it draws this share of its fair part (1/k) of the samples
MODE_QUANTILE = (
    0.99  # a sample is in a mode when within the distance of 99 % of the mode's data to its centre
)
D_WINS = 0.1  # a discriminator loss under this (nats, the last 100 steps' mean): the generator gets no signal


@dataclass(frozen=True)
class GANConfig:
    """The two networks and their training. Frozen: a cache key and URL state at once."""

    hidden: tuple[int, ...] = (64, 64)  # both networks' widths
    activation: str = "relu"
    lr_g: float = 0.001
    lr_d: float = 0.001
    steps: int = 2_000
    snapshot_every: int = 50
    batch_size: int = 128
    d_steps: int = 1  # discriminator updates before each generator update
    seed: int = 0
    device: str = "auto"


def check_config(cfg: GANConfig, n_features: int) -> None:
    if n_features < 2:
        raise ValueError(
            "The data has 1 feature: a GAN here maps a 2-D noise plane onto data of 2 or more features."
        )
    check_shared(cfg, LIMITS, {"lr_g": "The generator's learning rate", "lr_d": "The discriminator's learning rate",
                               "steps": "Steps", "snapshot_every": "Snapshot every", "batch_size": "The batch size",
                               "d_steps": "Discriminator steps per generator step"},
                 limit_of={"lr_g": "lr", "lr_d": "lr"})  # fmt: skip


def noise_lattice() -> np.ndarray:
    """(LATTICE * LATTICE, 2) points of the noise plane, row-major (the warped grid's shape)."""
    t = np.linspace(-NOISE_EXTENT, NOISE_EXTENT, LATTICE, dtype=np.float32)
    a, b = np.meshgrid(t, t)
    return np.column_stack([a.ravel(), b.ravel()])


def fixed_noise(seed: int) -> np.ndarray:
    """(SAMPLES, 2) the noise draws whose images every snapshot records (seeded)."""
    return np.random.default_rng(seed).standard_normal((SAMPLES, NOISE)).astype(np.float32)


def plane_bounds(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners of the data plane the discriminator's map covers: the data's box, 15 % wider a side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * (hi - lo)
    return lo - pad, hi + pad


@dataclass(frozen=True)
class Snapshot:
    step: int
    grid: np.ndarray  # (LATTICE**2, d) the generator's image of the noise lattice
    samples: np.ndarray  # (SAMPLES, d) its images of the fixed noise draws
    heat: np.ndarray | None  # (HEAT, HEAT) D's probability of "real" over the data plane (2-D data)
    d_loss: float  # the last update's losses (NaN at step 0)
    g_loss: float


class GANTrainer:
    """The generator, the discriminator, their optimizers and the data, stepped one update at a time."""

    def __init__(self, data: Dataset, cfg: GANConfig) -> None:
        import torch

        from engine.device import resolve_device

        X, shape = model_inputs(data)
        check_config(cfg, X.shape[1])
        self.cfg, self.shape, self.inputs = cfg, shape, X
        self.device = resolve_device(cfg.device)
        self.X = torch.from_numpy(np.ascontiguousarray(X, np.float32)).to(self.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.G = mlp([NOISE, *cfg.hidden, X.shape[1]], cfg.activation).to(self.device)
            self.D = mlp([X.shape[1], *cfg.hidden, 1], cfg.activation).to(self.device)
        fused = self.device in ("cpu", "cuda")
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(0.5, 0.999), fused=fused)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=(0.5, 0.999), fused=fused)
        self.gen = torch.Generator(device=self.device).manual_seed(cfg.seed)
        self.fixed = torch.from_numpy(fixed_noise(cfg.seed)).to(self.device)
        self.lattice = torch.from_numpy(noise_lattice()).to(self.device)
        self.bounds = plane_bounds(X)
        self.steps_done = 0

    def generate(self, z):
        out = self.G(z)
        return out.sigmoid() if self.shape is not None else out

    def _noise(self, n: int):
        import torch

        return torch.randn((n, NOISE), generator=self.gen, device=self.device)

    def d_step(self) -> float:
        """One discriminator update on a real batch and a generated one; its loss."""
        import torch
        import torch.nn.functional as F

        b = self.cfg.batch_size
        real = self.X[torch.randint(0, len(self.X), (b,), generator=self.gen, device=self.device)]
        with torch.no_grad():
            fake = self.generate(self._noise(b))
        logits = self.D(torch.cat([real, fake]))[:, 0]
        target = torch.cat([torch.ones(b, device=self.device), torch.zeros(b, device=self.device)])
        loss = F.binary_cross_entropy_with_logits(logits, target)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        return float(loss.detach())

    def g_step(self) -> float:
        """One generator update: raise D's logit on a generated batch (the non-saturating loss)."""
        import torch
        import torch.nn.functional as F

        logits = self.D(self.generate(self._noise(self.cfg.batch_size)))[:, 0]
        loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return float(loss.detach())

    def step(self) -> tuple[float, float]:
        """d_steps discriminator updates, then one generator update: one training step."""
        d = [self.d_step() for _ in range(self.cfg.d_steps)][-1]
        g = self.g_step()
        self.steps_done += 1
        return d, g

    def snapshot(self, d_loss: float = float("nan"), g_loss: float = float("nan")) -> Snapshot:
        import torch

        with torch.inference_mode():
            grid = self.generate(self.lattice).float().cpu().numpy()
            samples = self.generate(self.fixed).float().cpu().numpy()
            heat = None
            if self.X.shape[1] == 2:
                (x0, y0), (x1, y1) = self.bounds
                a, b = np.meshgrid(np.linspace(x0, x1, HEAT), np.linspace(y0, y1, HEAT))
                pts = torch.from_numpy(np.column_stack([a.ravel(), b.ravel()]).astype(np.float32)).to(
                    self.device
                )
                heat = self.D(pts)[:, 0].sigmoid().float().cpu().numpy().reshape(HEAT, HEAT)
        return Snapshot(self.steps_done, grid, samples, heat, d_loss, g_loss)

    def copy(self) -> GANTrainer:
        """An independent copy (networks, optimizers, random state) to step without changing this one."""
        return copy.deepcopy(self)


@dataclass(frozen=True)
class GANResult:
    config: GANConfig
    steps: np.ndarray  # (n_snapshots,)
    grids: np.ndarray  # (n_snapshots, LATTICE**2, d)
    samples: np.ndarray  # (n_snapshots, SAMPLES, d)
    heats: np.ndarray | None  # (n_snapshots, HEAT, HEAT) for 2-D data
    bounds: tuple[np.ndarray, np.ndarray]  # the data plane under the heat map
    d_loss: np.ndarray  # (steps + 1,) per step (NaN at 0)
    g_loss: np.ndarray
    inputs: np.ndarray  # (n, d) the data as the networks see it
    image_shape: tuple[int, int] | None
    trainer: GANTrainer  # the state after the last step: copy it to step on
    stopped: str | None
    seconds: float


def train_gan(
    data: Dataset, cfg: GANConfig, on_snapshot: Callable[[Snapshot], None] | None = None
) -> GANResult:
    """`cfg.steps` training steps, recorded at step 0, every `snapshot_every` and the last."""
    import torch

    from engine.cnn.train import torch_threads, train_threads

    start = time.perf_counter()
    trainer = GANTrainer(data, cfg)
    snaps = [trainer.snapshot()]
    if on_snapshot is not None:
        on_snapshot(snaps[0])
    d_loss, g_loss = np.full(cfg.steps + 1, np.nan), np.full(cfg.steps + 1, np.nan)
    stopped = None
    threads = train_threads() if trainer.device == "cpu" else torch.get_num_threads()
    with torch_threads(threads):
        for step in range(1, cfg.steps + 1):
            d_loss[step], g_loss[step] = trainer.step()
            if not (np.isfinite(d_loss[step]) and np.isfinite(g_loss[step])):
                stopped = (f"A loss stopped being a finite number at step {step}: training ended at step "
                           f"{snaps[-1].step}. Lower the learning rates.")  # fmt: skip
                break
            if step % cfg.snapshot_every == 0 or step == cfg.steps:
                snaps.append(trainer.snapshot(d_loss[step], g_loss[step]))
                if on_snapshot is not None:
                    on_snapshot(snaps[-1])
    last = snaps[-1].step
    heats = None if snaps[0].heat is None else np.stack([s.heat for s in snaps])
    return GANResult(
        config=cfg, steps=np.array([s.step for s in snaps]), grids=np.stack([s.grid for s in snaps]),
        samples=np.stack([s.samples for s in snaps]), heats=heats, bounds=trainer.bounds,
        d_loss=d_loss[: last + 1], g_loss=g_loss[: last + 1], inputs=trainer.inputs, image_shape=trainer.shape,
        trainer=trainer, stopped=stopped, seconds=time.perf_counter() - start,
    )  # fmt: skip


@dataclass(frozen=True)
class Modes:
    covered: int  # modes that draw at least MODE_SHARE of their fair part of the samples
    total: int
    counts: np.ndarray  # (total,) samples in each mode
    in_modes: float  # share of the samples inside any mode


def modes_covered(X: np.ndarray, y: np.ndarray, samples: np.ndarray) -> Modes:
    """The modes of a mixture (its classes: centre = the class mean, radius = the MODE_QUANTILE of its
    points' distances to it) that the generated samples reach, each sample counted in its nearest mode
    when within that mode's radius."""
    classes = np.unique(y)
    centres = np.stack([X[y == c].mean(axis=0) for c in classes])
    radii = np.array([np.quantile(np.linalg.norm(X[y == c] - centres[i], axis=1), MODE_QUANTILE)
                      for i, c in enumerate(classes)])  # fmt: skip
    d = np.linalg.norm(samples[:, None, :] - centres[None], axis=2)  # (m, k)
    nearest = d.argmin(axis=1)
    inside = d[np.arange(len(samples)), nearest] <= radii[nearest]
    counts = np.bincount(nearest[inside], minlength=len(classes))
    fair = len(samples) / len(classes)
    return Modes(int((counts >= MODE_SHARE * fair).sum()), len(classes), counts, float(inside.mean()))


def classes_drawn(X: np.ndarray, y: np.ndarray, samples: np.ndarray) -> Modes:
    """For labelled images: the classes the generated samples look like, by a 5-NN vote among the real
    rows (a class counts when it draws MODE_SHARE of its fair part); in_modes is 1 (every sample is
    given a class)."""
    from sklearn.neighbors import KNeighborsClassifier

    classes = np.unique(y)
    voted = KNeighborsClassifier(5).fit(X, y).predict(samples)
    counts = np.array([(voted == c).sum() for c in classes])
    fair = len(samples) / len(classes)
    return Modes(int((counts >= MODE_SHARE * fair).sum()), len(classes), counts, 1.0)
