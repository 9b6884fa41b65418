"""umap_digits, umap_click, umap_50k, tsne_5k: our UMAP and t-SNE against umap-learn, scikit-learn and openTSNE.

Each side runs in a fresh interpreter, alternating, so both pay their imports (and umap-learn its
JIT compilation, as a user's first run does) and drifts in machine load hit both alike; umap_50k also
times umap-learn warm (a second fit in a process whose JIT is compiled), as a user's later runs are.
Quality is trustworthiness with k = 10 on the same rows for all sides."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import ROOT, benchmark, free_port, median, run_python
from benchmarks._browser import chromium, goto_when_served, server, streamlit_command
from benchmarks._data import curved_clusters

# A fresh process: load the table, then time the import and the fit. Peak memory is the process's
# VmHWM: ru_maxrss would carry over the parent's peak across fork and exec.
OURS = r"""
import json, sys, time
import numpy as np
from benchmarks import vmhwm_mb
X = np.load(sys.argv[1])
method, scale, nn = sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
first = []
t = time.perf_counter()
from engine.embed.config import EmbedConfig
from engine.embed.methods import embed
cfg = EmbedConfig(method=method, scale=scale, n_neighbors=nn)
emb = embed(X, cfg, on_layout=lambda f, c, i: first or first.append(time.perf_counter() - t))
seconds = time.perf_counter() - t
np.save(sys.argv[5], emb.coords)
from engine.device import resolve_device
print(json.dumps({"seconds": seconds, "first_layout": first[0], "peak_mb": vmhwm_mb(), "device": resolve_device(cfg.device)}))
"""

# The peers: argv is the table, where to save the coordinates, then any extra arguments.
UMAP_LEARN = r"""
import json, sys, time, warnings
import numpy as np
from benchmarks import vmhwm_mb
warnings.filterwarnings("ignore")
X = np.load(sys.argv[1])
t = time.perf_counter()
import umap
Y = umap.UMAP().fit_transform(X)
seconds = time.perf_counter() - t
np.save(sys.argv[2], Y)
print(json.dumps({"seconds": seconds, "peak_mb": vmhwm_mb()}))
"""

# umap-learn as a second fit in a running process: imported and its numba JIT compiled by a fit of
# a sample (argv[3] rows, default 2,000) before the clock, then the timed fit of the whole table.
UMAP_LEARN_WARM = r"""
import json, sys, time, warnings
import numpy as np
from benchmarks import vmhwm_mb
warnings.filterwarnings("ignore")
X = np.load(sys.argv[1])
import umap
t = time.perf_counter()
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
umap.UMAP().fit_transform(X[np.random.default_rng(1).choice(len(X), min(len(X), rows), replace=False)])
warmup = time.perf_counter() - t
t = time.perf_counter()
Y = umap.UMAP().fit_transform(X)
seconds = time.perf_counter() - t
np.save(sys.argv[2], Y)
print(json.dumps({"seconds": seconds, "warmup_s": warmup, "peak_mb": vmhwm_mb()}))
"""

SKLEARN_TSNE = r"""
import json, sys, time
import numpy as np
from benchmarks import vmhwm_mb
X = np.load(sys.argv[1])
t = time.perf_counter()
from sklearn.manifold import TSNE
tsne = TSNE(2, init="pca", learning_rate="auto", random_state=0)
Y = tsne.fit_transform(X)
seconds = time.perf_counter() - t
np.save(sys.argv[2], Y)
early = TSNE._EXPLORATION_MAX_ITER
print(json.dumps({"seconds": seconds, "peak_mb": vmhwm_mb(), "iterations": {"early_exaggeration": early, "max_total": tsne.max_iter, "total_run": int(tsne.n_iter_)}}))
"""

# openTSNE with its own defaults, on as many threads as ours gives it (argv[3]).
OPENTSNE = r"""
import json, sys, time
import numpy as np
from benchmarks import vmhwm_mb
X = np.load(sys.argv[1])
t = time.perf_counter()
import openTSNE
tsne = openTSNE.TSNE(random_state=0, n_jobs=int(sys.argv[3]))
Y = np.asarray(tsne.fit(X))
seconds = time.perf_counter() - t
np.save(sys.argv[2], Y)
print(json.dumps({"seconds": seconds, "peak_mb": vmhwm_mb(), "iterations": {"early_exaggeration": tsne.early_exaggeration_iter, "after": tsne.n_iter}}))
"""


def trust(X: np.ndarray, coords: np.ndarray, rows: int = 5_000) -> float:
    """Trustworthiness (k = 10) on a fixed seeded sample of at most `rows` rows."""
    from sklearn.manifold import trustworthiness

    pick = np.arange(len(X))
    if len(X) > rows:
        pick = np.sort(np.random.default_rng(0).choice(len(X), rows, replace=False))
    return float(trustworthiness(X[pick], coords[pick], n_neighbors=10))


def head_to_head(
    X: np.ndarray, repeat: int, ours_args: list[str], peers: dict[str, tuple[str, list[str]]]
) -> dict:
    """Alternate fresh-process runs of ours and each peer (name -> (code, extra arguments)) on X.
    Ours: medians and quality; each peer: seconds, trust (medians), peak_mb (max), runs_s and its first
    run's other figures."""
    with tempfile.TemporaryDirectory() as tmp:
        data, out = str(Path(tmp) / "X.npy"), str(Path(tmp) / "out.npy")
        np.save(data, X)
        ours, trust_ours = [], []
        runs: dict[str, list[dict]] = {name: [] for name in peers}
        for _ in range(repeat):
            ours.append(run_python(OURS, data, *ours_args, out))
            trust_ours.append(trust(X, np.load(out)))
            for name, (code, extra) in peers.items():
                runs[name].append(run_python(code, data, out, *extra) | {"trust": trust(X, np.load(out))})
    side = {
        name: {k: v for k, v in done[0].items() if k not in ("seconds", "trust", "peak_mb")}
        | {
            "seconds": median([r["seconds"] for r in done]),
            "trust": median([r["trust"] for r in done]),
            "peak_mb": max(r["peak_mb"] for r in done),
            "runs_s": [r["seconds"] for r in done],
        }  # fmt: skip
        for name, done in runs.items()
    }
    ours_side = {
        "seconds": median([r["seconds"] for r in ours]),
        "trust": median(trust_ours),
        "first_layout_s": median([r["first_layout"] for r in ours]),
        "peak_mb": max(r["peak_mb"] for r in ours),
        "device": ours[0]["device"],
        "runs_s": [r["seconds"] for r in ours],
    }
    return {"ours": ours_side, **side}


