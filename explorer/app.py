"""Entry point: page router (st.navigation) and the global sidebar (seed, compute device,
presentation mode, export of every figure)."""

from __future__ import annotations

import streamlit as st

from explorer.nav import PAGES, page
from explorer.shared import theme
from explorer.shared.downloads import export_all_button
from explorer.shared.warmup import charts_preloaded, page_running
from explorer.shared.widgets import device_label, global_controls

st.set_page_config(page_title="Manifold Explorer", page_icon="🌀", layout="wide")

current = st.navigation([page(p) for p in PAGES])
st.sidebar.title("Manifold Explorer")
seed, device = global_controls()
st.session_state["seed"], st.session_state["device"] = seed, device
st.session_state["_page"] = current.url_path
theme.presenting(bool(st.session_state.get("g_present")))

st.sidebar.caption(f"Device: {device_label(device)}")
if current.url_path not in ("", "home"):
    export_all_button(current.url_path)
with page_running(), charts_preloaded():  # the warm-up waits while any page runs
    current.run()
