"""The Latent manifolds page's VAE in headless Chromium: train, click the encoded plane to decode that
point, move beta and train again, download the plane's animation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.driving import CHART, WAIT, download, no_exception, open_app, wait_charts

pytestmark = pytest.mark.browser

CHARTS = 7  # plane, loss terms, reconstructions, decoded point, path, halfway, prior draws
TRAINED = 180_000  # ms: training and everything drawn after it, on a 2-core machine that others load too


def test_train_click_the_plane_move_beta_and_download(page):
    open_app(page, "/latent?data=digits&model=vae&vepochs=20")
    expect(page.get_by_text("digits: 1,797 rows, 64 features")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.locator(CHART).nth(CHARTS - 1)).to_be_visible(timeout=TRAINED)
    wait_charts(page, CHARTS)
    no_exception(page)

    z1, z2 = page.get_by_label("z₁").last, page.get_by_label("z₂").last  # a rerun may briefly show two
    expect(z1).to_have_value("0.00")
    # a click in the upper right of the encoded plane (the first subplot) decodes a point there
    plane = page.locator(CHART).first.locator(".nsewdrag").first
    box = plane.bounding_box()
    x, y = box["x"] + 0.8 * box["width"], box["y"] + 0.2 * box["height"]
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    expect(z1).not_to_have_value("0.00", timeout=WAIT)
    wait_charts(page, CHARTS)
    expect(page.get_by_label("z₁")).to_have_count(1)
    assert float(z1.input_value()) > 0 and float(z2.input_value()) > 0, (z1.input_value(), z2.input_value())
    title = page.locator(f"{CHART} .gtitle", has_text=re.compile(r"^z = \("))
    expect(title).to_have_text(
        re.compile(rf"^z = \({float(z1.input_value()):g}, {float(z2.input_value()):g}\)")
    )
    no_exception(page)

    kl = page.locator("[data-testid='stMetric']", has_text="KL").locator("[data-testid='stMetricValue']")
    before = kl.inner_text()
    beta = page.locator("[data-testid='stSlider']", has_text="KL weight").get_by_role("slider")
    beta.focus()
    page.keyboard.press("End")  # beta = 100
    expect(page.get_by_text("through a 2-D latent (a VAE)")).to_be_visible(timeout=WAIT)
    assert "beta=100" in page.url
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("The posterior has collapsed")).to_be_visible(timeout=TRAINED)
    wait_charts(page, CHARTS)
    assert kl.inner_text() != before and float(kl.inner_text().split()[0]) < 0.1, kl.inner_text()
    no_exception(page)

    html = download(page, 0, "HTML").decode()
    assert "Plotly.newPlot" in html and "Plotly.addFrames" in html and "decoded: the 15" in html
    no_exception(page)
