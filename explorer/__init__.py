"""The Streamlit application of Manifold Explorer: router, widgets, caches, figures and export."""
