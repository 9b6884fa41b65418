"""The Convolutional networks view."""