def passes(ours_s: float, peer_s: float, share: float, trust_ours: float, trust_peer: float) -> bool:
    """The embedding benchmarks' rule: at most `share` of the peer's time, trustworthiness at most
    0.01 below the peer's."""
    return ours_s <= share * peer_s and trust_ours >= trust_peer - 0.01


def _figures(ours: dict, peer: dict) -> dict:
    """The figures every embedding benchmark prints for ours against its main peer."""
    return {
        "ours_s": ours["seconds"],
        "peer_s": peer["seconds"],
        "trust_ours": ours["trust"],
        "trust_peer": peer["trust"],
        "first_layout_s": ours["first_layout_s"],
        "peak_mb": ours["peak_mb"],
        "peer_peak_mb": peer["peak_mb"],
        "device": ours["device"],
        "ours_runs_s": ours["runs_s"],
        "peer_runs_s": peer["runs_s"],
    }


@benchmark(
    "umap_50k",
    "ours (fresh process) <= 1/3 x umap-learn in a fresh process (import and JIT compilation in its time) "
    "and <= 1/3 x umap-learn warm (JIT compiled by a small fit first, in the same process), "
    "trustworthiness >= each one's - 0.01 (ours on a CUDA GPU when there is one: see its device)",
    repeat=3,
    cuda=True,
)
def umap_50k(repeat: int) -> dict:
    X, _ = curved_clusters(50_000, 50, seed=0)
    r = head_to_head(
        X, repeat, ["umap", "0", "15"], {"fresh": (UMAP_LEARN, []), "warm": (UMAP_LEARN_WARM, [])}
    )
    ours, fresh, warm = r["ours"], r["fresh"], r["warm"]
    return _figures(ours, fresh) | {
        "meets": passes(ours["seconds"], fresh["seconds"], 1 / 3, ours["trust"], fresh["trust"])
        and passes(ours["seconds"], warm["seconds"], 1 / 3, ours["trust"], warm["trust"]),
        "warm_peer_s": warm["seconds"],  # the timed fit only, after the warm-up fit
        "warm_ratio": ours["seconds"] / warm["seconds"],
        "warm_trust_peer": warm["trust"],
        "warm_peer_warmup_s": warm["warmup_s"],  # import not included: umap-learn's JIT on 2,000 rows
        "warm_peer_runs_s": warm["runs_s"],
    }


