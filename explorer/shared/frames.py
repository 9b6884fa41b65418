"""Which frames an animation sends to the browser: evenly thinned, the first and last always kept."""

from __future__ import annotations

import numpy as np


def thin_frames(n: int, most: int) -> np.ndarray:
    """Indices (at most `most`, sorted) of n frames, evenly spaced, with 0 and n - 1 among them."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))
