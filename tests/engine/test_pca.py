"""engine.pca.principal_axes against scikit-learn's PCA: axes, shares, sign convention, sampling."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from engine.pca import principal_axes


def _data(n=500, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.1]) @ rng.normal(size=(d, d))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_axes_and_shares_equal_sklearns_up_to_sign(dtype):
    X = _data().astype(dtype)
    pca, ref = principal_axes(X, 3), PCA(3).fit(X.astype(np.float64))
    tol = 1e-11 if dtype == np.float64 else 1e-5  # float32: centred in float32, errors grown by the eigengaps
    np.testing.assert_allclose(np.abs(pca.axes), np.abs(ref.components_.T), atol=tol)
    np.testing.assert_allclose(pca.shares, ref.explained_variance_ratio_, rtol=tol)
    np.testing.assert_array_equal(pca.mean, X.mean(axis=0, dtype=np.float64))  # the same call


def test_each_axis_has_its_largest_loading_positive():
    pca = principal_axes(_data(), 4)
    top = np.abs(pca.axes).argmax(axis=0)
    assert (pca.axes[top, np.arange(4)] > 0).all()
    pca_neg = principal_axes(-_data(), 4)  # a mirrored cloud has the same axes
    np.testing.assert_array_equal(pca_neg.axes, pca.axes)  # negating is exact: the same scatter, bit for bit


def test_more_axes_than_columns_gives_every_column_and_no_scatter_shares_one():
    assert principal_axes(_data(d=6), 10).axes.shape == (6, 6)
    flat = principal_axes(np.ones((20, 3)), 2)
    assert flat.total == 0 and (flat.shares == 1).all()


def test_a_seeded_sample_beyond_max_rows():
    X = _data(n=3000)
    a, b = principal_axes(X, 2, max_rows=500, seed=1), principal_axes(X, 2, max_rows=500, seed=1)
    np.testing.assert_array_equal(a.axes, b.axes)
    assert not np.array_equal(a.mean, principal_axes(X, 2).mean)
    np.testing.assert_allclose(a.axes, principal_axes(X, 2).axes, atol=0.1)


def test_project_equals_the_centred_rows_times_the_axes_over_several_blocks():
    from engine.pca import BLOCK_ROWS

    X = _data(n=2 * BLOCK_ROWS + 17) + 1e3  # the last block is short; the offset makes centring matter
    pca = principal_axes(X, 2)
    np.testing.assert_allclose(pca.project(X), (X - pca.mean) @ pca.axes, rtol=1e-12, atol=1e-9)
    assert pca.project(X[:0]).shape == (0, 2)
