"""Contrastive learning (SimCLR-style): an encoder trained without labels to map two augmented views of
each row close together on the unit circle or sphere, and other rows apart.

`train_contrastive(data, ContrastiveConfig(...))` fits an MLP whose output, normalised to unit length,
is the embedding, by the NT-Xent loss (Chen et al. 2020) over the 2B views of each batch. Views of
images are shifted (a crop of the image padded by `shift` pixels) and noised; views of tables are
jittered and some features dropped. At epoch 0 (the untrained, random encoder of the same shape),
every `snapshot_every` epochs and the last it records the embedding of up to RECORD_ROWS rows, their
alignment and uniformity (Wang and Isola 2020: the mean squared distance between a row's two views,
and the log of the mean Gaussian potential between rows, on UNIFORMITY_ROWS of them) and, with labels it never saw, the 5-NN
accuracy of the embedding, beside that of the raw inputs. Training conventions are the autoencoder's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.data.datasets import Dataset
from engine.latent.autoencoder import RECORD_ROWS, check_shared, mlp, model_inputs

LIMITS = {
    "dim": (2, 3),  # the circle or the sphere
    "layers": (1, 3),
    "width": (4, 512),
    "temperature": (0.01, 10.0),
    "shift": (0, 4),  # pixels
    "noise": (0.0, 1.0),  # images: pixel units; tables: standardised units
    "dropout": (0.0, 0.9),  # tables: share of features zeroed in each view
    "epochs": (1, 500),
    "snapshot_every": (1, 100),
    "batch_size": (16, 2048),
    "lr": (0.0001, 0.1),
}
UNIFORMITY_ROWS = 500  # uniformity is estimated on this many of the recorded rows (a fixed seeded sample)


@dataclass(frozen=True)
class ContrastiveConfig:
    """The encoder, its augmentations and training. Frozen: a cache key and URL state at once."""

    dim: int = 3  # measured on the 8 x 8 digits: 5-NN accuracy 0.71 on the sphere, 0.46 on the circle
    hidden: tuple[int, ...] = (128,)
    activation: str = "relu"
    temperature: float = 0.5
    augment: bool = True  # False: both views are the row itself
    shift: int = 1  # images: each view is shifted by up to this many pixels either way
    noise: float = 0.2  # Gaussian noise of this standard deviation on each view
    dropout: float = 0.2  # tables: each feature is zeroed with this probability in each view
    lr: float = 0.003
    epochs: int = 40
    snapshot_every: int = 2
    batch_size: int = 256
    seed: int = 0
    device: str = "auto"


def check_config(cfg: ContrastiveConfig, n_features: int) -> None:
    """Raise ValueError naming the first setting out of range and what it may be."""
    if n_features < 2:
        raise ValueError(
            "The data has 1 feature: there is nothing to learn a representation of. Choose data with more."
        )
    lo, hi = LIMITS["dim"]
    if cfg.dim not in range(lo, hi + 1):
        raise ValueError(f"The embedding lies on a circle (2) or a sphere (3); got {cfg.dim}.")
    check_shared(cfg, LIMITS, {"temperature": "The temperature", "shift": "The shift", "noise": "The noise",
                               "dropout": "The feature dropout", "epochs": "Epochs", "snapshot_every": "Snapshot every",
                               "batch_size": "The batch size", "lr": "The learning rate"})  # fmt: skip


def nt_xent(z1, z2, temperature: float):
    """The NT-Xent loss of two batches of unit vectors (B, k), row i of each the two views of one row:
    for each of the 2B views, the cross-entropy of picking its partner among the other 2B - 1 by
    cosine similarity / temperature; the mean over the 2B views."""
    import torch
    import torch.nn.functional as F

    z = torch.cat([z1, z2])
    sim = z @ z.T / temperature
    sim.fill_diagonal_(float("-inf"))  # a view is never its own partner
    n = len(z1)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(sim, partner)


def alignment(z1, z2) -> float:
    """Wang and Isola's alignment: the mean squared distance between a row's two views (0 is perfect)."""
    return float((z1 - z2).pow(2).sum(-1).mean())


def uniformity(z) -> float:
    """Wang and Isola's uniformity: log of the mean exp(-2 ||z_i - z_j||^2) over pairs i < j (lower is
    more uniform on the sphere)."""
    import torch

    d2 = torch.pdist(z).pow(2)
    return float(torch.logsumexp(-2 * d2, 0) - np.log(d2.numel()))


def augment(x, cfg: ContrastiveConfig, shape: tuple[int, int] | None, gen):
    """One random view of each row of x (n, d): images shifted by up to cfg.shift pixels (a crop of the
    zero-padded image) and noised; tables noised and with features dropped. The row itself when
    cfg.augment is off."""
    import torch
    import torch.nn.functional as F

    if not cfg.augment:
        return x
    n = len(x)
    if shape is not None:
        h, w = shape
        s = cfg.shift
        if s:
            padded = F.pad(x.view(n, h, w), (s, s, s, s))
            dy, dx = (torch.randint(0, 2 * s + 1, (n, 1), generator=gen, device=x.device) for _ in range(2))
            rows = (torch.arange(h, device=x.device)[None] + dy)[:, :, None]  # (n, h, 1)
            cols = (torch.arange(w, device=x.device)[None] + dx)[:, None, :]  # (n, 1, w)
            x = padded[torch.arange(n, device=x.device)[:, None, None], rows, cols].reshape(n, h * w)
    elif cfg.dropout:
        keep = torch.rand(x.shape, generator=gen, device=x.device) >= cfg.dropout
        x = x * keep
    if cfg.noise:
        x = x + cfg.noise * torch.randn(x.shape, generator=gen, device=x.device)
    return x


def build(cfg: ContrastiveConfig, d: int):
    """The encoder, seeded by cfg.seed without touching torch's global generator."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        return mlp([d, *cfg.hidden, cfg.dim], cfg.activation)


