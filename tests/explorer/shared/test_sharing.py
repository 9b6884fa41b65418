"""Links, presentation mode and whole-page export, through AppTest on every page."""

import io
import zipfile

import plotly.graph_objects as go
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from explorer.shared import export, theme
from tests.apptest import APP, TIMEOUT, charts

PAGES = {
    "inspector": ("../pages/manifold_inspector.py", {"data": "moons", "methods": "pca"}),
    "layers": ("../pages/layer_manifolds.py", {"data": "circles", "epochs": "20"}),
    "boundaries": ("../pages/decision_boundaries.py", {"models": "logreg", "voting": "0", "stacking": "0", "gridn": "50"}),
    "optimizers": ("../pages/optimizer_paths.py", {"steps": "20"}),
    "cnn": ("../pages/convolutional_networks.py", {"data": "digits", "channels": "4,8"}),
    "latent": ("../pages/latent_manifolds.py", {"data": "iris", "latent": "3"}),
    "geometry": ("../pages/manifold_geometry.py", {"data": "moons", "n": "300", "part": "labels", "per": "3"}),
    "explain": ("../pages/explanations.py", {"data": "circles", "models": "logreg,tree", "stacking": "0", "method": "lime"}),
}  # fmt: skip


@pytest.fixture(autouse=True)
def _clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    theme.presenting(False)


def open_page(path: str, query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(path)
    at.query_params.update(query)
    return at.run()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_offers_its_link_with_its_state(name):
    path, query = PAGES[name]
    at = open_page(path, {**query, "seed": "7"})
    assert not at.exception
    link = at.sidebar.code[0].value
    assert link.startswith("http") and f"/{name}?" in link
    for key, value in {**query, "seed": "7"}.items():
        assert f"{key}={value.replace(',', '%2C')}" in link, (key, link)


def test_a_link_from_an_upload_falls_back_to_a_sample_and_says_so():
    at = open_page(*PAGES["inspector"][:1], {"data": "upload", "methods": "pca", "label": "kind"})
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if "link was made from an uploaded table" in i.value)
    assert "breast_cancer_clinic.csv is shown instead" in note
    assert len(charts(at)) == 1
    at.sidebar.get("file_uploader")[0].set_value(("mine.csv", b"a,b,kind\n" + b"".join(
        f"{i},{i * i % 7},{'xy'[i % 2]}\n".encode() for i in range(40)), "text/csv"))  # fmt: skip
    at.run()
    assert not at.exception and not any("link was made" in i.value for i in at.info)
    assert any("40 rows" in c.value for c in at.caption)


def test_choosing_upload_yourself_waits_for_the_file():
    at = open_page(*PAGES["inspector"])
    at.sidebar.selectbox(key="mi_data").set_value("upload").run()
    assert (
        any(i.value.startswith("Upload a CSV, Parquet, Feather or Excel file") for i in at.info)
        and charts(at) == []
    )


def test_presentation_mode_enlarges_figures_and_hides_chosen_controls():
    at = open_page(*PAGES["boundaries"])
    normal = charts(at)[0]["layout"]
    at.sidebar.toggle(key="g_present").set_value(True).run()
    big = charts(at)[0]["layout"]
    assert (
        big["font"]["size"] > normal["font"]["size"]
        and big["template"]["layout"] != normal["template"]["layout"]
    )
    at.sidebar.multiselect(key="db_hide").set_value(["db_models", "db_logreg_C"]).run()
    css = " ".join(h.proto.body for h in at.get("html"))
    assert ".st-key-db_models, .st-key-db_models_w {display: none !important;}" in css
    assert ".st-key-db_logreg_C_w" in css  # a model setting, drawn in its tile under its own key
    assert (
        "present=1" in at.sidebar.code[0].value and "hide=db_models%2Cdb_logreg_C" in at.sidebar.code[0].value
    )


def test_hidden_keys_from_a_link_never_reach_the_page_as_css():
    at = open_page(PAGES["boundaries"][0], {**PAGES["boundaries"][1], "present": "1",
                                            "hide": "db_models,x}body{display:none"})  # fmt: skip
    assert not at.exception
    css = " ".join(h.proto.body for h in at.get("html"))
    assert "body{display" not in css and ".st-key-db_models" in css


def test_every_figure_of_a_page_goes_into_one_zip():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    table = lambda: __import__("pandas").DataFrame({"x": ["=1+1", "b"]})  # noqa: E731
    data = export.figures_zip([("a", fig, table), ("a", fig, None), ("b", fig, None)])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert {"a.html", "a_2.html", "b.html", "a.csv"} <= names
        assert b"plotly" in zf.read("b.html") and zf.read("a.csv").decode().splitlines()[1].startswith(
            "'=1+1"
        )
        if export.image_export_problem() is None:
            assert zf.read("a.png")[:8] == b"\x89PNG\r\n\x1a\n"
    empty = zipfile.ZipFile(io.BytesIO(export.figures_zip([])))
    assert empty.namelist() == ["README.txt"]


def test_the_export_all_button_is_on_every_page_but_home():
    for path, query in PAGES.values():
        at = open_page(path, query)
        assert at.sidebar.get("download_button") and not at.exception
    home = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not home.sidebar.get("download_button")
