"""Shared fixtures: the real app served on a free port, and headless Chromium driving it.

Browser tests skip when Chromium or Playwright is missing, except under CI (CI=true), where a
missing browser fails the run instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SERVER_LOGS: list[Path] = []  # the running app's output, shown under a failed browser test


def pytest_configure(config):
    """Page tests run the app inside this process (AppTest): give it the settings the command line
    passes the server (explorer/config.toml), session-state serialisability checks included."""
    import tomllib

    from streamlit import config as st_config

    from explorer.cli import CONFIG

    for section, table in tomllib.loads(CONFIG.read_text()).items():
        for key, value in table.items():
            st_config.set_option(f"{section}.{key}", value, str(CONFIG))


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the browser tests are required under CI (apt-get install chromium).")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def launched_app(
    log: Path, command: list[str] | None = None, cwd: Path = ROOT, env: dict | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The real app, launched through its command line (this checkout's, or `command`) on a free port
    with its output in `log`: (its URL, its process) once it answers, and the whole process group
    stopped afterwards."""
    port = free_port()
    cmd = [*(command or [sys.executable, "-m", "explorer.cli"]), "--no-browser", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start:\n" + log.read_text()[-3000:]) from None
                time.sleep(0.3)
        yield url, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def app_url():
    """The real app, launched through its command line, for the whole session."""
    log = Path(tempfile.mkstemp(prefix="manifold-explorer-", suffix=".log")[1])
    SERVER_LOGS.append(log)
    try:
        with launched_app(log) as (url, _):
            yield url
    finally:
        log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        _missing("Chromium is not on PATH")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(90_000)
    p.base_url = app_url
    yield p
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the tail of the app server's output to the report of a failed browser test."""
    report = (yield).get_result()
    if report.failed and item.get_closest_marker("browser") and SERVER_LOGS and SERVER_LOGS[-1].exists():
        text = SERVER_LOGS[-1].read_text(errors="replace")[-8000:]
        report.sections.append(("app server output (tail)", text or "(empty)"))


@pytest.fixture
def fresh_caches():
    """Every Streamlit cache emptied before the test, so a page computes what it shows."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture
def one_thread(monkeypatch):
    """Trainings on one torch thread. A training picks its thread count from the machine's load
    (engine.cnn.train.train_threads), and float sums differ in the last bits between counts; a run
    reproduces exactly for a given count, which is what the determinism tests check."""
    from engine.cnn import train

    monkeypatch.setattr(train, "train_threads", lambda: 1)
