"""Manifold inspector: one dataset, up to four embeddings side by side, with their quality.

What to notice: PCA keeps the directions of largest variance and can fold a curved sheet onto
itself; Isomap follows distances along the manifold; t-SNE and UMAP keep neighbourhoods but not
distances. Trustworthiness asks "are the neighbours in the picture real?", continuity asks "are
the real neighbours still neighbours in the picture?". Select points in one view (box or lasso)
to see where they land in the others.
"""

from __future__ import annotations

import time

import streamlit as st

from engine.data.datasets import Dataset
from engine.data.source import DataSource
from engine.embed.config import EmbedConfig
from engine.embed.methods import METHODS, Embedding
from engine.embed.quality import Quality
from explorer.inspector import compute, controls
from explorer.inspector import figures as inspector_figures
from explorer.shared import downloads, export, figures, reproduce, widgets

P = "mi"
TABLE = widgets.data_params("swiss_roll", 1000) + controls.embed_params()
LIVE_EVERY_S = 1.0  # least seconds between two live layouts of up to 25,000 points
LIVE_ROWS = 5_000  # tables this large show their optimising layouts at once
LIVE_AFTER_S = 1.5  # smaller tables show live layouts only after this many seconds
PROGRESS_EVERY_S = 0.25  # least seconds between two updates of a progress bar


def compute_tile(data: Dataset, key: DataSource, cfg: EmbedConfig, selected: list[int]) -> Quality | None:
    """One embedding in its tile: a progress bar and, for UMAP and t-SNE, the layout drawn as it
    optimises; then the final picture at once, and its scores under it as soon as they are computed.
    Returns the scores, or None where the embedding or its scores failed (the tile says why)."""
    label = METHODS[cfg.method].label
    slot, live = st.empty(), st.empty()
    shown = [-PROGRESS_EVERY_S]

    def progress(frac: float, msg: str) -> None:
        now = time.monotonic()  # every update is a message and a redraw in the browser: a few a second
        if now - shown[0] >= PROGRESS_EVERY_S:
            shown[0] = now
            slot.progress(min(frac, 1.0), text=msg)  # the engine's messages name the method

    try:
        emb = compute.embedding(key, data.X, cfg, progress, live_drawer(live, data, cfg))
    except ValueError as exc:
        slot.empty()
        live.empty()
        st.error(str(exc) if str(exc).startswith(label) else f"{label}: {exc}")
        return None
    slot.empty()
    live.empty()
    show_embedding(cfg, emb, data, selected)
    scores = st.empty()
    scores.caption(f"Scoring how faithful the {label} picture is…")
    try:
        q = compute.quality(key, data.X, emb, cfg, data.y)
    except ValueError as exc:
        scores.error(f"{label}: {exc}")
        return None
    parts = [f"trustworthiness **{q.trustworthiness:.3f}**", f"continuity **{q.continuity:.3f}**"]
    if q.knn_accuracy is not None:
        parts.append(f"k-NN accuracy **{q.knn_accuracy:.3f}**")
    if emb.explained_variance is not None:
        parts.append(f"variance explained **{emb.explained_variance.sum():.1%}**")
    scores.markdown(" · ".join(parts) + f" · {emb.seconds:.2f} s")
    for note in emb.notes:
        st.caption(f"ⓘ {note}")
    return q


def live_drawer(live, data: Dataset, cfg: EmbedConfig):
    """A callback drawing intermediate layouts in `live`, at most one every LIVE_EVERY_S seconds per
    25,000 points so that large tables do not flood the browser. Tables of LIVE_ROWS rows or more show
    the first (PCA) picture at once; smaller ones, usually done within a second or two, show nothing
    but the progress bar until LIVE_AFTER_S seconds have passed, since each picture costs the browser
    a redraw that would slow the finished one (a 1,797-row preview took the browser 0.15-0.4 s while
    the layout it announced was optimising)."""
    label, start, last = METHODS[cfg.method].label, time.monotonic(), [0.0]

    def draw(frac: float, coords, rows) -> None:
        now = time.monotonic()
        if len(rows) < LIVE_ROWS and now - start < LIVE_AFTER_S:
            return
        if last[0] and now - last[0] < LIVE_EVERY_S * max(1.0, len(rows) / 25_000):
            return
        last[0] = now
        title = f"{label}: {'preview (PCA), neighbours next' if frac == 0 else f'optimising, {frac:.0%}'}"
        axes = [f"{label} {j + 1}" for j in range(cfg.n_components)]
        fig = figures.scatter_figure(coords, data, rows, title, axes)
        live.plotly_chart(fig, key=f"{P}_live_{cfg.method}_{now}", config={"displaylogo": False})

    return draw


