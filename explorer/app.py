"""Entry point: page router (st.navigation) and the global sidebar (seed, compute device)."""

from __future__ import annotations

import streamlit as st

from explorer.cache import device_label
from explorer.nav import PAGES, page
from explorer.widgets import global_controls

st.set_page_config(page_title="Manifold Explorer", page_icon="🌀", layout="wide")

current = st.navigation([page(p) for p in PAGES])
st.sidebar.title("Manifold Explorer")
seed, device = global_controls()
st.session_state["seed"], st.session_state["device"] = seed, device

st.sidebar.caption(f"Device: {device_label(device)}")
current.run()
