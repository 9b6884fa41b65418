"""The geometry of the manifold: its neighbour graph, geodesics, learning from few labels, graph networks."""
