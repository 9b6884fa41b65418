"""Autoencoders with a 2- or 3-unit bottleneck, trained live with the latent recorded every few epochs.

`train_autoencoder(data, AEConfig(...))` fits an MLP encoder and decoder (PyTorch modules,
autograd, `torch.optim`) to reconstruct the data: images as their pixels in [0, 1]
(`engine.data.images.as_images`), any other table standardised. A linear autoencoder (no
activations) spans the same subspace as PCA at its optimum; `pca_comparison` measures that with
principal angles. Training conventions are the CNN's (`engine.cnn.train`): seeded, arrays out,
threads chosen by `train_threads`, a non-finite loss ends training keeping what came before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.data.datasets import Dataset

ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "elu", "gelu", "sigmoid")
LIMITS = {
    "latent": (2, 3),
    "layers": (0, 3),  # hidden layers on each side of the bottleneck
    "width": (4, 256),
    "epochs": (1, 500),
    "snapshot_every": (1, 100),
    "batch_size": (8, 2048),
    "lr": (0.0001, 0.1),
    "noise": (0.0, 1.0),  # the denoising autoencoder's input noise, in the input's units
}
RECORD_ROWS = 2_000  # most rows whose latent is recorded at every snapshot (a seeded sample beyond)


@dataclass(frozen=True)
class AEConfig:
    """The autoencoder and its training. Frozen: a cache key and URL state at once."""

    latent: int = 2
    hidden: tuple[int, ...] = (64,)  # encoder widths; the decoder mirrors them
    activation: str = "tanh"
    linear: bool = False  # no activations anywhere: the PCA-equivalent autoencoder
    noise: float = 0.0  # > 0: a denoising autoencoder (Gaussian noise of this std on the input)
    lr: float = 0.003  # Adam
    epochs: int = 100
    snapshot_every: int = 5
    batch_size: int = 128
    seed: int = 0
    device: str = "auto"


def check_config(cfg: AEConfig, n_features: int) -> None:
    """Raise ValueError naming the first setting out of range and what it may be."""
    lo, hi = LIMITS["latent"]
    if cfg.latent not in range(lo, hi + 1):
        raise ValueError(f"The bottleneck has {lo} or {hi} units; got {cfg.latent}.")
    if cfg.latent >= n_features:
        raise ValueError(
            f"A bottleneck of {cfg.latent} units is not narrower than the data's {n_features} features: "
            "there is nothing to compress. Choose data with more features or a smaller bottleneck."
        )
    check_shared(cfg, LIMITS, {"epochs": "Epochs", "snapshot_every": "Snapshot every", "batch_size": "The batch size",
                               "lr": "The learning rate", "noise": "The input noise"}, " on each side")  # fmt: skip


def check_shared(
    cfg, limits: dict, labels: dict[str, str], where: str = "", limit_of: dict[str, str] | None = None
) -> None:
    """What every model of this package checks alike: its hidden widths (limits["layers"] and
    limits["width"]), its activation, and each field in `labels` inside its limits (limits[field], or
    limits[limit_of[field]]). Raises ValueError naming the first setting out of range."""
    (llo, lhi), (wlo, whi) = limits["layers"], limits["width"]
    if not llo <= len(cfg.hidden) <= lhi or not all(wlo <= w <= whi for w in cfg.hidden):
        count = f"up to {lhi}" if llo == 0 else f"{llo} to {lhi}"
        raise ValueError(f"Use {count} hidden layers of {wlo} to {whi} units{where}; got {cfg.hidden}.")
    if cfg.activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {cfg.activation!r}: choose one of {', '.join(ACTIVATIONS)}.")
    for name, label in labels.items():
        value, (lo, hi) = getattr(cfg, name), limits[(limit_of or {}).get(name, name)]
        if not lo <= value <= hi:
            raise ValueError(f"{label} must be between {lo:g} and {hi:g}; got {value!r}.")


@dataclass(frozen=True)
class Snapshot:
    epoch: int
    latent: np.ndarray  # (n_recorded, latent)
    rows: np.ndarray  # (n_recorded,) the dataset rows recorded
    loss: float  # mean squared reconstruction error per feature, over the epoch's batches (NaN at 0)


@dataclass(frozen=True)
class AEResult:
    config: AEConfig
    epochs: np.ndarray  # (n_snapshots,)
    latents: np.ndarray  # (n_snapshots, n_recorded, latent) float32
    rows: np.ndarray  # (n_recorded,) the dataset rows recorded, sorted
    error: np.ndarray  # (n_snapshots,) mean squared reconstruction error per feature, on the recorded rows
    history: np.ndarray  # (epochs + 1,) training loss per epoch (NaN at 0)
    inputs: np.ndarray  # (n_recorded, d) what the network saw for the recorded rows (pixels or standardised)
    reconstructions: np.ndarray  # (n_recorded, d) the last snapshot's reconstructions of them
    decoder_span: (
        np.ndarray | None
    )  # linear autoencoders: (d, latent) the plane the decoder maps onto; else None
    image_shape: tuple[int, int] | None
    stopped: str | None
    seconds: float


def model_inputs(data: Dataset) -> tuple[np.ndarray, tuple[int, int] | None]:
    """What the autoencoder reconstructs: image pixels in [0, 1], else the standardised features."""
    if data.image_shape is not None:
        from engine.data.images import as_images

        images = as_images(data) if data.y is not None else None
        if images is not None:
            return images.pixels.reshape(len(images.pixels), -1), data.image_shape
    X = np.asarray(data.X, np.float64)
    scale = X.std(axis=0)
    return ((X - X.mean(axis=0)) / np.where(scale > 0, scale, 1.0)).astype(np.float32), None


def mlp(sizes: list[int], activation: str, linear: bool = False):
    """Linear layers of these sizes with `activation` between them (none when `linear`): the encoders
    and decoders of this package."""
    from torch import nn

    act = {"tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU, "gelu": nn.GELU, "sigmoid": nn.Sigmoid}[
        activation
    ]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 and not linear:
            layers.append(act())
    return nn.Sequential(*layers)


def build(cfg: AEConfig, d: int):
    """(encoder, decoder) seeded by cfg.seed, without touching torch's global generator."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        encoder = mlp([d, *cfg.hidden, cfg.latent], cfg.activation, cfg.linear)
        decoder = mlp([cfg.latent, *reversed(cfg.hidden), d], cfg.activation, cfg.linear)
    return encoder, decoder


