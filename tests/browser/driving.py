"""Driving the real app in Playwright: opening a page, waiting for its charts, checking for exceptions."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

CHART = "[data-testid='stPlotlyChart']"
WAIT = 90_000


def open_app(page: Page, path: str) -> None:
    page.goto(page.base_url + path)
    page.wait_for_selector("[data-testid='stAppViewContainer']")


def no_exception(page: Page) -> None:
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.all_inner_texts()


def wait_charts(page: Page, n: int) -> None:
    """At least n charts, and the run finished: no "running" widget, which shows only after a delay,
    and no element still marked stale from the run before (a short run shows no widget at all)."""
    expect(page.locator(CHART).nth(n - 1)).to_be_visible(timeout=WAIT)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=WAIT)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=WAIT)


def download(page: Page, chart: int, fmt: str) -> bytes:
    """Open the Export popover under the chart-th figure and download one format."""
    page.get_by_role("button", name="Export", exact=True).nth(chart).click()
    popover = page.locator("[data-testid='stPopoverBody']").last
    with page.expect_download(timeout=WAIT) as info:
        popover.get_by_role("button", name=fmt, exact=True).click()
    data = Path(info.value.path()).read_bytes()
    page.keyboard.press("Escape")
    return data
