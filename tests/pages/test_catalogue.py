"""The catalogue of malformed and hostile CSV files (tests/data/make_catalogue.py) through the engine
and through the real Manifold inspector page: each gives its expected message or a dataset whose
notes say what was done, within a time and memory bound, and the page stays usable afterwards."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from engine.data.tables import TableOptions, read_table, suggest_label, table_to_dataset
from explorer.shared.export import FORMULA_PREFIXES, csv_bytes, embedding_frame
from tests.apptest import charts, inspector

DATA = Path(__file__).resolve().parents[1] / "data"
_spec = importlib.util.spec_from_file_location("make_catalogue", DATA / "make_catalogue.py")
catalogue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalogue)

NAMES = list(catalogue.MANIFEST)
SECONDS = 30.0  # per file through the engine, on a busy 2-core machine; most take milliseconds
FORMULAS = ("formula_cells.csv", "formula_label.csv", "formula_header.csv")


def file_bytes(name: str) -> bytes:
    path = catalogue.CATALOGUE / name
    return path.read_bytes() if path.exists() else catalogue.build(name)


def through_engine(name: str):
    """read_table, then table_to_dataset with the suggested (or the manifest's) label."""
    table = read_table(file_bytes(name), name)
    label = catalogue.MANIFEST[name].get("options", {}).get("label", suggest_label(table.frame))
    return table_to_dataset(table, TableOptions(label=label)), label


def bounded(fn, seconds: float) -> tuple[object, BaseException | None, float, int]:
    """fn() in a thread: (result, exception, seconds taken, peak traced bytes); fails past `seconds`."""
    box: dict = {}

    def work() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # reported to the test, which decides
            box["error"] = exc

    tracemalloc.start()
    start = time.perf_counter()
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    took = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not thread.is_alive(), f"still running after {seconds:.0f} s"
    return box.get("result"), box.get("error"), took, peak


def test_catalogue_is_large_and_its_files_are_what_the_script_makes():
    manifest = json.loads((catalogue.CATALOGUE / "manifest.json").read_text())
    assert len(NAMES) >= 40 and set(manifest) == set(NAMES)
    on_disk = {p.name for p in catalogue.CATALOGUE.iterdir()} - {"manifest.json"}
    assert on_disk == {n for n in NAMES if manifest[n]["on_disk"]}
    for name in on_disk:
        assert (catalogue.CATALOGUE / name).read_bytes() == catalogue.build(name), f"regenerate: {name}"
    big = [n for n in NAMES if not manifest[n]["on_disk"]]
    assert big == ["huge_cell_5m_chars.csv"] and len(catalogue.build(big[0])) > 5_000_000
    assert len(catalogue.build("wide_10000_columns.csv").split(b"\n", 1)[0].split(b",")) == 10_000
    outcomes = {e["outcome"] for e in manifest.values()}
    assert outcomes == {"message", "result"}


@pytest.mark.parametrize("name", NAMES)
def test_engine_gives_the_expected_message_or_dataset(name):
    expect = catalogue.MANIFEST[name]
    size = len(file_bytes(name))
    result, error, took, peak = bounded(lambda: through_engine(name), SECONDS)
    assert error is None or isinstance(error, ValueError), f"{type(error).__name__}: {error}"
    assert peak < 300 * 2**20 + 40 * size, f"peak {peak / 2**20:.0f} MB for a {size:,}-byte file"
    if expect["outcome"] == "message":
        assert error is not None, f"expected a message, got a dataset: {result[0].notes}"
        message = str(error)
        assert len(message) > 30 and message.rstrip().endswith((".", ")"))
        for phrase in expect["contains"]:
            assert phrase in message, f"{phrase!r} not in {message!r}"
        return
    assert error is None, f"expected a dataset, got: {error}"
    data, label = result
    notes = " ".join(data.notes)
    for phrase in expect["notes"]:
        assert phrase in notes, f"{phrase!r} not in {data.notes}"
    assert data.notes[0].startswith("Read ")
    assert data.X.ndim == 2 and data.X.dtype == np.float64 and np.isfinite(data.X).all()
    assert len(data.feature_names) == data.n_features >= 1 and data.n_samples >= 2
    if "rows" in expect:
        assert data.n_samples == expect["rows"]
    if "features" in expect:
        assert data.n_features == expect["features"]
    if "label" in expect:
        assert label == expect["label"]
    if "classes" in expect:
        assert data.n_classes == expect["classes"]
    if label is None:
        assert data.y is None
    else:
        assert data.y.shape == (data.n_samples,) and set(data.y) <= set(range(data.n_classes))


def test_engine_reads_the_values_not_just_the_shape():
    """Spot checks that the messy notations became the right numbers."""
    semicolon, _ = through_engine("semicolon_decimal_comma.csv")
    plain, _ = through_engine("windows_line_endings.csv")
    np.testing.assert_array_equal(semicolon.X, plain.X)  # same rows, other notation
    money, _ = through_engine("currency_and_percent.csv")
    np.testing.assert_array_equal(money.X[:3, 0], [1000.5, 1037.5, 1074.5])
    np.testing.assert_array_equal(money.X[:3, 1], [0.0, 3.0, 6.0])
    mixed = read_table(file_bytes("mixed_encodings.csv"))
    assert set(mixed.frame["city"]) == {"Zürich", "São Paulo", "Köln"}
    zeros = read_table(file_bytes("negative_zero.csv")).frame["z"]
    assert (zeros == 0).all()


@pytest.mark.parametrize("name", FORMULAS)
def test_formula_cells_are_kept_as_text_and_defused_on_export(name):
    data, _ = through_engine(name)
    table = read_table(file_bytes(name), name)
    written = [str(v) for col in table.frame.columns for v in [col, *table.frame[col]]]
    risky = {v for v in written if v.startswith(FORMULA_PREFIXES) and not _is_number(v)}
    assert risky, "the file should hold formula-looking text"
    if name == "formula_cells.csv":  # read as the literal text, never evaluated
        assert set(table.frame["cell"]) == {"=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3"}
    rows = np.arange(data.n_samples)
    frames = [data.original, embedding_frame(data, rows, np.zeros((data.n_samples, 2)), "pca")]
    for frame in frames:
        exported = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
        cells = {cell for row in exported for cell in row}
        for value in risky & {str(v) for col in frame.columns for v in [col, *frame[col]]}:
            assert value not in cells and "'" + value in cells, value
        dangerous = [c for c in cells if c.startswith(("=", "@", "+")) and not _is_number(c)]
        assert not dangerous, dangerous


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# --- the real page: every file uploaded to the Manifold inspector, then a sample still works ------


@pytest.mark.parametrize("name", NAMES)
def test_page_shows_a_message_or_a_chart_and_stays_usable(name, fresh_caches):
    expect = catalogue.MANIFEST[name]
    at = inspector({"data": "upload", "methods": "pca"})
    at.sidebar.get("file_uploader")[0].set_value((name, file_bytes(name), "text/csv"))
    at.run()
    if "options" in expect and not at.exception:  # a label chosen by the user instead of the suggested one
        at.sidebar.selectbox(key="mi_label").set_value(expect["options"]["label"]).run()
    assert not at.exception, at.exception[0].value
    errors = [e.value for e in at.error]
    if expect["outcome"] == "message":
        assert len(errors) == 1 and not charts(at)
        for phrase in expect["contains"]:
            assert phrase in errors[0]
    else:
        caption = " ".join(c.value for c in at.caption)
        if "rows" in expect:
            assert f"{expect['rows']:,} rows" in caption
        assert len(charts(at)) + len(errors) == 1  # PCA's chart, or why PCA cannot run (e.g. 2 rows)
        assert all(len(e) > 20 for e in errors)
    at.sidebar.selectbox(key="mi_data").set_value("moons").run()
    assert not at.exception and not at.error
    assert len(charts(at)) == 1 and at.session_state["mi_data"] == "moons"