def train_autoencoder(
    data: Dataset, cfg: AEConfig, on_snapshot: Callable[[Snapshot], None] | None = None
) -> AEResult:
    """Train the autoencoder on every row of `data`, recording the latent of up to RECORD_ROWS rows
    at epoch 0, every `snapshot_every` epochs and the last."""
    import torch

    from engine.cnn.train import torch_threads, train_threads
    from engine.device import resolve_device

    start = time.perf_counter()
    X, shape = model_inputs(data)
    check_config(cfg, X.shape[1])
    device = resolve_device(cfg.device)
    rng = np.random.default_rng(cfg.seed)
    rows = (
        np.sort(rng.choice(len(X), RECORD_ROWS, replace=False)) if len(X) > RECORD_ROWS else np.arange(len(X))
    )
    Xt = torch.from_numpy(np.ascontiguousarray(X, np.float32)).to(device)
    encoder, decoder = build(cfg, X.shape[1])
    encoder, decoder = encoder.to(device), decoder.to(device)
    opt = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed)
    kept = sorted({0, *range(cfg.snapshot_every, cfg.epochs, cfg.snapshot_every), cfg.epochs})
    latents, errors, epochs = [], [], []
    history = np.full(cfg.epochs + 1, np.nan)
    stopped, recon = None, None
    rec = torch.from_numpy(rows).to(device)
    threads = train_threads() if device == "cpu" else torch.get_num_threads()
    with torch_threads(threads):
        for epoch in range(cfg.epochs + 1):
            if epoch:
                loss = _epoch(encoder, decoder, opt, Xt, cfg, gen)
                if not np.isfinite(loss):
                    stopped = (f"The loss stopped being a finite number in epoch {epoch}: training ended at "
                               f"epoch {epochs[-1]}. Lower the learning rate.")  # fmt: skip
                    break
                history[epoch] = loss
            if epoch in kept:
                with torch.inference_mode():
                    z = encoder(Xt[rec])
                    out = decoder(z)
                    err = float(((out - Xt[rec]) ** 2).mean())
                latents.append(z.float().cpu().numpy())
                errors.append(err)
                epochs.append(epoch)
                recon = out.float().cpu().numpy()
                if on_snapshot is not None:
                    on_snapshot(Snapshot(epoch, latents[-1], rows, history[epoch]))
    last = [m for m in decoder if isinstance(m, torch.nn.Linear)][-1]
    return AEResult(
        config=cfg, epochs=np.array(epochs), latents=np.stack(latents), rows=rows, error=np.array(errors),
        history=history[: epochs[-1] + 1], inputs=X[rows], reconstructions=recon,
        decoder_span=_span(encoder, decoder, last, cfg), image_shape=shape, stopped=stopped,
        seconds=time.perf_counter() - start,
    )  # fmt: skip


