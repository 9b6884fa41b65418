"""Convolutional networks on images: the model, its training with every layer captured, attributions and adversarial examples."""