@dataclass(frozen=True)
class Snapshot:
    epoch: int
    embedding: np.ndarray  # (n_recorded, dim) unit vectors
    rows: np.ndarray
    loss: float  # the epoch's mean NT-Xent over its batches (NaN at 0)
    alignment: float
    uniformity: float
    knn_accuracy: float | None


@dataclass(frozen=True)
class ContrastiveResult:
    config: ContrastiveConfig
    epochs: np.ndarray  # (n_snapshots,)
    embeddings: np.ndarray  # (n_snapshots, n_recorded, dim) float32, unit vectors
    rows: np.ndarray  # (n_recorded,)
    loss: np.ndarray  # (epochs + 1,) NT-Xent per epoch (NaN at 0)
    alignment: np.ndarray  # (n_snapshots,) on the recorded rows, one augmented view each
    uniformity: np.ndarray  # (n_snapshots,)
    knn_accuracy: (
        np.ndarray | None
    )  # (n_snapshots,) 5-NN accuracy of the embedding; epoch 0: a random encoder
    raw_knn_accuracy: float | None  # the same score on the raw inputs
    image_shape: tuple[int, int] | None
    stopped: str | None
    seconds: float


def train_contrastive(
    data: Dataset, cfg: ContrastiveConfig, on_snapshot: Callable[[Snapshot], None] | None = None
) -> ContrastiveResult:
    """Train the encoder on every row of `data` without its labels; record up to RECORD_ROWS rows."""
    import torch
    import torch.nn.functional as F

    from engine.cnn.train import torch_threads, train_threads
    from engine.device import resolve_device
    from engine.embed.quality import knn_accuracy

    start = time.perf_counter()
    X, shape = model_inputs(data)
    check_config(cfg, X.shape[1])
    device = resolve_device(cfg.device)
    rng = np.random.default_rng(cfg.seed)
    rows = (
        np.sort(rng.choice(len(X), RECORD_ROWS, replace=False)) if len(X) > RECORD_ROWS else np.arange(len(X))
    )
    labels = None if data.y is None else data.y[rows]
    spread = torch.from_numpy(np.sort(rng.permutation(len(rows))[:UNIFORMITY_ROWS]))  # uniformity's sample
    Xt = torch.from_numpy(np.ascontiguousarray(X, np.float32)).to(device)
    rec = Xt[torch.from_numpy(rows).to(device)]
    encoder = build(cfg, X.shape[1]).to(device)
    opt = torch.optim.Adam(encoder.parameters(), lr=cfg.lr, fused=device in ("cpu", "cuda"))
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    probe = torch.Generator(device=device).manual_seed(
        cfg.seed + 1
    )  # the recorded views: the same every snapshot
    kept = sorted({0, *range(cfg.snapshot_every, cfg.epochs, cfg.snapshot_every), cfg.epochs})
    loss = np.full(cfg.epochs + 1, np.nan)
    snaps: list[Snapshot] = []
    stopped = None
    embed = lambda x: F.normalize(encoder(x), dim=-1)  # noqa: E731
    threads = train_threads() if device == "cpu" else torch.get_num_threads()
    with torch_threads(threads):
        for epoch in range(cfg.epochs + 1):
            if epoch:
                value = _epoch(embed, encoder, opt, Xt, cfg, shape, gen)
                if not np.isfinite(value):
                    stopped = (f"The loss stopped being a finite number in epoch {epoch}: training ended at "
                               f"epoch {snaps[-1].epoch}. Lower the learning rate.")  # fmt: skip
                    break
                loss[epoch] = value
            if epoch in kept:
                encoder.eval()
                probe.manual_seed(cfg.seed + 1)
                with torch.inference_mode():
                    z = embed(rec)
                    z1, z2 = embed(augment(rec, cfg, shape, probe)), embed(augment(rec, cfg, shape, probe))
                coords = z.float().cpu().numpy()
                acc = None if labels is None else knn_accuracy(coords, labels)
                snap = Snapshot(
                    epoch, coords, rows, loss[epoch], alignment(z1, z2), uniformity(z[spread]), acc
                )
                snaps.append(snap)
                if on_snapshot is not None:
                    on_snapshot(snap)
    accs = [s.knn_accuracy for s in snaps]
    return ContrastiveResult(
        config=cfg, epochs=np.array([s.epoch for s in snaps]), embeddings=np.stack([s.embedding for s in snaps]),
        rows=rows, loss=loss[: snaps[-1].epoch + 1], alignment=np.array([s.alignment for s in snaps]),
        uniformity=np.array([s.uniformity for s in snaps]),
        knn_accuracy=None if labels is None else np.array(accs, dtype=float),
        raw_knn_accuracy=None if labels is None else knn_accuracy(X[rows], labels),
        image_shape=shape, stopped=stopped, seconds=time.perf_counter() - start,
    )  # fmt: skip


def _epoch(embed, encoder, opt, X, cfg: ContrastiveConfig, shape, gen) -> float:
    """One pass over the shuffled rows in batches of two views each; the mean NT-Xent."""
    import torch

    encoder.train()
    order = torch.randperm(len(X), generator=gen, device=X.device)
    shuffled = X[order]
    total = torch.zeros((), dtype=torch.float64, device=X.device)
    batches = 0
    for s in range(0, len(X), cfg.batch_size):
        xb = shuffled[s : s + cfg.batch_size]
        if len(xb) < 2:  # one row has no other to be told apart from
            continue
        loss = nt_xent(
            embed(augment(xb, cfg, shape, gen)), embed(augment(xb, cfg, shape, gen)), cfg.temperature
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.detach()
        batches += 1
    return float(total) / max(batches, 1)