@benchmark(
    "tsne_5k",
    "ours <= 1/2 x scikit-learn's TSNE with trustworthiness >= its - 0.01, and <= 0.8 x openTSNE with its "
    "defaults (same threads as ours) with trustworthiness >= its - 0.01",
    repeat=3,
)
def tsne_5k(repeat: int) -> dict:
    from engine.embed.tsne import EARLY_ITER, TsneParams

    X, _ = curved_clusters(5_000, 50, seed=0)
    threads = os.cpu_count() or 1  # what our t-SNE gives openTSNE
    peers = {"sklearn": (SKLEARN_TSNE, []), "opentsne": (OPENTSNE, [str(threads)])}
    r = head_to_head(X, repeat, ["tsne", "0", "15"], peers)
    ours, sk, ot = r["ours"], r["sklearn"], r["opentsne"]
    return _figures(ours, sk) | {
        "meets": passes(ours["seconds"], sk["seconds"], 1 / 2, ours["trust"], sk["trust"])
        and passes(ours["seconds"], ot["seconds"], 0.8, ours["trust"], ot["trust"]),
        "opentsne_s": ot["seconds"],
        "opentsne_ratio": ours["seconds"] / ot["seconds"],
        "trust_opentsne": ot["trust"],
        "opentsne_peak_mb": ot["peak_mb"],
        "opentsne_runs_s": ot["runs_s"],
        "threads": threads,
        "iterations": {
            "ours": {"early_exaggeration": EARLY_ITER, "after": TsneParams().n_iter},
            "sklearn": sk["iterations"],
            "opentsne": ot["iterations"],
        },
    }


def digits_in_browser(browser) -> dict:
    """Launch the app (this checkout's code) and open the inspector on UMAP of digits: seconds from
    launch until the first picture, until the finished embedding is drawn (the chart titled "UMAP",
    where live layouts say "optimising") and until its scores are shown; the trustworthiness the page
    shows."""
    port = free_port()
    cmd = [sys.executable, "-m", "explorer.cli", "--no-browser", "--port", str(port)]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        start = time.perf_counter()
        with server(cmd, ROOT):
            goto_when_served(page, f"http://127.0.0.1:{port}/inspector?data=digits&methods=umap")
            charts = page.locator(
                '[data-testid="stMainBlockContainer"] [data-testid="stPlotlyChart"]'
            )  # not the sidebar's
            charts.first.wait_for(timeout=120_000)
            first = time.perf_counter() - start
            charts.locator(".gtitle", has_text=re.compile(r"^UMAP$")).first.wait_for(timeout=120_000)
            shown = time.perf_counter() - start
            scores = page.get_by_text(re.compile(r"trustworthiness \d\.\d{3}")).first
            scores.wait_for(timeout=120_000)
            done = time.perf_counter() - start
            score = float(re.search(r"trustworthiness (\d\.\d{3})", scores.inner_text()).group(1))
        return {"first": first, "shown": shown, "done": done, "trust": score}
    finally:
        context.close()


