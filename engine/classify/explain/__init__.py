"""Explanations of the Decision boundaries models and ensembles: attributions, stability, global views, what-if."""
