"""Classifier comparison: the model registry and ensembles, fitting many models on one plane, and the arena they share."""
