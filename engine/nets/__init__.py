"""The Layer Manifolds network: its config and training, the hand-written kernel, layer analysis, the loss landscape and scikit-learn wrappers."""