# The floor under umap_digits: a bare Streamlit app drawing finished coordinates of the same rows as
# a Plotly scatter of the trace type the app draws for that many points (`explorer.shared.figures.
# point_trace`, filled in as TRACE), with no computation at all.
FLOOR_APP = """
import numpy as np, plotly.graph_objects as go, streamlit as st
Y = np.load("coords.npy")
st.title("Floor")
st.plotly_chart(go.Figure(go.TRACE(x=Y[:, 0], y=Y[:, 1], mode="markers"), layout_title_text="UMAP"))
"""


def floor_in_browser(browser, folder: Path) -> float:
    """Seconds from launching the floor app (FLOOR_APP in `folder`) until its chart is drawn."""
    port = free_port()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        start = time.perf_counter()
        with server(streamlit_command(folder / "floor.py", port), folder):
            goto_when_served(page, f"http://127.0.0.1:{port}/")
            page.locator('[data-testid="stPlotlyChart"] .gtitle', has_text="UMAP").first.wait_for(
                timeout=60_000
            )
            return time.perf_counter() - start
    finally:
        context.close()


@benchmark(
    "umap_digits",
    "app launch -> finished UMAP of digits drawn <= a bare Streamlit app drawing the same finished "
    "coordinates (floor) + 1.0 s, trustworthiness >= umap-learn's - 0.01 (umap-learn fresh process: "
    "the floor's coordinates, reported as umap_learn_s)",
    repeat=3,
)
def umap_digits(repeat: int) -> dict:
    from engine.data.datasets import load_bundled
    from engine.embed.methods import standardize
    from explorer.shared.figures import point_trace

    X = standardize(load_bundled("digits").X)  # what the page embeds (features standardised)
    ours, peer, trust_peer, floor = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        data, out = str(Path(tmp) / "X.npy"), str(Path(tmp) / "peer.npy")
        np.save(data, X)
        trace = point_trace(len(X)).__name__
        (Path(tmp) / "floor.py").write_text(FLOOR_APP.replace("TRACE", trace))
        for _ in range(repeat):
            ours.append(digits_in_browser(browser))
            peer.append(run_python(UMAP_LEARN, data, out)["seconds"])
            trust_peer.append(trust(X, np.load(out)))
            np.save(Path(tmp) / "coords.npy", np.load(out))
            floor.append(floor_in_browser(browser, Path(tmp)))
    ours_s, floor_s = median([r["shown"] for r in ours]), median(floor)
    t_ours, t_peer = median([r["trust"] for r in ours]), median(trust_peer)
    return {
        "ours_s": ours_s,  # launch -> the finished embedding drawn
        # launch -> a bare Streamlit app's Plotly chart of finished coordinates: no computation at all
        "peer_s": floor_s,
        "meets": ours_s <= floor_s + 1.0 and t_ours >= t_peer - 0.01,
        "over_floor_s": ours_s - floor_s,
        "first_picture_s": median([r["first"] for r in ours]),
        "scores_shown_s": median([r["done"] for r in ours]),
        "umap_learn_s": median(peer),  # fresh process, import and JIT compilation included
        "umap_learn_ratio": ours_s / median(peer),
        "trust_ours": t_ours,  # as the page shows it, 3 decimals
        "trust_peer": t_peer,
        "ours_runs_s": [r["shown"] for r in ours],
        "floor_runs_s": floor,
        "umap_learn_runs_s": peer,
    }


