"""The Manifold geometry page in headless Chromium: a click on the 2-D graph measures geodesics from
the clicked point (and puts it in the link); on Few labels, clicking one point of each moon labels
them and the three learners appear with those two points ringed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.driving import CHART, WAIT, no_exception, open_app, wait_charts

pytestmark = pytest.mark.browser

POINT = """([chart, trace, index]) => {
    const plot = document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")[chart];
    const t = plot._fullData[trace], xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
    const box = plot.getBoundingClientRect();
    return [box.left + xa._offset + xa.l2p(t.x[index]), box.top + ya._offset + ya.l2p(t.y[index]),
            t.customdata[index][0]];
}"""


def click_point(page: Page, chart: int, trace: int, index: int) -> int:
    """Click the index-th point of a trace of the chart-th chart; the row it carries."""
    page.locator(CHART).nth(chart).scroll_into_view_if_needed()
    x, y, row = page.evaluate(POINT, [chart, trace, index])
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    return int(row)


def test_a_click_on_the_graph_measures_from_that_point(page):
    open_app(page, "/geometry?data=moons&n=300&noise=0.1")
    wait_charts(page, 4)
    no_exception(page)
    expect(page.locator(f"{CHART} .gtitle").first).to_have_text(
        "Geodesic distance from point 0 (along the graph)"
    )
    click_point(page, 0, 1, 150)  # trace 1: the points coloured by geodesic distance
    page.wait_for_function("() => /[?&]src=\\d+/.test(window.location.search)", timeout=WAIT)
    wait_charts(page, 4)
    src = int(re.search(r"[?&]src=(\d+)", page.url).group(1))
    assert src != 0
    expect(page.locator(f"{CHART} .gtitle").first).to_have_text(
        f"Geodesic distance from point {src} (along the graph)", timeout=WAIT
    )
    no_exception(page)


def test_clicking_one_point_of_each_moon_labels_them(page):
    open_app(page, "/geometry?data=moons&n=300&noise=0.05&part=labels&hand=1")
    wait_charts(page, 1)
    expect(page.get_by_text("Click points on the plot to label them")).to_be_visible(timeout=WAIT)
    first = click_point(page, 0, 1, 0)  # trace 1: the first class's points
    page.wait_for_function("() => /[?&]picked=\\d+/.test(window.location.search)", timeout=WAIT)
    wait_charts(page, 1)
    expect(page.get_by_text("have no labelled point")).to_be_visible(timeout=WAIT)  # one class is not enough
    second = click_point(page, 0, 2, 0)  # trace 2: the other class
    wait_charts(page, 4)
    expect(page.locator("[data-testid='stMetric']", has_text="Label spreading")).to_be_visible(timeout=WAIT)
    picked = re.search(r"[?&]picked=([\d%C,]+)", page.url).group(1).replace("%2C", ",")
    assert sorted(map(int, picked.split(","))) == sorted([first, second])
    no_exception(page)
