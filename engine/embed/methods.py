"""Embeddings for the Manifold Inspector: eight methods behind one seeded call.

`embed(X, EmbedConfig(...))` runs PCA, kernel PCA, Isomap, LLE, spectral embedding, MDS, t-SNE or
UMAP and returns an `Embedding`: coordinates, the rows used, and notes on what was sampled and why.
Methods whose memory grows with the square of the rows embed a seeded sample beyond `row_limit`.
UMAP is `engine.embed.umap` (NumPy on the CPU, PyTorch on a CUDA GPU, no JIT compile) and t-SNE is
openTSNE (`engine.embed.tsne`); both stream intermediate layouts to `on_layout`. umap-learn stays as the
reference method "umap_learn". Each method is one `MethodSpec` entry of `METHODS`: its label,
parameters, row caps, advice and its fit (`engine.embed.fits`, which imports each library inside
the function that uses it, so importing this module stays cheap). `EmbedConfig` and the callback
types are in `engine.embed.config`; quality scores live in `engine.embed.quality`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import psutil

from engine.embed import fits
from engine.embed.config import KERNELS, LLE_METHODS, EmbedConfig, Layout, Progress, RowsLayout
from engine.embed.fits import Fit, FitFn


@dataclass(frozen=True)
class MethodSpec:
    """Everything the engine knows about one embedding method."""

    label: str  # human name, e.g. "t-SNE"
    params: tuple[str, ...]  # EmbedConfig fields the method reads besides n_components/scale/seed
    max_rows: int | None  # rows beyond which running time gets impractical; None = scales
    about: str  # one sentence for the UI
    advice: str  # one sentence on what to change when it fails
    fit: FitFn  # (X (n, d), cfg, on_layout) -> coords (n, n_components), variance ratio, notes
    matrices: int = 0  # dense n x n float64 matrices it holds at once; 0 = none
    streams: bool = False  # optimises a layout and streams it to on_layout while it does
    warns_pieces: bool = False  # notes when its neighbour graph falls into pieces it cannot place

    @property
    def uses_neighbors(self) -> bool:
        """Whether it builds a k-nearest-neighbour graph (reads n_neighbors)."""
        return "n_neighbors" in self.params


METHODS: dict[str, MethodSpec] = {
    "pca": MethodSpec(
        "PCA",
        (),
        None,
        "Projects onto the directions of largest variance.",
        advice="Try turning feature scaling on or off.",
        fit=fits.fit_pca,
    ),
    "kernel_pca": MethodSpec(
        "Kernel PCA",
        ("kernel", "gamma"),
        5_000,
        "PCA in the feature space of a non-linear kernel.",
        advice="Try another kernel or a smaller gamma.",
        fit=fits.fit_kernel_pca,
        matrices=3,
    ),
    "isomap": MethodSpec(
        "Isomap",
        ("n_neighbors",),
        5_000,
        "Keeps distances measured along the neighbour graph.",
        advice="Try a larger n_neighbors.",
        fit=fits.fit_isomap,
        matrices=4,
        warns_pieces=True,
    ),
    "lle": MethodSpec(
        "LLE",
        ("n_neighbors", "lle_method"),
        5_000,
        "Keeps how neighbours rebuild each point.",
        advice="Try a larger n_neighbors or the 'standard' LLE method.",
        fit=fits.fit_lle,
        matrices=3,
        warns_pieces=True,
    ),
    "spectral": MethodSpec(
        "Spectral embedding",
        ("n_neighbors",),
        10_000,
        "Keeps strongly linked points close.",
        advice="Try a larger n_neighbors.",
        fit=fits.fit_spectral,
        matrices=1,
        warns_pieces=True,
    ),
    "mds": MethodSpec(
        "MDS",
        (),
        2_000,
        "Keeps all pairwise distances as well as it can.",
        advice="Try turning feature scaling on, or fewer rows.",
        fit=fits.fit_mds,
        matrices=6,
    ),
    "tsne": MethodSpec(
        "t-SNE",
        ("perplexity",),
        20_000,
        "Keeps close neighbours close; gaps between clusters mislead.",
        advice="Try another perplexity.",
        fit=fits.fit_streamed,
        streams=True,
    ),
    "umap": MethodSpec(
        "UMAP",
        ("n_neighbors", "min_dist"),
        100_000,
        "Lays out a fuzzy neighbour graph, local first.",
        advice="Try a larger n_neighbors.",
        fit=fits.fit_streamed,
        streams=True,
    ),
    "umap_learn": MethodSpec(
        "UMAP (umap-learn)",
        ("n_neighbors", "min_dist"),
        100_000,
        "The reference UMAP; compiles its code on first use, which takes half a minute.",
        advice="Try a larger n_neighbors.",
        fit=fits.fit_umap_learn,
    ),
}

MEMORY_SHARE = 0.25  # share of the free memory the dense matrices may take
BLOCK_ROWS = 8192  # rows standardised or compared at a time (a few MB, cache-sized)


@dataclass(frozen=True)
class Embedding:
    coords: np.ndarray  # (n_used, n_components) float64
    index: np.ndarray  # (n_used,) int64, sorted: the rows of X that were embedded
    method: str  # a key of METHODS
    explained_variance: np.ndarray | None  # (n_components,) variance ratio; PCA only
    notes: tuple[str, ...]  # what was sampled or what to watch, in sentences
    seconds: float  # wall time of the whole call


def row_limit(method: str) -> int | None:
    """Most rows `method` embeds before `embed` samples; None when there is no cap.

    The quadratic methods (kernel PCA, Isomap, LLE, spectral, MDS) hold up to
    `METHODS[method].matrices` dense n x n float64 matrices at once; these must fit in
    `MEMORY_SHARE` of the memory free now, n_memory = floor(sqrt(MEMORY_SHARE * available_bytes / (8 * matrices))). The limit is
    min(n_memory, METHODS[method].max_rows), the second being where running time passes about a
    minute. t-SNE and UMAP need no n x n matrix but still take minutes on very large tables;
    PCA has no cap.
    """
    _spec(method)
    memory = _memory_rows(method)
    caps = [c for c in (memory, METHODS[method].max_rows) if c is not None]
    return min(caps) if caps else None


def _spec(method: str) -> MethodSpec:
    if method not in METHODS:
        raise ValueError(f"Unknown embedding method {method!r}: choose one of {', '.join(METHODS)}.")
    return METHODS[method]


def _memory_rows(method: str) -> int | None:
    matrices = METHODS[method].matrices
    if not matrices:
        return None
    free = psutil.virtual_memory().available * MEMORY_SHARE
    return math.isqrt(int(free / (8 * matrices)))


def standardize(X: np.ndarray) -> np.ndarray:
    """Columns with zero mean and unit variance; constant columns become all zeros.

    A new float64 array; the variance and the output are computed BLOCK_ROWS rows at a time, so no
    temporary copy of X is made. A column counts as constant only when all its values are equal.
    """
    X = np.asarray(X, dtype=np.float64)  # (n_samples, n_features)
    mean = X.mean(axis=0)  # (n_features,)
    out = np.empty_like(X)
    squares = np.zeros(X.shape[1])  # (n_features,) sum of squared deviations
    for start in range(0, X.shape[0], BLOCK_ROWS):
        block = np.subtract(X[start : start + BLOCK_ROWS], mean, out=out[start : start + BLOCK_ROWS])
        squares += np.einsum("ij,ij->j", block, block)
    std = np.sqrt(squares / max(X.shape[0], 1))
    # a constant column's std is at most its mean's rounding error (far below 1e-6 |mean|): only
    # columns that small are checked value by value
    small = np.flatnonzero(std <= 1e-6 * np.abs(mean))
    constant = [j for j in small if (X[:, j] == X[0, j]).all()]
    std[constant] = 1.0
    for start in range(0, X.shape[0], BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] /= std
    out[:, constant] = 0.0
    return out


def embed(
    X: np.ndarray, cfg: EmbedConfig, on_progress: Progress | None = None, on_layout: RowsLayout | None = None
) -> Embedding:
    """Embed the rows of `X` in `cfg.n_components` dimensions with `cfg.method`.

    With `cfg.scale`, all of X is standardised first (as `standardize(X)`), then rows are sampled:
    score the result against `standardize(X)[emb.index]`. Beyond `row_limit(cfg.method)` rows a
    seeded sample (numpy default_rng(cfg.seed)) is embedded and a note says so. UMAP and t-SNE
    call `on_layout(fraction, coords, index)` with their layout while they optimise (a PCA preview
    first). Raises ValueError with a sentence to act on for bad settings, bad data, or a failure
    of the underlying library.
    """
    start = time.perf_counter()
    report = on_progress or (lambda fraction, message: None)
    spec = _check_config(cfg)
    X = _as_matrix(X)  # (n_samples, n_features)
    report(0.0, f"Preparing {X.shape[0]:,} rows for {spec.label}")
    index, notes = _choose_rows(X.shape[0], cfg)  # (n_used,)
    Xs = standardize(X) if cfg.scale else X  # (n_samples, n_features)
    if len(index) < len(Xs):
        Xs = Xs[index]  # (n_used, n_features)
    _check_data(Xs, cfg)
    if spec.warns_pieces:
        notes += _graph_notes(Xs, cfg)
    verb = "optimising layout" if spec.streams else "computing"
    report(0.1, f"{spec.label}: {verb} for {Xs.shape[0]:,} rows")
    layout = None
    if on_layout is not None:

        def layout(fraction: float, coords: np.ndarray) -> None:
            report(0.1 + 0.9 * fraction, f"{spec.label}: {verb} for {Xs.shape[0]:,} rows, {fraction:.0%}")
            on_layout(fraction, coords, index)

    coords, ratio, fit_notes = _fit(Xs, cfg, layout)
    seconds = time.perf_counter() - start
    report(1.0, f"{spec.label} done in {seconds:.1f} s")
    return Embedding(coords, index, cfg.method, ratio, notes + fit_notes, seconds)


def _check_config(cfg: EmbedConfig) -> MethodSpec:
    spec = _spec(cfg.method)
    if cfg.n_components not in (2, 3):
        raise ValueError(f"An embedding has 2 or 3 dimensions; got {cfg.n_components}.")
    if not 0 <= cfg.seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to 2**32 - 1; got {cfg.seed}.")
    if spec.uses_neighbors and cfg.n_neighbors < 2:
        raise ValueError(f"n_neighbors must be at least 2; got {cfg.n_neighbors}.")
    if "perplexity" in spec.params and not cfg.perplexity > 0:
        raise ValueError(f"t-SNE perplexity must be positive; got {cfg.perplexity}. Try 30.")
    if "min_dist" in spec.params and not 0 <= cfg.min_dist <= 1:
        raise ValueError(f"UMAP min_dist must be between 0 and 1; got {cfg.min_dist}.")
    if "kernel" in spec.params and cfg.kernel not in KERNELS:
        raise ValueError(f"Unknown kernel {cfg.kernel!r}: choose one of {', '.join(KERNELS)}.")
    if "gamma" in spec.params and not cfg.gamma >= 0:
        raise ValueError(f"gamma must be 0 (automatic) or positive; got {cfg.gamma}.")
    if "lle_method" in spec.params and cfg.lle_method not in LLE_METHODS:
        known = ", ".join(LLE_METHODS)
        raise ValueError(f"Unknown LLE method {cfg.lle_method!r}: choose one of {known}.")
    return spec


def _as_matrix(X: np.ndarray) -> np.ndarray:
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError("The data must be numbers only; drop or encode text columns.") from err
    if X.ndim != 2 or X.shape[1] == 0:
        raise ValueError(f"The data must be a table with at least one column; got shape {X.shape}.")
    bad = int(np.size(X) - np.count_nonzero(np.isfinite(X)))
    if bad:
        raise ValueError(f"The data contain {bad:,} missing or infinite values; drop or impute them first.")
    return X


def _choose_rows(n: int, cfg: EmbedConfig) -> tuple[np.ndarray, tuple[str, ...]]:
    """All rows, or a sorted seeded sample of row_limit(cfg.method) rows with a note on why."""
    limit = row_limit(cfg.method)
    if limit is None or n <= limit:
        return np.arange(n, dtype=np.int64), ()
    rng = np.random.default_rng(cfg.seed)
    index = np.sort(rng.choice(n, size=limit, replace=False)).astype(np.int64)  # (limit,)
    if limit == _memory_rows(cfg.method):
        why = f"a dense {n:,} x {n:,} matrix would not fit in the free memory."
    else:
        why = "its cost grows faster than the number of rows, and the cap keeps it interactive."
    label = METHODS[cfg.method].label
    return index, (f"{label} used a random sample of {limit:,} of {n:,} rows (seed {cfg.seed}): {why}",)


def _check_data(X: np.ndarray, cfg: EmbedConfig) -> None:
    n, d = X.shape
    spec, k, dims = METHODS[cfg.method], cfg.n_neighbors, cfg.n_components
    label = spec.label
    if n < dims + 2:
        raise ValueError(f"{label} needs at least {dims + 2} rows for {dims}-D; this table has {n}.")
    if _identical_rows(X):
        raise ValueError("All rows are identical, so there is no shape to embed.")
    if spec.uses_neighbors and k >= n:
        raise ValueError(f"n_neighbors must be smaller than the {n} rows; pick at most {n - 1}.")
    if "perplexity" in spec.params and cfg.perplexity >= n:
        suggestion = max(1, min(30, (n - 1) // 3))
        raise ValueError(
            f"t-SNE perplexity must be smaller than the number of rows ({n}); "
            f"pick a perplexity below {n}, for example {suggestion}."
        )
    if cfg.method in ("pca", "lle") and d < dims:
        fix = "choose 2 components" if d == 2 else "it needs at least 2 features"
        raise ValueError(
            f"{label} cannot make {dims} components from {d} feature(s): {fix}, "
            "or use another method such as t-SNE."
        )
    needed = dims * (dims + 3) // 2
    if cfg.method == "lle" and cfg.lle_method == "hessian" and k <= needed:
        raise ValueError(
            f"Hessian LLE needs n_neighbors greater than n_components * (n_components + 3) / 2 "
            f"= {needed}; set it to {needed + 1} or more, or use the 'standard' method."
        )


def _identical_rows(X: np.ndarray) -> bool:
    """Whether every row of X equals the first, compared BLOCK_ROWS rows at a time (most tables
    differ within the first block)."""
    return not any((X[start : start + BLOCK_ROWS] != X[0]).any() for start in range(0, len(X), BLOCK_ROWS))


def _graph_notes(X: np.ndarray, cfg: EmbedConfig) -> tuple[str, ...]:
    """A note when the k-nearest-neighbour graph falls apart into several pieces."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import kneighbors_graph

    pieces, _ = connected_components(kneighbors_graph(X, cfg.n_neighbors), directed=False)
    if pieces == 1:
        return ()
    label = METHODS[cfg.method].label
    return (
        f"The {cfg.n_neighbors}-nearest-neighbour graph falls into {pieces} separate pieces, so "
        f"{label} cannot tell how they lie to each other; increase n_neighbors to join them.",
    )


def _fit(X: np.ndarray, cfg: EmbedConfig, on_layout: Layout | None = None) -> Fit:
    """Run the method's fit, turning the library's data-dependent failures into ValueErrors."""
    spec = METHODS[cfg.method]
    label, advice = spec.label, spec.advice
    try:
        coords, ratio, notes = spec.fit(X, cfg, on_layout)
    except MemoryError as err:
        raise ValueError(
            f"{label} ran out of memory on {X.shape[0]:,} rows; try PCA, t-SNE or UMAP."
        ) from err
    except (ValueError, RuntimeError, ArithmeticError) as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        raise ValueError(f"{label} failed on this data ({reason}). {advice}") from err
    coords = np.ascontiguousarray(coords, dtype=np.float64)  # (n_used, n_components)
    if not np.isfinite(coords).all():
        raise ValueError(f"{label} produced non-finite coordinates. {advice}")
    return coords, ratio, notes
