"""A variational autoencoder with a 2-D latent, trained live, with its decoded map of the latent plane.

`train_vae(data, VAEConfig(...))` fits an MLP encoder q(z|x) = N(mu(x), diag sigma(x)^2) and decoder
p(x|z) (PyTorch modules, autograd, Adam) by maximising the ELBO with the KL weighted by beta:
loss = reconstruction + beta * KL(q(z|x) || N(0, I)), both in nats per row. Images are modelled as
Bernoulli pixels in [0, 1] (the decoder gives logits; a decoded image is their sigmoid), any other
table, standardised, as a Gaussian of unit variance. At epoch 0, every `snapshot_every` epochs and
the last it records the posterior means and standard deviations of up to RECORD_ROWS rows and the
decoding of a grid x grid lattice over the plane they occupy. Training conventions are the
autoencoder's and the CNN's: seeded, arrays out, threads chosen by `train_threads`, a non-finite
loss ends training keeping what came before.

Posterior collapse: with beta large the encoder gives up (every q(z|x) equals the prior, KL near 0)
and the decoder draws one average everywhere. `collapsed` says when the recorded KL is under
COLLAPSED_NATS; `active_units` counts latent units whose mean varies across rows (Burda et al.'s
measure: variance over rows of E[z|x] above 0.01).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.data.datasets import Dataset
from engine.latent.autoencoder import RECORD_ROWS, check_shared, mlp, model_inputs

LATENT = 2
LIMITS = {
    "layers": (1, 3),  # hidden layers on each side of the latent
    "width": (4, 512),
    "beta": (0.0, 100.0),
    "epochs": (1, 500),
    "snapshot_every": (1, 100),
    "batch_size": (8, 2048),
    "lr": (0.0001, 0.1),
    "grid": (5, 25),  # decoded images along each side of the latent plane
}
COLLAPSED_NATS = 0.1  # a mean KL per row under this: the posterior has collapsed onto the prior
ACTIVE_VARIANCE = 0.01  # a unit whose posterior mean varies less than this across rows is inactive
MIN_EXTENT = 2.5  # the decoded plane covers at least +-MIN_EXTENT (the prior's bulk)
LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class VAEConfig:
    """The VAE and its training. Frozen: a cache key and URL state at once."""

    hidden: tuple[int, ...] = (128,)  # encoder widths; the decoder mirrors them
    activation: str = "relu"
    beta: float = 1.0  # the KL term's weight (1 = the ELBO; 0 = an autoencoder with noisy codes)
    lr: float = 0.003  # Adam
    epochs: int = 60
    snapshot_every: int = 5
    batch_size: int = 128
    grid: int = 15
    seed: int = 0
    device: str = "auto"


def check_config(cfg: VAEConfig, n_features: int) -> None:
    """Raise ValueError naming the first setting out of range and what it may be."""
    if n_features <= LATENT:
        raise ValueError(
            f"The data has {n_features} feature{'s' * (n_features != 1)}: a {LATENT}-D latent does not "
            "compress it. Choose data with more features."
        )
    check_shared(cfg, LIMITS, {"beta": "The KL weight beta", "epochs": "Epochs", "snapshot_every": "Snapshot every",
                               "batch_size": "The batch size", "lr": "The learning rate", "grid": "The grid"},
                 " on each side")  # fmt: skip


def kl_divergence(mu, logvar):
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row, in nats: the closed form for diagonal Gaussians."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def reconstruction_nats(out, x, bernoulli: bool):
    """-log p(x|z) per row, in nats: Bernoulli pixels from logits, or a unit-variance Gaussian."""
    import torch.nn.functional as F

    if bernoulli:
        return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(-1)
    return 0.5 * ((out - x).pow(2).sum(-1) + x.shape[-1] * LOG_2PI)


def build(cfg: VAEConfig, d: int):
    """(encoder, decoder) seeded by cfg.seed, without touching torch's global generator. The encoder
    gives 2 * LATENT numbers per row: the posterior means, then their log-variances."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        encoder = mlp([d, *cfg.hidden, 2 * LATENT], cfg.activation)
        decoder = mlp([LATENT, *reversed(cfg.hidden), d], cfg.activation)
    return encoder, decoder


@dataclass(frozen=True)
class Snapshot:
    epoch: int
    means: np.ndarray  # (n_recorded, 2)
    stds: np.ndarray  # (n_recorded, 2)
    rows: np.ndarray  # (n_recorded,)
    grid: np.ndarray  # (grid * grid, d) the decoded lattice, row-major from the top left
    extent: float  # the lattice spans [-extent, extent] on both axes
    kl: float  # mean KL per recorded row, nats
    reconstruction: float  # mean -log p(x | z = mu) per recorded row, nats
    image_shape: tuple[int, int] | None  # the grid's rows are images of this shape, or table rows


