"""Optimizer races: loss surfaces over two parameters and the optimizers that race on them."""
