"""The app's pages, in one table shared by the router and by links between pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGE_DIR = Path(__file__).resolve().parent.parent / "pages"

PAGES = {  # url path -> (file, title, icon)
    "home": ("home.py", "Home", ":material/home:"),
    "layers": ("layer_manifolds.py", "Layer manifolds", ":material/layers:"),
    "boundaries": ("decision_boundaries.py", "Decision boundaries", ":material/border_style:"),
    "optimizers": ("optimizer_paths.py", "Optimizer paths", ":material/route:"),
    "inspector": ("manifold_inspector.py", "Manifold inspector", ":material/scatter_plot:"),
    "cnn": ("convolutional_networks.py", "Convolutional networks", ":material/grid_on:"),
    "latent": ("latent_manifolds.py", "Latent manifolds", ":material/blur_on:"),
    "geometry": ("manifold_geometry.py", "Manifold geometry", ":material/hub:"),
    "explain": ("explanations.py", "Explanations", ":material/psychology_alt:"),
}


def page(url_path: str) -> st.Page:
    """The st.Page for `url_path` (a key of PAGES)."""
    file, title, icon = PAGES[url_path]
    return st.Page(PAGE_DIR / file, title=title, icon=icon, url_path=url_path,
                   default=url_path == "home")  # fmt: skip
