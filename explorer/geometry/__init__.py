"""The Manifold geometry view: the neighbour graph, few labels, a graph network."""
