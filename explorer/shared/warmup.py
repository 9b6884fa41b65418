"""Background warm-up once per server, while no page is running: the device check, the model-fitting
workers and the imports embeddings and their scores need."""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Iterator

import streamlit as st

from explorer.boundaries.compute import warm_boundary_workers

IMPORT_LOCK = threading.Lock()  # background imports run one at a time: two threads importing one package's
# circular imports at once get a partly initialised module (sklearn.utils.extmath: ImportError)
WARM_DELAY_S = 5.0  # seconds with no page running before each step of the warm-up
# (starting the model-fitting workers keeps both cores busy for seconds: it must not slow a user's run)
# scikit-learn's bundled datasets (about 1 s to import), the scipy parts of UMAP and the scores
WARM_MODULES = (
    "sklearn.datasets",
    "scipy.sparse.linalg",
    "scipy.optimize",
    "sklearn.manifold",
    "sklearn.neighbors",
)


_runs = threading.Condition()
_running = [0, time.monotonic()]  # pages running now, and when the last one ended


@contextlib.contextmanager
def page_running() -> Iterator[None]:
    """Mark a page's run (in any session), so that the warm-up waits for the server to be idle."""
    with _runs:
        _running[0] += 1
    try:
        yield
    finally:
        with _runs:
            _running[0] -= 1
            _running[1] = time.monotonic()
            _runs.notify_all()


def wait_until_idle(quiet_s: float) -> None:
    """Return once no page has run for `quiet_s` seconds."""
    with _runs:
        while True:
            idle = time.monotonic() - _running[1]
            if _running[0] == 0 and idle >= quiet_s:
                return
            _runs.wait(None if _running[0] else quiet_s - idle)


@contextlib.contextmanager
def charts_preloaded() -> Iterator[None]:
    """Around a session's first run: a blank chart at the foot of the sidebar, removed when the run
    ends, so that the browser loads its charting code (Plotly, fetched on a page's first chart: about
    0.9 s in headless Chromium) while the server reads the data and computes, not after the first
    real chart has arrived."""
    if st.session_state.get("_charts_preloaded"):
        yield
        return
    from explorer.shared.figures import blank_figure

    st.session_state["_charts_preloaded"] = True
    slot = st.sidebar.empty()
    slot.plotly_chart(
        blank_figure(), key="_charts_preload", config={"staticPlot": True, "displayModeBar": False}
    )
    try:
        yield
    finally:
        slot.empty()


@st.cache_resource
def warm() -> dict:
    """Check the device (importing torch where a GPU may be), start the model-fitting workers and
    import what embeddings and their scores need, in the background once per server, each step once
    no page has run for WARM_DELAY_S seconds: pages then start without waiting, and neither the app's
    start nor a user's first computations are slowed."""
    state: dict = {}

    def work() -> None:
        wait_until_idle(WARM_DELAY_S)
        from engine.device import describe_device, resolve_device

        state["auto"] = describe_device(resolve_device("auto"))
        wait_until_idle(WARM_DELAY_S)
        warm_boundary_workers()
        for name in WARM_MODULES:
            wait_until_idle(WARM_DELAY_S)
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
    _prefetching[modules] = thread
    thread.start()
    return thread


_prefetching: dict[tuple[str, ...], threading.Thread] = {}


def prefetched(modules: tuple[str, ...]) -> None:
    """Wait for `prefetch(modules)` to finish if it was started; start nothing."""
    thread = _prefetching.get(modules)
    if thread is not None:
        thread.join()
