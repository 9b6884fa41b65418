"""UMAP in NumPy and PyTorch and its neighbour search, against scikit-learn and umap-learn as oracles."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.datasets import load_bundled
from engine.embed.neighbors import knn, knn_torch
from engine.embed.quality import quality
from engine.embed.umap import UmapParams, curve_params, fuzzy_graph, place_new, smooth_knn_dist, umap_layout


def _data(n: int = 300, d: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


SEARCHES = {"cpu": knn, "torch": knn_torch}  # knn_torch on the CPU here


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("n", [1, 7, 33, 300, 1000, 2500])  # the CPU search is NumPy's up to 2,000 rows
def test_knn_matches_scikit_learns_exact_search(n, search):
    from sklearn.neighbors import NearestNeighbors

    X = _data(n)
    k = min(n, 15)
    index, dist = SEARCHES[search](X, k)
    ref_dist, ref_index = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X)
    assert index.shape == dist.shape == (n, k) and index.dtype == np.int64
    assert np.array_equal(index[:, 0], np.arange(n)) and np.all(dist[:, 0] == 0)
    # float32 rows: rounding moves each by <= 2^-24 |x|, so a distance by <= 2^-23 max |x|, plus its own
    # rounding (sklearn's float64 self-distance, sqrt of a rounding of |x|^2, is also within this)
    bound = 2.0**-22 * np.linalg.norm(X, axis=1).max()
    np.testing.assert_allclose(dist, ref_dist, rtol=2.0**-23, atol=bound)
    assert np.mean(index == ref_index) > 0.999  # ties in float32 may swap equal-distance rows


@pytest.mark.parametrize("search", SEARCHES)
def test_knn_finds_the_row_itself_first_even_among_duplicates(search):
    X = np.repeat(_data(10), 3, axis=0)  # every row three times
    index, dist = SEARCHES[search](X, 4)
    assert np.array_equal(index[:, 0], np.arange(30))
    assert np.all(dist[:, :3] < 1e-6) and np.all(dist[:, 3] > 0)


@pytest.mark.parametrize("search", SEARCHES)
def test_knn_rejects_a_k_beyond_the_rows(search):
    with pytest.raises(ValueError, match="between 1 and the number of rows"):
        SEARCHES[search](_data(5), 6)


def test_smooth_knn_dist_meets_umaps_target_sum():
    _, dist = knn(_data(), 15)
    rho, sigma = smooth_knn_dist(dist)
    np.testing.assert_array_equal(rho, dist[:, 1])  # distance to the nearest other row, as it is
    total = np.exp(-np.maximum(dist[:, 1:] - rho[:, None], 0) / sigma[:, None]).sum(axis=1)
    np.testing.assert_allclose(total, np.log2(15), rtol=0, atol=1e-5)  # the bisection stops within 1e-5


def test_curve_params_match_umap_learns_for_the_default_min_dist():
    a, b = curve_params(0.1)
    assert a == pytest.approx(1.577, abs=2e-3) and b == pytest.approx(0.895, abs=2e-3)


@pytest.mark.slow
def test_fuzzy_graph_equals_umap_learns_on_the_same_neighbours():
    from umap.umap_ import fuzzy_simplicial_set

    X = _data(200)
    index, dist = knn(X, 10)
    ours = fuzzy_graph(index, dist)
    ref, _, _ = fuzzy_simplicial_set(X, 10, 0, "euclidean", knn_indices=index, knn_dists=dist)
    assert abs(ours - ref).max() < 1e-4


def test_umap_layout_keeps_digits_neighbourhoods_and_is_seeded():
    digits = load_bundled("digits")
    X = digits.X[:500]
    layouts = []
    coords = umap_layout(X, UmapParams(n_epochs=200, layout_every=50), lambda f, c: layouts.append(f))
    assert coords.shape == (500, 2) and coords.dtype == np.float64
    assert layouts == [0.25, 0.5, 0.75, 1.0]
    q = quality(X, coords, digits.y[:500])
    assert q.trustworthiness > 0.95 and q.knn_accuracy > 0.9
    assert np.array_equal(coords, umap_layout(X, UmapParams(n_epochs=200)))


def test_umap_layout_handles_a_graph_in_several_pieces():
    X = np.r_[_data(60, 3), _data(60, 3, seed=1) + 100]  # two far-apart clouds: PCA start
    coords = umap_layout(X, UmapParams(n_neighbors=5, n_epochs=100))
    assert np.isfinite(coords).all()
    centres = coords[:60].mean(axis=0), coords[60:].mean(axis=0)
    spread = max(coords[:60].std(axis=0).max(), coords[60:].std(axis=0).max())
    assert np.linalg.norm(centres[0] - centres[1]) > 2 * spread


@pytest.mark.gpu
def test_cuda_gives_the_same_neighbours_and_an_equally_faithful_layout():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    X = load_bundled("digits").X[:800]
    cpu_index, cpu_dist = knn(X, 15)
    gpu_index, gpu_dist = knn(X, 15, "cuda")
    # the GPU picks candidates by |x|^2 - 2 x.y + |y|^2 in float32: rows tied to within a few roundings of
    # |x|^2 may swap, and squared distances agree to that
    sq = 4 * 2.0**-24 * (X.astype(np.float32) ** 2).sum(axis=1).max()
    np.testing.assert_allclose(gpu_dist**2, cpu_dist**2, rtol=2.0**-20, atol=sq)
    assert np.mean(gpu_index == cpu_index) > 0.999
    cpu = quality(X, umap_layout(X, UmapParams())).trustworthiness
    gpu = quality(X, umap_layout(X, UmapParams(device="cuda"))).trustworthiness
    assert gpu >= cpu - 0.01


def test_numpy_and_torch_neighbours_agree_on_wide_clustered_data():
    """Many column groups (the pre-selection by group minimum matters) and near-duplicate rows."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(20, 30)) * 4
    X = centres[rng.integers(0, 20, 3000)] + rng.normal(scale=0.3, size=(3000, 30))
    index, dist = knn(X, 12)
    t_index, t_dist = knn_torch(X, 12)
    assert (index[:, 0] == np.arange(3000)).all() and (dist[:, 0] == 0).all()
    # knn_torch picks candidates by |x|^2 - 2 x.y + |y|^2 in float32 (|x|^2 up to ~700 here): rows tied to
    # within a few roundings of |x|^2 may swap, and squared distances agree to that
    sq = 4 * 2.0**-24 * (X.astype(np.float32) ** 2).sum(axis=1).max()
    np.testing.assert_allclose(dist**2, t_dist**2, rtol=2.0**-20, atol=sq)
    exact = np.linalg.norm(X[:, None, :] - X[index], axis=-1)  # float64; rounding rows to float32 as above
    np.testing.assert_allclose(dist, exact, rtol=2.0**-23, atol=2.0**-22 * np.linalg.norm(X, axis=1).max())
    assert (np.diff(dist, axis=1) >= 0).all() and np.mean(index == t_index) > 0.999


