"""Many users: the real server, ten concurrent browser sessions, each with its own CSV.

Each session uploads a different CSV (its own column names, class names and values), trains a
network on the Layer manifolds page and embeds the same file with UMAP in the Manifold inspector.
The test checks that every session finishes, that each sees only its own data (on the page, in the
chart data and in the files the server sends back for download), and that the server's memory
stays bounded. It prints the figures (sessions, wall time, peak RSS, waiting messages: at least
that many jobs queued) and writes them to `load_report.json` in the test's tmp dir.

Marked `load`: the default run skips it; `.ci/run` runs it with `python -m pytest -m load`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import launched_app

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SESSIONS = 10
ROWS = 300
CLASSES = ("red", "green", "blue")
TRAIN_QUERY = "epochs=150&every=5"  # a short run: the load is ten of them at once, not a long one
# The server (Streamlit, torch, sklearn, umap/numba and two model-fitting worker processes) peaked
# at 1.2 GiB of summed RSS in this test on a 2-core machine: ten sessions add only their uploads,
# results and figures (a few MB each), since at most HEAVY_SLOTS computations hold working memory at
# once. 4 GiB, a quarter of a 16 GiB laptop, leaves room for more cores (more slots) and still fails
# if the job limit or the caches stop doing their work.
RSS_BOUND = 4 * 2**30
SAMPLE_EVERY_S = 0.5
# One page's work, queued behind the other nine sessions. On a 2-core machine whose cores are also
# held by two busy loops, with OpenBLAS's Haswell kernels, the last session's training finished after
# more than 240 s: the bounds catch a stuck queue, not a slow machine.
STEP_TIMEOUT_S = 420
RUN_TIMEOUT_S = 720  # the whole run: a stuck queue fails the test in minutes, not hours
PREFIX = re.compile(r"s(\d\d)_(?:red|green|blue|a|b|c)\b|load_s(\d\d)")
PAGE_STATE = """() => {
    const q = (s) => document.querySelectorAll(s).length;
    const plots = [...document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")];
    return {
        text: document.body.innerText,
        charts: q("[data-testid='stPlotlyChart']"),
        running: q("[data-testid='stStatusWidget']") + q("[data-stale='true']"),  // the widget shows late
        exceptions: q("[data-testid='stException']"),
        errors: [...document.querySelectorAll("[data-testid='stAlertContentError']")].map(e => e.innerText),
        plots: plots.map(p => JSON.stringify({data: p.data || [], layout: p.layout || {}})).join("\\n"),
        waits: window.__waits || [],
    };
}"""
# Every "Waiting: ..." message the page shows, however briefly (a poll could miss one that lasts a
# few frames): the jobs ahead of it, read from "and N is/are waiting".
WATCH_WAITING = """(() => {
    window.__waits = [];
    let last = {text: "", t: 0};
    const note = (text) => {
        if (!text || !text.includes("Waiting:")) return;
        const now = performance.now();
        if (text === last.text && now - last.t < 200) return;  // one message met twice in a render
        last = {text, t: now};
        const m = text.match(/and (\\d+) (?:is|are) waiting/);
        window.__waits.push(m ? Number(m[1]) : 0);
    };
    new MutationObserver((mutations) => {
        for (const m of mutations) {
            if (m.type === "characterData") note(m.target.data);
            for (const n of m.addedNodes) note(n.textContent);
        }
    }).observe(document, {childList: true, subtree: true, characterData: true});
})()"""


def tag(i: int) -> str:
    return f"s{i:02d}"


def session_csv(i: int, folder: Path) -> tuple[Path, pd.DataFrame]:
    """Session i's file: 3 numeric columns and a label, every name and value its own."""
    rng = np.random.default_rng(1000 + i)
    y = np.arange(ROWS) % len(CLASSES)
    centres = rng.normal(scale=3.0, size=(len(CLASSES), 3))
    X = centres[y] + rng.normal(size=(ROWS, 3)) + 10.0 * i  # sessions' values never overlap
    frame = pd.DataFrame(X.round(4), columns=[f"feat_{tag(i)}_{c}" for c in "abc"])
    frame["label"] = [f"{tag(i)}_{CLASSES[k]}" for k in y]
    path = folder / f"load_{tag(i)}.csv"
    frame.to_csv(path, index=False)
    return path, frame


@dataclass
class Server:
    url: str
    pid: int
    log: Path


@pytest.fixture
def server(tmp_path):
    """A fresh app server (empty caches, nothing warmed yet) through its command line."""
    log = tmp_path / "server.log"
    with launched_app(log) as (url, proc):
        yield Server(url, proc.pid, log)


class MemorySampler:
    """Summed RSS of a process and all its children, sampled on a thread until stopped."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.samples: list[tuple[float, int, int]] = []  # (seconds, bytes, processes)
        self.at_peak: list[tuple[int, str]] = []  # the processes when the peak was sampled
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")

    def _run(self) -> None:
        import psutil

        start = time.monotonic()
        while not self._stop.is_set():
            total, procs = 0, [self.proc, *self.proc.children(recursive=True)]
            for p in procs:
                with contextlib.suppress(psutil.Error):  # a worker that exited since the listing
                    total += p.memory_info().rss
            if total > self.peak:
                self.at_peak = [(p.pid, _command(p)) for p in procs]
            self.samples.append((time.monotonic() - start, total, len(procs)))
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> int:
        return max((s[1] for s in self.samples), default=0)


def _command(proc) -> str:
    import psutil

    try:
        return " ".join(proc.cmdline())[-90:]
    except psutil.Error:
        return "(exited)"


@dataclass
class Outcome:
    session: int
    steps: dict[str, float] = field(default_factory=dict)  # step -> seconds it took
    waits: list[tuple[str, int]] = field(default_factory=list)  # (step, jobs ahead) per waiting message
    page_waits: int = 0  # waiting messages of the current page already counted
    foreign: list[str] = field(default_factory=list)  # other sessions' names seen anywhere
    error: str | None = None
    deadline: float = field(default_factory=lambda: time.monotonic() + RUN_TIMEOUT_S)


async def settle(page, outcome: Outcome, step: str, done) -> dict:
    """Poll the page until `done(state)`; note any waiting message, fail on an exception box."""
    start = time.monotonic()
    deadline = min(start + STEP_TIMEOUT_S, outcome.deadline)
    while True:
        state = await page.evaluate(PAGE_STATE)
        outcome.waits += [(step, ahead) for ahead in state["waits"][outcome.page_waits :]]
        outcome.page_waits = len(state["waits"])
        seen = {int(a or b) for a, b in PREFIX.findall(state["text"] + state["plots"])}
        outcome.foreign += [f"{step}: {tag(j)}" for j in sorted(seen - {outcome.session})
                            if f"{step}: {tag(j)}" not in outcome.foreign]  # at any moment, not only the end  # fmt: skip
        if state["exceptions"]:
            raise AssertionError(f"{step}: an exception box appeared:\n{state['text'][-2000:]}")
        if state["errors"]:
            raise AssertionError(f"{step}: an error appeared: {state['errors']}")
        if done(state):
            outcome.steps[step] = round(time.monotonic() - start, 1)
            return state
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{step}: not done after {time.monotonic() - start:.0f} s:\n{state['text'][-2000:]}"
            )
        await asyncio.sleep(0.25)


def check_own(state: dict, i: int, outcome: Outcome, step: str) -> None:
    """The page's text and chart data name this session's data and no other session's."""
    seen = {int(a or b) for a, b in PREFIX.findall(state["text"] + state["plots"])}
    outcome.foreign += [f"{step}: {tag(j)}" for j in sorted(seen - {i})]
    assert i in seen, f"{step}: session {i}'s own names are not on its page"
    for name in CLASSES:
        assert f"{tag(i)}_{name}" in state["plots"], f"{step}: class {tag(i)}_{name} is not in the charts"


CANCELED_DOWNLOADS: list[str] = []  # a download the browser cancelled (the page reran under it), then retried


async def download(page, trigger, attempts: int = 3) -> bytes:
    for attempt in range(attempts):
        async with page.expect_download(timeout=120_000) as info:
            await trigger()
        try:
            return Path(await (await info.value).path()).read_bytes()
        except Exception as exc:  # noqa: BLE001 - Playwright reports a cancelled download as a plain Error
            if "canceled" not in str(exc) or attempt == attempts - 1:
                raise
            CANCELED_DOWNLOADS.append(page.url)
            await asyncio.sleep(1.0)
    raise AssertionError("unreachable")


async def goto(page, url: str, outcome: Outcome) -> None:
    await page.goto(url)
    outcome.page_waits = 0


async def upload(page, csv: Path) -> None:
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(csv)


async def layers_step(page, url: str, i: int, csv: Path, frame: pd.DataFrame, outcome: Outcome) -> None:
    await goto(page, f"{url}/layers?data=upload&{TRAIN_QUERY}", outcome)
    await upload(page, csv)
    ready = f"{ROWS} points, {len(CLASSES)} classes"
    await settle(page, outcome, "layers: upload", lambda s: load_name(i) in s["text"] and ready in s["text"])
    await page.get_by_role("button", name="Train", exact=True).click()
    state = await settle(
        page, outcome, "layers: train",
        lambda s: s["charts"] >= 3 and not s["running"] and "SVM on its last hidden layer" in s["text"]
        and all(f"{tag(i)}_{name}" in s["plots"] for name in CLASSES),  # drawn, not only placed
    )  # fmt: skip
    check_own(state, i, outcome, "layers")
    acts = pd.read_csv(
        io.BytesIO(await download(page, page.get_by_role("button", name="Activations (CSV)").click))
    )
    assert len(acts) == ROWS, f"layers: the activations CSV has {len(acts)} rows"
    assert list(acts["label"]) == list(frame["label"]), (
        "layers: the activations CSV holds another table's labels"
    )


async def inspector_step(page, url: str, i: int, csv: Path, frame: pd.DataFrame, outcome: Outcome) -> None:
    await goto(page, f"{url}/inspector?data=upload&methods=umap", outcome)
    await upload(page, csv)
    state = await settle(
        page, outcome, "inspector: umap",
        lambda s: load_name(i) in s["text"] and s["charts"] >= 1 and not s["running"]
        and "trustworthiness" in s["text"]
        and all(f"{tag(i)}_{name}" in s["plots"] for name in CLASSES),  # its own embedding, not the link's sample
    )  # fmt: skip
    check_own(state, i, outcome, "inspector")

    async def export_csv() -> None:
        main = page.locator("[data-testid='stMainBlockContainer']")  # not the sidebar's "Export all"
        csv = page.locator("[data-testid='stPopoverBody']").last.get_by_role("button", name="CSV", exact=True)
        # a retried download finds the popover still open, and a click on Export would close it
        if not await csv.is_visible():
            await main.get_by_role("button", name="Export").first.click()
        await csv.click()

    table = pd.read_csv(io.BytesIO(await download(page, export_csv))).sort_values("row")
    assert len(table) == ROWS, f"inspector: the embedding CSV has {len(table)} rows"
    assert {"umap_1", "umap_2"} <= set(table.columns)
    assert np.isfinite(table[["umap_1", "umap_2"]].to_numpy()).all()
    assert [c for c in table.columns if c.startswith("feat_")] == list(frame.columns[:3]), table.columns
    own = frame.iloc[table["row"].to_numpy()]
    assert np.allclose(table[own.columns[:3]].to_numpy(), own[own.columns[:3]].to_numpy()), (
        "inspector: the embedding CSV holds another table's values"
    )
    assert list(table["label"]) == list(own["label"])


def load_name(i: int) -> str:
    return f"load_{tag(i)}"


async def one_session(browser, url: str, i: int, csv: Path, frame: pd.DataFrame) -> Outcome:
    outcome = Outcome(i)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    await context.add_init_script(WATCH_WAITING)
    try:
        page = await context.new_page()
        page.set_default_timeout(120_000)
        await layers_step(page, url, i, csv, frame, outcome)
        await inspector_step(page, url, i, csv, frame, outcome)
    except Exception as exc:  # noqa: BLE001 - every session's failure is reported together
        outcome.error = f"{type(exc).__name__}: {exc}"[:3000]
    finally:
        await context.close()
    return outcome


async def drive(url: str, files: list[tuple[Path, pd.DataFrame]]) -> list[Outcome]:
    from playwright.async_api import async_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(
                *(one_session(browser, url, i, csv, frame) for i, (csv, frame) in enumerate(files))
            )
        finally:
            await browser.close()


def test_ten_sessions_each_see_only_their_own_data(server, tmp_path):
    pytest.importorskip("playwright")
    pytest.importorskip("psutil")
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        if os.environ.get("CI"):
            pytest.fail("Chromium is not on PATH: the load test is required under CI.")
        pytest.skip("Chromium is not on PATH")
    files = [session_csv(i, tmp_path) for i in range(SESSIONS)]
    start = time.monotonic()
    with MemorySampler(server.pid) as memory:
        outcomes = asyncio.run(drive(server.url, files))
    wall = time.monotonic() - start
    log = server.log.read_text(errors="replace")
    report = {
        "sessions": SESSIONS,
        "sessions_finished": sum(o.error is None for o in outcomes),
        "wall_s": round(wall, 1),
        "peak_rss_mib": round(memory.peak / 2**20),
        "rss_bound_mib": RSS_BOUND // 2**20,
        "server_processes_max": max(s[2] for s in memory.samples),
        "rss_samples": len(memory.samples),
        "processes_at_peak": memory.at_peak,
        "sessions_that_waited": sum(bool(o.waits) for o in outcomes),
        "waiting_messages_seen": sum(len(o.waits) for o in outcomes),  # at least this many jobs queued
        "most_jobs_waiting_seen": max((a for o in outcomes for _, a in o.waits), default=0),
        "downloads_retried_after_cancel": len(CANCELED_DOWNLOADS),
        "outcomes": [asdict(o) for o in outcomes],
    }
    (tmp_path / "load_report.json").write_text(json.dumps(report, indent=2))
    print("\nload test:", json.dumps({k: v for k, v in report.items() if k != "outcomes"}))
    for o in outcomes:
        print(f"  {tag(o.session)}: seconds {o.steps}, waited {len(o.waits)}x {o.waits or ''}"
              + (f" ERROR {o.error}" if o.error else ""))  # fmt: skip
    print(f"  report: {tmp_path / 'load_report.json'}")
    failed = [f"{tag(o.session)}: {o.error}" for o in outcomes if o.error]
    assert not failed, "\n".join(failed) + "\n--- server log tail ---\n" + log[-4000:]
    foreign = [f"{tag(o.session)} saw {o.foreign}" for o in outcomes if o.foreign]
    assert not foreign, foreign
    assert "Traceback" not in log, log[-4000:]
    assert memory.peak < RSS_BOUND, f"peak RSS {memory.peak / 2**20:.0f} MiB"
