"""Home: what Manifold Explorer shows, and one-click starting points.

What to notice: every scenario link carries its whole state in the URL, so it can be shared.
"""

import streamlit as st

from engine.data.formats import MAX_UPLOAD_MB
from explorer.nav import page
from explorer.scenarios import SCENARIOS

st.title("Manifold Explorer")
st.markdown(
    "See what machine-learning methods do to data. **Layer manifolds** trains a network and shows, "
    "live, how every hidden layer bends the data (and the plane it lives in) until the classes "
    "come apart. **Decision boundaries** fits SVMs, trees, boosting, networks and their ensembles "
    "on the same data and shows, side by side, where each draws its line and where they disagree. "
    "**Optimizer paths** races gradient descent, SGD, momentum, Adam and others from one start point, "
    "on test functions, on the exact loss of linear and logistic regression, and on a slice of a real "
    "network's loss landscape. "
    "The **Manifold inspector** lays a dataset's manifold out with PCA, Isomap, LLE, "
    "spectral embedding, MDS, t-SNE or UMAP side by side, and scores how faithful each picture is. "
    "**Convolutional networks** trains a CNN on real handwritten digits, shows every layer's manifold, "
    "what one digit looks like inside the network, and how a tiny adversarial push flips its class. "
    "**Latent manifolds** squeezes data through a 2- or 3-unit autoencoder and compares a linear one with PCA. "
    "**Manifold geometry** draws the neighbour graph over the data, measures distances along it, and shows "
    "how two labels per class and the graph label a whole dataset. "
    "**Explanations** shows why each model and ensemble decided what it did, feature by feature, side by side. "
    "Use generated data, scikit-learn's bundled sets, the sample CSVs or **your own file**."
)

st.subheader("Start here")
cols = st.columns(2)
for i, sc in enumerate(SCENARIOS):
    with cols[i % 2].container(border=True):
        st.page_link(page(sc.page), label=sc.title, icon=":material/play_circle:", query_params=sc.query)
        st.caption(sc.notice)

st.subheader("In class")
st.markdown(
    "Every control lives in the page's link: **Share this view** in the sidebar gives a link that "
    "reopens the same data, settings and seed. **Presentation mode** enlarges text and markers for a "
    "projector and lets you hide controls, and the link keeps that too. **Export all figures** saves "
    "every picture of a page (HTML, PNG, and its data as CSV) in one zip, and **Python script** gives "
    "the code that rebuilds a page's main figure."
)

st.subheader("Your own data")
st.markdown(
    "Open the **Manifold inspector**, choose *Upload a table…* in the sidebar and drop a file of up to "
    f"{MAX_UPLOAD_MB:,} MB: a CSV (comma, semicolon or tab separated, UTF-8 or Latin-1, also as .csv.gz "
    "or .zip), Parquet, Feather, or an Excel .xlsx workbook (its first sheet). Text columns, missing "
    "values and a million rows are handled, and everything that was changed is listed on screen. "
    "Every plot exports as interactive HTML (and PNG/SVG where Chromium is installed), and "
    "the coordinates as CSV."
)
