"""How far each layer of a trained CNN has untangled the digits, scored the way Layer manifolds
scores an MLP's (`engine.nets.analysis.layer_scores`), made fast for wide layers.

The captured (held-out) digits are split in half, stratified and seeded: the probe is fitted on one
half and scored on the other. A layer wider than PROBE_DIMS (the input's 784 pixels, a block's
feature maps) is first reduced to its top PROBE_DIMS principal components, fitted on the probe's
training half at that snapshot; the probe and the separation score both see those components.
"""

from __future__ import annotations

import numpy as np

from engine.cnn.train import CNNResult
from engine.data.split import stratified_split
from engine.nets.analysis import LayerScores, layer_scores
from engine.pca import principal_axes

PROBE_DIMS = 50
PROBE_TEST_FRACTION = 0.5


def _reduce(acts: np.ndarray, fit_rows: np.ndarray, seed: int) -> np.ndarray:
    """(n_snapshots, n, width) -> (n_snapshots, n, min(width, PROBE_DIMS)), each snapshot on its own axes."""
    if acts.shape[2] <= PROBE_DIMS:
        return acts
    out = np.empty((*acts.shape[:2], PROBE_DIMS), np.float32)
    for t, snap in enumerate(acts):
        pca = principal_axes(snap[fit_rows], PROBE_DIMS, seed=seed)
        out[t, :, : pca.axes.shape[1]] = (snap - pca.mean.astype(np.float32)) @ pca.axes.astype(np.float32)
        out[t, :, pca.axes.shape[1] :] = 0.0
    return out


def cnn_layer_scores(
    result: CNNResult, pixels: np.ndarray, y: np.ndarray, seed: int = 0
) -> tuple[LayerScores, tuple[str, ...]]:
    """Probe accuracy and separation of the input and every stage at every snapshot, and the names.

    pixels: (n_images, h, w) and y: (n_images,) of the whole image set the result was trained on.
    """
    rows = result.capture_index
    codes = np.asarray(y)[rows]
    fit, score = stratified_split(codes, PROBE_TEST_FRACTION, np.random.default_rng(seed))
    inputs = np.asarray(pixels, np.float32)[rows].reshape(1, rows.size, -1)
    layers = [_reduce(a, fit, seed) for a in (inputs, *result.layers)]
    return layer_scores(layers, codes, fit, score, seed=seed), ("input", *result.layer_names)
