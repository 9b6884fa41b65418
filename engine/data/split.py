"""`stratified_split`: the one seeded train/test split of labelled rows, used by the network
(`engine.nets.mlp`) and by the classifier comparison (`engine.classify.fit.split`)."""

from __future__ import annotations

import numpy as np


def stratified_split(
    y: np.ndarray, test_fraction: float, rng: np.random.Generator, class_names: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, test rows), each sorted: round(test_fraction * count) test rows of each class,
    clipped so a class keeps at least one row on each side when test_fraction > 0.

    y: (n,) labels; rows of a class are drawn by `rng.permutation`, class by class in sorted order.
    test_fraction 0 puts every row in train. A class of one row cannot be split: ValueError naming it
    (by `class_names[code]` when y holds codes, else by its label).
    """
    y = np.asarray(y)
    train, test = [], []
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        n_test = 0
        if test_fraction > 0:
            if len(rows) < 2:
                name = class_names[c] if _is_code(c, class_names) else str(c)
                raise ValueError(
                    f"Class {name!r} has only {len(rows)} sample, too few to split: each class needs at "
                    "least 2 (one to train, one to test). Add samples, drop the class, or set the test "
                    "fraction to 0."
                )
            n_test = int(np.clip(round(test_fraction * len(rows)), 1, len(rows) - 1))
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _is_code(c, class_names: tuple[str, ...]) -> bool:
    return isinstance(c, int | np.integer) and 0 <= c < len(class_names)