def click_in_browser(browser) -> dict:
    """Launch the app showing PCA of digits and wait until its scores are shown; then add UMAP in the
    Methods box and press Compute: seconds from that press until the finished UMAP is painted
    ("painted", on the page's clock, PRESS_TO_PAINT) and until the driver sees it ("observed"). The
    press comes about 1.5 s after the scores, as a user who chooses UMAP at once makes it: the
    server's background warm-up waits for 5 s without a page run, so it has not started.

    Compute is pressed once the Methods list has closed, as a user sees it: a click in the fraction of
    a second while the list is still closing is dropped by the browser's widget (no rerun is sent), and
    nothing would ever be computed. The press is checked to have started a run with UMAP (the page
    writes its methods to the URL at the start of its run) before the wait for the finished chart."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    port = free_port()
    cmd = [sys.executable, "-m", "explorer.cli", "--no-browser", "--port", str(port)]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        with server(cmd, ROOT):
            goto_when_served(page, f"http://127.0.0.1:{port}/inspector?data=digits&methods=pca")
            page.get_by_text(re.compile(r"trustworthiness \d\.\d{3}")).first.wait_for(timeout=120_000)
            sidebar = page.locator("[data-testid='stSidebar']")
            methods = sidebar.locator("[data-testid='stMultiSelect']").filter(has_text="Methods")
            umap = page.get_by_role("option", name="UMAP", exact=True)
            for _ in range(10):  # the first click on the box may only focus the page
                methods.locator("input").click()
                with contextlib.suppress(PlaywrightTimeout):
                    umap.wait_for(timeout=1_000)
                    break
            umap.click()
            page.keyboard.press("Escape")
            methods.get_by_text("UMAP", exact=True).wait_for(timeout=10_000)  # the choice is shown
            page.get_by_role("listbox").wait_for(state="hidden", timeout=10_000)  # the list closed
            compute = sidebar.get_by_role("button", name="Compute", exact=True)
            compute.focus()  # the focused box is a row taller; leaving it moves Compute up
            settle(compute)
            page.evaluate(PRESS_TO_PAINT)
            start = time.perf_counter()
            compute.click()
            try:  # within the timed span: the clock runs on while the press is checked
                page.wait_for_url(re.compile(r"[?&]methods=[^&]*umap"), wait_until="commit", timeout=20_000)
            except Exception as exc:
                raise RuntimeError(f"pressing Compute started no run with UMAP ({page.url})") from exc
            umap_title = page.locator('[data-testid="stPlotlyChart"] .gtitle', has_text=re.compile(r"^UMAP$"))
            umap_title.first.wait_for(timeout=120_000)
            observed = time.perf_counter() - start
            page.wait_for_function("window.__painted !== null", timeout=10_000)
            return {
                "painted": page.evaluate("(window.__painted - window.__pressed) / 1000"),
                "observed": observed,
            }
    finally:
        context.close()


# In the page, on the page's own clock: when the press begins (the pointerdown event's time stamp), and
# when the frame showing the finished UMAP chart (its title and its points) has been painted (each
# animation frame looks for them, as cheaply as the page's own rendering allows; once found, a timeout
# after that frame reads the clock). The driver's own wait sees the chart up to 0.2 s later: it polls the page over its
# connection, and the browser's next task (the chart's resize) runs first.
PRESS_TO_PAINT = """() => {
    window.__pressed = null; window.__painted = null;
    document.addEventListener("pointerdown", (e) => { window.__pressed = e.timeStamp; }, {capture: true, once: true});
    const titles = document.getElementsByClassName("gtitle");  // live: no search per frame
    const look = () => {
        for (const t of titles) {
            const plot = t.closest(".js-plotly-plot");  // its points drawn too (SVG paths or a WebGL canvas)
            if (window.__pressed !== null && t.textContent === "UMAP"
                && plot && plot.querySelector(".scatterlayer .point, canvas.gl-canvas-context")) {
                setTimeout(() => { window.__painted = performance.now(); });
                return;
            }
        }
        requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
}"""


def settle(locator, timeout: float = 10.0) -> None:
    """Wait until `locator`'s box stops moving (two reads 100 ms apart agree): a press on a button
    whose layout is still shifting lands beside it and is lost."""
    deadline, box = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = locator.bounding_box()
        if now is not None and now == box:
            return
        box = now
    raise RuntimeError("the button kept moving")


@benchmark(
    "umap_click",
    "in a running app showing PCA of digits, UMAP added and Compute pressed -> the finished UMAP painted, "
    "on the page's clock: <= 1.0 s (peer: umap-learn warm, its JIT compiled by a fit of 500 rows, fitting "
    "the same digits in the same process; observed_s: the same span as the driver's wait sees it)",
    repeat=3,
)
def umap_click(repeat: int) -> dict:
    from engine.data.datasets import load_bundled
    from engine.embed.methods import standardize

    X = standardize(load_bundled("digits").X)
    ours, peer = [], []
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        data, out = str(Path(tmp) / "X.npy"), str(Path(tmp) / "peer.npy")
        np.save(data, X)
        for _ in range(repeat):  # a fresh server each time: the result would be cached
            ours.append(click_in_browser(browser))
            peer.append(run_python(UMAP_LEARN_WARM, data, out, "500")["seconds"])
    ours_s = median([r["painted"] for r in ours])
    return {
        "ours_s": ours_s,  # Compute pressed -> the finished UMAP painted
        "peer_s": median(peer),  # the fit alone, nothing drawn
        "meets": ours_s <= 1.0,
        "observed_s": median([r["observed"] for r in ours]),
        "ours_runs_s": [r["painted"] for r in ours],
        "observed_runs_s": [r["observed"] for r in ours],
        "peer_runs_s": peer,
    }


@benchmark("first_picture_50k", "UMAP of an uploaded 50,000 x 50 CSV in a browser: the first picture within 2 s", repeat=3)  # fmt: skip
def first_picture_50k(repeat: int) -> dict:
    """A fresh server for each run: open the inspector with UMAP chosen, upload the table, and time
    from the table shown as read (its caption) to the first picture, and to the finished embedding."""
    import pandas as pd

    X, labels = curved_clusters(50_000, 50, seed=0)
    runs = []
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        csv = Path(tmp) / "clusters_50k.csv"
        pd.DataFrame(X.round(5), columns=[f"f{j}" for j in range(50)]).assign(label=labels).to_csv(
            csv, index=False
        )
        for _ in range(repeat):
            runs.append(upload_in_browser(browser, csv))
    first = median([r["first"] for r in runs])
    return {
        "ours_s": first,  # the table read -> the first picture drawn
        "meets": first <= 2.0,
        "finished_s": median([r["finished"] for r in runs]),
        "upload_to_read_s": median([r["read"] for r in runs]),
        "first_runs_s": [r["first"] for r in runs],
    }


# The title of the first chart that draws all 50,000 rows (the uploaded table, not the link's sample).
CHART_OF_50K = """() => {
    for (const gd of document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")) {
        const rows = (gd._fullData || []).reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
        if (rows === 50000) return (gd.layout.title.text || "").replace(/<[^>]*>/g, "");
    }
    return null;
}"""


def upload_in_browser(browser, csv: Path) -> dict:
    """Seconds from choosing the file to the table shown as read, then to its first picture and to its
    finished UMAP (the link's upload falls back to a sample first, which is computed before the clock)."""
    port = free_port()
    cmd = [sys.executable, "-m", "explorer.cli", "--no-browser", "--port", str(port)]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        with server(cmd, ROOT):
            goto_when_served(page, f"http://127.0.0.1:{port}/inspector?data=upload&methods=umap")
            page.get_by_text(re.compile(r"trustworthiness \d")).first.wait_for(timeout=120_000)  # the sample
            start = time.perf_counter()
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(csv)
            page.get_by_text("50,000 rows × 50 features").first.wait_for(timeout=120_000)
            read = time.perf_counter()
            page.wait_for_function(f"({CHART_OF_50K})() !== null", timeout=120_000, polling=50)
            first = time.perf_counter()
            page.wait_for_function(f"({CHART_OF_50K})() === 'UMAP'", timeout=300_000, polling=100)
            finished = time.perf_counter()
        return {"read": read - start, "first": first - read, "finished": finished - read}
    finally:
        context.close()
