"""umap_digits, umap_50k, tsne_5k: our UMAP and t-SNE against umap-learn and scikit-learn.

Each side runs in a fresh interpreter, alternating, so both pay their imports (and umap-learn its
JIT compilation, as a user's first run does) and drifts in machine load hit both alike. Quality is
trustworthiness with k = 10 on the same rows for both sides.
"""

from __future__ import annotations

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
import json, re, sys, time
import numpy as np
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
peak = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
from engine.device import resolve_device
print(json.dumps({"seconds": seconds, "first_layout": first[0], "peak_mb": peak, "device": resolve_device(cfg.device)}))
"""

UMAP_LEARN = r"""
import json, re, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
X = np.load(sys.argv[1])
t = time.perf_counter()
import umap
Y = umap.UMAP().fit_transform(X)
seconds = time.perf_counter() - t
np.save(sys.argv[2], Y)
peak = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""

SKLEARN_TSNE = r"""
import json, re, sys, time
import numpy as np
X = np.load(sys.argv[1])
t = time.perf_counter()
from sklearn.manifold import TSNE
Y = TSNE(2, init="pca", learning_rate="auto", random_state=0).fit_transform(X)
seconds = time.perf_counter() - t
np.save(sys.argv[2], Y)
peak = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""


def trust(X: np.ndarray, coords: np.ndarray, rows: int = 5_000) -> float:
    """Trustworthiness (k = 10) on a fixed seeded sample of at most `rows` rows."""
    from sklearn.manifold import trustworthiness

    pick = np.arange(len(X))
    if len(X) > rows:
        pick = np.sort(np.random.default_rng(0).choice(len(X), rows, replace=False))
    return float(trustworthiness(X[pick], coords[pick], n_neighbors=10))


def head_to_head(X: np.ndarray, repeat: int, ours_args: list[str], peer_code: str, share: float) -> dict:
    """Alternate fresh-process runs of ours and the peer on X; medians, quality, and whether ours
    `passes` with at most `share` of the peer's time."""
    with tempfile.TemporaryDirectory() as tmp:
        data, out_ours, out_peer = (str(Path(tmp) / f) for f in ("X.npy", "ours.npy", "peer.npy"))
        np.save(data, X)
        ours, peer, trust_ours, trust_peer = [], [], [], []
        for _ in range(repeat):
            ours.append(run_python(OURS, data, *ours_args, out_ours))
            trust_ours.append(trust(X, np.load(out_ours)))
            peer.append(run_python(peer_code, data, out_peer))
            trust_peer.append(trust(X, np.load(out_peer)))
    ours_s, peer_s = median([r["seconds"] for r in ours]), median([r["seconds"] for r in peer])
    t_ours, t_peer = median(trust_ours), median(trust_peer)
    return {
        "ours_s": ours_s,
        "peer_s": peer_s,
        "meets": passes(ours_s, peer_s, share, t_ours, t_peer),
        "trust_ours": t_ours,
        "trust_peer": t_peer,
        "first_layout_s": median([r["first_layout"] for r in ours]),
        "peak_mb": max(r["peak_mb"] for r in ours),
        "peer_peak_mb": max(r["peak_mb"] for r in peer),
        "device": ours[0]["device"],
        "ours_runs_s": [r["seconds"] for r in ours],
        "peer_runs_s": [r["seconds"] for r in peer],
    }


def passes(ours_s: float, peer_s: float, share: float, trust_ours: float, trust_peer: float) -> bool:
    """The embedding benchmarks' rule: at most `share` of the peer's time, trustworthiness at most
    0.01 below the peer's."""
    return ours_s <= share * peer_s and trust_ours >= trust_peer - 0.01


@benchmark("umap_50k", "ours <= 1/3 x umap-learn (fresh process) and trustworthiness >= its - 0.01", repeat=3)
def umap_50k(repeat: int) -> dict:
    X, _ = curved_clusters(50_000, 50, seed=0)
    return head_to_head(X, repeat, ["umap", "0", "15"], UMAP_LEARN, share=1 / 3)


@benchmark("tsne_5k", "ours <= 1/2 x scikit-learn TSNE and trustworthiness >= its - 0.01", repeat=3)
def tsne_5k(repeat: int) -> dict:
    X, _ = curved_clusters(5_000, 50, seed=0)
    return head_to_head(X, repeat, ["tsne", "0", "15"], SKLEARN_TSNE, share=1 / 2)


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
            charts = page.locator('[data-testid="stPlotlyChart"]')
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
# a Plotly scatter, with no computation at all.
FLOOR_APP = """
import numpy as np, plotly.graph_objects as go, streamlit as st
Y = np.load("coords.npy")
st.title("Floor")
st.plotly_chart(go.Figure(go.Scattergl(x=Y[:, 0], y=Y[:, 1], mode="markers"), layout_title_text="UMAP"))
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


@benchmark("umap_digits", "app launch -> finished UMAP of digits drawn <= 1/4 x umap-learn (fresh process), trustworthiness >= its - 0.01", repeat=3)  # fmt: skip
def umap_digits(repeat: int) -> dict:
    from engine.data.datasets import load_bundled
    from engine.embed.methods import standardize

    X = standardize(load_bundled("digits").X)  # what the page embeds (features standardised)
    ours, peer, trust_peer, floor = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        data, out = str(Path(tmp) / "X.npy"), str(Path(tmp) / "peer.npy")
        np.save(data, X)
        (Path(tmp) / "floor.py").write_text(FLOOR_APP)
        for _ in range(repeat):
            ours.append(digits_in_browser(browser))
            peer.append(run_python(UMAP_LEARN, data, out)["seconds"])
            trust_peer.append(trust(X, np.load(out)))
            np.save(Path(tmp) / "coords.npy", np.load(out))
            floor.append(floor_in_browser(browser, Path(tmp)))
    ours_s, peer_s = median([r["shown"] for r in ours]), median(peer)
    t_ours, t_peer = median([r["trust"] for r in ours]), median(trust_peer)
    return {
        "ours_s": ours_s,  # launch -> the finished embedding drawn
        "peer_s": peer_s,
        "meets": passes(ours_s, peer_s, 1 / 4, t_ours, t_peer),
        "first_picture_s": median([r["first"] for r in ours]),
        "scores_shown_s": median([r["done"] for r in ours]),
        # launch -> a bare Streamlit app's Plotly chart of finished coordinates: no computation at all
        "floor_s": median(floor),
        "floor_ratio": median(floor) / peer_s,
        "trust_ours": t_ours,  # as the page shows it, 3 decimals
        "trust_peer": t_peer,
        "ours_runs_s": [r["shown"] for r in ours],
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
