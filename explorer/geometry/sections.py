"""The neighbour-graph and few-label parts of the Manifold geometry page: what each shows, under
the page's controls."""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset
from engine.geometry.few_labels import LEARNERS, SPREAD
from explorer.geometry import compute, controls
from explorer.geometry import figures as gf
from explorer.shared import downloads

P = "mg"


def _source(n: int) -> int:
    """The geodesics' source point, kept inside the data."""
    key = f"{P}_src"
    src = int(st.session_state.get(key, 0))
    if not 0 <= src < n:
        st.session_state[key] = src = 0
    return src


def _rows_of(key: str) -> list[int]:
    """The points selected on the chart `key`, by the point number each carries first in its customdata
    (which reaches Python as a list, a {"0": ...} mapping or a bare number, by how the trace sent it)."""
    event = st.session_state.get(key)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    rows = []
    for p in points:
        custom = p.get("customdata")
        if isinstance(custom, dict):
            custom = custom.get("0", custom.get(0))
        elif isinstance(custom, list | tuple):
            custom = custom[0] if custom else None
        if isinstance(custom, int | float):
            rows.append(int(custom))
    return rows


def _clicked_source() -> None:
    rows = _rows_of(f"{P}_geo")
    if rows:
        st.session_state[f"{P}_src"] = rows[0]


def graph_part(data: Dataset, key, s, cfg, seed: int) -> None:
    """The graph over the data, geodesic and straight-line distances from one point, Isomap on it."""
    g = s.graph
    n = g.n_nodes
    src = _source(n)
    d = compute.distances(key, data, s, cfg, seed, src)
    cols = st.columns(4)
    cols[0].metric("Points", f"{n:,}")
    cols[1].metric("Edges", f"{len(g.edges):,}")
    cols[2].metric("Pieces (components)", f"{g.n_components}")
    if s.shortcuts is not None:
        cols[3].metric("Edges jumping sheets", f"{int(s.shortcuts.sum()):,}",
                       help="Edges whose ends lie far apart along the manifold (more than 15% of its length): "
                       "short circuits.")  # fmt: skip
    elif s.bridges is not None:
        cols[3].metric("Edges between classes", f"{int(s.bridges.sum()):,}")
    highlight = s.shortcuts if s.shortcuts is not None else s.bridges
    what = "jumping sheets" if s.shortcuts is not None else "between classes"
    left, right = st.columns(2)
    with left:
        fig = gf.graph_figure(s.coords, g.edges, values=d.geodesic, value_name="geodesic", highlight=highlight,
                              highlight_name=f"edges {what}", marked=np.array([src]), marked_name="source",
                              axis_names=s.axis_names, title=f"Geodesic distance from point {src} (along the graph)",
                              seed=seed)  # fmt: skip
        clickable = s.coords.shape[1] == 2
        downloads.chart(fig, f"{data.name}_geodesic", f"{P}_geo", on_select=_clicked_source if clickable else "ignore",
                        selection_mode="points")  # fmt: skip
    with right:
        fig = gf.graph_figure(s.coords, g.edges, values=d.straight, value_name="straight", marked=np.array([src]),
                              marked_name="source", axis_names=s.axis_names,
                              title=f"Straight-line distance from point {src}", seed=seed)  # fmt: skip
        downloads.chart(fig, f"{data.name}_straight", f"{P}_straight")
    how = "Click a point on the left plot" if s.coords.shape[1] == 2 else "Type a point's number"
    st.number_input(f"Source point ({how} to measure from it)", 0, n - 1, key=f"{P}_src")
    text = (f"The farthest detour: a point **{d.stretch:.1f}×** farther along the graph than in a straight line "
            "(1× on a flat sheet).")  # fmt: skip
    if d.order is not None:
        text += (f" Geodesic distance follows the distance along the manifold with Spearman ρ = **{d.order:.2f}** "
                 "(1 = the same order).")  # fmt: skip
    st.markdown(text)
    left, right = st.columns(2)
    with left:
        color = None if data.position is None else data.position[s.rows]
        downloads.chart(gf.distance_figure(d.straight, d.geodesic, color, "position"), f"{data.name}_distances",
                        f"{P}_dist")  # fmt: skip
    with right:
        with st.spinner("Isomap on this graph…"):
            u = compute.unrolled(key, data, s, cfg, seed)
        color = {"values": data.position[s.rows], "value_name": "position"} if data.position is not None else (
            {"classes": data.y[s.rows], "class_names": data.class_names} if data.y is not None else {})  # fmt: skip
        fig = gf.graph_figure(u.coords, g.edges, **color, highlight=highlight, highlight_name=f"edges {what}",
                              axis_names=("Isomap 1", "Isomap 2"), title="Isomap on the same graph", seed=seed)  # fmt: skip
        downloads.chart(fig, f"{data.name}_isomap", f"{P}_iso")
    if u.order is not None:
        verdict = "unrolled: the colours run in order" if u.order >= 0.9 else "broken: the colours fold back"
        st.markdown(f"Isomap keeps the order along the manifold with |ρ| = **{u.order:.2f}** ({verdict}).")
    st.caption(
        "Isomap is MDS on the geodesic distances: where an edge short-circuits two sheets, every geodesic through "
        "it is too short, and the unrolled sheet folds at that edge."
    )


