"""Streamlit caches of the data every view reads, and the server-wide store of long results.

Each view's own cached engine calls are in its `compute` module and go through `stored`. Data caches
are keyed by small hashable values (a frozen config, an upload's content digest, a `DataSource`);
big arrays travel in underscore-prefixed arguments that Streamlit does not hash.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset, DatasetConfig, make_dataset
from explorer.shared.jobs import heavy_job

if TYPE_CHECKING:
    from engine.data.options import Table
    from engine.data.source import DataSource

MAX_ENTRIES = 32
# scikit-learn's bundled datasets (about 1 s to import), the scipy parts of UMAP and the scores


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
def table_dataset(source: DataSource, _table: Table) -> Dataset:
    """The table of `source` (a sample or an upload, by its digest) turned into a Dataset by its options."""
    from engine.data.tables import table_to_dataset

    return table_to_dataset(_table, source.table)


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


def stored(key: Hashable, compute: Callable[[], Any]) -> Any:
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
