"""The Layer manifolds view: its controls, cached computations, panels and figures."""