def test_umap_on_the_torch_backend_keeps_the_same_neighbourhoods(monkeypatch):
    """The layout loop is written once for NumPy (the CPU) and torch (CUDA): run the torch side on the CPU."""
    from engine.backend import make_backend
    from engine.embed import umap as fast_umap

    digits = load_bundled("digits")
    X, y = digits.X[:500], digits.y[:500]
    numpy_q = quality(X, umap_layout(X, UmapParams(n_epochs=200)), y)
    monkeypatch.setattr(fast_umap, "make_backend", lambda device: make_backend(device, "torch"))
    torch_q = quality(X, umap_layout(X, UmapParams(n_epochs=200)), y)
    assert torch_q.trustworthiness > 0.95 and torch_q.knn_accuracy > 0.9
    assert abs(torch_q.trustworthiness - numpy_q.trustworthiness) < 0.01


def test_umap_on_the_cpu_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np; from engine.embed.umap import umap_layout, UmapParams; "
        "umap_layout(np.random.default_rng(0).normal(size=(200, 5)), UmapParams(n_epochs=20)); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


def test_no_gpu_driver_means_no_torch_import_for_the_device():
    import subprocess
    import sys

    from engine.device import _may_have_gpu

    if _may_have_gpu():
        pytest.skip("this machine may have a GPU")
    code = "import sys; from engine.device import resolve_device; print(resolve_device('auto'), 'torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["cpu", "False"]


def test_new_points_land_among_their_nearest_rows_weighted_as_umap_does():
    """place_new puts a row at the membership-weighted mean of its k nearest fitted rows: checked
    against the formula computed here with scipy's distances, and on two clusters far apart a new
    point near one lands in that cluster's part of the layout."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 0.1, (40, 5)), rng.normal(5, 0.1, (40, 5))]
    layout = np.r_[np.tile([-3.0, 0.0], (40, 1)), np.tile([3.0, 0.0], (40, 1))] + rng.normal(0, 0.2, (80, 2))
    new = rng.normal(0, 0.1, (6, 5))
    placed = place_new(new, X, layout, k=10)
    d = cdist(new, X)
    idx = np.argsort(d, axis=1)[:, :10]
    near = np.take_along_axis(d, idx, 1)
    rho, sigma = smooth_knn_dist(np.column_stack([np.zeros(6), near]))
    w = np.exp(-np.maximum(near - rho[:, None], 0) / sigma[:, None])
    expected = (w[:, :, None] * layout[idx]).sum(1) / w.sum(1, keepdims=True)
    np.testing.assert_allclose(placed, expected, rtol=1e-9, atol=1e-9)
    assert (placed[:, 0] < -2).all()
    far = place_new(np.full((1, 5), 5.0), X, np.where(np.arange(80)[:, None] == 0, np.nan, layout))
    assert far[0, 0] > 2  # a NaN row of the layout (one that was not embedded) is left out
    with pytest.raises(ValueError, match="must match"):
        place_new(np.zeros((1, 4)), X, layout)
