"""explorer.shared.frames.thin_frames: even thinning with both ends kept."""

import numpy as np

from explorer.shared.frames import thin_frames


def test_few_frames_are_all_kept():
    np.testing.assert_array_equal(thin_frames(5, 60), np.arange(5))
    np.testing.assert_array_equal(thin_frames(60, 60), np.arange(60))


def test_many_frames_are_thinned_evenly_with_both_ends():
    kept = thin_frames(301, 61)
    assert len(kept) == 61 and kept[0] == 0 and kept[-1] == 300
    assert set(np.diff(kept)) == {5}
    kept = thin_frames(1000, 60)
    assert len(kept) == 60 and kept[-1] == 999 and (np.diff(kept) > 0).all()
    assert np.diff(kept).max() - np.diff(kept).min() <= 1
