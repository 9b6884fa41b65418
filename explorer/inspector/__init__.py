"""The Manifold inspector view: its controls, cached computations and figures."""
