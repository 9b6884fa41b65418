"""What the Layer manifolds page draws of a network: one panel per layer (input, hidden layers,
output), projected to at most three comparable coordinates, for a finished run or a live snapshot."""

from __future__ import annotations

import numpy as np

from engine.data.datasets import Dataset
from engine.grid import Grid
from engine.nets.mlp import Snapshot, TrainResult
from explorer.layers import compute
from explorer.layers.figures import Panel
from explorer.shared.frames import thin_frames

MAX_FRAMES = 61  # animation frames sent to the browser; snapshots are thinned evenly beyond this


def layer_names(result: TrainResult, with_input: bool = False) -> list[str]:
    hidden = [f"hidden {i + 1}" for i in range(len(result.config.hidden))]
    return (["input"] if with_input else []) + hidden + ["output"]


def _title(name: str, width: int, method: str, dims: int) -> str:
    if method == "identity":
        return f"{name}<br><sub>{width} units</sub>"
    return f"{name}<br><sub>{width} units, {method.upper()} {dims}-D</sub>"


def _project(acts: np.ndarray, grid: np.ndarray | None, key: tuple | None, layer: int, dims: int = 2):
    """Comparable coordinates of one layer over snapshots; stored when `key` names a finished run."""
    if key is None:
        from engine.nets.analysis import project_layer

        return project_layer(acts, grid, n_components=dims)
    return compute.layer_projection(key, layer, acts, grid, dims)


def input_activations(data: Dataset, n_snapshots: int) -> np.ndarray:
    """The input layer over training (it never changes): (n_snapshots, n_samples, n_features)."""
    return np.broadcast_to(data.X[None].astype(np.float32), (n_snapshots, *data.X.shape))


def _panel(title: str, proj, plane: Grid | None) -> Panel:
    """A layer's panel from its projection; its grid lines follow the input plane's lattice."""
    shape = None if plane is None else plane.shape
    return Panel(title, proj.coords, proj.grid_coords, shape if proj.grid_coords is not None else None)


def _input_panel(data: Dataset, n_snapshots: int, plane: Grid | None, key: tuple | None) -> Panel:
    X = input_activations(data, n_snapshots)
    points = None if plane is None else plane.points.astype(np.float32)  # (g, 2)
    G = None if points is None else np.broadcast_to(points[None], (n_snapshots, *points.shape))
    proj = _project(X, G, key, -1)
    return _panel(_title("input", data.n_features, proj.method, proj.coords.shape[2]), proj, plane)


def result_panels(
    data: Dataset, result: TrainResult, key: tuple, projection: str = "pca", snapshot: int = -1
) -> tuple[list[Panel], np.ndarray]:
    """Panels for a finished run (thinned to MAX_FRAMES snapshots) and the snapshot indices used.

    With `projection` "umap" or "tsne", layers wider than three units show that layout of the
    chosen `snapshot` instead of the PCA animation.
    """
    frames = thin_frames(len(result.epochs), MAX_FRAMES)
    panels = [_input_panel(data, len(frames), result.plane, key)]
    names = layer_names(result)
    for i, acts in enumerate(result.layers):
        g = result.grid_layers[i][frames] if result.grid_layers else None
        width = acts.shape[2]
        if projection != "pca" and width > 3:
            layout = compute.snapshot_layout(
                key, i, snapshot % len(result.epochs), acts[snapshot], projection, result.config.seed
            )
            coords = np.broadcast_to(layout[None].astype(np.float32), (len(frames), *layout.shape))
            panels.append(
                Panel(
                    f"{names[i]}<br><sub>{width} units, {projection.upper()} of epoch {int(result.epochs[snapshot])}</sub>",
                    coords,
                )
            )
            continue
        proj = _project(acts[frames], g, key + (tuple(frames),), i)
        panels.append(_panel(_title(names[i], width, proj.method, proj.coords.shape[2]), proj, result.plane))
    return panels, frames


def panels_at(data: Dataset, *snapshots: Snapshot) -> list[Panel]:
    """Panels for live snapshots (projected on the fly, without storing anything)."""
    n = len(snapshots)
    first = snapshots[0]
    panels = [_input_panel(data, n, first.plane, None)]
    for i in range(len(first.layers)):
        acts = np.stack([s.layers[i] for s in snapshots])
        g = np.stack([s.grid_layers[i] for s in snapshots]) if first.grid_layers else None
        proj = _project(acts, g, None, i)
        name = f"hidden {i + 1}" if i < len(first.layers) - 1 else "output"
        panels.append(
            _panel(_title(name, acts.shape[2], proj.method, proj.coords.shape[2]), proj, first.plane)
        )
    return panels
