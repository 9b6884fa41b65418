"""train_capture and default_run: MLP training with layer snapshots, against scikit-learn's MLPClassifier."""

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


@benchmark(
    "train_capture",
    "2-16-16-2 tanh MLP, 1,000 moons, 1,000 full-batch Adam epochs, every hidden layer snapshotted every 10 epochs: <= 0.5 x scikit-learn's MLPClassifier (no snapshots)",
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
    grid = median_time(lambda: train(data, replace(cfg, grid_size=41)), repeat)
    return {"ours_s": ours, "peer_s": peer, "meets": ours <= 0.5 * peer,
            "with_41x41_grid_s": grid, "with_grid_ratio": grid / peer}  # fmt: skip


@benchmark(
    "default_run",
    "the Layer manifolds default (moons, 2 x 8 tanh, 300 epochs, snapshots every 5 with the 41 x 41 grid) on CPU, with every frame's figure built: < 3 s",
)
def default_run(repeat: int) -> dict:
    import numpy as np

    from engine.data.datasets import DatasetConfig, make_dataset
    from engine.nets.mlp import TrainConfig, train
    from explorer.layers import figures as nf
    from explorer.layers.panels import panels_at

    data = make_dataset(DatasetConfig())
    cfg = TrainConfig(device="cpu")
    train(data, replace(cfg, epochs=5))  # first-call imports are not the workload

    def run() -> int:
        frames = []
        result = train(data, cfg, on_snapshot=frames.append)
        for s in frames:  # the page draws at most four a second; here every snapshot is drawn
            nf.layer_figure(data, panels_at(data, s), np.array([s.epoch]), animate=False).to_json()
        return len(result.epochs)

    seconds = median_time(run, repeat)
    return {"ours_s": seconds, "peer_s": None, "meets": seconds < 3.0, "frames": run()}
