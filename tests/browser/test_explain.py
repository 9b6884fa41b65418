"""The Explanations page in headless Chromium: a click on the plane moves the explained point, and the
members' bars and every model's waterfall follow it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.driving import CHART, WAIT, no_exception, open_app, wait_charts

pytestmark = pytest.mark.browser

LINEUP = "models=logreg,knn,tree&vmembers=logreg,knn,tree&stacking=0"
PIXEL = """([x, y]) => {
    const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
    const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis, box = plot.getBoundingClientRect();
    return [box.left + xa._offset + xa.l2p(x), box.top + ya._offset + ya.l2p(y)];
}"""


def test_a_click_on_the_plane_explains_that_point_for_every_model(page):
    open_app(page, f"/explain?data=moons&{LINEUP}")
    wait_charts(page, 3)  # the plane, the waterfalls, the vote beside its members
    no_exception(page)
    expect(page.get_by_text(re.compile(r"Why each model decided what it did at row \d+"))).to_be_visible(
        timeout=WAIT
    )
    plane = page.locator(CHART).first
    plane.scroll_into_view_if_needed()
    x, y = page.evaluate(PIXEL, [2.0, 1.0])  # upper right of the moons, inside the decision grid
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_function("() => window.location.search.includes('own=1')", timeout=WAIT)
    wait_charts(page, 3)
    expect(page.get_by_text(re.compile(r"Why each model decided what it did at the point \("))).to_be_visible(
        timeout=WAIT
    )
    query = dict(kv.split("=") for kv in page.url.split("?")[1].split("&"))
    assert abs(float(query["px"]) - 2.0) < 0.2 and abs(float(query["py"]) - 1.0) < 0.2, page.url
    members = page.locator(f"{CHART} .gtitle", has_text="members' weighted mean")
    expect(members).to_have_count(1, timeout=WAIT)
    no_exception(page)
