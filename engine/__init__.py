"""Pure computation for Manifold Explorer: datasets, embeddings, networks, boundaries, optimizers.

Nothing in this package imports streamlit or plotly; heavy libraries (torch, umap, sklearn.manifold)
are imported inside the functions that need them.
"""