@dataclass(frozen=True)
class VAEResult:
    config: VAEConfig
    epochs: np.ndarray  # (n_snapshots,)
    means: np.ndarray  # (n_snapshots, n_recorded, 2) float32
    stds: np.ndarray  # (n_snapshots, n_recorded, 2) float32
    grids: np.ndarray  # (n_snapshots, grid * grid, d) float32: each snapshot's decoded lattice
    extents: np.ndarray  # (n_snapshots,)
    kl: np.ndarray  # (n_snapshots,) mean KL of the recorded rows, nats
    reconstruction: np.ndarray  # (n_snapshots,) their mean -log p(x | mu), nats
    rows: np.ndarray  # (n_recorded,) the dataset rows recorded, sorted
    history: dict[str, np.ndarray]  # "kl", "reconstruction", "loss": training epoch means (NaN at 0)
    inputs: np.ndarray  # (n_recorded, d) what the network saw for the recorded rows
    reconstructions: np.ndarray  # (n_recorded, d) the last snapshot's decoding of their means
    weights: dict[str, dict[str, np.ndarray]]  # "encoder", "decoder": NumPy state dicts
    image_shape: tuple[int, int] | None
    stopped: str | None
    seconds: float

    @property
    def bernoulli(self) -> bool:
        return self.image_shape is not None

    @property
    def collapsed(self) -> bool:
        """Every posterior on the prior: the recorded KL under COLLAPSED_NATS."""
        return bool(self.kl[-1] < COLLAPSED_NATS)

    @property
    def active_units(self) -> int:
        return int((self.means[-1].var(axis=0) > ACTIVE_VARIANCE).sum())


def lattice(grid: int, extent: float) -> np.ndarray:
    """(grid * grid, 2) cell centres over [-extent, extent]^2, row-major from the top left
    (z1 rises to the right, z2 upwards): the layout of the decoded image grid."""
    step = 2 * extent / grid
    centres = -extent + step * (np.arange(grid) + 0.5)
    z1, z2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([z1.ravel(), z2.ravel()]).astype(np.float32)


def plane_extent(means: np.ndarray) -> float:
    """Half the side of the square the lattice covers: the recorded means' 99th percentile of |z|,
    at least MIN_EXTENT, rounded up to a half."""
    if not np.isfinite(means).all():
        return MIN_EXTENT
    return max(MIN_EXTENT, math.ceil(2 * float(np.quantile(np.abs(means), 0.99))) / 2)


def decoded(decoder, z, bernoulli: bool):
    """What the decoder draws at latent points z: pixel probabilities (images) or the Gaussian's mean."""
    out = decoder(z)
    return out.sigmoid() if bernoulli else out


def train_vae(
    data: Dataset, cfg: VAEConfig, on_snapshot: Callable[[Snapshot], None] | None = None
) -> VAEResult:
    """Train the VAE on every row of `data`, recording up to RECORD_ROWS rows' posteriors and the
    decoded lattice at epoch 0, every `snapshot_every` epochs and the last."""
    import torch

    from engine.cnn.train import _state, torch_threads, train_threads
    from engine.device import resolve_device

    start = time.perf_counter()
    X, shape = model_inputs(data)
    check_config(cfg, X.shape[1])
    bernoulli = shape is not None
    device = resolve_device(cfg.device)
    rng = np.random.default_rng(cfg.seed)
    rows = (
        np.sort(rng.choice(len(X), RECORD_ROWS, replace=False)) if len(X) > RECORD_ROWS else np.arange(len(X))
    )
    Xt = torch.from_numpy(np.ascontiguousarray(X, np.float32)).to(device)
    encoder, decoder = (m.to(device) for m in build(cfg, X.shape[1]))
    params = [*encoder.parameters(), *decoder.parameters()]
    opt = torch.optim.Adam(params, lr=cfg.lr, fused=device in ("cpu", "cuda"))
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    kept = sorted({0, *range(cfg.snapshot_every, cfg.epochs, cfg.snapshot_every), cfg.epochs})
    snaps: list[Snapshot] = []
    history = {k: np.full(cfg.epochs + 1, np.nan) for k in ("kl", "reconstruction", "loss")}
    stopped, recon = None, None
    rec = Xt[torch.from_numpy(rows).to(device)]
    threads = train_threads() if device == "cpu" else torch.get_num_threads()
    with torch_threads(threads):
        for epoch in range(cfg.epochs + 1):
            if epoch:
                terms = _epoch(encoder, decoder, opt, Xt, cfg, gen, bernoulli)
                if not all(map(np.isfinite, terms)):
                    stopped = (f"The loss stopped being a finite number in epoch {epoch}: training ended at "
                               f"epoch {snaps[-1].epoch}. Lower the learning rate.")  # fmt: skip
                    break
                for k, v in zip(("kl", "reconstruction", "loss"), terms, strict=True):
                    history[k][epoch] = v
            if epoch in kept:
                snap, recon = _snapshot(encoder, decoder, rec, rows, epoch, cfg.grid, shape)
                snaps.append(snap)
                if on_snapshot is not None:
                    on_snapshot(snap)
    last = snaps[-1].epoch
    return VAEResult(
        config=cfg, epochs=np.array([s.epoch for s in snaps]),
        means=np.stack([s.means for s in snaps]), stds=np.stack([s.stds for s in snaps]),
        grids=np.stack([s.grid for s in snaps]), extents=np.array([s.extent for s in snaps]),
        kl=np.array([s.kl for s in snaps]), reconstruction=np.array([s.reconstruction for s in snaps]),
        rows=rows, history={k: v[: last + 1] for k, v in history.items()}, inputs=X[rows],
        reconstructions=recon, weights={"encoder": _state(encoder), "decoder": _state(decoder)},
        image_shape=shape, stopped=stopped, seconds=time.perf_counter() - start,
    )  # fmt: skip


