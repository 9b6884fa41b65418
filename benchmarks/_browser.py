"""Helpers for browser benchmarks: headless Chromium, a server process group, polling until served."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
MAIN_H1 = '[data-testid="stMainBlockContainer"] h1'


def app_command(port: int) -> list[str]:
    """`manifold-explorer --no-browser --port PORT`, via the console script next to this Python."""
    script = Path(sys.executable).with_name("manifold-explorer")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "explorer.cli"]
    return [*head, "--no-browser", "--port", str(port)]


def streamlit_command(file: Path, port: int) -> list[str]:
    """`python -m streamlit run FILE` headless on 127.0.0.1:PORT."""
    return [
        sys.executable, "-m", "streamlit", "run", str(file),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless system Chromium (Playwright's own download is not used)."""
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def server(cmd: list[str], cwd: Path) -> Iterator[subprocess.Popen]:
    """Start `cmd` in its own process group; the whole group is killed on exit."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        yield proc
    finally:
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(wait)
                break


def goto_when_served(page, url: str, timeout: float = 60) -> None:
    """`page.goto(url)`, retried every 50 ms until the server answers."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            page.goto(url, wait_until="commit", timeout=timeout * 1000)
            return
        except Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def maps_mention(pid: int, *needles: str) -> dict[str, bool]:
    """Whether the memory map of `pid` holds a file whose path contains each needle."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return dict.fromkeys(needles, False)
    return {n: n in maps for n in needles}


def train_in_browser(browser, path: str, ready: str, read_s: float) -> dict:
    """Launch the app (this checkout's code), open `path`, wait until the text `ready` shows and then
    `read_s` more seconds, as a user reading the page would, and press Train: seconds until the first
    live frame (a chart titled "Epoch N") is drawn, and until the finished animation (a chart with
    its Play button) is drawn."""
    import re

    from benchmarks import ROOT, free_port

    port = free_port()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        with server(app_command(port), ROOT):
            goto_when_served(page, f"http://127.0.0.1:{port}{path}")
            button = page.get_by_role("button", name="Train", exact=True)
            button.wait_for(timeout=120_000)
            page.get_by_text(ready, exact=False).first.wait_for(timeout=120_000)
            time.sleep(read_s)
            start = time.perf_counter()
            button.click()
            charts = page.locator('[data-testid="stPlotlyChart"]')
            charts.locator(".gtitle", has_text=re.compile(r"^Epoch \d+$")).first.wait_for(timeout=120_000)
            first = time.perf_counter() - start
            charts.get_by_text("▶ Play").first.wait_for(timeout=120_000)
            done = time.perf_counter() - start
        return {"first": first, "done": done}
    finally:
        context.close()


def training_runs(path: str, ready: str, read_s: float, repeat: int) -> dict:
    """`train_in_browser` `repeat` times, a fresh server each: the medians (ours_s: the first live
    frame; finished_s: the finished animation) and every run's pair."""
    from benchmarks import median

    with chromium() as browser:
        runs = [train_in_browser(browser, path, ready, read_s) for _ in range(repeat)]
    return {"ours_s": median([r["first"] for r in runs]), "finished_s": median([r["done"] for r in runs]),
            "runs_s": [[round(r["first"], 2), round(r["done"], 2)] for r in runs]}  # fmt: skip
