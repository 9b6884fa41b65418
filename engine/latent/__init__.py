"""Latent manifolds: autoencoders and the pieces the Latent manifolds view trains."""
