"""The only place Streamlit caches wrap engine calls.

Data caches are keyed by small hashable values (a frozen config, an upload's content digest);
big arrays travel in underscore-prefixed arguments that Streamlit does not hash.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import streamlit as st

from engine.datasets import Dataset, DatasetConfig, make_dataset
from engine.embedding import EmbedConfig, Embedding
from engine.quality import Quality
from engine.tables import Table, TableOptions

MAX_ENTRIES = 32
Progress = Callable[[float, str], None] | None


def digest(data: bytes) -> str:
    """A content key for uploaded bytes: identical files share a cache entry, others never do."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def dataset(cfg: DatasetConfig) -> Dataset:
    return make_dataset(cfg)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def table(key: str, _data: bytes, filename: str) -> Table:
    """Read uploaded bytes once per distinct content (`key` is their digest)."""
    from engine.tables import read_table

    return read_table(_data, filename)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def sample_table(stem: str) -> Table:
    from engine.tables import load_sample

    return load_sample(stem)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def table_dataset(key: str, _table: Table, opts: TableOptions) -> Dataset:
    """A table turned into a Dataset; `key` names the table (digest or sample stem)."""
    from engine.tables import table_to_dataset

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

    def put(self, key: Hashable, value: Any) -> None:
        for v in vars(value).values() if hasattr(value, "__dict__") else ():
            if isinstance(v, np.ndarray):
                v.flags.writeable = False
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@st.cache_resource
def results() -> ResultStore:
    """The one store of embeddings (and later trainings and landscapes) per server."""
    return ResultStore()


def embedding(data_key: str, X: np.ndarray, cfg: EmbedConfig, progress: Progress = None) -> Embedding:
    """One embedding of the dataset named `data_key`; progress goes to `progress` while computing."""
    from engine.embedding import embed

    store, key = results(), ("embedding", data_key, cfg)
    found = store.get(key)
    if found is None:
        found = embed(X, cfg, progress)
        store.put(key, found)
    return found


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def quality(
    data_key: str, _X: np.ndarray, _emb: Embedding, cfg: EmbedConfig, _y: np.ndarray | None
) -> Quality:
    """Quality scores of the embedding `cfg` of `data_key`, on the same (scaled) features."""
    from engine.embedding import standardize
    from engine.quality import quality as score

    X = standardize(_X) if cfg.scale else _X
    return score(X[_emb.index], _emb.coords, None if _y is None else _y[_emb.index], seed=cfg.seed)


@st.cache_resource
def _warm() -> dict:
    """Import torch in the background once per server, so pages that train start without waiting."""
    state: dict = {}

    def work() -> None:
        from engine.device import describe_device, resolve_device

        state["auto"] = describe_device(resolve_device("auto"))

    threading.Thread(target=work, daemon=True, name="warm-imports").start()
    return state


def device_label(requested: str) -> str:
    """What the sidebar says about the compute device, without blocking on torch's import."""
    state = _warm()
    if requested == "cpu":
        return "CPU (forced)"
    return state.get("auto", "detecting…")
