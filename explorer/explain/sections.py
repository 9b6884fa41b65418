"""The parts of the Explanations page: one point's attributions for every model (ensembles beside
their members, additivity as numbers, stability over seeds), the whole model (importance, partial
dependence, the plane's attribution maps), what if (every model's answer at a point you move, the
nearest counterfactual) and the pixel maps of a digit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from engine.classify.explain.counterfactual import CounterfactualConfig
from engine.classify.explain.global_ import GlobalConfig
from engine.classify.explain.images import PixelConfig
from engine.classify.explain.local import PointConfig
from engine.classify.explain.plane import PlaneConfig
from engine.classify.explain.stability import StabilityConfig
from engine.classify.fit import make_grid
from engine.data.datasets import Dataset
from explorer.explain import compute
from explorer.explain import figures as xf
from explorer.explain import global_figures as gxf
from explorer.explain.plane_figures import point_plane_figure
from explorer.shared import downloads

P = "ex"
GRID = 120  # decision-region grid points per side on the plane


def _clicked() -> None:
    """A click on the plane makes the clicked place the explained point."""
    event = st.session_state.get(f"{P}_pointplane")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        st.session_state[f"{P}_own"] = True
        st.session_state[f"{P}_px"], st.session_state[f"{P}_py"] = (
            round(float(points[0][k]), 4) for k in "xy"
        )


def the_point(data: Dataset, test: np.ndarray) -> tuple[np.ndarray, str]:
    """The point explained and how to name it: a point of one's own on 2-D data, else a row."""
    if data.n_features == 2 and st.session_state.get(f"{P}_own"):
        x = np.array(
            [float(st.session_state.get(f"{P}_px", 0.0)), float(st.session_state.get(f"{P}_py", 0.0))]
        )
        return x, f"the point ({x[0]:.3g}, {x[1]:.3g})"
    row = int(st.session_state.get(f"{P}_row", -1))
    if not 0 <= row < data.n_samples:
        row = int(test[0])
    return data.X[row].copy(), f"row {row}"


def _mark_own() -> None:
    st.session_state[f"{P}_own"] = True


def point_inputs(data: Dataset, test: np.ndarray) -> None:
    """The point's inputs: its two coordinates on 2-D data (a click on the plane sets them), else a row."""
    if data.n_features == 2:
        if not st.session_state.get(
            f"{P}_own"
        ):  # the coordinates show the row's, to start one's own point from
            x, _ = the_point(data, test)
            st.session_state[f"{P}_px"], st.session_state[f"{P}_py"] = (round(float(v), 4) for v in x)
        cols = st.columns([1, 1, 1])
        cols[0].number_input(data.feature_names[0], key=f"{P}_px", format="%.4g",
                             on_change=_mark_own)  # fmt: skip
        cols[1].number_input(data.feature_names[1], key=f"{P}_py", format="%.4g",
                             on_change=_mark_own)  # fmt: skip
        cols[2].toggle(
            "A point of my own", key=f"{P}_own", help="Off: the row below. Click the plane to move it."
        )
    st.number_input("Row explained (-1: the first test row)", -1, data.n_samples - 1, key=f"{P}_row",
                    disabled=data.n_features == 2 and bool(st.session_state.get(f"{P}_own")))  # fmt: skip
    if data.n_features > 2:
        _row_table(data, test)


TABLE_ROWS = 200  # test rows listed to pick the explained one from


def _picked_row() -> None:
    event = st.session_state.get(f"{P}_rows")
    rows = (event or {}).get("selection", {}).get("rows", []) if event else []
    shown = st.session_state.get(f"_{P}_shown_rows", [])
    if rows and rows[0] < len(shown):
        st.session_state[f"{P}_row"] = int(shown[rows[0]])


def _row_table(data: Dataset, test: np.ndarray) -> None:
    """The first test rows in their own values; selecting one explains it."""
    shown = [int(r) for r in test[:TABLE_ROWS]]
    st.session_state[f"_{P}_shown_rows"] = shown
    frame = (
        data.original if data.original is not None else pd.DataFrame(data.X, columns=list(data.feature_names))
    )
    view = frame.iloc[shown].copy()
    view.insert(
        0, "(class)" if "class" in view.columns else "class", [data.class_names[c] for c in data.y[shown]]
    )
    view.index = shown
    st.dataframe(view, key=f"{P}_rows", on_select=_picked_row, selection_mode="single-row", height=220,
                 width="stretch")  # fmt: skip
    st.caption(f"The first {len(shown)} test rows, in the table's own values: select one to explain it.")


