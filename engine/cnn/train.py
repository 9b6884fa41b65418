"""Training a `CNNConfig` network on labelled images, with every layer captured after every epoch.

`train(images, cfg, on_snapshot)` splits the images (seeded, stratified), trains with
`torch.optim` and autograd, and after epoch 0 (the untrained network) and each epoch records
every stage's output on up to CAPTURE_ROWS held-out digits, streaming each `Snapshot` to the
callback. A loss or a recorded layer that stops being finite ends training with a message (the
result keeps the epochs before it); an exception raised by the
callback (Streamlit stopping the page) ends it there. The result holds arrays only: the weights
come back as NumPy state dicts, and `engine.cnn.model.load_model` rebuilds the module from them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.cnn.model import CNNConfig, build_model, check_config, layer_names, stage_shapes
from engine.data.images import Images
from engine.data.split import stratified_split
from engine.device import resolve_device

CAPTURE_ROWS = 1_000  # most held-out digits whose every layer is recorded
CAPTURE_BYTES = 512 * 2**20  # most memory the recorded layers may take; fewer digits beyond
MIN_CAPTURE = 100
EVAL_BATCH = 1_000
ROBUST_STEPS = 10  # steps of the L-infinity attack behind the robust accuracy
LOAD_LOOKS = 5  # looks at the runnable-task count behind train_threads


def train_threads() -> int:
    """torch threads for one training on the CPU: the cores other running work leaves free, at least
    one. On a 2-core machine two threads train the default CNN 1.8 x faster when it is idle, and up
    to 6 x slower when two other processes keep it busy (benchmarks/cnn.py, cnn_train).

    Other work is the count of runnable tasks Linux reports right now (/proc/loadavg, this thread
    excluded; the median of a few looks), so this run's own past load never counts against it;
    elsewhere, the last minute's load average."""
    cores = os.cpu_count() or 1
    try:
        counts = []
        for _ in range(LOAD_LOOKS):
            with open("/proc/loadavg") as f:
                counts.append(int(f.read().split()[3].split("/")[0]) - 1)
            time.sleep(0.002)
        busy = float(np.median(counts))
    except (OSError, ValueError, IndexError):
        try:
            busy = os.getloadavg()[0]
        except OSError:  # not every system reports a load
            return 1
    return int(np.clip(round(cores - busy), 1, cores))


@dataclass(frozen=True)
class Snapshot:
    """One recorded epoch, streamed to the page while training runs."""

    epoch: int
    layers: tuple[np.ndarray, ...]  # per stage: (n_capture, width) float32, flattened
    capture_index: np.ndarray  # (n_capture,) the rows of the images recorded
    train_loss: float  # mean over the epoch's batches; NaN at epoch 0
    train_acc: float
    test_loss: float  # over every held-out digit
    test_acc: float


@dataclass(frozen=True)
class CNNResult:
    """Everything one training run recorded, as NumPy arrays."""

    config: CNNConfig
    image_shape: tuple[int, int]
    n_classes: int
    layer_names: tuple[str, ...]  # the stages recorded in `layers`
    stage_shapes: tuple[tuple[int, ...], ...]  # per stage: (channels, h, w) of a block, (units,) otherwise
    epochs: np.ndarray  # (n_snapshots,) 0 = untrained, then 1, 2, ...
    layers: tuple[np.ndarray, ...]  # per stage: (n_snapshots, n_capture, width) float32
    capture_index: np.ndarray  # (n_capture,) rows of the images recorded, sorted (all held out)
    train_index: np.ndarray  # (n_train,) sorted
    test_index: np.ndarray  # (n_test,) sorted
    history: dict[str, np.ndarray]  # train_loss, train_acc, test_loss, test_acc: (n_snapshots,)
    weights: dict[str, np.ndarray]  # state dict at epochs[-1]
    initial_weights: dict[str, np.ndarray]  # state dict at epoch 0
    threads: int  # torch threads it trained with on the CPU (train_threads)
    stopped: str | None  # why training ended early, if it did
    device: str
    seconds: float


