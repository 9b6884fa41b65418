"""train_capture and default_run: MLP training with layer snapshots, against scikit-learn's MLPClassifier
and a plain PyTorch loop."""

from __future__ import annotations

import warnings
from dataclasses import replace

from benchmarks import benchmark, median_time


def _sklearn_fit(data, epochs: int) -> None:
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier((16, 16), activation="tanh", solver="adam", batch_size=len(data.X), max_iter=epochs,
                          tol=0, n_iter_no_change=10**9, random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(data.X, data.y)


def _torch_fit(data, epochs: int, every: int) -> None:
    """The PyTorch peer: the same net as an nn.Sequential, torch.optim.Adam on the full batch, each
    tanh layer's and the logits' output captured by forward hooks at epoch 0, every `every` epochs and
    the last, copied into preallocated float32 NumPy arrays (as ours keeps its snapshots). A snapshot
    at epoch k is the training forward pass on the weights after k epochs; the last takes one more."""
    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(0)
    X = torch.as_tensor(data.X, dtype=torch.float32)
    y = torch.as_tensor(data.y, dtype=torch.long)
    classes = int(y.max()) + 1
    net = nn.Sequential(
        nn.Linear(X.shape[1], 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, classes)
    )
    taps = [net[1], net[3], net[4]]  # the two tanh layers and the logits, as ours records them
    epochs_kept = [*range(0, epochs, every), epochs]
    layers = [np.empty((len(epochs_kept), len(X), w), np.float32) for w in (16, 16, classes)]
    slot = [-1]  # the snapshot the next forward pass fills; -1: none

    def hook(i: int):
        def keep(module, inputs, output) -> None:
            if slot[0] >= 0:
                layers[i][slot[0]] = output.detach().numpy()

        return keep

    handles = [m.register_forward_hook(hook(i)) for i, m in enumerate(taps)]
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        slot[0] = epoch // every if epoch % every == 0 else -1
        opt.zero_grad()
        loss_fn(net(X), y).backward()
        opt.step()
    slot[0] = len(epochs_kept) - 1
    with torch.no_grad():
        net(X)
    for h in handles:
        h.remove()


def _torch_best(data, epochs: int, every: int, repeat: int) -> tuple[float, int]:
    """(median seconds, threads) of the PyTorch peer at its faster thread count: 1 or the default."""
    import torch

    default = torch.get_num_threads()
    best = None
    try:
        for threads in dict.fromkeys((1, default)):
            torch.set_num_threads(threads)
            _torch_fit(data, 20, every)  # first-call effects at this thread count
            seconds = median_time(lambda: _torch_fit(data, epochs, every), repeat)
            if best is None or seconds < best[0]:
                best = (seconds, threads)
    finally:
        torch.set_num_threads(default)
    return best


@benchmark(
    "train_capture",
    "2-16-16-2 tanh MLP, 1,000 moons, 1,000 full-batch Adam epochs, every hidden layer snapshotted every "
    "10 epochs: <= 0.5 x scikit-learn's MLPClassifier (no snapshots) and <= 0.25 x a PyTorch loop "
    "(nn.Sequential, torch.optim.Adam, forward hooks copying the same snapshots to NumPy, at its faster "
    "of 1 thread and the default)",
)
def train_capture(repeat: int) -> dict:
    from engine.data.datasets import DatasetConfig, make_dataset
    from engine.nets.mlp import TrainConfig, train

    data = make_dataset(DatasetConfig("moons", n_samples=1000, noise=0.1))
    cfg = TrainConfig(hidden=(16, 16), activation="tanh", optimizer="adam", lr=0.001, epochs=1000,
                      snapshot_every=10, grid_size=0, test_fraction=0.0, device="cpu")  # fmt: skip
    train(data, cfg)  # first-call imports are not the workload
    peer = median_time(lambda: _sklearn_fit(data, 1000), repeat)
    ours = median_time(lambda: train(data, cfg), repeat)
    torch_s, torch_threads = _torch_best(data, 1000, 10, repeat)
    grid = median_time(lambda: train(data, replace(cfg, grid_size=41)), repeat)
    return {"ours_s": ours, "peer_s": peer, "meets": ours <= 0.5 * peer and ours <= 0.25 * torch_s,
            "torch_s": torch_s, "torch_threads": torch_threads, "torch_ratio": ours / torch_s,
            "with_41x41_grid_s": grid, "with_grid_ratio": grid / peer}  # fmt: skip


@benchmark(
    "default_run",
    "the Layer manifolds default (moons, 2 x 8 tanh, 300 epochs, snapshots every 5 with the 41 x 41 grid) on CPU, "
    "with every snapshot's live figure built as the page builds it and serialised as Streamlit does: <= 1.0 s "
    "(the finished run's animated figure is reported beside it)",
)
def default_run(repeat: int) -> dict:
    import plotly.io as pio

    from engine.data.datasets import DatasetConfig, make_dataset
    from engine.nets.mlp import TrainConfig, train
    from explorer.layers import figures as nf
    from explorer.layers.panels import panels_at

    data = make_dataset(DatasetConfig())
    cfg = TrainConfig(device="cpu")
    train(data, replace(cfg, epochs=5))  # first-call imports are not the workload

    def live(s, drawn: list) -> None:  # the page draws at most four a second; here every snapshot is drawn
        panels = panels_at(data, s)
        if not drawn:
            drawn.append(nf.LiveLayers(data, panels, s.epoch))
        fig = drawn[0].figure(panels, s.epoch)
        pio.to_json(fig.to_dict(), validate=False)  # what st.plotly_chart does with a figure

    def run() -> int:
        drawn = []
        return len(train(data, cfg, on_snapshot=lambda s: live(s, drawn)).epochs)

    def animated() -> None:
        shots = []
        result = train(data, cfg, on_snapshot=shots.append)
        nf.layer_figure(data, panels_at(data, *shots), result.epochs).to_json()

    seconds = median_time(run, repeat)
    return {"ours_s": seconds, "peer_s": None, "meets": seconds <= 1.0, "frames": run(),
            "with_animated_figure_s": median_time(animated, repeat)}  # fmt: skip
