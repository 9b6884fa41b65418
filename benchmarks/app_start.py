"""cold_start: from launching the command to the home page rendered in a browser."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks import ROOT, benchmark, free_port, median
from benchmarks._browser import (
    MAIN_H1,
    app_command,
    chromium,
    goto_when_served,
    maps_mention,
    server,
    streamlit_command,
)

TORCH, NUMBA = "/torch/lib/libtorch", "/numba/"  # shared objects of torch and of umap's numba


def first_paint(browser, cmd: list[str], cwd: Path, port: int, heading: str) -> tuple[float, float, dict]:
    """Seconds from starting `cmd` until the server answers and until `heading` shows as the main
    h1; which libraries the server had loaded by then."""
    context = browser.new_context()
    try:
        page = context.new_page()
        start = time.perf_counter()
        with server(cmd, cwd) as proc:
            goto_when_served(page, f"http://127.0.0.1:{port}/")
            served = time.perf_counter() - start
            page.locator(MAIN_H1, has_text=heading).first.wait_for(state="visible", timeout=60_000)
            seconds = time.perf_counter() - start
            loaded = maps_mention(proc.pid, TORCH, NUMBA)
        return served, seconds, loaded
    finally:
        context.close()


@benchmark("cold_start", "ours <= 1.5 x bare Streamlit app")
def cold_start(repeat: int) -> dict:
    ours, peer, ours_served, peer_served, torch_loaded, umap_loaded = [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        bare = Path(tmp) / "hello.py"
        bare.write_text('import streamlit as st\nst.title("Hello")\n')
        for _ in range(repeat):  # alternate, so drifts in machine load hit both sides alike
            port = free_port()
            served, seconds, loaded = first_paint(browser, app_command(port), ROOT, port, "Manifold Explorer")
            ours_served.append(served)
            ours.append(seconds)
            torch_loaded.append(loaded[TORCH])
            umap_loaded.append(loaded[NUMBA])
            port = free_port()
            served, seconds, _ = first_paint(browser, streamlit_command(bare, port), Path(tmp), port, "Hello")
            peer_served.append(served)
            peer.append(seconds)
    ours_s, peer_s = median(ours), median(peer)
    return {
        "ours_s": ours_s,
        "peer_s": peer_s,
        "meets": ours_s <= 1.5 * peer_s,
        "ours_served_s": median(ours_served),  # until the server answered the first request
        "peer_served_s": median(peer_served),
        "ours_min_s": min(ours),
        "peer_min_s": min(peer),
        "torch_loaded_at_first_paint": any(torch_loaded),
        "umap_loaded_at_first_paint": any(umap_loaded),
    }
