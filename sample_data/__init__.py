"""Small CSV files shipped with the app (listed by `engine.data.datasets.list_samples`);
`make_samples.py` writes them again."""
