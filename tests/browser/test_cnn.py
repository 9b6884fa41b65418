"""The Convolutional networks page in headless Chromium: train, click a digit in the layers, step the
attack, download the layer animation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.driving import CHART, WAIT, download, no_exception, open_app, wait_charts

pytestmark = pytest.mark.browser

CHARTS = 11  # layers, curves, depth, strip, saliency, 2 feature maps, filters, attack, probabilities, path
TRAINED = 240_000  # ms: training and everything drawn after it, on a 2-core machine that others load too


def test_train_click_a_digit_step_the_attack_and_download_the_layers(page):
    open_app(page, "/cnn?data=digits&epochs=3")
    expect(page.get_by_text("digits: 1,797 images of 8 x 8 pixels, 10 classes")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.locator(CHART).nth(CHARTS - 1)).to_be_visible(timeout=TRAINED)
    wait_charts(page, CHARTS)
    no_exception(page)

    digit = page.get_by_label(re.compile(r"^Digit \(position"))
    expect(digit).to_have_value("0")
    truth = page.get_by_text(re.compile(r"^True class"))
    before = truth.inner_text()
    # the first panel (input pixels): trace 0 is class 0, whose fourth point is not position 0 (a 5)
    point = (
        page.locator(CHART).first.locator(".subplot.xy .scatterlayer .trace").first.locator(".point").nth(3)
    )
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(digit).not_to_have_value("0", timeout=WAIT)
    wait_charts(page, CHARTS)
    assert truth.inner_text() != before and truth.inner_text().startswith("True class 0"), truth.inner_text()
    no_exception(page)

    titles = page.locator(f"{CHART} .gtitle", has_text=re.compile(r"^Step \d+:"))  # the attack figure's
    expect(titles).to_have_text([re.compile(r"^Step 40:")])
    step = page.locator("[data-testid='stSlider']", has_text="Show step").get_by_role("slider")
    for key, shown in (("Home", r"^Step 0: ‖δ‖₂ = 0\.000"), ("ArrowRight", r"^Step 1: ‖δ‖₂ = 0\.\d*[1-9]")):
        step.focus()
        page.keyboard.press(key)
        expect(titles.filter(has_text=re.compile(shown))).to_be_visible(timeout=WAIT)
        wait_charts(page, CHARTS)
        expect(titles).to_have_text([re.compile(shown)])  # the old step's figure is gone
    no_exception(page)

    html = download(page, 0, "HTML").decode()
    assert "Plotly.newPlot" in html and "Plotly.addFrames" in html and "block 2" in html
    no_exception(page)
