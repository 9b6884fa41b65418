"""Explanations: why each model of the Decision boundaries lineup, and each ensemble, decided what it
did: one point's attributions (SHAP or LIME) for every model side by side, an ensemble beside its
members, how stable a sampled explanation is, each model's global importance and partial dependence,
every model's answer at a point you move with the nearest counterfactual, and pixel maps of a digit.

What to notice: a soft vote's attributions are its members' weighted mean (the gap is a rounding
error); LIME's top features change from seed to seed; a shallow tree reads one feature where a
forest reads several.
"""

from __future__ import annotations

import streamlit as st

from explorer.boundaries import controls as bw
from explorer.explain import compute, controls, sections
from explorer.shared import reproduce, reproduce_views, widgets

P = sections.P
TABLE = controls.params()

seed = widgets.page_start("Explanations", "explain", P, TABLE)
compute.warm()
try:
    loaded = widgets.data_source(P, seed)
except ValueError as exc:
    st.error(str(exc))
    loaded = None
cfgs = bw.lineup(P, seed, weighted=False)
class_names = loaded[0].class_names if loaded is not None else ()
choice = controls.choices(P, class_names, cfgs)
st.sidebar.slider("Test share", 0.1, 0.5, step=0.05, key=f"{P}_test")
widgets.sync_to_url(P, TABLE)
if loaded is None:
    st.stop()
data, key = loaded
widgets.data_notes(data)
if data.y is None:
    st.error("Explanations need a label column: choose one in the sidebar.")
    st.stop()
if not cfgs:
    st.info("Choose the models to explain in the sidebar.")
    st.stop()
try:
    train, test = compute.split(key, data.y, choice.test, seed)
    if choice.part == "point":
        x, point = sections.point_part(data, key, cfgs, choice, train, test, seed)
        st.download_button("Python script", lambda: reproduce_views.explain_script(key, cfgs, point, x, choice.test, seed),
                           f"{data.name}_explanations.py", "text/x-python", key=f"{P}_script", on_click="ignore",
                           help=reproduce.HELP)  # fmt: skip
    elif choice.part == "whatif":
        sections.whatif_part(data, key, cfgs, choice, train, test)
    else:
        part = {"global": sections.global_part, "images": sections.images_part}
        part[choice.part](data, key, cfgs, choice, train, test, seed)
except ValueError as exc:  # a class missing from the split, too many features, a bad point
    st.error(str(exc))
