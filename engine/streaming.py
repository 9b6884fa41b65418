"""The embeddings that optimise a layout and show it while they do: UMAP and t-SNE.

`stream_layout(X, cfg, on_layout)` resolves the device (a CUDA GPU when present, for UMAP and the
neighbour search), sends a PCA preview at once, so that even 50,000 rows show a picture within a
second while the neighbours are searched, then runs `engine.fast_umap` or `engine.tsne`.
On the CPU, torch uses only the cores that are idle (by the one-minute load average), at least
one; openTSNE uses every core, as scikit-learn's TSNE does (its threads share the work evenly and
one thread took 0.79 of scikit-learn's time on 5,000 rows against about half with two). On a 2-core machine with other processes busy, a second thread made them slower, not
faster: 50 UMAP epochs on digits took 0.91 s of CPU with two threads against 0.15 s with one, and
the 50,000-row neighbour search 42 s of wall time against 24 s, as OpenMP threads wait for a core
another process holds; on an idle machine the second core helps.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from engine.device import resolve_device

if TYPE_CHECKING:
    from engine.embedding import EmbedConfig

Layout = Callable[[float, np.ndarray], None]  # (fraction done, coords (n, n_components))


def stream_layout(
    X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Coordinates (n, cfg.n_components) of the rows of X (n, d) by cfg.method ("umap" or "tsne"),
    and notes; `on_layout` receives a PCA preview first, then the layout as it optimises."""
    from engine.fast_umap import UmapParams, pca_start, umap_layout
    from engine.tsne import TsneParams, tsne_layout

    if on_layout is not None:  # before anything imports torch: NumPy alone draws the preview
        on_layout(0.0, pca_start(X, cfg.n_components))
    device = resolve_device(cfg.device)
    if device == "mps":  # index_add_ and the FFT path gain nothing there; keep it simple
        device = "cpu"
    if cfg.method == "umap":
        with _torch_threads(idle_cores() if device == "cpu" else None):
            params = UmapParams(cfg.n_components, cfg.n_neighbors, cfg.min_dist, seed=cfg.seed, device=device)
            return umap_layout(X, params, on_layout), ()
    # t-SNE: openTSNE on every core; torch only for a GPU neighbour search
    params = TsneParams(
        cfg.n_components, cfg.perplexity, seed=cfg.seed, device=device, n_jobs=os.cpu_count() or 1
    )
    notes = ()
    if X.shape[1] < cfg.n_components:
        notes = ("t-SNE started from a random layout: PCA needs more features.",)
    return tsne_layout(X, params, on_layout), notes


def idle_cores() -> int:
    """The CPU cores not busy with other work by the one-minute load average; at least one."""
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:  # no load average on this platform
        return 1
    return max(1, min(cores, int(cores - busy + 0.5)))


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Run torch's CPU operations on `threads` threads inside the block (None: leave as is)."""
    if threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()  # process-wide: another session's work runs on it meanwhile
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
