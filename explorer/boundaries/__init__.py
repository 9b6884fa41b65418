"""The Decision boundaries view: its controls, cached computations and figures."""
