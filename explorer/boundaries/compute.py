"""Cached computations of the Decision boundaries view: the arena (plane, split, grid) and fitted models, shared by every session."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from explorer.shared.cache import MAX_ENTRIES, ResultStore
from explorer.shared.jobs import heavy_job


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def arena(data_key: DataSource, _data: Dataset, cfg: Any) -> Any:
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
