"""Every page through Streamlit's AppTest: controls by key, session state and chart specs."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import TIMEOUT, charts, inspector, open_page, values

pytestmark = pytest.mark.usefixtures("fresh_caches")


def test_home_offers_scenarios_and_global_controls():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Manifold Explorer"
    links = at.get("page_link")
    assert len(links) >= 4
    assert at.session_state["g_seed"] == 0 and at.session_state["g_device"] == "auto"
    assert any("Device:" in c.value for c in at.sidebar.caption)


def test_inspector_default_shows_pca_and_isomap_of_swiss_roll():
    at = inspector()
    assert not at.exception and not at.error
    specs = charts(at)
    titles = [s["layout"]["title"]["text"] for s in specs[:2]]
    assert titles == ["PCA", "Isomap"]
    assert {t["type"] for t in specs[0]["data"]} == {"scatter"}  # 1,000 points: SVG
    assert any("trustworthiness" in m.value for m in at.markdown)
    assert len(specs) == 3 and specs[2]["data"][0]["type"] == "bar"  # quality comparison
    assert at.session_state["mi_data"] == "swiss_roll"


def test_link_state_is_applied_and_written_back():
    at = inspector({"data": "iris", "methods": "pca", "dim": "3", "seed": "7"})
    assert not at.exception
    specs = charts(at)
    assert len(specs) == 1 and specs[0]["data"][0]["type"] == "scatter3d"
    assert at.session_state["g_seed"] == 7
    assert at.query_params["data"] in ("iris", ["iris"])


def test_bad_link_values_fall_back_with_a_warning():
    at = inspector({"data": "nope", "n": "-4", "methods": "pca"})
    assert not at.exception
    assert at.session_state["mi_data"] == "swiss_roll" and at.session_state["mi_n"] == 1000
    assert len(at.toast) == 2


def test_changing_a_control_recomputes():
    at = inspector({"methods": "pca"})
    at.sidebar.selectbox(key="mi_data").set_value("blobs").run()
    assert not at.exception
    spec = charts(at)[0]
    assert len(spec["data"]) == 3  # one trace per blob class
    at.sidebar.slider(key="mi_n").set_value(200).run()
    assert (
        sum(len(t["x"]["bdata"]) if isinstance(t["x"], dict) else len(t["x"]) for t in charts(at)[0]["data"])
        > 0
    )
    assert at.query_params["n"] in ("200", ["200"])


def test_upload_csv_shows_notes_and_embedding():
    at = inspector({"data": "upload", "methods": "pca"})
    assert not at.exception and any("Upload a CSV" in i.value for i in at.info)
    csv = b"id,a,b,c,kind\n" + b"".join(
        f"{i},{i % 7},{(i * 3) % 11},{'' if i % 10 == 0 else i % 5},{'xy'[i % 2]}\n".encode()
        for i in range(60)
    )
    at.sidebar.get("file_uploader")[0].set_value(("mine.csv", csv, "text/csv"))
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["mi_label"] == "kind"
    assert any("60 rows" in c.value for c in at.caption)
    assert len(charts(at)) == 1
    notes = " ".join(m.value for m in at.markdown)
    assert "Imputed" in notes


def _upload_table(fmt: str) -> bytes:
    """A 60-row table with gaps and a label, written as Parquet or as a workbook of two sheets."""
    import io

    import pandas as pd

    frame = pd.DataFrame({"a": [i % 7 for i in range(60)], "b": [None if i % 10 == 0 else i / 3 for i in range(60)],
                          "kind": ["xy"[i % 2] for i in range(60)]})  # fmt: skip
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.to_parquet(buffer, index=False)
    else:
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="Data", index=False)
            frame.head(3).to_excel(writer, sheet_name="Scratch", index=False)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "said"),
    [("mine.parquet", "(Parquet)"), ("mine.xlsx", "Read the first of the workbook's 2 sheets, 'Data'")],
)
def test_upload_parquet_and_xlsx_show_notes_and_embedding(name, said):
    at = inspector({"data": "upload", "methods": "pca"})
    content = _upload_table(name.rsplit(".", 1)[1])
    at.sidebar.get("file_uploader")[0].set_value((name, content, "application/octet-stream"))
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["mi_label"] == "kind"
    assert any("**mine**: 60 rows × 2 features, 2 classes" in c.value for c in at.caption)
    assert len(charts(at)) == 1
    notes = " ".join(m.value for m in at.markdown)
    assert said in notes and "Imputed 6 missing cells in 1 column with the column median" in notes


def test_a_truncated_parquet_upload_is_a_message_not_a_traceback():
    at = inspector({"data": "upload", "methods": "pca"})
    content = _upload_table("parquet")
    at.sidebar.get("file_uploader")[0].set_value(
        ("cut.parquet", content[: len(content) // 2], "application/octet-stream")
    )
    at.run()
    assert not at.exception and not charts(at)
    assert len(at.error) == 1 and "Parquet file could not be read" in at.error[0].value
    assert "Upload the whole file again" in at.error[0].value


@pytest.mark.parametrize("content", [b"", b"a,b,c\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary"])
def test_bad_upload_gives_a_message_and_the_app_stays_usable(content):
    at = inspector({"data": "upload", "methods": "pca"})
    at.sidebar.get("file_uploader")[0].set_value(("bad.csv", content, "text/csv"))
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and len(at.error[0].value) > 20
    at.sidebar.selectbox(key="mi_data").set_value("moons").run()
    assert not at.exception and not at.error and len(charts(at)) == 1


def test_a_failing_method_shows_its_error_and_others_render():
    at = inspector({"data": "moons", "n": "20", "methods": "pca,tsne", "perp": "50"})
    assert not at.exception
    assert len(at.error) == 1 and "erplexity" in at.error[0].value
    assert len(charts(at)) == 1


def test_selection_is_highlighted_and_listed():
    at = inspector({"data": "iris", "methods": "pca,kernel_pca"})
    at.session_state["mi_selected"] = [0, 1, 2, 50]
    at.run()
    assert not at.exception
    for spec in charts(at)[:2]:
        chosen = sum(len(t.get("selectedpoints", [])) for t in spec["data"])
        assert chosen == 4
    assert at.subheader[-1].value.startswith("Selected rows (4)")
    assert len(at.dataframe[0].value) == 4


def test_sample_csv_loads_with_its_label():
    at = inspector({"data": "sample:iris_flowers", "methods": "pca"})
    assert not at.exception and not at.error
    assert at.session_state["mi_label"] != "(none)"
    assert len(charts(at)) == 1


def test_umap_and_tsne_leave_only_their_final_layouts_on_the_page():
    at = inspector({"data": "moons", "n": "300", "methods": "umap,tsne"})
    assert not at.exception and not at.error
    specs = charts(at)
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert len(specs) == 3 and titles[:2] == ["UMAP", "t-SNE"]  # the live previews are gone
    assert all(sum(len(values(t["x"])) for t in s["data"]) == 300 for s in specs[:2])


def test_page_tests_run_with_the_servers_settings(tmp_path):
    """AppTest gets explorer/config.toml's settings, so a page that puts an unpicklable value in
    session state fails here as it would on the server."""
    script = tmp_path / "unpicklable.py"
    script.write_text("import streamlit as st\nst.session_state['f'] = lambda: 0\nst.write('ran')\n")
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT).run()
    assert at.exception, "an unpicklable session-state value was accepted"
