"""engine.data.split.stratified_split: per-class shares, seeding, and what cannot be split."""

import numpy as np
import pytest

from engine.data.split import stratified_split


def test_each_class_keeps_its_share_and_every_row_is_used_once():
    y = np.r_[np.zeros(100, int), np.ones(30, int), np.full(7, 2)]
    train, test = stratified_split(y, 0.3, np.random.default_rng(0))
    assert np.bincount(y[test]).tolist() == [30, 9, 2]
    np.testing.assert_array_equal(np.sort(np.r_[train, test]), np.arange(len(y)))
    assert (np.diff(train) > 0).all() and (np.diff(test) > 0).all()


def test_seeded_and_drawn_class_by_class():
    y = np.r_[np.zeros(50, int), np.ones(50, int)]
    a = stratified_split(y, 0.2, np.random.default_rng(3))
    np.testing.assert_array_equal(a[1], stratified_split(y, 0.2, np.random.default_rng(3))[1])
    assert not np.array_equal(a[1], stratified_split(y, 0.2, np.random.default_rng(4))[1])
    rng = np.random.default_rng(3)
    expect = np.sort(np.r_[rng.permutation(50)[:10], 50 + rng.permutation(50)[:10]])
    np.testing.assert_array_equal(a[1], expect)


def test_small_classes_keep_a_row_on_each_side_and_zero_tests_nothing():
    y = np.array([0, 0, 1, 1, 1])
    train, test = stratified_split(y, 0.9, np.random.default_rng(0))
    assert np.bincount(y[train]).tolist() == [1, 1] and np.bincount(y[test]).tolist() == [1, 2]
    train, test = stratified_split(y, 0.0, np.random.default_rng(0))
    assert test.size == 0 and train.tolist() == [0, 1, 2, 3, 4]


def test_a_single_row_class_is_named():
    with pytest.raises(ValueError, match="Class 'rare' has only 1 sample"):
        stratified_split(np.array([0, 0, 1]), 0.3, np.random.default_rng(0), ("common", "rare"))
    with pytest.raises(ValueError, match="Class 'b' has only 1 sample"):
        stratified_split(np.array(["a", "a", "b"]), 0.3, np.random.default_rng(0))
