"""Decision boundaries: many classifiers and their ensembles on the same data, side by side.

What to notice: every model sees the same training points (solid) and is scored on the same test
points (hollow). Linear models draw straight lines, trees draw boxes, kernels and networks draw
curves; the disagreement map shows where the choice of model matters, and the overruled map where
an ensemble decides against the majority of its own members.
"""

from __future__ import annotations

import streamlit as st

from engine.classify.fit import confusion, disagreement, overruled
from explorer.boundaries import compute
from explorer.boundaries import controls as bw
from explorer.boundaries import figures as bf
from explorer.shared import downloads, export, reproduce, widgets

P = "db"
TABLE = bw.params()
COLUMNS = 3


def fit(arena, cfgs):
    """Fit what is not stored yet, with a progress bar while the models come in."""
    bar = st.empty()

    def on_result(result, done: int, total: int) -> None:
        bar.progress(done / total, text=f"Fitted {result.label} ({done} of {total})")

    bar.progress(0.0, text=f"Fitting {len(cfgs)} models…")
    try:
        return compute.boundaries(
            arena.data.X, arena.data.y, arena.train, arena.test, arena.grid, cfgs, on_result
        )
    finally:
        bar.empty()


def tile(arena, result, key: str) -> None:
    """One model's surface with its export and (for single models) its settings; or its error."""

    def settings() -> None:
        if result.name in bw.MODELS:
            with st.popover("Settings", icon=":material/tune:", key=f"{P}_set_{key}"):
                bw.model_settings(P, result.name)
        else:
            st.caption("Set in the sidebar")

    with st.container(border=True):
        if result.error:
            st.markdown(f"**{result.label}**")
            st.error(result.error)
            settings()
            return
        fig = bf.tile_figure(arena.data, arena.grid, result, arena.shown_train, arena.test)
        downloads.chart(fig, f"{arena.data.name}_{key}", f"{P}_tile_{key}", beside=settings)


def maps(arena, cfgs, results) -> None:
    """Where the single models disagree, and where an ensemble overrules its members."""
    singles = [r for r in results if r.error is None and r.name in bw.MODELS]
    left, right = st.columns(2)
    if len(singles) >= 2:
        with left:
            share = disagreement([r.grid_pred for r in singles])
            fig = bf.disagreement_figure(arena.data, arena.grid, share, len(singles))
            downloads.chart(fig, f"{arena.data.name}_disagreement", f"{P}_disagree")
    by_cfg = dict(zip(cfgs, results, strict=True))
    ensembles = [(c, r) for c, r in by_cfg.items() if r.error is None and c.members and len(c.members) > 1]
    if ensembles:
        with right:
            names = [r.name for _, r in ensembles]  # "voting", "stacking", "bagging"
            labels = {r.name: r.label for _, r in ensembles}
            if st.session_state.get(f"{P}_ensemble") not in names:  # from a link, or a lineup change
                st.session_state[f"{P}_ensemble"] = names[0]
            chosen = (
                st.selectbox("Ensemble", names, format_func=labels.get, key=f"{P}_ensemble")
                if len(names) > 1
                else names[0]
            )
            cfg, res = ensembles[names.index(chosen)]
            members = [by_cfg[m].grid_pred for m in cfg.members if by_cfg[m].error is None]
            if len(members) == len(cfg.members):
                fig = bf.overruled_figure(arena.data, arena.grid, res, overruled(res.grid_pred, members))
                downloads.chart(fig, f"{arena.data.name}_overruled", f"{P}_overruled")


seed = widgets.page_start("Decision boundaries", "boundaries", P, TABLE)
compute.warm_boundary_workers()
try:
    loaded = widgets.data_source(P, seed)
    setup, weighted = bw.setup_controls(P, loaded[0], seed) if loaded else (None, False)
    cfgs = bw.lineup(P, seed, weighted)
except ValueError as exc:
    st.error(str(exc))
    loaded = None
widgets.sync_to_url(P, TABLE)
if loaded is None:
    st.stop()
data, data_key = loaded
try:
    arena = compute.arena(data_key, data, setup)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
if arena.note:
    st.info(arena.note, icon=":material/info:")
widgets.data_notes(data)
if not cfgs:
    st.info("Choose one or more models in the sidebar.")
    st.stop()
results = fit(arena, cfgs)
st.caption(
    f"{arena.data.name}: {len(arena.shown_train):,} training points (solid) and {len(arena.test):,} test "
    f"points (hollow), {data.n_classes} classes. Shading: the predicted class, stronger where the model is "
    "more confident (probability, or decision margin for models without probabilities)."
)
table = export.metrics_frame(results)
shown = table if table["error"].astype(bool).any() else table.drop(columns="error")
st.dataframe(shown, hide_index=True, key=f"{P}_metrics", column_config={
    c: st.column_config.NumberColumn(format="%.3f") for c in table.columns if c not in ("model", "error")
})  # fmt: skip
st.download_button("Metrics (CSV)", lambda: export.csv_bytes(table), f"{data.name}_metrics.csv", "text/csv",
                   key=f"{P}_metrics_csv", on_click="ignore")  # fmt: skip
st.download_button("Python script", lambda: reproduce.boundaries_script(data_key, setup, cfgs),
                   f"{data.name}_boundaries.py", "text/x-python", key=f"{P}_script", on_click="ignore",
                   help=reproduce.HELP)  # fmt: skip
for start in range(0, len(results), COLUMNS):
    for col, r in zip(st.columns(COLUMNS), results[start : start + COLUMNS], strict=False):
        with col:
            tile(arena, r, r.name)
with st.popover("Export the whole grid", icon=":material/grid_view:"):
    downloads.figure_buttons(
        lambda: bf.grid_figure(arena.data, arena.grid, results, arena.shown_train, arena.test),
        f"{data.name}_boundaries",
        f"{P}_grid",
    )
st.subheader("Disagreement")
maps(arena, cfgs, results)
if st.toggle("Show confusion matrices", key=f"{P}_confusion"):
    ok = [r for r in results if r.error is None]
    mats = [confusion(arena.data.y[arena.test], r.test_pred, data.n_classes) for r in ok]
    fig = bf.confusion_figure(mats, [r.label for r in ok], data.class_names)
    downloads.chart(fig, f"{data.name}_confusion", f"{P}_confusion_fig")
