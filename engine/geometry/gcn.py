"""A two-layer graph convolutional network (Kipf & Welling) trained live on a graph with few labels,
and label spreading on the same graph to compare it with.

`normalized_adjacency(A)` is the propagation matrix D^-½ (A + I) D^-½ (D the degrees of A + I);
`torch_adjacency` puts it on the device as sparse CSR, whose product takes Â G as its gradient (Â
is symmetric) instead of torch's transposing backward.
`build_gcn` makes the `torch.nn.Module`: two graph convolutions H' = Â H W + b, the activation and
dropout between them, `forward` returning both layers' outputs (the second is the class logits).
`train_gcn` fits it full-batch with Adam on the labelled nodes' cross-entropy, recording both
layers of every node at epoch 0, every `snapshot_every` epochs and the last, streaming each
`Snapshot` to a callback. Features are standardised per column; None means one-hot node features
(the first layer's weight is then one learned row per node, and no n x n identity is built).
Conventions are the other trainers' (`engine.cnn.train`): seeded weights and dropout from local
generators, arrays out, threads from `train_threads`; a loss that stops being finite ends training
with `stopped` saying why; an exception raised by the callback (Streamlit stopping the page) ends it
there and reaches the caller, which keeps the snapshots it was given.

Labels are ints in [0, n_classes), -1 where a node's class is unknown; `labelled` marks the nodes
trained on. Accuracy is measured on the nodes not trained on whose class is known (NaN if none).
Every node labelled is refused: there would be nothing left to predict.
`spread_on_graph` is scikit-learn's `LabelSpreading` on the same adjacency.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from engine.geometry.gcn_inputs import check_graph, check_labels, check_memory, standardised

ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "elu", "gelu")
LIMITS = {  # (lowest, highest) of each setting; the page's widgets read these
    "hidden": (2, 256),  # units of the hidden graph convolution
    "lr": (0.0001, 1.0),  # Adam
    "weight_decay": (0.0, 0.1),
    "dropout": (0.0, 0.9),  # on the hidden layer, while training
    "epochs": (1, 2000),
    "snapshot_every": (1, 500),
}


@dataclass(frozen=True)
class GCNConfig:
    """The network and its training (Kipf & Welling's defaults). Frozen: a cache key and URL state."""

    hidden: int = 16  # width of the hidden graph convolution
    activation: str = "relu"  # one of ACTIVATIONS
    lr: float = 0.01
    weight_decay: float = 5e-4  # Adam's L2 penalty on every weight
    dropout: float = 0.5  # share of hidden units zeroed in each training epoch
    epochs: int = 200
    snapshot_every: int = 10  # epochs between recorded snapshots
    seed: int = 0  # initial weights and dropout masks
    device: str = "auto"  # engine.device.resolve_device


@dataclass(frozen=True)
class Snapshot:
    """One recorded epoch, streamed to the page while training runs."""

    epoch: int
    layers: tuple[np.ndarray, ...]  # per layer: (n_nodes, width) float32; the last is the logits
    loss: float  # the labelled nodes' cross-entropy in this epoch's training step (NaN at 0)
    accuracy: float  # on the nodes not trained on whose class is known (NaN if none)


@dataclass(frozen=True)
class GCNResult:
    """Everything one training run recorded, as NumPy arrays."""

    config: GCNConfig
    epochs: np.ndarray  # (n_snapshots,) 0 = untrained
    layers: tuple[np.ndarray, ...]  # per layer: (n_snapshots, n_nodes, width) float32; last = logits
    layer_names: tuple[str, ...]  # ("hidden", "output")
    loss: np.ndarray  # (epochs_run + 1,) training loss per epoch, NaN at 0
    accuracy: np.ndarray  # (n_snapshots,) on the unlabelled nodes of known class; NaN if none
    predictions: np.ndarray  # (n_nodes,) int64 class of each node at the last snapshot
    probabilities: np.ndarray  # (n_nodes, n_classes) float32 softmax at the last snapshot
    labels: np.ndarray  # (n_nodes,) int64 as given: the class of each node, -1 if unknown
    labelled: np.ndarray  # (n_nodes,) bool: the nodes trained on
    n_classes: int
    one_hot: bool  # True when the nodes had no features (identity features)
    threads: int  # torch threads it trained with
    device: str
    stopped: str | None  # why training ended early, if it did
    seconds: float


def check_config(cfg: GCNConfig) -> None:
    """Raise ValueError naming the first setting out of range and what it may be."""
    for name in ("hidden", "epochs", "snapshot_every"):
        value = getattr(cfg, name)
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            raise ValueError(f"{name} must be a whole number; got {value!r}.")
    if cfg.activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {cfg.activation!r}: choose one of {', '.join(ACTIVATIONS)}.")
    labels = {"hidden": "The hidden width", "lr": "The learning rate", "weight_decay": "The weight decay",
              "dropout": "The dropout", "epochs": "Epochs", "snapshot_every": "Snapshot every"}  # fmt: skip
    for name, label in labels.items():
        value, (lo, hi) = getattr(cfg, name), LIMITS[name]
        if not lo <= value <= hi:
            raise ValueError(f"{label} must be between {lo:g} and {hi:g}; got {value!r}.")


def normalized_adjacency(adjacency) -> sparse.csr_matrix:
    """D^-½ (A + I) D^-½ as float64 CSR, D the diagonal of the row sums of A + I (weighted degrees + 1)."""
    A = sparse.csr_matrix(adjacency, dtype=np.float64)
    A_loop = A + sparse.identity(A.shape[0], dtype=np.float64, format="csr")
    d = np.asarray(A_loop.sum(axis=1)).ravel()  # >= 1 for non-negative weights
    scale = sparse.diags(1.0 / np.sqrt(d))
    return (scale @ A_loop @ scale).tocsr()


def torch_adjacency(a_hat: sparse.spmatrix, device: str = "cpu"):
    """A symmetric normalised adjacency as a float32 torch sparse CSR tensor on `device` (dense on
    Apple MPS, which has no sparse kernels)."""
    import torch

    csr = sparse.csr_matrix(a_hat, dtype=np.float32)
    csr.sort_indices()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sparse CSR tensor support is in beta")
        t = torch.sparse_csr_tensor(torch.from_numpy(csr.indptr.astype(np.int64)),
                                    torch.from_numpy(csr.indices.astype(np.int64)), torch.from_numpy(csr.data),
                                    csr.shape, check_invariants=True)  # fmt: skip
    return t.to_dense().to(device) if device == "mps" else t.to(device)


@functools.cache
def gcn_class() -> type:
    """The module class (made on first use, so importing this file does not import torch)."""
    import torch
    from torch import nn

    class SymmetricProduct(torch.autograd.Function):
        """Â H for a symmetric sparse CSR Â, whose gradient with respect to H is Â G; torch's own
        backward transposes Â at every step, which made training 4 x slower (benchmarks/geometry.py)."""

        @staticmethod
        def forward(ctx, a_hat, h):
            ctx.a_hat = a_hat
            return a_hat @ h

        @staticmethod
        def backward(ctx, grad):
            return None, ctx.a_hat @ grad

    class GraphConv(nn.Module):
        """H' = Â H W + b; H None stands for the identity (one-hot nodes): H' = Â W + b."""

        def __init__(self, n_in: int, n_out: int) -> None:
            super().__init__()
            self.weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(n_in, n_out)))
            self.bias = nn.Parameter(torch.zeros(n_out))

        def forward(self, a_hat, h):  # (n, n) symmetric, (n, n_in) or None -> (n, n_out)
            hw = self.weight if h is None else h @ self.weight
            sparse_csr = a_hat.layout == torch.sparse_csr
            return (SymmetricProduct.apply(a_hat, hw) if sparse_csr else a_hat @ hw) + self.bias

    class GCN(nn.Module):
        """conv -> activation -> dropout -> conv; `forward` returns (hidden, logits)."""

        def __init__(self, n_in: int, hidden: int, n_classes: int, activation: str, dropout: float) -> None:
            super().__init__()
            self.conv1 = GraphConv(n_in, hidden)
            self.conv2 = GraphConv(hidden, n_classes)
            self.act = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "gelu": nn.GELU}[activation]()
            self.dropout = dropout

        def forward(self, a_hat, x, gen=None) -> tuple:
            """x: (n, d) features or None (one-hot); gen: the generator of the dropout masks."""
            h = self.act(self.conv1(a_hat, x))  # (n, hidden)
            kept = h
            if self.training and self.dropout > 0:
                keep = torch.rand(h.shape, generator=gen, device=h.device) >= self.dropout
                kept = h * keep / (1.0 - self.dropout)
            return h, self.conv2(a_hat, kept)  # (n, hidden), (n, n_classes)

    return GCN


