"""What the Convolutional networks page draws of a network's layers: one panel per layer (the
input pixels, each block, each dense layer, the output), each one PCA over every snapshot so frames
share axes, for a finished run or live snapshots; and an attack's steps placed in those panels."""

from __future__ import annotations

import numpy as np

from engine.data.images import Images
from explorer.cnn import compute
from explorer.layers.figures import Panel


def _title(name: str, shape: tuple[int, ...], how: str) -> str:
    """'block 1<br><sub>8 channels of 14 x 14, PCA 2-D</sub>': the stage, its size, how it is drawn."""
    if name == "input":
        size = f"{shape[0]} x {shape[1]} pixels"
    elif len(shape) == 3:
        size = f"{shape[0]} channels of {shape[1]} x {shape[2]}"
    else:
        size = f"{shape[0]} units"
    return f"{name}<br><sub>{size}{', ' + how if how else ''}</sub>"


def _how(method: str) -> str:
    return "PCA 2-D" if method == "pca" else ""


def _input(images: Images, rows: np.ndarray, n_snapshots: int):
    flat = images.pixels[rows].reshape(1, len(rows), -1)
    return np.broadcast_to(flat, (n_snapshots, *flat.shape[1:]))


def result_panels(
    rkey: tuple, images: Images, result, method: str = "pca", snapshot: int = -1
) -> tuple[list[Panel], list]:
    """Panels of a finished run, and the PCA projection behind each (input first).

    With `method` "umap" or "tsne", layers wider than three units show that layout of `snapshot`
    instead of the PCA animation (the projections returned stay the PCA ones)."""
    from engine.nets.analysis import project_layer

    n = len(result.epochs)
    pixels = compute.stored_input(rkey, lambda: project_layer(_input(images, result.capture_index, 1)))
    projections = [pixels, *(compute.projection(rkey, i, a) for i, a in enumerate(result.layers))]
    stacks = [_input(images, result.capture_index, n), *result.layers]
    shapes = [images.shape, *result.stage_shapes]
    names = ["input", *result.layer_names]
    t = snapshot % n
    panels = []
    for i, (name, shape, proj) in enumerate(zip(names, shapes, projections, strict=True)):
        if method != "pca" and proj.method == "pca":
            layout = compute.layout(rkey, i, t, stacks[i][t], method, result.config.seed)
            coords = np.broadcast_to(layout[None].astype(np.float32), (n, *layout.shape))
            how = f"{method.upper()} of epoch {int(result.epochs[t])}"
        else:
            coords = np.broadcast_to(proj.coords, (n, *proj.coords.shape[1:]))  # the input: one frame
            how = _how(proj.method)
        panels.append(Panel(_title(name, tuple(shape), how), coords))
    return panels, projections


def input_panel(images: Images, rows: np.ndarray, n_snapshots: int = 1) -> Panel:
    """The input pixels' panel (they never change), over `n_snapshots` frames."""
    from engine.nets.analysis import project_layer

    proj = project_layer(_input(images, rows, 1))
    coords = np.broadcast_to(proj.coords, (n_snapshots, *proj.coords.shape[1:]))
    return Panel(_title("input", images.shape, _how(proj.method)), coords)


def live_panels(
    images: Images,
    rows: np.ndarray,
    names: list[str],
    shapes: list,
    snapshots: list,
    first: Panel | None = None,
) -> list[Panel]:
    """Panels of the snapshots so far, projected on the fly (nothing is stored); `first`, the input's
    panel when it was made already (a live run makes it once)."""
    from engine.nets.analysis import project_layer

    n = len(snapshots)
    pixels = input_panel(images, rows, n) if first is None else first
    panels = [Panel(pixels.title, np.broadcast_to(pixels.coords[:1], (n, *pixels.coords.shape[1:])))]
    for i, (name, shape) in enumerate(zip(names, shapes, strict=True)):
        proj = project_layer(np.stack([s.layers[i] for s in snapshots]))
        panels.append(Panel(_title(name, tuple(shape), _how(proj.method)), proj.coords))
    return panels


def path_coords(
    rkey: tuple,
    images: Images,
    result,
    projections: list,
    pixels: np.ndarray,
    stages: tuple,
    method: str = "pca",
) -> list[np.ndarray]:
    """An attack's steps in each panel's coordinates: pixels (steps + 1, h, w), stages per layer.

    In the PCA pictures a step goes through the layer's PCA; in a UMAP or t-SNE layout (of the last
    snapshot: the trained network the attack runs on) it is placed among the recorded digits by
    `engine.embed.umap.place_new`."""
    from engine.embed.umap import place_new

    acts = [pixels.reshape(len(pixels), -1), *stages]
    last = len(result.epochs) - 1
    stacks = [_input(images, result.capture_index, 1)[0], *(a[last] for a in result.layers)]
    out = []
    for i, (proj, a) in enumerate(zip(projections, acts, strict=True)):
        if method == "pca" or proj.method != "pca":
            out.append(proj.transform(a)[:, :2])
            continue
        layout = compute.layout(rkey, i, last, stacks[i], method, result.config.seed)
        out.append(place_new(a, stacks[i], layout))
    return out
