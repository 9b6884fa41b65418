"""Embedding engine and quality scores: shapes, oracles, determinism, sampling, validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import spearmanr

import engine.embed.methods as emb
from engine.data.datasets import DatasetConfig, load_bundled, make_dataset
from engine.embed import fits
from engine.embed.config import EmbedConfig
from engine.embed.methods import METHODS, embed, row_limit, standardize
from engine.embed.quality import quality

ROOT = Path(__file__).resolve().parents[3]
QUICK = [m for m in METHODS if m != "umap_learn"]  # umap-learn's JIT compile is paid once, in its own test


@pytest.fixture(scope="module")
def iris():
    return load_bundled("iris")


def test_import_stays_cheap():
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import engine.embed.methods, engine.embed.quality"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines()}
    heavy = {m for m in imported if m.split(".")[0] in ("umap", "torch", "streamlit", "plotly")}
    assert "numpy" in imported
    assert not heavy
    assert not {m for m in imported if m.startswith("sklearn")}


def test_every_method_entry_is_complete():
    fields = set(EmbedConfig.__dataclass_fields__) - {"method", "n_components", "scale", "seed", "device"}
    for method, spec in METHODS.items():
        assert spec.label and spec.about.endswith(".") and spec.advice.endswith("."), method
        assert callable(spec.fit) and spec.fit.__module__ == "engine.embed.fits", method
        assert set(spec.params) <= fields, method
        assert spec.max_rows is None or spec.max_rows > 0, method
        assert isinstance(spec.matrices, int) and spec.matrices >= 0, method
        assert spec.uses_neighbors == ("n_neighbors" in spec.params), method
        assert not spec.warns_pieces or spec.uses_neighbors, method  # pieces of the neighbour graph
        assert spec.streams == (spec.fit is fits.fit_streamed), method
    assert {m for m, s in METHODS.items() if s.streams} == {"umap", "tsne"}
    graph = {m for m, s in METHODS.items() if s.uses_neighbors}
    assert graph == {"isomap", "lle", "spectral", "umap", "umap_learn"}
    assert {m for m, s in METHODS.items() if s.warns_pieces} == {"isomap", "lle", "spectral"}
    assert {m: s.matrices for m, s in METHODS.items() if s.matrices} == {
        "kernel_pca": 3, "isomap": 4, "lle": 3, "spectral": 1, "mds": 6
    }  # fmt: skip


@pytest.mark.parametrize("method", ["pca", "kernel_pca", "isomap", "mds"])
def test_methods_that_do_not_stream_never_call_on_layout(iris, method):
    layouts, messages = [], []
    embed(iris.X, EmbedConfig(method=method), lambda f, m: messages.append(m), lambda *a: layouts.append(a))
    assert layouts == [] and any(": computing for 150 rows" in m for m in messages)


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("method", QUICK)
def test_every_method_gives_one_finite_row_per_input_row(iris, method, dims):
    calls = []
    e = embed(iris.X, EmbedConfig(method=method, n_components=dims), lambda f, m: calls.append(f))
    assert e.coords.shape == (150, dims) and e.coords.dtype == np.float64
    assert np.isfinite(e.coords).all()
    assert np.array_equal(e.index, np.arange(150)) and e.index.dtype == np.int64
    assert e.method == method and e.notes == () and e.seconds > 0
    assert (e.explained_variance is not None) == (method == "pca")
    assert calls[0] == 0.0 and calls[-1] == 1.0 and calls == sorted(calls)
    assert np.ptp(e.coords, axis=0).min() > 0  # no axis collapsed to a point


@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_umap_and_tsne_are_seeded_and_stream_their_layout(method):
    data = make_dataset(DatasetConfig("blobs", n_samples=200, n_classes=4, seed=3))
    messages, layouts = [], []
    cfg = EmbedConfig(method=method, n_neighbors=10, perplexity=20)
    before = np.random.get_state()[1].copy()
    first = embed(data.X, cfg, lambda f, m: messages.append(m), lambda f, c, i: layouts.append((f, c, i)))
    assert np.array_equal(np.random.get_state()[1], before)
    assert first.coords.shape == (200, 2)
    assert any("optimising layout" in m for m in messages)
    fractions = [f for f, _, _ in layouts]
    assert (
        fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions) and len(layouts) > 5
    )
    assert all(c.shape == (200, 2) and np.array_equal(i, first.index) for _, c, i in layouts)
    assert not np.allclose(layouts[0][1], first.coords)  # the preview is not the result
    np.testing.assert_array_equal(layouts[-1][1], first.coords)  # the last layout streamed is
    assert np.array_equal(first.coords, embed(data.X, cfg).coords)
    reseeded = embed(data.X, EmbedConfig(method=method, n_neighbors=10, perplexity=20, seed=1)).coords
    assert not np.allclose(first.coords, reseeded)
    assert quality(standardize(data.X), first.coords, data.y).trustworthiness > 0.9


@pytest.mark.slow
def test_umap_is_as_trustworthy_as_umap_learn_on_the_same_data():
    """The reference method still runs, and the fast UMAP keeps neighbourhoods as well as it does."""
    digits = load_bundled("digits")
    rows = np.random.default_rng(0).choice(digits.n_samples, 600, replace=False)
    X = digits.X[rows]
    scores = {}
    for method in ("umap", "umap_learn"):
        e = embed(X, EmbedConfig(method=method))
        scores[method] = quality(standardize(X), e.coords, digits.y[rows]).trustworthiness
    assert scores["umap_learn"] > 0.9
    assert scores["umap"] >= scores["umap_learn"] - 0.01, scores


@pytest.mark.slow
def test_tsne_is_as_trustworthy_as_scikit_learns_on_the_same_data():
    from sklearn.manifold import TSNE

    X = standardize(load_bundled("digits").X[:300])
    ours = embed(X, EmbedConfig(method="tsne", scale=False)).coords
    peer = TSNE(2, init="pca", learning_rate="auto", random_state=0).fit_transform(X)
    trust = {name: quality(X, c).trustworthiness for name, c in (("ours", ours), ("sklearn", peer))}
    assert trust["sklearn"] > 0.9
    assert trust["ours"] >= trust["sklearn"] - 0.01, trust


def test_pca_matches_an_svd_reference(iris):
    e = embed(iris.X, EmbedConfig(method="pca"))
    centred = standardize(iris.X) - standardize(iris.X).mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    ratio = s**2 / np.sum(s**2)
    np.testing.assert_allclose(e.explained_variance, ratio[:2], rtol=1e-10)
    np.testing.assert_allclose(np.abs(e.coords), np.abs(u[:, :2] * s[:2]), rtol=1e-11, atol=1e-12)


def test_standardize_matches_standard_scaler_and_zeroes_constant_columns():
    from sklearn.preprocessing import StandardScaler

    X = np.c_[np.random.default_rng(0).normal(3, 2, (50, 3)), np.full(50, 0.1)]
    out = standardize(X)
    np.testing.assert_allclose(out[:, :3], StandardScaler().fit_transform(X[:, :3]), atol=1e-12)
    assert np.all(out[:, 3] == 0.0)


def test_pca_equals_sklearns_pca_signs_included_on_a_table_of_several_blocks():
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(3)
    X = rng.normal(size=(2 * emb.BLOCK_ROWS + 5, 6)) @ rng.normal(size=(6, 6)) + 50.0  # (16389, 6)
    for scale in (True, False):
        e = embed(X, EmbedConfig(method="pca", scale=scale))
        Z = StandardScaler().fit_transform(X) if scale else X
        ref = PCA(2).fit(Z)
        np.testing.assert_allclose(e.explained_variance, ref.explained_variance_ratio_, rtol=1e-10)
        coords = ref.transform(Z)  # (n, 2); sklearn's signs: each axis's largest loading positive
        np.testing.assert_allclose(e.coords, coords, rtol=1e-8, atol=1e-9 * np.abs(coords).max())


def test_standardize_over_several_blocks_zeroes_only_truly_constant_columns():
    from sklearn.preprocessing import StandardScaler

    n = 2 * emb.BLOCK_ROWS + 5
    rng = np.random.default_rng(1)
    nearly = 1e6 + rng.normal(scale=1e-3, size=n)  # std 1e-9 of its mean, yet not constant
    X = np.c_[rng.normal(3, 2, n), np.full(n, 0.1), nearly, np.zeros(n)]
    out = standardize(X)
    np.testing.assert_allclose(out[:, 0], StandardScaler().fit_transform(X[:, :1])[:, 0], atol=1e-12)
    assert np.all(out[:, [1, 3]] == 0.0)
    # the float64 mean of values near 1e6 is off by ~1e-9, a millionth of this column's std
    assert abs(out[:, 2].mean()) < 1e-4 and abs(out[:, 2].std() - 1.0) < 1e-4


def test_rows_differing_only_in_the_last_block_are_not_identical():
    X = np.ones((2 * emb.BLOCK_ROWS + 5, 3))
    with pytest.raises(ValueError, match="All rows are identical"):
        embed(X, EmbedConfig(method="pca", scale=False))
    X[-1, 2] = 2.0
    assert embed(X, EmbedConfig(method="pca", scale=False)).coords.shape == (len(X), 2)


def test_pca_of_iris_is_trustworthy(iris):
    e = embed(iris.X, EmbedConfig(method="pca"))
    assert quality(standardize(iris.X), e.coords).trustworthiness > 0.9


def test_isomap_unrolls_the_swiss_roll_where_pca_cannot():
    roll = make_dataset(DatasetConfig("swiss_roll", n_samples=600, noise=0.0))
    scores = {}
    for method in ("pca", "isomap"):
        e = embed(roll.X, EmbedConfig(method=method, n_neighbors=6))
        rho = max(abs(spearmanr(e.coords[:, j], roll.position)[0]) for j in range(2))
        scores[method] = (rho, quality(standardize(roll.X), e.coords).trustworthiness)
    assert scores["isomap"][0] > 0.9 > 0.5 > scores["pca"][0]
    assert scores["isomap"][1] > scores["pca"][1] + 0.05


@pytest.mark.parametrize("method", QUICK)
def test_same_config_gives_identical_coords_and_global_rng_is_untouched(method):
    X = make_dataset(DatasetConfig("s_curve", n_samples=250, noise=0.05)).X
    cfg = EmbedConfig(method=method, seed=4)
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    first = embed(X, cfg)
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.seed(8)  # a different global state must not change the result
    assert np.array_equal(first.coords, embed(X, cfg).coords)


def test_tsne_with_fewer_features_than_dimensions_starts_at_random_and_says_so():
    X = np.random.default_rng(0).normal(size=(80, 1))
    e = embed(X, EmbedConfig(method="tsne", perplexity=10))
    assert e.coords.shape == (80, 2) and np.ptp(e.coords, axis=0).min() > 0
    assert any("random layout" in n for n in e.notes)


@pytest.mark.parametrize("variant", ["standard", "modified", "hessian", "ltsa"])
def test_every_lle_variant_embeds_an_s_curve(variant):
    X = make_dataset(DatasetConfig("s_curve", n_samples=300, noise=0.0)).X
    e = embed(X, EmbedConfig(method="lle", lle_method=variant, n_neighbors=12))
    assert e.coords.shape == (300, 2) and np.isfinite(e.coords).all()


def test_rows_beyond_the_limit_are_sampled_with_a_note(iris, monkeypatch):
    monkeypatch.setattr(emb, "row_limit", lambda method: 100)
    e = embed(iris.X, EmbedConfig(method="isomap", seed=5))
    assert e.coords.shape == (100, 2) and e.index.shape == (100,)
    assert np.all(np.diff(e.index) > 0) and e.index[0] >= 0 and e.index[-1] < 150
    assert "Isomap used a random sample of 100 of 150 rows (seed 5)" in e.notes[0]
    assert np.array_equal(e.index, embed(iris.X, EmbedConfig(method="isomap", seed=5)).index)
    assert not np.array_equal(e.index, embed(iris.X, EmbedConfig(method="isomap", seed=6)).index)


def test_row_limit_follows_free_memory_and_time_caps(iris, monkeypatch):
    assert [row_limit(m) for m in ("pca", "tsne", "umap")] == [None, 20_000, 100_000]
    for method, spec in METHODS.items():
        if spec.max_rows is not None:
            assert 0 < row_limit(method) <= spec.max_rows
    free = 100**2 * 8 * 6 / 0.25  # MDS holds 6 dense matrices: exactly 100 rows fit
    monkeypatch.setattr(emb.psutil, "virtual_memory", lambda: SimpleNamespace(available=free))
    assert row_limit("mds") == 100 and row_limit("spectral") == 244  # floor(100 * sqrt(6))
    e = embed(iris.X, EmbedConfig(method="mds"))
    assert e.index.shape == (100,) and "would not fit in the free memory" in e.notes[0]


@pytest.mark.filterwarnings("ignore:Graph is not fully connected")
def test_disconnected_neighbour_graph_is_reported():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(60, 3)), rng.normal(size=(60, 3)) + 100]
    e = embed(X, EmbedConfig(method="spectral", n_neighbors=5))
    assert any("2 separate pieces" in n and "increase n_neighbors" in n for n in e.notes)


SMALL = np.random.default_rng(0).normal(size=(20, 4))


@pytest.mark.parametrize(
    ("X", "cfg", "phrase"),
    [
        (SMALL, EmbedConfig(method="som"), "Unknown embedding method"),
        (SMALL, EmbedConfig(n_components=4), "2 or 3 dimensions"),
        (np.where(np.eye(20, 4) > 0, np.nan, SMALL), EmbedConfig(), "4 missing or infinite"),
        (np.where(np.eye(20, 4) > 0, np.inf, SMALL), EmbedConfig(), "missing or infinite"),
        (np.array([["a", "b"], ["c", "d"]]), EmbedConfig(), "numbers only"),
        (SMALL[:3], EmbedConfig(method="mds"), "at least 4 rows"),
        (SMALL, EmbedConfig(method="tsne"), "pick a perplexity below 20"),
        (SMALL, EmbedConfig(method="isomap", n_neighbors=20), "smaller than the 20 rows"),
        (SMALL, EmbedConfig(method="umap", n_neighbors=1), "at least 2"),
        (SMALL, EmbedConfig(method="umap", min_dist=2.0), "min_dist"),
        (SMALL, EmbedConfig(method="lle", lle_method="hessian", n_neighbors=5), "greater than"),
        (SMALL, EmbedConfig(method="lle", lle_method="isomap"), "Unknown LLE method"),
        (SMALL, EmbedConfig(method="kernel_pca", kernel="linear"), "Unknown kernel"),
        (SMALL[:, :2], EmbedConfig(method="pca", n_components=3), "3 components from 2"),
        (np.ones((20, 3)), EmbedConfig(method="tsne", perplexity=5), "identical"),
        (SMALL, EmbedConfig(seed=-1), "seed"),
    ],
)
def test_bad_input_raises_a_value_error_that_says_what_to_change(X, cfg, phrase):
    with pytest.raises(ValueError, match=phrase):
        embed(X, cfg)


def test_unknown_method_in_row_limit_is_a_value_error():
    with pytest.raises(ValueError, match="choose one of pca"):
        row_limit("som")


@pytest.mark.parametrize("error", [np.linalg.LinAlgError("singular"), RuntimeError("ARPACK")])
def test_library_failures_become_value_errors_naming_the_method(monkeypatch, error):
    class Failing:
        def fit_transform(self, X):
            raise error

    monkeypatch.setattr("sklearn.manifold.SpectralEmbedding", lambda *args, **kwargs: Failing())
    with pytest.raises(ValueError, match=r"Spectral embedding failed .* larger n_neighbors"):
        embed(SMALL, EmbedConfig(method="spectral", n_neighbors=5))


def test_non_finite_coordinates_are_refused(monkeypatch):
    class Exploding:
        def fit_transform(self, X):
            return np.full((X.shape[0], 2), np.nan)

    monkeypatch.setattr("sklearn.manifold.MDS", lambda *args, **kwargs: Exploding())
    with pytest.raises(ValueError, match="MDS produced non-finite coordinates"):
        embed(SMALL, EmbedConfig(method="mds"))


def test_identity_embedding_scores_perfectly():
    X = np.random.default_rng(1).normal(size=(200, 5))
    q = quality(X, X)
    assert q.trustworthiness == pytest.approx(1.0) and q.continuity == pytest.approx(1.0)
    assert q.knn_accuracy is None and q.k == 10 and q.n_evaluated == 200


def test_random_embedding_scores_poorly():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 5))
    q = quality(X, rng.normal(size=(300, 2)))
    assert q.trustworthiness < 0.7 and q.continuity < 0.7


def test_knn_accuracy_on_separated_blobs_and_none_without_two_classes():
    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(3), 100)
    X = rng.normal(size=(300, 2)) + 10 * y[:, None]
    assert quality(X, X, y).knn_accuracy > 0.95
    assert quality(X, X, np.zeros(300)).knn_accuracy is None
    mixed = quality(X, rng.normal(size=(300, 2)), y).knn_accuracy
    assert mixed < 0.6  # labels carry no information in random coordinates


def test_quality_samples_at_most_max_points_and_caps_k():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(500, 3)), rng.integers(0, 2, 500)
    q = quality(X, X[:, :2], y, max_points=100, seed=1)
    assert q.n_evaluated == 100 and q.k == 10
    assert q == quality(X, X[:, :2], y, max_points=100, seed=1)
    assert q != quality(X, X[:, :2], y, max_points=100, seed=2)
    assert quality(X[:9], X[:9]).k == 4  # trustworthiness needs k < n / 2


def test_quality_refuses_mismatched_rows():
    with pytest.raises(ValueError, match="same rows"):
        quality(np.zeros((10, 3)), np.zeros((9, 2)))
