"""Home: what Manifold Explorer shows, and one-click starting points.

What to notice: every scenario link carries its whole state in the URL, so it can be shared.
"""

import streamlit as st

from explorer.nav import page

st.title("Manifold Explorer")
st.markdown(
    "See what machine-learning methods do to data. Pick a dataset (a generator, a bundled "
    "scikit-learn set, a sample CSV or **your own file**), lay its manifold out with PCA, "
    "Isomap, LLE, spectral embedding, MDS, t-SNE or UMAP side by side, and read how faithful "
    "each picture is from its trustworthiness and continuity scores."
)

SCENARIOS = [
    ("Unroll the Swiss roll", {"data": "swiss_roll", "n": "1500", "methods": "pca,isomap,lle"},
     "PCA squashes the roll flat and mixes its ends; Isomap follows distances along the sheet "
     "and unrolls it, so the colours run in order."),
    ("Digits in two dimensions", {"data": "digits", "methods": "pca,tsne"},
     "PCA's two axes explain little of 64 pixels' variance and the digits overlap; t-SNE keeps "
     "neighbours together and the ten digits fall into islands. Compare k-NN accuracy."),
    ("Concentric circles", {"data": "circles", "classes": "3", "methods": "pca,kernel_pca",
                            "gamma": "2"},
     "A linear projection cannot pull nested rings apart; an RBF kernel can."),
    ("A messy real CSV", {"data": "sample:breast_cancer_clinic", "methods": "pca,umap"},
     "An ID column, text labels and missing values: read the notes above the plots to see what "
     "was dropped or imputed."),
]  # fmt: skip

st.subheader("Start here")
cols = st.columns(2)
for i, (title, query, notice) in enumerate(SCENARIOS):
    with cols[i % 2].container(border=True):
        st.page_link(page("inspector"), label=title, icon=":material/play_circle:", query_params=query)
        st.caption(notice)

st.subheader("Your own data")
st.markdown(
    "Open the **Manifold inspector**, choose *Upload a CSV…* in the sidebar and drop a file: "
    "comma, semicolon or tab separated, UTF-8 or Latin-1. Text columns, missing values and "
    "very large files are handled, and everything that was changed is listed on screen. "
    "Every plot exports as interactive HTML (and PNG/SVG where Chromium is installed), and "
    "the coordinates as CSV."
)
