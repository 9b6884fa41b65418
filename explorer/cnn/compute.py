"""Cached computations of the Convolutional networks view: training runs (streamed while they
train), layer projections, per-layer scores, one digit's maps and saliency, attacks and the
distances off the data manifold. Models are rebuilt from a result's weights where they are needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.data.images import Images
from engine.data.source import DataSource
from explorer.shared.cache import stored

PUSH_DIGITS = 50  # held-out digits the "how small a push" study attacks
# imported when the page opens: torch.optim's first optimizer imports torch._dynamo (1.2 s), wide
# layers' PCA scikit-learn's randomized SVD; then Captum for the digit view
FOR_TRAINING = ("torch", "torch._dynamo", "engine.cnn.train", "engine.cnn.attack", "sklearn.utils.extmath")
FOR_VIEW = ("captum.attr",)


def prefetch() -> None:
    """Start importing what training and the digit view need, in the background, once per server."""
    from explorer.shared.warmup import prefetch as start

    start(FOR_TRAINING)
    start(FOR_VIEW)


def training_key(data_key: DataSource, cfg: Any) -> tuple:
    return ("cnn", data_key, cfg)


def trained(data_key: DataSource, cfg: Any) -> Any | None:
    """A finished training of `cfg` on the named data, if one was stored."""
    from explorer.shared.cache import results

    return results().get(training_key(data_key, cfg))


def train(data_key: DataSource, images: Images, cfg: Any, on_snapshot: Callable | None = None) -> Any:
    """Train (or return the stored run); snapshots stream to `on_snapshot` while it trains."""
    from explorer.shared.warmup import prefetch as started

    started(FOR_TRAINING).join()  # its imports finished before this thread imports the same packages
    from engine.cnn.train import train as fit

    return stored(training_key(data_key, cfg), lambda: fit(images, cfg, on_snapshot))


def robust(rkey: tuple, result: Any, images: Images) -> float:
    """The run's accuracy under a 10-step L-infinity attack of its budget eps."""
    from engine.cnn.train import robust_accuracy_of

    return stored(("cnn_robust", rkey), lambda: robust_accuracy_of(result, images))


def model(result: Any, trained_weights: bool = True) -> Any:
    """The result's network (its final or its initial weights), on the CPU, in eval mode."""
    from engine.cnn.model import load_model

    weights = result.weights if trained_weights else result.initial_weights
    return load_model(result.config, result.image_shape, result.n_classes, weights)


def projection(rkey: tuple, layer: int, acts: np.ndarray) -> Any:
    """One stage's PCA over every snapshot (it can place new points: an attack's steps)."""
    from engine.nets.analysis import project_layer

    return stored(("cnn_proj", rkey, layer), lambda: project_layer(acts))


def layout(rkey: tuple, layer: int, snapshot: int, acts: np.ndarray, method: str, seed: int) -> np.ndarray:
    """A UMAP or t-SNE layout of one stage (0 = the input pixels) at one snapshot."""
    from engine.nets.analysis import embed_snapshot

    return stored(
        ("cnn_layout", rkey, layer, snapshot, method, seed), lambda: embed_snapshot(acts, method, seed)
    )


def scores(rkey: tuple, result: Any, images: Images) -> Any:
    """(LayerScores, names) of the input and every stage at every snapshot."""
    from engine.cnn.scores import cnn_layer_scores

    return stored(("cnn_scores", rkey), lambda: cnn_layer_scores(result, images.pixels, images.y))


def digit(rkey: tuple, result: Any, image: np.ndarray, row: int, target: int | None) -> Any:
    from explorer.shared.warmup import prefetch as started

    started(FOR_VIEW).join()
    from engine.cnn.inspect import digit_view

    return stored(("cnn_digit", rkey, row, target), lambda: digit_view(model(result), image, target))


def attack(
    rkey: tuple, result: Any, image: np.ndarray, row: int, label: int, method: str, eps: float, steps: int
) -> Any:
    from engine.cnn.attack import attack_path

    return stored(("cnn_attack", rkey, row, method, eps, steps),
                  lambda: attack_path(model(result), image, label, method, eps, steps))  # fmt: skip


def reference(rkey: tuple, result: Any, images: Images) -> Any:
    """The training digits and their principal axes, for distances off the manifold."""
    from engine.cnn.manifold import Reference

    tr = result.train_index
    return stored(
        ("cnn_ref", rkey), lambda: Reference.of(images.pixels[tr], images.y[tr], result.config.seed)
    )


def comparison(rkey: tuple, result: Any, images: Images, path: Any, row: int) -> Any:
    from engine.cnn.manifold import compare

    ref = reference(rkey, result, images)
    key = ("cnn_compare", rkey, row, path.method, path.eps, len(path.l2))
    return stored(key, lambda: compare(model(result), ref, path.images[0], path.images[-1], path.label,
                                       result.config.seed))  # fmt: skip


def push(rkey: tuple, result: Any, images: Images) -> Any:
    """How small an L2 push flips the first PUSH_DIGITS recorded digits, against same-size noise."""
    from engine.cnn.manifold import push_study

    ref = reference(rkey, result, images)
    rows = result.capture_index[:PUSH_DIGITS]
    return stored(("cnn_push", rkey), lambda: push_study(model(result), ref, images.pixels[rows], images.y[rows],
                                                          seed=result.config.seed))  # fmt: skip


def stored_input(rkey: tuple, make: Callable[[], Any]) -> Any:
    """The input pixels' projection of a run's recorded digits."""
    return stored(("cnn_input", rkey), make)