@contextlib.contextmanager
def torch_threads(n: int):
    """torch's intra-op thread count set to `n` for the body (it is process-wide), then restored."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _state(model) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def _optimizer(model, cfg: CNNConfig):
    import torch

    if cfg.optimizer == "adam":
        fused = next(model.parameters()).device.type in ("cpu", "cuda")  # one kernel for all parameters
        return torch.optim.Adam(model.parameters(), lr=cfg.lr, fused=fused)
    return torch.optim.SGD(
        model.parameters(), lr=cfg.lr, momentum=0.9 if cfg.optimizer == "momentum" else 0.0
    )


def capture_rows(test_index: np.ndarray, widths: list[int], n_snapshots: int, seed: int) -> np.ndarray:
    """The held-out rows to record: up to CAPTURE_ROWS, fewer when their layers would pass CAPTURE_BYTES."""
    per_row = 4 * sum(widths) * n_snapshots
    n = min(CAPTURE_ROWS, test_index.size, CAPTURE_BYTES // per_row)
    if n < min(MIN_CAPTURE, test_index.size):
        raise ValueError(
            f"Recording every layer for {n_snapshots - 1} epochs would take {per_row * MIN_CAPTURE / 2**20:,.0f} MB "
            f"even for {MIN_CAPTURE} digits: use fewer epochs or fewer channels."
        )
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(test_index, n, replace=False)) if n < test_index.size else test_index


def train(images: Images, cfg: CNNConfig, on_snapshot: Callable[[Snapshot], None] | None = None) -> CNNResult:
    """Train the network `cfg` describes on `images`, recording every stage after every epoch."""
    import torch

    from engine.cnn.attack import fgsm

    start = time.perf_counter()
    check_config(cfg)
    device = resolve_device(cfg.device)
    k = len(images.class_names)
    shapes = stage_shapes(cfg, images.shape, k)
    widths = [int(np.prod(s)) for s in shapes]
    rng = np.random.default_rng(cfg.seed)
    tr, te = stratified_split(images.y, cfg.test_fraction, rng, images.class_names)
    cap = capture_rows(te, widths, cfg.epochs + 1, cfg.seed)
    rest = np.setdiff1d(te, cap)  # held-out rows scored but not recorded
    X = torch.from_numpy(np.ascontiguousarray(images.pixels[:, None])).to(device)  # (n, 1, h, w)
    Y = torch.from_numpy(images.y).to(device)
    model = build_model(cfg, images.shape, k).to(
        device, memory_format=torch.channels_last
    )  # 1.5 x faster here
    opt = _optimizer(model, cfg)
    gen = torch.Generator().manual_seed(cfg.seed)
    layers = [np.empty((cfg.epochs + 1, cap.size, w), np.float32) for w in widths]
    hist = {
        key: np.full(cfg.epochs + 1, np.nan) for key in ("train_loss", "train_acc", "test_loss", "test_acc")
    }
    initial, weights, stopped, done = _state(model), None, None, 0
    tr_t, cap_t, rest_t = (torch.from_numpy(a).to(device) for a in (tr, cap, rest))
    threads = train_threads() if device == "cpu" else torch.get_num_threads()
    with torch_threads(threads):
        for epoch in range(cfg.epochs + 1):
            loss, acc = _epoch(model, opt, X, Y, tr_t, cfg, gen, fgsm) if epoch else (np.nan, np.nan)
            outs, test_loss, test_acc = _record(model, X, Y, cap_t, rest_t)
            finite = np.isfinite(test_loss) and all(np.isfinite(o).all() for o in outs)
            if not finite or (epoch and not np.isfinite(loss)):  # the epoch's last steps may break it too
                stopped = (f"The loss stopped being a finite number in epoch {epoch}: training ended at "
                           f"epoch {epoch - 1}. Lower the learning rate.")  # fmt: skip
                if not epoch:
                    raise ValueError(
                        "The untrained network's outputs are not finite numbers: check the pixel values."
                    )
                break
            hist["train_loss"][epoch], hist["train_acc"][epoch] = loss, acc
            for a, out in zip(layers, outs, strict=True):
                a[epoch] = out
            hist["test_loss"][epoch], hist["test_acc"][epoch] = test_loss, test_acc
            weights, done = _state(model), epoch
            if on_snapshot is not None:
                on_snapshot(Snapshot(epoch, tuple(a[epoch] for a in layers), cap, hist["train_loss"][epoch],
                                     hist["train_acc"][epoch], test_loss, test_acc))  # fmt: skip
    n = done + 1
    return CNNResult(
        config=cfg, image_shape=images.shape, n_classes=k, layer_names=tuple(layer_names(cfg)),
        stage_shapes=tuple(shapes), epochs=np.arange(n), layers=tuple(a[:n] for a in layers),
        capture_index=cap, train_index=tr, test_index=te, history={key: v[:n] for key, v in hist.items()},
        weights=weights, initial_weights=initial, threads=threads, stopped=stopped, device=device,
        seconds=time.perf_counter() - start,
    )  # fmt: skip


def _epoch(model, opt, X, Y, rows, cfg: CNNConfig, gen, fgsm) -> tuple[float, float]:
    """One pass over the training rows in seeded random batches: (mean loss, accuracy) on what it saw."""
    import torch
    import torch.nn.functional as F

    model.train()
    order = rows[torch.randperm(rows.numel(), generator=gen).to(rows.device)]
    total = correct = 0.0
    for start in range(0, order.numel(), cfg.batch_size):
        idx = order[start : start + cfg.batch_size]
        xb, yb = X[idx], Y[idx]
        if cfg.adversarial and cfg.eps > 0:  # half of each batch replaced by its FGSM example
            half = xb.shape[0] // 2
            xb = torch.cat([xb[:half], fgsm(model, xb[half:], yb[half:], cfg.eps)])
            model.train()
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * idx.numel()
        correct += float((logits.detach().argmax(1) == yb).sum())
    return total / order.numel(), correct / order.numel()


def _record(model, X, Y, cap, rest) -> tuple[list[np.ndarray], float, float]:
    """Every stage's output on the captured rows (flattened), and loss and accuracy on all held-out rows."""
    import torch
    import torch.nn.functional as F

    model.eval()
    with torch.inference_mode():
        outs = [[] for _ in model.stages]
        loss = correct = 0.0
        for start in range(0, cap.numel(), EVAL_BATCH):
            idx = cap[start : start + EVAL_BATCH]
            stages = model.forward_stages(X[idx])
            for acc, out in zip(outs, stages, strict=True):
                acc.append(out.flatten(1).float().cpu().numpy())
            loss += float(F.cross_entropy(stages[-1], Y[idx], reduction="sum"))
            correct += float((stages[-1].argmax(1) == Y[idx]).sum())
        for start in range(0, rest.numel(), EVAL_BATCH):
            idx = rest[start : start + EVAL_BATCH]
            logits = model(X[idx])
            loss += float(F.cross_entropy(logits, Y[idx], reduction="sum"))
            correct += float((logits.argmax(1) == Y[idx]).sum())
    n = cap.numel() + rest.numel()
    return [np.concatenate(o) for o in outs], loss / n, correct / n


def robust_accuracy_of(result: CNNResult, images: Images) -> float:
    """Accuracy on the run's recorded held-out digits under a ROBUST_STEPS-step L-infinity attack of
    budget `config.eps` (clean accuracy when eps is 0)."""
    import torch

    from engine.cnn.attack import robust_accuracy
    from engine.cnn.model import load_model

    model = load_model(result.config, result.image_shape, result.n_classes, result.weights)
    rows = result.capture_index
    X = torch.from_numpy(np.ascontiguousarray(images.pixels[rows, None]))
    with torch_threads(train_threads()):
        return robust_accuracy(model, X, torch.from_numpy(images.y[rows]), result.config.eps, ROBUST_STEPS)
