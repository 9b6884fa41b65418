"""The only place Streamlit caches wrap engine calls.

Data caches are keyed by small hashable values (a frozen config, an upload's content digest);
big arrays travel in underscore-prefixed arguments that Streamlit does not hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from engine.embed.methods import EmbedConfig, Embedding
from engine.embed.quality import Quality
from engine.nets.mlp import TrainConfig, TrainResult
from explorer.shared.jobs import heavy_job

if TYPE_CHECKING:
    from engine.data.tables import Table, TableOptions

MAX_ENTRIES = 32
WARM_DELAY_S = 5.0  # seconds after the first run before the background imports (_warm)
# scikit-learn's bundled datasets (about 1 s to import), the scipy parts of UMAP and the scores
WARM_MODULES = (
    "sklearn.datasets",
    "scipy.sparse.linalg",
    "scipy.optimize",
    "sklearn.manifold",
    "sklearn.neighbors",
)
Progress = Callable[[float, str], None] | None
Layout = Callable[[float, np.ndarray, np.ndarray], None] | None  # (fraction, coords, rows)


def digest(data: bytes) -> str:
    """A content key for uploaded bytes: identical files share a cache entry, others never do."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def dataset(cfg: DatasetConfig) -> Dataset:
    return make_dataset(cfg)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def table(key: str, _data: bytes, filename: str) -> Table:
    """Read uploaded bytes once per distinct content (`key` is their digest)."""
    from engine.data.tables import read_table

    return read_table(_data, filename)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def sample_table(stem: str) -> Table:
    from engine.data.tables import load_sample

    return load_sample(stem)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def table_dataset(key: str, _table: Table, opts: TableOptions) -> Dataset:
    """A table turned into a Dataset; `key` names the table (digest or sample stem)."""
    from engine.data.tables import table_to_dataset

    return table_to_dataset(_table, opts)


class ResultStore:
    """A server-wide LRU of long computations, filled outside Streamlit's caches so that the work
    can report progress to the page while it runs. Keys are hashable configs; values are frozen
    results whose arrays are made read-only, since every session shares them."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def __setitem__(self, key: Hashable, value: Any) -> None:  # with get: what engine caches use
        self.put(key, value)

    def put(self, key: Hashable, value: Any) -> None:
        _freeze(value)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)


def _freeze(value: Any) -> None:
    """Make every array inside a result read-only: fields, tuples, lists and dicts included."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple | list):
        for v in value:
            _freeze(v)
    elif isinstance(value, dict):
        for v in value.values():
            _freeze(v)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _freeze(getattr(value, name))


@st.cache_resource
def results() -> ResultStore:
    """The one store of embeddings (and later trainings and landscapes) per server."""
    return ResultStore()


def embedding(
    data_key: str, X: np.ndarray, cfg: EmbedConfig, progress: Progress = None, layout: Layout = None
) -> Embedding:
    """One embedding of the dataset named `data_key`; while it computes, progress goes to `progress`
    and UMAP's and t-SNE's intermediate layouts to `layout(fraction, coords, index)`. A stored
    embedding returns at once, without calling either."""
    from engine.embed.methods import embed

    return _stored(("embedding", data_key, cfg), lambda: embed(X, cfg, progress, layout))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def quality(
    data_key: str, _X: np.ndarray, _emb: Embedding, cfg: EmbedConfig, _y: np.ndarray | None
) -> Quality:
    """Quality scores of the embedding `cfg` of `data_key`, on the same (scaled) features."""
    from engine.embed.methods import standardize
    from engine.embed.quality import quality as score

    X = standardize(_X) if cfg.scale else _X
    return score(X[_emb.index], _emb.coords, None if _y is None else _y[_emb.index], seed=cfg.seed)


@st.cache_resource
def _warm() -> dict:
    """Check the device (importing torch where a GPU may be), start the model-fitting workers and
    import what embeddings and their scores need, in the background once per server, after the first
    page has painted: pages then start without waiting and the app's start is not slowed."""
    state: dict = {}

    def work() -> None:
        time.sleep(WARM_DELAY_S)
        from engine.device import describe_device, resolve_device

        state["auto"] = describe_device(resolve_device("auto"))
        warm_boundary_workers()
        for name in WARM_MODULES:
            importlib.import_module(name)

    threading.Thread(target=work, daemon=True, name="warm-imports").start()
    return state


def device_label(requested: str) -> str:
    """What the sidebar says about the compute device, without blocking on torch's import."""
    state = _warm()
    if requested == "cpu":
        return "CPU (forced)"
    return state.get("auto", "checking for a GPU…")


def _stored(key: Hashable, compute: Callable[[], Any]) -> Any:
    """The stored result under `key`, computed (outside Streamlit's caches, in a job slot) when missing."""
    store = results()
    found = store.get(key)
    if found is None:
        with heavy_job():
            found = store.get(key)  # another session may have computed it while this one waited
            if found is None:
                found = compute()
                store.put(key, found)
    return found


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def arena(data_key: str, _data: Dataset, cfg: Any) -> Any:
    """The plane, split and grid of a model comparison on the named data (an `engine.classify.arena.Arena`)."""
    from engine.classify.arena import arena as build

    return build(_data, cfg)


BOUNDARY_ENTRIES = 256  # fitted models (about 0.14 MB each on a 150 x 150 grid, 0.5 MB on 300 x 300)


@st.cache_resource
def boundary_store() -> ResultStore:
    """Fitted decision boundaries of every session, keyed by (data fingerprint, model config)."""
    return ResultStore(BOUNDARY_ENTRIES)