def plane(data: Dataset, train, test, model_cfg, x: np.ndarray, extra=None) -> None:
    """The focus model's decision regions with the point; a click moves the point (2-D data only)."""
    grid = make_grid(data.X, GRID)
    result = compute.boundary(data, train, test, grid, model_cfg)
    if result.error:
        st.error(f"{result.label}: {result.error}")
        return
    fig = point_plane_figure(data, grid, result, train, test, x, extra)
    downloads.chart(
        fig, f"{data.name}_explained_point", f"{P}_pointplane", on_select=_clicked, selection_mode="points"
    )
    st.caption("Click anywhere on the plane to explain that point instead.")


def _failures(attrs) -> None:
    for a in attrs:
        if a.error:
            st.warning(a.error if a.error.startswith(a.label) else f"{a.label}: {a.error}")


def _sums(attrs) -> pd.DataFrame:
    return pd.DataFrame([{"model": a.label, "explainer": a.explainer, "f(x)": a.value, "base E[f]": a.base,
                          "sum of attributions": float(np.sum(a.values)), "residual": a.residual}
                         for a in attrs if not a.error])  # fmt: skip


def point_part(data: Dataset, key, cfgs, ch, train, test, seed: int) -> tuple[np.ndarray, PointConfig]:
    """Every model's attributions at the point; (the point, the config), for the page's script."""
    point_inputs(data, test)
    x, what = the_point(data, test)
    if data.n_features == 2:
        plane(data, train, test, cfgs[ch.focus], x)
    cfg = PointConfig(method=ch.method, target_class=ch.target, seed=seed)
    bar = st.empty()

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(done / total, text=f"Explained {label} ({done} of {total})")

    bar.progress(0.0, text=f"Explaining {what} for {len(cfgs)} models…")
    try:
        r = compute.point(key, data, train, tuple(cfgs), x, cfg, progress)
    finally:
        bar.empty()
    if r.note:
        st.warning(r.note)
    _failures(r.models)
    how = ("SHAP values (tree SHAP for trees and forests, exact Shapley values up to 8 features, sampled "
           f"permutations above) over a background of {r.background} training rows" if r.method == "shap"
           else f"LIME: a weighted linear fit to {r.n_samples:,} perturbed samples around the point")  # fmt: skip
    st.markdown(
        f"**Why each model decided what it did at {what}**: {how}, in each model's own names for the features."
    )
    fig = xf.waterfall_figure(r.models, r.feature_names, data.class_names)
    downloads.chart(fig, f"{data.name}_attributions", f"{P}_waterfall", table=lambda: _sums(r.models))
    st.dataframe(_sums(r.models), hide_index=True, width="stretch")
    for a in r.models:
        if a.members and not a.error:
            fig = xf.ensemble_figure(a, r.feature_names, data.class_names)
            downloads.chart(fig, f"{data.name}_{a.name}_members", f"{P}_members_{a.name}")
            if a.members_mean is not None:
                st.markdown(f"**{a.label}**: its attributions against its members' weighted mean differ by at most "
                            f"**{a.gap:.2g}** ({a.space}); each sums to f(x) − E[f(x)] within {abs(a.residual):.1g}.")  # fmt: skip
    if st.toggle("Repeat over seeds (stability)", key=f"{P}_stab",
                 help="LIME and sampled SHAP of the model for the maps, over 5 seeds: how far one explanation can be trusted."):  # fmt: skip
        with st.spinner("Explaining again over 5 seeds…"):
            s = compute.stability(
                key, data, train, cfgs[ch.focus], x, StabilityConfig(target_class=ch.target, seed=seed)
            )
        downloads.chart(xf.stability_figure(s), f"{data.name}_stability", f"{P}_stability")
        overlaps = " · ".join(f"{m.method.upper()} **{m.jaccard:.2f}**" for m in s.methods)
        st.markdown(f"Top-{s.top_k} overlap across {len(s.seeds)} seeds (mean pairwise Jaccard; 1 = the same features "
                    f"every time), {s.label}: {overlaps}.")  # fmt: skip
    return x, cfg