def _picked_points() -> None:
    rows = _rows_of(f"{P}_pick")
    if rows:
        controls.set_picked(P, set(controls.picked(P)) | set(rows))


def pick_plot(data: Dataset, s) -> None:
    """Click or box-select points to label them."""
    chosen = np.array(controls.picked(P), dtype=np.int64)
    chosen = chosen[chosen < s.graph.n_nodes]
    fig = gf.graph_figure(s.coords[:, :2], np.empty((0, 2), np.int64), classes=data.y[s.rows],
                          class_names=data.class_names, marked=chosen, marked_name="labelled", axis_names=s.axis_names,
                          title=f"Click points to label them ({len(chosen)} labelled)", height=380)  # fmt: skip
    st.plotly_chart(fig, key=f"{P}_pick", on_select=_picked_points, selection_mode=("points", "box", "lasso"))
    if st.button("Clear the labelled points", key=f"{P}_clear"):
        controls.set_picked(P, ())
        st.rerun()


def labels_part(data: Dataset, key, s, cfg) -> None:
    """The three learners side by side with their accuracy, and the networks' smoothness."""
    if cfg.chosen == () and st.session_state.get(f"{P}_hand"):
        pick_plot(data, s)
        st.info("Click points on the plot to label them (each keeps its class); every class needs one.")
        return
    if st.session_state.get(f"{P}_hand"):
        pick_plot(data, s)
    with st.spinner("Training the three learners…"):
        r = compute.few_labels(key, data, s.rows, cfg)
    Z = s.coords[:, :2]  # the plane drawn: the rows themselves on 2-D data
    names = dict(LEARNERS, spread=SPREAD[cfg.spread])
    cols = st.columns(3)
    for col, (name, learned) in zip(cols, r.learners.items(), strict=True):
        col.metric(names[name], f"{learned.accuracy:.3f}", help="Accuracy on the unlabelled points")
    cols = st.columns(3)
    sub = data if r.grid is None else _subset(data, s.rows)
    for col, (name, learned) in zip(cols, r.learners.items(), strict=True):
        with col:
            fig = gf.learner_figure(sub, Z, r.grid, learned.pred, learned.grid_pred, learned.grid_conf, r.labelled,
                                    f"{names[name]}: {learned.accuracy:.3f}",
                                    bridges=r.bridges if name == "spread" else None, edges=r.graph.edges,
                                    height=380)  # fmt: skip
            downloads.chart(fig, f"{data.name}_{name}", f"{P}_learner_{name}")
    n_bridges = int(r.bridges.sum())
    st.markdown(
        f"**{len(r.labelled)}** labelled of {r.graph.n_nodes:,} points. The graph has **{n_bridges:,}** edges "
        "between two classes (red, on the middle plot)"
        + (
            ": label spreading leaks along them."
            if n_bridges
            else ": labels cannot leak into the other class."
        )
    )
    (pd_, pb), (ld, lb) = r.smoothness["plain"], r.smoothness["laplacian"]
    st.markdown(
        "**Smoothness**: the mean norm of the gradient of the network's class probabilities.\n\n"
        f"| network | on the data | over the box around it |\n|---|---|---|\n"
        f"| plain (γ = 0) | {pd_:.3f} | {pb:.3f} |\n| Laplacian (γ = {cfg.penalty:g}) | {ld:.3f} | {lb:.3f} |"
    )
    st.caption(
        "The penalty only sees the data's edges: it can flatten the function where the points are and leave it "
        "free to change in the empty space between the classes."
    )


def _subset(data: Dataset, rows: np.ndarray) -> Dataset:
    from dataclasses import replace

    if len(rows) == data.n_samples:
        return data
    return replace(data, X=data.X[rows], y=None if data.y is None else data.y[rows], original=None,
                   position=None if data.position is None else data.position[rows])  # fmt: skip
