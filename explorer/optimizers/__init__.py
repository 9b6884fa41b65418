"""The Optimizer paths view: its controls, cached computations and figures."""