def global_part(data: Dataset, key, cfgs, ch, train, test, seed: int) -> None:
    names = list(data.feature_names)
    if st.session_state.get(f"{P}_feature", 0) >= len(names):
        st.session_state[f"{P}_feature"] = 0
    left, right = st.columns([2, 1])
    feature = left.selectbox(
        "Partial dependence of", range(len(names)), format_func=names.__getitem__, key=f"{P}_feature"
    )
    absshap = right.toggle("Mean |SHAP| too (50 points)", key=f"{P}_absshap")
    cfg = GlobalConfig(
        feature=int(feature), shap_points=50 if absshap else 0, target_class=ch.target, seed=seed
    )
    with st.spinner(f"Permutation importance and partial dependence of {len(cfgs)} models…"):
        r = compute.global_views(key, data, train, test, tuple(cfgs), cfg)
    for m in r.models:
        if m.error:
            st.warning(m.error if m.error.startswith(m.label) else f"{m.label}: {m.error}")
    st.markdown(f"**Global importance** on {len(r.rows):,} test rows: the drop in accuracy when a feature is "
                f"shuffled ({r.n_repeats} shuffles), and how concentrated it is (the top feature's share; effective "
                "features = 1 / Σ share²).")  # fmt: skip
    downloads.chart(gxf.importance_figure(r), f"{data.name}_importance", f"{P}_importance")
    spread = " · ".join(f"{m.label}: top feature **{m.top_share:.2f}**, effective features **{m.effective_features:.1f}**"
                        for m in r.models if not m.error)  # fmt: skip
    basis = "mean |SHAP|" if absshap else "permutation importance"
    st.markdown(f"How concentrated each model's {basis} is: {spread}.")
    downloads.chart(gxf.pd_figure(r), f"{data.name}_pd", f"{P}_pd")
    st.caption(
        "Thin lines: one row each, the feature moved and the rest kept (ICE); thick: their mean (partial dependence)."
    )
    if data.n_features == 2:
        with st.spinner("Exact Shapley values on the plane…"):
            amap = compute.attribution_map(
                key, data, train, cfgs[ch.focus], PlaneConfig(target_class=ch.target, seed=seed)
            )
        fig = gxf.attribution_map_figure(amap, data.X, data.y, data.class_names, data.feature_names)
        downloads.chart(fig, f"{data.name}_attribution_map", f"{P}_map")
        st.caption(f"{amap.label}: where each coordinate pushes the response up (red) or down (blue), against the "
                   f"mean over {amap.background} training rows; the two maps add up to the response's difference "
                   f"from that mean everywhere (largest miss {amap.residual:.1g}).")  # fmt: skip


def _edited_row(data: Dataset, x: np.ndarray) -> np.ndarray:
    """A wide row's values, editable in a one-row table."""
    frame = pd.DataFrame([x], columns=list(data.feature_names))
    edited = st.data_editor(frame, key=f"{P}_edit", hide_index=True, width="stretch")
    return edited.to_numpy(dtype=float)[0]


def whatif_part(data: Dataset, key, cfgs, ch, train, test) -> None:
    point_inputs(data, test)
    x, what = the_point(data, test)
    if data.n_features != 2:
        st.caption("Edit the row's values: every model answers at the edited point.")
        x = _edited_row(data, x)
        what = "the edited row"
    w = compute.what_if(key, data, train, tuple(cfgs), x)
    cf = compute.counterfactual(key, data, train, cfgs[ch.focus], x)
    if data.n_features == 2:
        plane(data, train, test, cfgs[ch.focus], x, xf.counterfactual_traces(cf, x, data.X))
    if w.note:
        st.warning(w.note)
    downloads.chart(xf.whatif_figure(w, data.class_names), f"{data.name}_whatif", f"{P}_whatif")
    names = data.class_names
    parts = [f"**{cf.label}** predicts **{names[cf.predicted]}** at {what}."]
    if np.isfinite(cf.straight_distance):
        parts.append(f"The nearest point it classifies as {names[cf.straight_class]} in a straight line lies "
                     f"**{cf.straight_distance:.3g}** away (standardised units).")  # fmt: skip
    if cf.row is not None:
        parts.append(f"Along the data (a {CounterfactualConfig.n_neighbors}-NN graph of the training rows), the nearest "
                     f"row it classifies as {names[cf.row_class]} is row {cf.row}: **{cf.geodesic:.3g}** along the "
                     f"graph, {cf.row_distance:.3g} in a straight line.")  # fmt: skip
    if cf.note:
        parts.append(cf.note)
    st.markdown(" ".join(parts))


def images_part(data: Dataset, key, cfgs, ch, train, test, seed: int) -> None:
    if data.image_shape is None:
        st.info("Pixel maps need images: choose the 8 × 8 digits (or a table of square images' pixels).")
        return
    row = int(st.session_state.get(f"{P}_row", -1))
    if not 0 <= row < data.n_samples:
        row = int(test[0])
    st.number_input("Image (row; -1: the first test row)", -1, data.n_samples - 1, key=f"{P}_row")
    cfg = PixelConfig(target_class=ch.target, seed=seed)
    with st.spinner(f"SHAP over {cfg.block} × {cfg.block} superpixels for {len(cfgs)} models…"):
        r = compute.pixels(key, data, train, tuple(cfgs), data.X[row], cfg)
    _failures(r.models)
    labels = [a.label for a in r.models]
    downloads.chart(xf.pixel_figure(r, labels), f"{data.name}_pixels", f"{P}_pixels")
    st.caption(f"Row {row} (class {data.class_names[data.y[row]]}). Each map: the SHAP value of each "
               f"{cfg.block} × {cfg.block} block of pixels for the class explained (red: towards it), over a background "
               f"of {r.background} training images; ensembles and their members use the same blocks.")  # fmt: skip
