"""Background warm-up once per server, after the first page has painted: the device check, the
model-fitting workers and the imports embeddings and their scores need."""

from __future__ import annotations

import importlib
import threading
import time

import streamlit as st

from explorer.boundaries.compute import warm_boundary_workers

IMPORT_LOCK = threading.Lock()  # background imports run one at a time: two threads importing one package's
# circular imports at once get a partly initialised module (sklearn.utils.extmath: ImportError)
WARM_DELAY_S = 5.0  # seconds after the first run before the background imports (_warm)
# scikit-learn's bundled datasets (about 1 s to import), the scipy parts of UMAP and the scores
WARM_MODULES = (
    "sklearn.datasets",
    "scipy.sparse.linalg",
    "scipy.optimize",
    "sklearn.manifold",
    "sklearn.neighbors",
)


@st.cache_resource
def warm() -> dict:
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
            with IMPORT_LOCK:
                importlib.import_module(name)

    threading.Thread(target=work, daemon=True, name="warm-imports").start()
    return state


@st.cache_resource
def prefetch(modules: tuple[str, ...]) -> threading.Thread:
    """Import `modules` in the background, once per server: a view calls it when it opens, so what its
    first button press needs (torch, Captum) is loaded while the user reads the page. Join the thread
    before code in the page's own thread imports the same packages."""

    def work() -> None:
        for name in modules:
            with IMPORT_LOCK:
                importlib.import_module(name)

    thread = threading.Thread(target=work, daemon=True, name="prefetch-imports")
    thread.start()
    return thread