def boundaries(X, y, train_idx, test_idx, grid, cfgs, on_result: Callable | None = None) -> list:
    """Fit the models (in worker processes), reusing every (data, config) fitted before."""
    from engine.classify.fit import fingerprint, fit_all

    store = boundary_store()
    data = fingerprint(
        np.asarray(X, dtype=float), np.asarray(y), train_idx, np.asarray(grid, dtype=float), test_idx
    )
    if all(store.get((data, c)) is not None for c in cfgs):  # nothing to fit: no job slot needed
        return fit_all(X, y, train_idx, test_idx, grid, cfgs, cache=store)
    with heavy_job():
        return fit_all(X, y, train_idx, test_idx, grid, cfgs, cache=store, on_result=on_result)


_warming = threading.Lock()


def warm_boundary_workers() -> None:
    """Start (or keep alive) the model-fitting worker processes in the background."""

    def work() -> None:
        if _warming.acquire(blocking=False):
            try:
                from engine.classify.fit import warm_workers

                warm_workers()
            except RuntimeError:  # the interpreter is shutting down; the next fit starts them itself
                pass
            finally:
                _warming.release()

    with contextlib.suppress(RuntimeError):  # no new threads while the interpreter shuts down
        threading.Thread(target=work, daemon=True, name="warm-boundaries").start()


def training_key(data_key: str, cfg: TrainConfig) -> tuple:
    return ("train", data_key, cfg)


def trained(data_key: str, cfg: TrainConfig) -> TrainResult | None:
    """A finished training of `cfg` on the named data, if one was stored."""
    return results().get(training_key(data_key, cfg))


def train(data_key: str, data: Dataset, cfg: TrainConfig, on_snapshot: Callable | None = None) -> TrainResult:
    """Train (or return the stored run); snapshots stream to `on_snapshot` while it trains."""
    from engine.nets.mlp import train as fit

    return _stored(training_key(data_key, cfg), lambda: fit(data, cfg, on_snapshot))


def layer_projection(
    result_key: tuple, layer: int, acts: np.ndarray, grid: np.ndarray | None, dims: int
) -> Any:
    """One layer's activations over training in at most `dims` comparable coordinates."""
    from engine.nets.analysis import project_layer

    return _stored(("proj", result_key, layer, dims), lambda: project_layer(acts, grid, n_components=dims))


def snapshot_layout(
    result_key: tuple, layer: int, snapshot: int, acts: np.ndarray, method: str, seed: int
) -> np.ndarray:
    """A UMAP or t-SNE layout of one layer at one snapshot."""
    from engine.nets.analysis import embed_snapshot

    return _stored(
        ("layout", result_key, layer, snapshot, method, seed), lambda: embed_snapshot(acts, method, seed)
    )


def layer_scores(
    result_key: tuple, layers: tuple, y: np.ndarray, train_index: np.ndarray, test_index: np.ndarray
) -> Any:
    """Linear-probe accuracy and class separation of every layer at every snapshot."""
    from engine.nets.analysis import layer_scores as score

    return _stored(("scores", result_key), lambda: score(layers, y, train_index, test_index))


def hybrid_head(result_key: tuple, result: TrainResult, y: np.ndarray) -> Any:
    """An SVM fitted on the last hidden layer's features, against the network's own head."""
    from engine.nets.analysis import hybrid_svm

    def fit() -> Any:
        grid = result.grid_layers[-2][-1] if result.grid_layers else None
        return hybrid_svm(result.layers[-2][-1], result.layers[-1][-1], y, result.train_index,
                          result.test_index, grid_features=grid)  # fmt: skip

    return _stored(("hybrid", result_key), fit)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def loss_surface(data_key: str, _data: Dataset | None, cfg: Any) -> Any:
    """The 2-parameter surface `cfg` (an engine.optim.surfaces.SurfaceConfig) on the named data."""
    from engine.optim.surfaces import make_surface

    return make_surface(cfg, _data)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def surface_grid(surface_key: str, _surface: Any, size: int = 101) -> Any:
    from engine.optim.surfaces import surface_grid as grid

    return grid(_surface, size)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def race(surface_key: str, _surface: Any, cfg: Any) -> Any:
    """A race (engine.optim.race.RaceConfig) on the surface named `surface_key`."""
    from engine.optim.race import race as run

    return run(_surface, cfg)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def gradient_cloud(surface_key: str, _surface: Any, point: tuple, batch_size: int, seed: int) -> Any:
    from engine.optim.surfaces import gradient_cloud as cloud

    return cloud(_surface, point, batch_size, seed=seed)


def convergence_map(surface_key: str, surface: Any, cfg: Any) -> Any:
    """The (learning rate, momentum) map of `cfg` (an engine.optim.race.MapConfig)."""
    from engine.optim.race import convergence_map as run

    return _stored(("convergence_map", surface_key, cfg), lambda: run(surface, cfg))


def trajectory(data_key: str, data: Dataset, cfg: TrainConfig) -> Any:
    """A training run's weights at every snapshot (engine.nets.landscape.Trajectory)."""
    from engine.nets.landscape import record_trajectory

    return _stored(("trajectory", data_key, cfg), lambda: record_trajectory(data, cfg))


def landscape(data_key: str, traj: Any, cfg: Any, progress: Callable[[float], None] | None = None) -> Any:
    """A 2-D slice (engine.nets.landscape.LandscapeConfig) of the loss around the trajectory's end."""
    from engine.nets.landscape import loss_landscape

    return _stored(("landscape", data_key, traj.config, cfg), lambda: loss_landscape(traj, cfg, progress))
