"""Embeddings of a table: the methods table, UMAP, t-SNE, neighbour search, live layouts and quality scores."""
