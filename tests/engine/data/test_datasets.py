"""Dataset generators and bundled sets: shapes, classes, determinism, validation."""

import numpy as np
import pytest

from engine.data.datasets import BUNDLED, GENERATORS, DatasetConfig, list_samples, make_dataset


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generator_shapes_and_labels(name):
    spec = GENERATORS[name]
    k = spec.classes[1]
    d = make_dataset(DatasetConfig(name=name, n_samples=300, noise=0.1, n_classes=k, seed=1))
    assert d.X.shape == (300, spec.n_features)
    assert d.X.dtype == np.float64 and np.isfinite(d.X).all()
    assert d.y.shape == (300,) and d.y.dtype == np.int64
    assert set(np.unique(d.y)) == set(range(k)), "every class is present"
    assert d.n_classes == k and len(d.feature_names) == spec.n_features
    assert d.position is not None and d.position.shape == (300,)
    assert list(d.original.columns[: spec.n_features]) == list(d.feature_names)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generators_are_seeded_and_leave_global_rng_alone(name):
    state = np.random.get_state()[1].copy()
    a = make_dataset(DatasetConfig(name=name, n_samples=200, seed=3))
    b = make_dataset(DatasetConfig(name=name, n_samples=200, seed=3))
    c = make_dataset(DatasetConfig(name=name, n_samples=200, seed=4))
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_noise_zero_gives_exact_geometry():
    d = make_dataset(DatasetConfig(name="circles", n_samples=400, noise=0.0, n_classes=4))
    radius = np.linalg.norm(d.X, axis=1)
    np.testing.assert_allclose(radius, (d.y + 1) / 4)


def test_spirals_arms_are_rotations_of_each_other():
    d = make_dataset(DatasetConfig(name="spirals", n_samples=600, noise=0.0, n_classes=3))
    angle = np.arctan2(d.X[:, 1], d.X[:, 0])
    expected = d.position * 3 * np.pi + d.y * 2 * np.pi / 3
    np.testing.assert_allclose(np.cos(angle), np.cos(expected), atol=1e-12)  # float64 angles up to ~14 rad


def test_linked_rings_are_unit_circles_in_orthogonal_planes():
    d = make_dataset(DatasetConfig(name="linked_rings", n_samples=200, noise=0.0))
    r0, r1 = d.X[d.y == 0], d.X[d.y == 1]
    np.testing.assert_allclose(r0[:, 2], 0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(r0[:, 0], r0[:, 1]), 1)
    np.testing.assert_allclose(r1[:, 1], 0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(r1[:, 0] - 1, r1[:, 2]), 1)


def test_swiss_roll_classes_are_segments_of_position():
    d = make_dataset(DatasetConfig(name="swiss_roll", n_samples=500, n_classes=4))
    order = np.argsort(d.position)
    assert np.all(np.diff(d.y[order]) >= 0), "labels increase along the roll"


def test_class_count_is_clipped_to_generator_range():
    assert make_dataset(DatasetConfig(name="moons", n_classes=5)).n_classes == 2
    assert make_dataset(DatasetConfig(name="blobs", n_classes=8)).n_classes == 8


@pytest.mark.parametrize(
    "name,shape,k",
    [
        ("iris", (150, 4), 3),
        ("wine", (178, 13), 3),
        ("breast_cancer", (569, 30), 2),
        ("digits", (1797, 64), 10),
    ],
)
def test_bundled_sets(name, shape, k):
    assert name in BUNDLED
    d = make_dataset(DatasetConfig(name=name))
    assert d.X.shape == shape and d.n_classes == k
    assert d.original["label"].iloc[0] in d.class_names


@pytest.mark.parametrize(
    "cfg,phrase",
    [
        (DatasetConfig(name="nope"), "Unknown dataset"),
        (DatasetConfig(n_samples=5), "between 10"),
        (DatasetConfig(n_samples=10**7), "between 10"),
        (DatasetConfig(noise=-0.5), "Noise"),
        (DatasetConfig(noise=3.0), "Noise"),
    ],
)
def test_bad_config_raises_clear_value_error(cfg, phrase):
    with pytest.raises(ValueError, match=phrase):
        make_dataset(cfg)


def test_samples_are_shipped():
    assert len(list_samples()) >= 4


def test_digits_read_from_the_file_equal_scikit_learns_loader_and_import_no_scikit_learn():
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    d, ref = make_dataset(DatasetConfig(name="digits")), load_digits()
    np.testing.assert_array_equal(d.X, ref.data)
    np.testing.assert_array_equal(d.y, ref.target)
    assert d.class_names == tuple(str(c) for c in ref.target_names)
    code = "import sys; from engine.data.datasets import load_bundled; load_bundled('digits'); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
