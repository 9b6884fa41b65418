"""csv_100k: a 100,000 x 50 numeric CSV parsed, validated and shown as a PCA view."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import ROOT, benchmark, free_port, median, run_python, vmhwm_mb
from benchmarks._browser import app_command, chromium, goto_when_served, server

ROWS, COLUMNS = 100_000, 50
MAIN = '[data-testid="stMainBlockContainer"]'

# Each script runs in a fresh interpreter and reads its own VmHWM, so its peak memory is that of the
# work (plus imports), not the parent's carried over.
# Imports happen before the clock in both: a running server has them loaded after its first
# embedding. scikit-learn's import (paid once per server, on the first embedding) is reported apart.
OURS = """
import json, sys, time
from benchmarks import vmhwm_mb
from engine.data.tables import read_table, TableOptions
from engine.data.clean import table_to_dataset
from engine.embed.config import EmbedConfig
from engine.embed.methods import embed, standardize
from engine.embed.quality import quality
from explorer.shared.figures import scatter_figure
t = time.perf_counter()
import sklearn.decomposition, sklearn.manifold
sklearn_import = time.perf_counter() - t
stages, t = {}, time.perf_counter()
def lap(name):
    global t
    now = time.perf_counter(); stages[name] = now - t; t = now
with open(sys.argv[1], "rb") as f:
    table = read_table(f.read(), "wide.csv")
lap("read")
data = table_to_dataset(table, TableOptions())
lap("clean")
cfg = EmbedConfig(method="pca")
emb = embed(data.X, cfg)
lap("pca")
X = standardize(data.X) if cfg.scale else data.X  # as explorer.shared.cache.quality does
q = quality(X[emb.index], emb.coords, None if data.y is None else data.y[emb.index], seed=cfg.seed)
lap("quality")
fig = scatter_figure(emb.coords, data, emb.index, "PCA", ["PCA 1", "PCA 2"])
sent = fig.to_json()
lap("figure")
print(json.dumps({"stages": stages, "peak_mb": vmhwm_mb(), "json_mb": len(sent) / 2**20, "sklearn_import": sklearn_import}))
"""

PEER = """
import json, sys, time
from benchmarks import vmhwm_mb
import pandas as pd
from sklearn.decomposition import PCA
t = time.perf_counter()
coords = PCA(2).fit_transform(pd.read_csv(sys.argv[1]).to_numpy())
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak_mb": vmhwm_mb()}))
"""


def write_csv(path: Path, seed: int = 0) -> None:
    """ROWS x COLUMNS seeded floats with a header row, about 45 MB."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(ROWS, 3))  # a low-rank signal plus noise, so PCA has something to find
    X = latent @ rng.normal(size=(3, COLUMNS)) + 0.3 * rng.normal(size=(ROWS, COLUMNS))
    header = ",".join(f"x{j}" for j in range(COLUMNS))
    np.savetxt(path, X, fmt="%.5f", delimiter=",", header=header, comments="")


def browser_upload(browser, csv: Path) -> dict[str, float]:
    """Upload `csv` on /inspector?data=upload&methods=pca of a fresh server; seconds from handing
    the file to the input until the dataset caption, then the chart, show, and the server process's
    peak memory (its own VmHWM, read before it is stopped)."""
    port = free_port()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        with server(app_command(port), ROOT) as proc:
            goto_when_served(page, f"http://127.0.0.1:{port}/inspector?data=upload&methods=pca")
            upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
            upload.wait_for(state="attached", timeout=60_000)
            start = time.perf_counter()
            upload.set_input_files(str(csv))
            try:
                page.get_by_text(f"{ROWS:,} rows × {COLUMNS} features").wait_for(timeout=120_000)
                parsed = time.perf_counter() - start
                page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=120_000)
            except Exception as exc:
                shown = " | ".join(page.locator(MAIN).inner_text().split("\n")[:6])
                raise RuntimeError(f"{str(exc).splitlines()[0]} Page showed: {shown}") from exc
            chart = time.perf_counter() - start
            return {"parsed": parsed, "chart": chart, "peak_mb": vmhwm_mb(proc.pid)}
    finally:
        context.close()


def browser_figures(csv: Path, runs: int) -> dict:
    """Median seconds of `runs` uploads in the real app; on failure, None and what went wrong."""
    try:
        with chromium() as browser:
            done = [browser_upload(browser, csv) for _ in range(runs)]
    except Exception as exc:  # the figures above still count; say why these are missing
        return {"browser_s": None, "browser_error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}
    return {
        "browser_s": median([r["chart"] for r in done]),  # upload handed over -> chart drawn
        "browser_parsed_s": median([r["parsed"] for r in done]),  # -> dataset caption shown
        "browser_server_peak_mb": max(r["peak_mb"] for r in done),  # the app's server process
    }


@benchmark(
    "csv_100k",
    "a 100,000 x 50 CSV read, cleaned, PCA-embedded, scored and drawn as a figure in a fresh process: "
    "under 5 s and that process's peak memory (its VmHWM) under 2 GB; the app server's VmHWM after the "
    "same upload in a browser is reported apart (browser_server_peak_mb) and not judged",
)
def csv_100k(repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "wide.csv"
        write_csv(csv)
        ours, peer = [], []
        for _ in range(repeat):  # alternate, so drifts in machine load hit both sides alike
            ours.append(run_python(OURS, str(csv)))
            peer.append(run_python(PEER, str(csv)))
        browser = browser_figures(csv, min(repeat, 3))
        csv_mb = csv.stat().st_size / 2**20
    ours.sort(key=lambda r: sum(r["stages"].values()))
    middle = ours[len(ours) // 2]  # the median run (upper middle for an even count)
    ours_s = median([sum(r["stages"].values()) for r in ours])
    peak_mb = max(r["peak_mb"] for r in ours)
    return {
        "ours_s": ours_s,
        "peer_s": median([r["seconds"] for r in peer]),
        "meets": ours_s < 5 and peak_mb < 2048,
        "peak_mb": peak_mb,
        "peer_peak_mb": max(r["peak_mb"] for r in peer),
        "stages_s": middle["stages"],
        "csv_mb": csv_mb,
        "figure_json_mb": middle["json_mb"],
        "sklearn_import_s": median([r["sklearn_import"] for r in ours]),
        **browser,
    }
