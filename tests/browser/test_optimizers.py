"""The Optimizer paths page in headless Chromium: a race plays in the browser, a click sets the start."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.driving import CHART, WAIT, no_exception, open_app, wait_charts

pytestmark = pytest.mark.browser

SLIDER = """() => {
    const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
    return plot && plot._fullLayout.sliders ? plot._fullLayout.sliders[0].active : null;
}"""
HEAD = """() => {
    const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
    const line = plot._fullData.find((t) => t.mode === "lines");
    return line ? line.x.length : null;
}"""


FIRST = """() => {
    const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
    const line = plot._fullData.find((t) => t.mode === "lines");
    return [line.x[0], line.y[0]];
}"""


def race(page: Page, query: str) -> None:
    open_app(page, f"/optimizers?{query}")
    wait_charts(page, 3)
    no_exception(page)


def test_play_runs_the_race_from_the_start(page):
    race(page, "surface=quadratic&steps=100&racers=2")
    last = page.evaluate(SLIDER)
    assert last == 59 and page.evaluate(HEAD) == 101, "the figure opens on the whole race"
    page.locator(CHART).first.get_by_text("▶ Play").click()
    page.wait_for_function(f"() => ({SLIDER})() < {last}", timeout=WAIT)
    early = page.evaluate(HEAD)
    assert early < 101, "playing starts from the first steps"
    page.wait_for_function(f"() => ({HEAD})() > {early}", timeout=WAIT)
    page.wait_for_function(f"() => ({SLIDER})() === {last}", timeout=WAIT)
    assert page.evaluate(HEAD) == 101
    no_exception(page)


def test_clicking_the_contours_starts_the_race_there(page):
    race(page, "surface=himmelblau&steps=50&racers=1")
    area = page.locator(CHART).first.locator(".nsewdrag").first.bounding_box()
    at = (area["x"] + area["width"] * 0.75, area["y"] + area["height"] * 0.25)  # (2.5, 2.5) on [-5, 5]^2
    page.mouse.move(*at)
    page.mouse.click(*at)
    page.wait_for_function("() => window.location.search.includes('own=1')", timeout=WAIT)
    wait_charts(page, 3)
    query = dict(kv.split("=") for kv in page.url.split("?")[1].split("&"))
    start = [float(query["sx"]), float(query["sy"])]
    assert abs(start[0] - 2.5) < 0.6 and abs(start[1] - 2.5) < 0.6, page.url
    page.wait_for_function(f"() => ({FIRST})().join() === {start}.join()", timeout=WAIT)
    no_exception(page)
