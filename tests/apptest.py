"""Opening the app's pages in Streamlit's AppTest and reading what they drew, for the page tests and
the tests that check a page's downloads."""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "explorer" / "app.py")
TIMEOUT = 120  # seconds one AppTest run may take: a busy 2-core machine trains and fits slowly
INSPECTOR = "../pages/manifold_inspector.py"
LAYERS = "../pages/layer_manifolds.py"
BOUNDARIES = "../pages/decision_boundaries.py"
OPTIMIZERS = "../pages/optimizer_paths.py"
CNN = "../pages/convolutional_networks.py"
LATENT = "../pages/latent_manifolds.py"
GEOMETRY = "../pages/manifold_geometry.py"
EXPLAIN = "../pages/explanations.py"


def open_page(query: dict | None = None, page: str | None = None) -> AppTest:
    """The app run once, on `page` (the home page when None) with `query` in its URL."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if page:
        at.run()  # pages registered by st.navigation are known after a first run
        at.switch_page(page)
    if query:
        at.query_params.update(query)
    return at.run()


def inspector(query: dict | None = None) -> AppTest:
    return open_page(query, INSPECTOR)


def layers_page(query: dict | None = None) -> AppTest:
    return open_page(query, LAYERS)


def cnn_page(query: dict | None = None) -> AppTest:
    return open_page(query, CNN)


def latent_page(query: dict | None = None) -> AppTest:
    return open_page(query, LATENT)


def geometry_page(query: dict | None = None) -> AppTest:
    return open_page(query, GEOMETRY)


def explain_page(query: dict | None = None) -> AppTest:
    return open_page(query, EXPLAIN)


def optimizer_page(query: dict | None = None) -> AppTest:
    return open_page(query, OPTIMIZERS)


def boundaries_page(query: dict | None = None, upload: bytes | None = None) -> AppTest:
    """Decision boundaries with `query`, and `upload` given to the sidebar's CSV uploader if any."""
    at = open_page(query, BOUNDARIES)
    if upload is not None:
        at.sidebar.get("file_uploader")[0].set_value(("data.csv", upload, "text/csv"))
        at.run()
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(array: list | dict) -> np.ndarray:
    """A trace's data array from a chart spec: a plain list, or Plotly's base64 typed array."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)
