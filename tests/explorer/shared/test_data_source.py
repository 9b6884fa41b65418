"""The sidebar's data picker: the `DataSource` it returns is the data's cache key (two different
files of one name never share an entry), and its URL bounds are the engine's limits."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from engine.data.datasets import LIMITS, DatasetConfig
from engine.data.options import LIMITS as TABLE_LIMITS
from engine.data.options import MISSING, TableOptions
from engine.data.source import DataSource
from explorer.shared import widgets
from explorer.shared.cache import digest


@pytest.fixture(autouse=True)
def _clear_caches():
    st.cache_data.clear()
    yield


def _picker() -> None:
    import streamlit as st

    from explorer.shared import widgets

    loaded = widgets.data_source("t", 3)
    if loaded is not None:
        data, source = loaded
        st.session_state["seen"] = (data.n_samples, data.name, source)


def _rows(n: int) -> bytes:
    return b"a,b,kind\n" + b"".join(f"{i},{i * i % 7},{'xy'[i % 2]}\n".encode() for i in range(n))


def test_two_files_of_one_name_are_two_sources_and_two_datasets():
    at = AppTest.from_function(_picker, default_timeout=60)
    at.session_state["t_data"] = "upload"
    at.session_state["t_maxrows"] = 500  # no URL table here: the widgets start where they are set
    at.run()
    assert not at.exception and "seen" not in at.session_state
    seen = []
    for n in (12, 20, 12):
        at.sidebar.get("file_uploader")[0].set_value(("data.csv", _rows(n), "text/csv"))
        at.run()
        assert not at.exception and not at.error
        seen.append(at.session_state["seen"])
    opts = TableOptions(label="kind", max_rows=500, seed=3)
    assert seen[0] == (12, "data", DataSource.of_upload("data.csv", digest(_rows(12)), opts))
    assert seen[1][0] == 20 and seen[1][2] != seen[0][2], "the second file's rows, under its own key"
    assert seen[2] == seen[0], "the first file again: the same source"


def test_generators_and_samples_give_their_own_sources():
    at = AppTest.from_function(_picker, default_timeout=60)
    at.session_state["t_data"] = "circles"
    at.session_state["t_n"], at.session_state["t_noise"], at.session_state["t_maxrows"] = 120, 0.25, 500
    at.run()
    assert not at.exception
    n, _, source = at.session_state["seen"]
    assert n == 120 and source == DataSource.of_config(DatasetConfig("circles", 120, 0.25, 2, seed=3))
    at.sidebar.selectbox(key="t_data").set_value("sample:iris_flowers").run()
    assert not at.exception
    assert at.session_state["seen"][2] == DataSource.of_sample(
        "iris_flowers", TableOptions("species", max_rows=500, seed=3)
    )


def test_data_params_bounds_are_the_engines_limits():
    params = {p.key: p for p in widgets.data_params("moons")}
    assert params["n"].bounds == LIMITS["n_samples"]
    assert params["noise"].bounds == LIMITS["noise"]
    assert params["classes"].bounds == LIMITS["n_classes"]
    assert params["maxrows"].bounds == TABLE_LIMITS["max_rows"]
    assert params["maxrows"].default == TableOptions().max_rows
    assert params["missing"].choices == MISSING and params["missing"].default == TableOptions().missing
    assert (params["n"].default, params["noise"].default) == (
        DatasetConfig().n_samples,
        DatasetConfig().noise,
    )
