"""The Latent manifolds view."""
