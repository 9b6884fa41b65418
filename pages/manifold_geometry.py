"""Manifold geometry: the neighbour graph every manifold method starts from, drawn over the data; the
geodesic distances along it beside straight-line ones; what it buys a learner with a handful of labels;
and a graph network trained on it.

What to notice: on the Swiss roll, points a few units apart in a straight line are far apart along the
sheet, and Isomap unrolls it by measuring along the graph; raise k or the noise until an edge jumps
between two sheets and Isomap folds there. On the moons, two labels per class and the graph label
everything; one edge between the moons is enough to leak a label into the wrong one.
"""

from __future__ import annotations

import streamlit as st

from explorer.geometry import compute, controls, gcn_sections, sections
from explorer.shared import reproduce, reproduce_views, widgets

P = sections.P
TABLE = (
    widgets.data_params("swiss_roll", n_samples=1000, noise=0.0) + controls.params() + gcn_sections.params()
)

seed = widgets.page_start("Manifold geometry", "geometry", P, TABLE)
part = controls.part_choice(P)
if part == "gcn":
    compute.prefetch()
try:
    loaded = gcn_sections.karate_source(P) if part == "gcn" else None
    loaded = loaded or widgets.data_source(P, seed)
    graph_cfg = controls.graph_controls(P) if loaded != gcn_sections.KARATE else None
    label_cfg = gcn_cfg = None
    if part == "labels":
        label_cfg = controls.label_controls(P, seed, graph_cfg)
    elif part == "gcn":
        gcn_cfg = gcn_sections.controls(P, seed, loaded == gcn_sections.KARATE)
except ValueError as exc:
    st.error(str(exc))
    loaded = None
    graph_cfg = label_cfg = gcn_cfg = None
widgets.sync_to_url(P, TABLE)
if loaded is None:
    st.stop()


def script_button(source, name: str) -> None:
    """The Python script that recomputes what this part shows."""
    src = int(st.session_state.get(f"{P}_src", 0))
    per = int(st.session_state.get(f"{P}_per", 2))
    alpha = float(st.session_state.get(f"{P}_alpha", 0.99))
    text = lambda: reproduce_views.geometry_script(  # noqa: E731
        source, graph_cfg, part, seed, src, label_cfg if part == "labels" else None,
        gcn_cfg if part == "gcn" else None, per, alpha)  # fmt: skip
    st.download_button("Python script", text, f"{name}_geometry.py", "text/x-python", key=f"{P}_script",
                       on_click="ignore", help=reproduce.HELP)  # fmt: skip


if part == "gcn" and loaded == gcn_sections.KARATE:
    gcn_sections.karate(gcn_cfg, P)
    script_button(None, "karate")
    st.stop()
data, key = loaded
widgets.data_notes(data)
try:
    with st.spinner("Building the neighbour graph…"):
        survey = compute.survey(key, data, graph_cfg, seed)
except ValueError as exc:  # k larger than the data, too many edges: say so and stay usable
    st.error(str(exc))
    st.stop()
for note in survey.notes:
    st.info(note)
try:
    if part == "graph":
        sections.graph_part(data, key, survey, graph_cfg, seed)
    elif part == "labels":
        sections.labels_part(data, key, survey, label_cfg)
    else:
        gcn_sections.on_data(data, key, survey, graph_cfg, gcn_cfg, seed, P)
except ValueError as exc:  # no label in a class, every point labelled, too many classes
    st.error(str(exc))
script_button(key, data.name)
