"""Controls of the Manifold inspector -> one `EmbedConfig` per chosen method, with their URL table."""

from __future__ import annotations

import streamlit as st

from engine.embed.config import KERNELS, EmbedConfig
from engine.embed.methods import METHODS
from explorer.shared.url_state import Param


def method_label(method: str) -> str:
    return METHODS[method].label


def embed_params() -> tuple[Param, ...]:
    """The URL table of the embedding controls."""
    return (
        Param("methods", ("pca", "isomap"), choices=tuple(METHODS)),
        Param("dim", 2, bounds=(2, 3)),
        Param("scale", True),
        Param("nn", 10, bounds=(2, 200)),
        Param("perp", 30.0, bounds=(2.0, 100.0)),
        Param("mindist", 0.1, bounds=(0.0, 1.0)),
        Param("kernel", "rbf", choices=KERNELS),
        Param("gamma", 0.0, bounds=(0.0, 100.0)),
    )


def embed_controls(prefix: str, seed: int, device: str = "auto") -> list[EmbedConfig]:
    """A sidebar form of methods and their parameters -> one config per chosen method."""
    p = f"{prefix}_"
    with st.sidebar.form(f"{p}embed_form", border=True):
        st.markdown("**Embedding**")
        methods = st.multiselect("Methods (up to 4)", list(METHODS), format_func=method_label,
                                 max_selections=4, key=f"{p}methods")  # fmt: skip
        dim = st.radio("Dimensions", (2, 3), horizontal=True, key=f"{p}dim")
        scale = st.toggle("Standardise features", key=f"{p}scale")
        with st.expander("Method parameters"):
            nn = st.slider("Neighbours (Isomap, LLE, spectral, UMAP)", 2, 200, key=f"{p}nn")
            perp = st.slider("Perplexity (t-SNE)", 2.0, 100.0, step=1.0, key=f"{p}perp")
            min_dist = st.slider("Minimum distance (UMAP)", 0.0, 1.0, step=0.01, key=f"{p}mindist")
            kernel = st.selectbox("Kernel (Kernel PCA)", KERNELS, key=f"{p}kernel")
            gamma = st.number_input("Gamma (Kernel PCA, 0 = 1/features)", 0.0, 100.0, key=f"{p}gamma")
        st.form_submit_button("Compute", type="primary", width="stretch")
    return [
        EmbedConfig(
            method=m,
            n_components=int(dim),
            scale=bool(scale),
            n_neighbors=int(nn),
            perplexity=float(perp),
            min_dist=float(min_dist),
            kernel=kernel,
            gamma=float(gamma),
            seed=seed,
            device=device,
        )  # fmt: skip
        for m in methods
    ]
