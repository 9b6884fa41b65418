"""Embeddings of a table: their config, the methods table and each method's fit, UMAP, t-SNE, neighbour search, live layouts and quality scores."""
