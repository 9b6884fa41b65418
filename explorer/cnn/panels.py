"""What the Convolutional networks page draws of a network's layers: one panel per layer (the
input pixels, each block, each dense layer, the output), each one PCA over every snapshot so frames
share axes, for a finished run or live snapshots; and an attack's steps placed in those panels."""

from __future__ import annotations

import numpy as np

from engine.data.datasets import Dataset
from engine.data.images import Images
from explorer.cnn import compute
from explorer.layers.figures import Panel


def recorded(images: Images, rows: np.ndarray) -> Dataset:
    """The recorded digits as a Dataset (flattened pixels), for colouring and naming the panels."""
    flat = images.pixels[rows].reshape(len(rows), -1).astype(np.float64)
    names = tuple(f"pixel{i}" for i in range(flat.shape[1]))
    return Dataset(flat, images.y[rows], names, images.class_names, images.name, image_shape=images.shape)


def _title(name: str, shape: tuple[int, ...], method: str) -> str:
    if name == "input":
        size = f"{shape[0]} x {shape[1]} pixels"
    elif len(shape) == 3:
        size = f"{shape[0]} channels of {shape[1]} x {shape[2]}"
    else:
        size = f"{shape[0]} units"
    return f"{name}<br><sub>{size}{', PCA 2-D' if method == 'pca' else ''}</sub>"


def _input(images: Images, rows: np.ndarray, n_snapshots: int):
    flat = images.pixels[rows].reshape(1, len(rows), -1)
    return np.broadcast_to(flat, (n_snapshots, *flat.shape[1:]))


def result_panels(rkey: tuple, images: Images, result) -> tuple[list[Panel], list]:
    """Panels of a finished run, and the projection behind each (input first)."""
    from engine.nets.analysis import project_layer

    n = len(result.epochs)
    pixels = compute.stored_input(rkey, lambda: project_layer(_input(images, result.capture_index, 1)))
    projections = [pixels, *(compute.projection(rkey, i, a) for i, a in enumerate(result.layers))]
    shapes = [images.shape, *result.stage_shapes]
    names = ["input", *result.layer_names]
    panels = []
    for name, shape, proj in zip(names, shapes, projections, strict=True):
        coords = (
            proj.coords
            if proj.coords.shape[0] == n
            else np.broadcast_to(proj.coords, (n, *proj.coords.shape[1:]))
        )
        panels.append(Panel(_title(name, tuple(shape), proj.method), coords))
    return panels, projections


def live_panels(
    images: Images, rows: np.ndarray, names: list[str], shapes: list, snapshots: list
) -> list[Panel]:
    """Panels of the snapshots so far, projected on the fly (nothing is stored)."""
    from engine.nets.analysis import project_layer

    n = len(snapshots)
    panels = []
    stacks = [
        _input(images, rows, n),
        *(np.stack([s.layers[i] for s in snapshots]) for i in range(len(names))),
    ]
    for name, shape, acts in zip(["input", *names], [images.shape, *shapes], stacks, strict=True):
        proj = project_layer(acts)
        panels.append(Panel(_title(name, tuple(shape), proj.method), proj.coords))
    return panels


def path_coords(projections: list, pixels: np.ndarray, stages: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """An attack's steps in each panel's coordinates: pixels (steps + 1, h, w), stages per layer."""
    acts = [pixels.reshape(len(pixels), -1), *stages]
    return [proj.transform(a)[:, :2] for proj, a in zip(projections, acts, strict=True)]