def on_select(method: str) -> None:
    """Remember the rows selected in one view, to highlight them in all views."""
    event = st.session_state.get(f"{P}_plot_{method}")
    points = event.selection.points if event else []
    st.session_state[f"{P}_selected"] = sorted({int(p["customdata"][0]) for p in points if "customdata" in p})


def show_embedding(cfg: EmbedConfig, emb: Embedding, data: Dataset, selected: list[int]) -> None:
    label, method = METHODS[cfg.method].label, cfg.method
    axes = [f"{label} {j + 1}" for j in range(cfg.n_components)]
    fig = figures.scatter_figure(emb.coords, data, emb.index, label, axes, selected)
    selectable = cfg.n_components == 2  # Plotly selects by box or lasso in 2-D only
    downloads.chart(
        fig, f"{data.name}_{method}", f"{P}_plot_{method}",
        lambda: export.embedding_frame(data, emb.index, emb.coords, method),
        on_select=(lambda: on_select(method)) if selectable else "ignore",
        selection_mode=("points", "box", "lasso"),
    )  # fmt: skip


seed = widgets.page_start("Manifold inspector", "inspector", P, TABLE)
try:
    loaded = widgets.data_source(P, seed)
except ValueError as exc:
    st.error(str(exc))
    loaded = None
cfgs = controls.embed_controls(P, seed, st.session_state.get("device", "auto"))
widgets.sync_to_url(P, TABLE)
if loaded is None:
    st.stop()
data, key = loaded

classes = f", {data.n_classes} classes" if data.y is not None else ", no labels"
st.caption(f"**{data.name}**: {data.n_samples:,} rows × {data.n_features} features{classes}.")
widgets.data_notes(data, expanded=True)
if not cfgs:
    st.info("Choose at least one method in the sidebar and press Compute.")
    st.stop()

selected = st.session_state.get(f"{P}_selected", [])
columns, scored = st.columns(min(len(cfgs), 2)), []
for i, cfg in enumerate(cfgs):
    with columns[i % len(columns)]:
        scored.append((cfg, compute_tile(data, key, cfg, selected)))
st.download_button("Python script", lambda: reproduce.inspector_script(key, cfgs),
                   f"{data.name}_inspector.py", "text/x-python", key=f"{P}_script", on_click="ignore",
                   help=reproduce.HELP)  # fmt: skip

if selected:
    st.subheader(f"Selected rows ({len(selected):,})")
    if st.button("Clear selection", key=f"{P}_clear"):
        st.session_state[f"{P}_selected"] = []
        st.rerun()
    frame = data.original if data.original is not None else None
    st.dataframe(frame.iloc[selected] if frame is not None else data.X[selected], height=260)

good = [(cfg, q) for cfg, q in scored if q is not None]
if len(good) > 1:
    scores = {
        "trustworthiness": [q.trustworthiness for _, q in good],
        "continuity": [q.continuity for _, q in good],
    }
    if data.y is not None:
        scores["k-NN accuracy"] = [q.knn_accuracy for _, q in good]
    names = [METHODS[cfg.method].label for cfg, _ in good]
    downloads.chart(inspector_figures.quality_figure(names, scores), f"{data.name}_quality", f"{P}_quality")
    k, n = good[0][1].k, good[0][1].n_evaluated
    st.caption(f"Scores use k = {k} neighbours on {n:,} rows.")
compute.prefetch()  # what the other methods import, while the user looks at these (not before: it would slow them)