def build_gcn(cfg: GCNConfig, n_in: int, n_classes: int):
    """The network for `n_in` features per node (the node count for one-hot), seeded by cfg.seed
    without touching torch's global generator."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        return gcn_class()(n_in, cfg.hidden, n_classes, cfg.activation, cfg.dropout)


def train_gcn(
    adjacency,
    features: np.ndarray | None,
    labels: np.ndarray,
    labelled_mask: np.ndarray,
    cfg: GCNConfig,
    on_snapshot: Callable[[Snapshot], None] | None = None,
    class_names: Sequence[str] | None = None,
) -> GCNResult:
    """Train the GCN on the graph `adjacency` ((n, n) symmetric, non-negative; scipy sparse or
    dense) with node `features` ((n, d), or None for one-hot) on the nodes of `labelled_mask`."""
    import torch
    import torch.nn.functional as F

    from engine.cnn.train import torch_threads, train_threads
    from engine.device import resolve_device

    start = time.perf_counter()
    check_config(cfg)
    A = check_graph(adjacency, features)
    y, mask, k = check_labels(labels, labelled_mask, A.shape[0], class_names)
    n = A.shape[0]
    kept = sorted({0, *range(cfg.snapshot_every, cfg.epochs, cfg.snapshot_every), cfg.epochs})
    check_memory(len(kept), n, cfg.hidden + k)
    device = resolve_device(cfg.device)
    a_hat = torch_adjacency(normalized_adjacency(A), device)
    X = None if features is None else torch.from_numpy(standardised(features)).to(device)
    model = build_gcn(cfg, n if X is None else X.shape[1], k).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    train_rows = torch.from_numpy(np.flatnonzero(mask)).to(device)
    y_train = torch.from_numpy(y[mask]).to(device)
    scored = ~mask & (y >= 0)  # nodes whose prediction can be checked
    layers, epochs, accuracy = ([], []), [], []
    loss_hist = np.full(cfg.epochs + 1, np.nan)
    stopped = None
    threads = train_threads() if device == "cpu" else torch.get_num_threads()
    with torch_threads(threads):
        for epoch in range(cfg.epochs + 1):
            if epoch:
                model.train()
                _, logits = model(a_hat, X, gen)
                loss = F.cross_entropy(logits[train_rows], y_train)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                loss_hist[epoch] = float(loss.detach())
            outs = None
            if epoch in kept:
                model.eval()
                with torch.inference_mode():
                    outs = [o.float().cpu().numpy() for o in model(a_hat, X)]
            if not _finite(loss_hist[epoch] if epoch else 0.0, outs):
                if not epochs:
                    raise ValueError(
                        "The untrained network's outputs are not finite: check the node features."
                    )
                stopped = (f"The loss stopped being a finite number in epoch {epoch}: training ended at "
                           f"epoch {epochs[-1]}. Lower the learning rate.")  # fmt: skip
                break
            if outs is not None:
                for store, out in zip(layers, outs, strict=True):
                    store.append(out)
                acc = float((outs[1][scored].argmax(1) == y[scored]).mean()) if scored.any() else np.nan
                epochs.append(epoch)
                accuracy.append(acc)
                if on_snapshot is not None:
                    on_snapshot(Snapshot(epoch, tuple(outs), loss_hist[epoch], acc))
    logits = torch.from_numpy(layers[1][-1])
    return GCNResult(
        config=cfg, epochs=np.array(epochs), layers=tuple(np.stack(s) for s in layers),
        layer_names=("hidden", "output"), loss=loss_hist[: epochs[-1] + 1], accuracy=np.array(accuracy),
        predictions=logits.argmax(1).numpy().astype(np.int64), probabilities=F.softmax(logits, 1).numpy(),
        labels=y, labelled=mask, n_classes=k, one_hot=X is None, threads=threads, device=device,
        stopped=stopped, seconds=time.perf_counter() - start,
    )  # fmt: skip


def _finite(loss: float, outs: list[np.ndarray] | None) -> bool:
    return bool(np.isfinite(loss)) and (outs is None or all(np.isfinite(o).all() for o in outs))


def spread_on_graph(
    adjacency,
    labels: np.ndarray,
    labelled_mask: np.ndarray,
    alpha: float = 0.2,
    class_names: Sequence[str] | None = None,
) -> tuple[np.ndarray, float]:
    """scikit-learn's LabelSpreading with this graph as its affinity (it normalises D^-½ A D^-½
    itself, self-loops dropped): (n,) int64 predicted classes, -1 where no label reaches a node (a
    component without labelled nodes), and their accuracy on the unlabelled nodes of known class,
    unreached ones counted wrong (NaN if none). `alpha` in (0, 1) is the share of a node's label taken
    from its neighbours at each step.

    It runs `engine.geometry.few_labels.spread_labels`, whose stopping rule is far stricter than
    sklearn's default (a summed change under 1e-3), which ends while nodes more than a few hops from
    every label still hold no label at all: on a 2,000-node 10-NN graph of moons at alpha 0.2 it
    stopped after 4 steps with 1,659 nodes unreached, each given class 0 by its argmax."""
    from engine.geometry.few_labels import spread_labels

    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (both excluded); got {alpha!r}.")
    A = sparse.coo_matrix(check_graph(adjacency, None))
    y, mask, _ = check_labels(labels, labelled_mask, A.shape[0], class_names)
    X = np.arange(A.shape[0], dtype=np.float64)[:, None]  # the kernel ignores the rows: it is the graph
    _, predictions = spread_labels(lambda _a, _b: A, X, np.where(mask, y, -1), "spreading", alpha)
    scored = ~mask & (y >= 0)
    accuracy = float((predictions[scored] == y[scored]).mean()) if scored.any() else float("nan")
    return predictions, accuracy