def _span(encoder, decoder, last, cfg: AEConfig) -> np.ndarray | None:
    """(d, latent): a linear autoencoder's decoder as one map from the latent (the product of its
    weights), whose columns span the plane it reconstructs on; None for a non-linear one."""
    import torch

    if not cfg.linear:
        return None
    with torch.no_grad():
        eye = torch.eye(cfg.latent, device=last.weight.device)
        zero = decoder(torch.zeros_like(eye[:1]))
        return (decoder(eye) - zero).T.cpu().numpy().astype(np.float64)  # (d, latent)


def _epoch(encoder, decoder, opt, X, cfg: AEConfig, gen) -> float:
    import torch

    encoder.train()
    decoder.train()
    order = torch.randperm(len(X), generator=gen).to(X.device)
    total = 0.0
    for s in range(0, len(order), cfg.batch_size):
        xb = X[order[s : s + cfg.batch_size]]
        seen = xb + cfg.noise * torch.randn(xb.shape, generator=gen).to(X.device) if cfg.noise > 0 else xb
        loss = ((decoder(encoder(seen)) - xb) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * len(xb)
    return total / len(order)


@dataclass(frozen=True)
class PcaComparison:
    angles_deg: (
        np.ndarray | None
    )  # (latent,) linear autoencoders: angles between the decoder's span and PCA's axes
    pca_coords: np.ndarray  # (n_recorded, latent) the recorded rows on PCA's top axes
    pca_error: float  # PCA's mean squared reconstruction error per feature with `latent` axes
    explained: float  # share of the variance those axes keep


def pca_comparison(result: AEResult) -> PcaComparison:
    """PCA's top `latent` axes of the autoencoder's inputs, and for a linear autoencoder the principal
    angles between its decoder's span and them (None for a non-linear one, which spans no plane)."""
    from scipy.linalg import subspace_angles

    from engine.pca import principal_axes

    X = result.inputs.astype(np.float64)
    k = result.config.latent
    pca = principal_axes(X, k)
    coords = (X - pca.mean) @ pca.axes
    rebuilt = coords @ pca.axes.T + pca.mean
    span = result.decoder_span
    angles = None if span is None else np.degrees(subspace_angles(span, pca.axes))
    return PcaComparison(angles, coords.astype(np.float32), float(((rebuilt - X) ** 2).mean()),
                         float(pca.shares.sum()))  # fmt: skip