def _snapshot(encoder, decoder, x, rows, epoch: int, grid: int, shape) -> tuple[Snapshot, np.ndarray]:
    import torch

    bernoulli = shape is not None
    encoder.eval()
    decoder.eval()
    with torch.inference_mode():
        mu, logvar = encoder(x).chunk(2, dim=-1)
        out = decoder(mu)
        kl = float(kl_divergence(mu, logvar).mean())
        nll = float(reconstruction_nats(out, x, bernoulli).mean())
        means = mu.float().cpu().numpy()
        extent = plane_extent(means)
        z = torch.from_numpy(lattice(grid, extent)).to(x.device)
        images = decoded(decoder, z, bernoulli).float().cpu().numpy()
        recon = (out.sigmoid() if bernoulli else out).float().cpu().numpy()
    stds = np.exp(0.5 * logvar.float().cpu().numpy())
    return Snapshot(epoch, means, stds.astype(np.float32), rows, images, extent, kl, nll, shape), recon


def _epoch(encoder, decoder, opt, X, cfg: VAEConfig, gen, bernoulli: bool) -> tuple[float, float, float]:
    """One pass over the shuffled rows; the epoch's mean KL, reconstruction and loss per row."""
    import torch

    encoder.train()
    decoder.train()
    order = torch.randperm(len(X), generator=gen, device=X.device)
    shuffled = X[order]  # one gather per epoch; each batch is then a contiguous slice
    noise = torch.randn(
        (len(X), LATENT), generator=gen, device=X.device
    )  # the epoch's reparameterisation draws
    sums = torch.zeros(2, dtype=torch.float64, device=X.device)  # KL and reconstruction, summed over rows
    for s in range(0, len(X), cfg.batch_size):
        xb = shuffled[s : s + cfg.batch_size]
        mu, logvar = encoder(xb).chunk(2, dim=-1)
        z = mu + (0.5 * logvar).exp() * noise[s : s + cfg.batch_size]
        terms = torch.stack(
            (kl_divergence(mu, logvar).sum(), reconstruction_nats(decoder(z), xb, bernoulli).sum())
        )
        loss = (terms[1] + cfg.beta * terms[0]) / len(xb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sums += terms.detach()
    kl, nll = (float(v) / len(X) for v in sums.cpu())
    return kl, nll, nll + cfg.beta * kl


def load(result: VAEResult, device: str = "cpu"):
    """(encoder, decoder) rebuilt from a result's weights, in eval mode."""
    import torch

    encoder, decoder = build(result.config, result.inputs.shape[1])
    for module, key in ((encoder, "encoder"), (decoder, "decoder")):
        module.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in result.weights[key].items()})
        module.to(device).eval()
    return encoder, decoder


def decode(result: VAEResult, z: np.ndarray) -> np.ndarray:
    """(m, 2) latent points -> (m, d) what the trained decoder draws there."""
    import torch

    _, decoder = load(result)
    with torch.inference_mode():
        return decoded(decoder, torch.as_tensor(np.asarray(z, np.float32)), result.bernoulli).numpy()


def encode(result: VAEResult, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m, d) model inputs -> their posterior means and standard deviations, (m, 2) each."""
    import torch

    encoder, _ = load(result)
    with torch.inference_mode():
        mu, logvar = encoder(torch.as_tensor(np.asarray(x, np.float32))).chunk(2, dim=-1)
    return mu.numpy(), (0.5 * logvar).exp().numpy()


def sample_prior(result: VAEResult, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n draws z ~ N(0, I) (seeded) and their decodings: ((n, 2), (n, d))."""
    z = np.random.default_rng(seed).standard_normal((n, LATENT)).astype(np.float32)
    return z, decode(result, z)


@dataclass(frozen=True)
class Interpolation:
    z: np.ndarray  # (steps, 2) the straight latent path from a's mean to b's
    decoded: np.ndarray  # (steps, d) its decodings
    pixel_mean: np.ndarray  # (d,) the two inputs' plain average, in input space


def interpolate(result: VAEResult, a: np.ndarray, b: np.ndarray, steps: int = 9) -> Interpolation:
    """The straight path between the posterior means of inputs a and b (d,), decoded, beside their
    average in input space."""
    means, _ = encode(result, np.stack([a, b]))
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    z = (1 - t) * means[0] + t * means[1]
    return Interpolation(z, decode(result, z), (np.asarray(a, np.float32) + np.asarray(b, np.float32)) / 2)
