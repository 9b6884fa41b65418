"""Each method's fit (engine.embed.fits): seeded estimators and the quirks each method keeps with it."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.datasets import DatasetConfig, make_dataset
from engine.embed import fits
from engine.embed.config import EmbedConfig
from engine.embed.methods import METHODS

X = make_dataset(DatasetConfig("s_curve", n_samples=250, noise=0.05)).X


def test_pca_fit_reports_the_explained_variance_ratio_and_the_others_none():
    coords, ratio, notes = fits.fit_pca(X, EmbedConfig(method="pca"))
    assert coords.shape == (250, 2) and notes == ()
    assert ratio.shape == (2,) and ratio.dtype == np.float64 and 0 < ratio[1] <= ratio[0] < 1
    assert fits.fit_mds(X[:60], EmbedConfig(method="mds"))[1] is None


def test_isomap_fit_is_seeded_by_pinning_the_global_generator_and_restores_it():
    np.random.seed(3)
    before = np.random.get_state()[1].copy()
    first = fits.fit_isomap(X, EmbedConfig(method="isomap", seed=2))[0]
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.seed(4)
    assert np.array_equal(first, fits.fit_isomap(X, EmbedConfig(method="isomap", seed=2))[0])


class _SparseFails:
    """An LLE whose sparse eigen-solver fails: the dense solver still answers."""

    def __init__(self, **kwargs):
        self.params = kwargs

    def set_params(self, **kwargs):
        self.params |= kwargs
        return self

    def fit_transform(self, X):
        if self.params.get("eigen_solver") != "dense":
            raise RuntimeError("ARPACK did not converge")
        return np.zeros((X.shape[0], self.params["n_components"]))


def test_lle_falls_back_to_the_dense_solver_with_a_note(monkeypatch):
    monkeypatch.setattr("sklearn.manifold.LocallyLinearEmbedding", _SparseFails)
    coords, ratio, notes = fits.fit_lle(X, EmbedConfig(method="lle"))
    assert coords.shape == (250, 2) and ratio is None
    assert notes == ("LLE's sparse eigen-solver (ARPACK) failed, so the slower dense solver was used.",)


@pytest.mark.parametrize("rows", [150, fits.DENSE_ROWS + 1])
def test_lle_falls_back_only_where_sklearn_uses_arpack_and_dense_is_affordable(monkeypatch, rows):
    monkeypatch.setattr("sklearn.manifold.LocallyLinearEmbedding", _SparseFails)
    with pytest.raises(RuntimeError, match="ARPACK"):
        fits.fit_lle(np.zeros((rows, 3)), EmbedConfig(method="lle"))


def test_every_method_is_fitted_by_its_entry(monkeypatch):
    """embed runs METHODS[method].fit: replacing an entry's fit changes what embed returns."""
    from dataclasses import replace

    from engine.embed.methods import embed

    def fake(X, cfg, on_layout=None):
        return np.full((X.shape[0], cfg.n_components), 7.0), None, ("fake fit",)

    monkeypatch.setitem(METHODS, "mds", replace(METHODS["mds"], fit=fake))
    e = embed(X[:40], EmbedConfig(method="mds"))
    assert np.all(e.coords == 7.0) and e.notes == ("fake fit",)
