"""The Explanations view: why each model and ensemble decided what it did."""
