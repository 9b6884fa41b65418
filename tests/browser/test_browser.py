"""The real app in headless Chromium: links, uploads through the file input, training, downloads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

from explorer.scenarios import SCENARIOS
from explorer.shared.export import image_export_problem
from tests.browser.driving import CHART, WAIT, download, no_exception, open_app, wait_charts

pytestmark = pytest.mark.browser


def messy_csv(path) -> int:
    rng = np.random.default_rng(1)
    n = 150
    frame = pd.DataFrame({
        "sample_id": np.arange(1000, 1000 + n),
        "width": rng.normal(size=n).round(3), "height": rng.normal(size=n).round(3),
        "depth": rng.normal(size=n).round(3), "kind": rng.choice(["oak", "pine", "elm"], size=n),
    })  # fmt: skip
    frame.loc[::15, "height"] = np.nan
    frame.to_csv(path, index=False)
    return n


def test_home_scenario_link_opens_the_inspector(page):
    open_app(page, "/")
    expect(page.get_by_role("heading", name="Manifold Explorer").first).to_be_visible()
    for sc in SCENARIOS:
        expect(page.get_by_role("link", name=sc.title)).to_be_visible()
    page.get_by_role("link", name="Unroll the Swiss roll").click()
    wait_charts(page, 3)
    assert "/inspector?" in page.url and "n=1500" in page.url
    expect(page.get_by_text("swiss_roll: 1,500 rows")).to_be_visible()
    expect(page.get_by_text("LLE", exact=True).first).to_be_visible()
    no_exception(page)


def test_upload_two_methods_and_download_the_embedding(page, tmp_path):
    n = messy_csv(tmp_path / "trees.csv")
    open_app(page, "/inspector?data=upload&methods=pca,tsne")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(tmp_path / "trees.csv")
    # the link's sample is drawn first: wait for the uploaded table's notes, then for its charts
    expect(page.get_by_text("Dropped ID-like column 'sample_id'")).to_be_visible(timeout=WAIT)
    wait_charts(page, 2)
    no_exception(page)
    table = pd.read_csv(io.BytesIO(download(page, 0, "CSV")))
    assert len(table) == n
    assert list(table.columns[:3]) == ["row", "pca_1", "pca_2"]
    assert {"sample_id", "width", "height", "depth", "kind"} <= set(table.columns)
    assert np.isfinite(table[["pca_1", "pca_2"]].to_numpy()).all()
    assert sorted(table["row"]) == list(range(n))


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx", ".csv.gz"])
def test_upload_parquet_excel_and_gzip_through_the_real_file_input(page, tmp_path, suffix):
    """The uploader takes each format (its type filter and the server's size limit let it through)."""
    import gzip

    n = messy_csv(tmp_path / "trees.csv")
    frame, path = pd.read_csv(tmp_path / "trees.csv"), tmp_path / f"trees{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        path.write_bytes(gzip.compress((tmp_path / "trees.csv").read_bytes()))
    open_app(page, "/inspector?data=upload&methods=pca")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(path)
    expect(page.get_by_text(f"Read {n} rows and 5 columns (")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Dropped ID-like column 'sample_id'")).to_be_visible()
    wait_charts(page, 1)
    no_exception(page)


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n\x00\x00binary\x00"])
def test_bad_upload_shows_a_message_and_the_app_recovers(page, tmp_path, content):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    open_app(page, "/inspector?data=upload&methods=pca")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(bad)
    expect(page.locator("[data-testid='stAlertContentError']").first).to_be_visible(timeout=WAIT)
    no_exception(page)
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").nth(1).click()
    page.get_by_role("option", name="Two moons").click()
    wait_charts(page, 1)
    expect(page.locator("[data-testid='stAlertContentError']")).to_have_count(0)
    no_exception(page)


def test_figure_exports_are_valid_files(page):
    open_app(page, "/inspector?data=iris&methods=pca")
    wait_charts(page, 1)
    html = download(page, 0, "HTML").decode()
    assert "Plotly.newPlot" in html and "PCA" in html
    if image_export_problem() is None:
        assert download(page, 0, "PNG").startswith(b"\x89PNG\r\n\x1a\n")


def test_lasso_selection_lists_the_selected_rows(page):
    open_app(page, "/inspector?data=iris&methods=pca")
    wait_charts(page, 1)
    area = page.locator(CHART).first.locator(".nsewdrag").first.bounding_box()
    corners = [(0.02, 0.02), (0.35, 0.02), (0.35, 0.98), (0.02, 0.98), (0.02, 0.03)]  # left third
    points = [(area["x"] + area["width"] * fx, area["y"] + area["height"] * fy) for fx, fy in corners]
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    heading = page.get_by_role("heading", name="Selected rows")
    expect(heading).to_be_visible(timeout=WAIT)
    count = int(heading.inner_text().split("(")[1].rstrip(")"))
    assert 0 < count < 150, heading.inner_text()
    expect(page.locator("[data-testid='stDataFrame']")).to_be_visible()
    no_exception(page)
    page.get_by_role("button", name="Clear selection").click()
    expect(heading).to_have_count(0, timeout=WAIT)
    no_exception(page)


def test_train_scrub_and_download_the_animation(page):
    open_app(page, "/layers?epochs=200&every=5")
    expect(page.get_by_text("moons: 500 points, 2 classes")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_charts(page, 4)
    no_exception(page)
    title = page.locator(CHART).first.locator(".gtitle")
    expect(title).to_have_text("Epoch 200")
    rail = page.locator(CHART).first.locator(".slider-rail-touch-rect").bounding_box()
    page.mouse.click(rail["x"] + 5, rail["y"] + rail["height"] / 2)  # scrub to the first snapshot
    expect(title).to_have_text("Epoch 0")
    html = download(page, 0, "HTML").decode()
    assert "Plotly.newPlot" in html and "Plotly.addFrames" in html and "Epoch 200" in html
    no_exception(page)


SURFACE = """(i) => {
    const plot = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")[i];
    return plot && plot.data ? JSON.stringify(plot.data[0].z) : null;
}"""


def test_changing_a_model_setting_redraws_its_tile(page):
    open_app(page, "/boundaries?models=logreg,knn&voting=0&stacking=0&gridn=50&n=200")
    wait_charts(page, 3)  # two tiles and the disagreement map
    no_exception(page)
    logreg, knn = (page.evaluate(SURFACE, i) for i in (0, 1))
    assert logreg is not None and knn is not None
    page.get_by_role("button", name="Settings").nth(1).click()
    field = page.locator("[data-testid='stPopoverBody']").last.get_by_label("n_neighbors")
    field.fill("40")
    field.press("Enter")
    page.wait_for_function(f"([i, old]) => ({SURFACE})(i) !== old", arg=[1, knn], timeout=WAIT)
    page.keyboard.press("Escape")
    wait_charts(page, 3)
    assert page.evaluate(SURFACE, 0) == logreg, "the other model's tile is unchanged"
    assert "knn_n_neighbors=40" in page.url
    no_exception(page)


def test_a_copied_link_reproduces_the_view_in_a_fresh_browser(page, browser):
    open_app(page, "/boundaries?models=logreg,rbf_svm&voting=0&stacking=0&gridn=50&n=200")
    wait_charts(page, 3)
    redrawn = f"([i, old]) => ({SURFACE})(i) !== old"  # the link changes early in a rerun, the tile later
    before = page.evaluate(SURFACE, 1)
    page.get_by_label("Seed").fill("5")
    page.get_by_label("Seed").press("Enter")
    page.wait_for_function("() => location.search.includes('seed=5')", timeout=WAIT)
    page.wait_for_function(redrawn, arg=[1, before], timeout=WAIT)
    wait_charts(page, 3)
    before = page.evaluate(SURFACE, 1)
    page.get_by_role("button", name="Settings").nth(1).click()
    gamma = page.locator("[data-testid='stPopoverBody']").last.get_by_label("gamma")
    gamma.fill("5")
    gamma.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('rbf_svm_gamma=5')", timeout=WAIT)
    page.wait_for_function(redrawn, arg=[1, before], timeout=WAIT)
    wait_charts(page, 3)
    surfaces = [page.evaluate(SURFACE, i) for i in (0, 1)]
    page.get_by_role("button", name="Share this view").click()
    link = page.locator("[data-testid='stPopoverBody'] code").last.inner_text().strip()
    assert "seed=5" in link and "rbf_svm_gamma=5" in link
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        other.goto(link)
        wait_charts(other, 3)
        no_exception(other)
        again = [other.evaluate(SURFACE, i) for i in (0, 1)]
        assert again == surfaces, (link, other.url, [len(x) for x in again], [len(x) for x in surfaces])
        expect(other.get_by_label("Seed")).to_have_value("5")
    finally:
        fresh.close()


def test_export_all_figures_gives_a_zip_with_every_figure(page):
    open_app(page, "/boundaries?models=logreg,knn&voting=0&stacking=0&gridn=50&n=200")
    wait_charts(page, 3)
    with page.expect_download(timeout=WAIT) as info:
        page.get_by_role("button", name="Export all figures (zip)").click()
    with zipfile.ZipFile(Path(info.value.path())) as zf:
        html = sorted(n for n in zf.namelist() if n.endswith(".html"))
        assert len(html) == 3  # two tiles and the disagreement map
        assert all(b"plotly" in zf.read(n) for n in html)
        if image_export_problem() is None:
            assert all(zf.read(n.replace(".html", ".png"))[:4] == b"\x89PNG" for n in html)
