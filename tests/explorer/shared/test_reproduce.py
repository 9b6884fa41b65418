"""The "reproduce in Python" scripts: configs written back as equal configs, data sources loaded again,
and each page's script run in a fresh Python, its numbers checked against the same engine calls made here."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.classify.arena import ArenaConfig, arena
from engine.classify.fit import ModelConfig, fit_all
from engine.cnn.model import CNNConfig
from engine.data.datasets import SAMPLE_DIR, DatasetConfig, make_dataset
from engine.data.source import DataSource
from engine.data.tables import TableOptions, load_sample, read_table, table_to_dataset
from engine.embed.methods import EmbedConfig, embed
from engine.latent.autoencoder import AEConfig
from engine.latent.contrastive import ContrastiveConfig
from engine.latent.gan import GANConfig
from engine.latent.vae import VAEConfig
from engine.nets.landscape import LandscapeConfig, loss_landscape, record_trajectory
from engine.nets.landscape_race import LandscapeRaceConfig, Racer, race_on_landscape
from engine.nets.mlp import TrainConfig
from engine.optim.race import MapConfig, PathConfig, RaceConfig, race
from engine.optim.surfaces import SurfaceConfig, make_surface
from explorer.cnn import compute as cnn_compute
from explorer.latent import compute as latent_compute
from explorer.layers import compute as layer_compute
from explorer.shared import reproduce, reproduce_nets
from explorer.shared.cache import digest
from explorer.shared.reproduce import literal
from tests.apptest import boundaries_page, inspector, layers_page, metric, open_page, optimizer_page
from tests.conftest import ROOT

MOONS = DataSource.of_config(DatasetConfig("moons", n_samples=200, noise=0.1, seed=0))
CLASSES = (DatasetConfig, TableOptions, EmbedConfig, TrainConfig, ArenaConfig, ModelConfig, PathConfig)
CONFIGS = {c.__name__: c for c in (*CLASSES, RaceConfig, MapConfig, SurfaceConfig, LandscapeConfig)}


pytestmark = pytest.mark.usefixtures("fresh_caches")
CNN = "../pages/convolutional_networks.py"


def run_script(text: str, folder: Path, *args: str) -> dict:
    """Run a script in a fresh interpreter inside `folder` (where it writes its figures); its last
    line of output, JSON, parsed. The repository is on the path as for a user with the app installed."""
    (folder / "script.py").write_text(text)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run([sys.executable, "script.py", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def html_plot(path: Path) -> str:
    text = path.read_text()
    assert "Plotly.newPlot" in text, f"{path.name} holds no plot"
    return text


# --- configs and data keys ---------------------------------------------------------------------------


def test_literal_writes_configs_that_evaluate_to_equal_configs():
    tree, knn = ModelConfig("tree", (("max_depth", 3),), seed=4), ModelConfig("knn", class_weight="balanced")
    cases = [
        DatasetConfig("circles", n_samples=np.int64(300), noise=np.float64(0.25), n_classes=3, seed=7),
        TableOptions(label='it\'s "quoted"', features=("a", "b,c"), missing="drop", max_rows=500),
        TableOptions(label=None, features=("only",)),
        EmbedConfig("umap", n_components=3, scale=False, min_dist=0.0, seed=2**31 - 1),
        TrainConfig(hidden=(256, 2, 16), lr=0.0003, l2=1e-05, batch_size=32, device="cpu"),
        ArenaConfig("features", (2, 0), 0.25, 50, rare_class=1, keep=0.05, oversample=True, seed=3),
        ModelConfig("voting", members=(tree, knn), weights=(2.0, 0.5), voting="hard", seed=4),
        ModelConfig("bagging", members=(tree,)),
        RaceConfig(
            (PathConfig("adam", 1e-05, 0.999), PathConfig("minibatch", 0.5, batch_size=7)),
            start=(-1.5, 2.0),
            steps=5000,
            seed=9,
            equal_footing=True,
        ),  # fmt: skip
        MapConfig("nesterov", lr_range=(1e-4, 1.0), steps=50, start=(0.0, -0.5)),
        SurfaceConfig("quadratic", condition=1000.0, standardize=False),
        LandscapeConfig("pca", 5, 100.0, 1, "cpu"),
    ]
    for cfg in cases:
        text = literal(cfg)
        assert eval(text, {}, CONFIGS) == cfg, text
        assert "np." not in text and "int64" not in text
    assert literal(DatasetConfig()) == 'DatasetConfig(name="moons", seed=0)', "name and seed always shown"
    assert literal((1,)) == "(1,)" and literal(float("inf")) == 'float("inf")'


def test_long_configs_break_one_field_a_line_and_members_can_be_variables():
    race_cfg = RaceConfig(tuple(PathConfig("momentum", 0.001 * i, 0.9) for i in range(1, 9)), steps=300)
    text = literal(race_cfg)
    assert max(len(line) for line in text.splitlines()) <= reproduce.WIDTH
    assert text.count("\n") > 8 and eval(text, {}, CONFIGS) == race_cfg
    tree = ModelConfig("tree")
    vote = ModelConfig("voting", members=(tree, ModelConfig("knn")))
    assert (
        literal(vote, {tree: "tree"})
        == 'ModelConfig(name="voting", members=(tree, ModelConfig(name="knn", seed=0)), seed=0)'
    )


def test_each_kind_of_source_is_written_as_code_that_loads_it():
    gen = DatasetConfig("spirals", 400, 0.2, 3, 5)
    opts = TableOptions(label="species", features=("petal_length_cm",), max_rows=100, seed=2)
    text = reproduce.inspector_script(DataSource.of_config(gen), [])
    assert f"data = make_dataset({literal(gen)})" in text and "read_table" not in text
    text = reproduce.inspector_script(DataSource.of_sample("iris_flowers", opts), [])
    assert 'load_sample("iris_flowers")' in text and f"options = {literal(opts)}" in text
    text = reproduce.inspector_script(DataSource.of_upload("my data.tsv", "0123abcd", opts), [])
    assert 'else "my data.tsv"' in text and "0123abcd" not in text, "the script reads the file, by its name"
    assert 'f"my_data_{cfg.method}.html"' in text


# --- each page's script, run ---------------------------------------------------------------------------


def test_inspector_script_reads_the_uploaded_file_and_matches_the_engine(tmp_path):
    csv = tmp_path / "rolled up.csv"
    shutil.copy(SAMPLE_DIR / "swiss_roll_3d.csv", csv)
    opts = TableOptions(label="segment", max_rows=200, seed=1)
    cfgs = [EmbedConfig("pca", n_neighbors=10, seed=1), EmbedConfig("isomap", n_neighbors=10, seed=1)]
    source = DataSource.of_upload(csv.name, digest(csv.read_bytes()), opts)
    text = reproduce.inspector_script(source, cfgs)
    out = run_script(text, tmp_path, csv.name)
    data = table_to_dataset(read_table(csv.read_bytes(), csv.name), opts)
    for cfg in cfgs:
        emb = embed(data.X, cfg)
        # float64 in both processes; isomap's eigensolver may see BLAS sums in another order
        np.testing.assert_allclose(out[cfg.method]["first_point"], emb.coords[0], rtol=1e-10)
        assert 0.5 < out[cfg.method]["trustworthiness"] <= 1
        page = html_plot(tmp_path / f"rolled_up_{cfg.method}.html")
        assert all(f'"name":"{c}"' in page for c in data.class_names), "one legend entry a class"
    assert out["isomap"]["continuity"] != out["pca"]["continuity"]


def test_inspector_script_reads_an_uploaded_parquet_file_as_the_page_did(tmp_path):
    import pandas as pd

    path = tmp_path / "roll.parquet"
    pd.read_csv(SAMPLE_DIR / "swiss_roll_3d.csv").to_parquet(path, index=False)
    opts, cfg = TableOptions(label="segment", max_rows=150, seed=4), EmbedConfig("pca", seed=4)
    text = reproduce.inspector_script(DataSource.of_upload(path.name, digest(path.read_bytes()), opts), [cfg])
    assert "Parquet" in text, "the script says which formats it reads"
    out = run_script(text, tmp_path, path.name)
    data = table_to_dataset(read_table(path.read_bytes(), path.name), opts)
    assert data.notes[0].endswith("(Parquet).") and data.n_samples == 150
    np.testing.assert_allclose(out["pca"]["first_point"], embed(data.X, cfg).coords[0], rtol=1e-10)
    html_plot(tmp_path / "roll_pca.html")


def test_boundaries_script_fits_the_same_models(tmp_path):
    source = DataSource.of_sample("iris_flowers", TableOptions(label="species"))
    setup = ArenaConfig(grid_size=40, seed=2)
    logreg, knn = ModelConfig("logreg", seed=2), ModelConfig("knn", (("n_neighbors", 7),), seed=2)
    models = [logreg, knn, ModelConfig("voting", members=(logreg, knn), weights=(1.0, 3.0), seed=2)]
    text = reproduce.boundaries_script(source, setup, models)
    assert "members=(logreg, knn)" in text
    out = run_script(text, tmp_path)
    plane = arena(table_to_dataset(load_sample("iris_flowers"), source.table), setup)
    results = fit_all(plane.data.X, plane.data.y, plane.train, plane.test, plane.grid, models, n_jobs=1)
    assert {k: v["test_accuracy"] for k, v in out.items()} == {r.label: r.test_acc for r in results}
    assert all(v["error"] is None for v in out.values())
    page = html_plot(tmp_path / "iris_flowers_boundaries.html")
    assert all(r.label in page for r in results), "a tile for every model"


def test_race_script_on_a_data_surface_with_its_convergence_map(tmp_path):
    surface_cfg = SurfaceConfig("logistic")
    race_cfg = RaceConfig((PathConfig("sgd", 0.05), PathConfig("adam", 0.1)), steps=60, seed=3)
    map_cfg = MapConfig("momentum", steps=60, seed=3)
    out = run_script(reproduce.race_script(MOONS, surface_cfg, race_cfg, map_cfg), tmp_path)
    surface = make_surface(surface_cfg, make_dataset(MOONS.dataset))
    result = race(surface, race_cfg)
    assert out["labels"] == list(result.labels)
    np.testing.assert_allclose(out["final_loss"], result.loss[-1], rtol=1e-9)
    html_plot(tmp_path / "moons_logistic_race.html")
    assert "heatmap" in html_plot(tmp_path / "moons_logistic_map.html")


def test_race_script_on_a_test_function(tmp_path):
    race_cfg = RaceConfig((PathConfig("gd", 0.001), PathConfig("momentum", 0.001)), steps=80)
    text = reproduce.race_script(None, SurfaceConfig("rosenbrock"), race_cfg)
    assert "make_dataset" not in text and "make_surface(SURFACE)" in text
    out = run_script(text, tmp_path)
    # elementwise float64 arithmetic on two parameters, no BLAS: the same numbers in both processes
    np.testing.assert_array_equal(out["final_loss"], race(make_surface(SurfaceConfig()), race_cfg).loss[-1])
    html_plot(tmp_path / "rosenbrock_race.html")


def test_landscape_script_slices_the_same_network_and_races_on_it(tmp_path):
    train_cfg = TrainConfig(hidden=(6,), epochs=20, snapshot_every=2, seed=1, device="cpu")
    slice_cfg = LandscapeConfig("random", 9, 1.0, 1, "cpu")
    race_cfg = LandscapeRaceConfig((Racer("sgd", 0.5), Racer("adam", 0.01, batch_size=16)))
    out = run_script(reproduce.landscape_script(MOONS, train_cfg, slice_cfg, race_cfg), tmp_path)
    data = make_dataset(MOONS.dataset)
    traj = record_trajectory(data, train_cfg)
    land = loss_landscape(traj, slice_cfg)
    result = race_on_landscape(data, traj, land, race_cfg)
    assert out["weights"] == traj.weights.shape[1] == 2 * 6 + 6 + 6 * 2 + 2
    assert out["final_train_loss"] == pytest.approx(float(traj.train_loss[-1]), rel=1e-6)
    assert out["slice_min"] == pytest.approx(float(land.loss.min()), rel=1e-6)
    assert out["labels"] == ["SGD (lr 0.5)", "Adam (lr 0.01, batch 16)"]
    np.testing.assert_allclose(out["real_loss"], result.real_loss[-1], rtol=1e-6)
    np.testing.assert_allclose(out["slice_loss"], result.slice_loss[-1], rtol=1e-6)
    html_plot(tmp_path / "moons_landscape.html")


# --- the pages offer the script -------------------------------------------------------------------------


def script_buttons(at) -> list:
    return [b for b in at.get("download_button") if b.proto.id.endswith("_script")]


def test_layer_page_offers_a_script_that_reproduces_its_run(tmp_path):
    """The page keys its run by the data's `DataSource`: the run it stored is found under the source
    built here, and the script made from that source reaches the accuracy the page shows."""
    at = layers_page({"data": "sample:iris_flowers", "epochs": "30", "hidden": "6"})
    at.button(key="lm_train").click().run()
    assert not at.exception and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    key = DataSource.of_sample("iris_flowers", TableOptions(label="species"))
    cfg = TrainConfig(hidden=(6,), epochs=30, seed=0, device="auto")
    stored = layer_compute.trained(key, cfg)
    assert stored is not None, "the page's data source or config is not what the script is made from"
    out = run_script(reproduce.layers_script(key, cfg), tmp_path)
    assert out["test_accuracy"] == pytest.approx(float(stored.history["test_acc"][-1]))
    assert f"{out['test_accuracy']:.3f}" == metric(at, "Test accuracy")
    assert "frames" in html_plot(tmp_path / "iris_flowers_layers.html")


def test_other_pages_offer_the_script_next_to_their_exports():
    at = inspector({"n": "200"})
    assert not at.exception and len(script_buttons(at)) == 1
    at = optimizer_page({"steps": "50"})
    assert not at.exception and len(script_buttons(at)) == 1
    at = optimizer_page({"surface": "network", "n": "100", "epochs": "10", "hidden": "4", "lsize": "5"})
    assert not at.exception and not at.error and len(script_buttons(at)) == 1
    at = boundaries_page({"n": "200", "models": "logreg,knn", "voting": "false", "stacking": "false",
                          "gridn": "50"})  # fmt: skip
    assert not at.exception and len(script_buttons(at)) == 1


def test_cnn_page_offers_a_script_that_reproduces_its_run(tmp_path):
    at = open_page({"data": "digits", "epochs": "2", "channels": "4,8"}, CNN)
    at.button(key="cn_train").click().run()
    assert not at.exception and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    key = DataSource.of_config(DatasetConfig(name="digits", seed=0))
    cfg = CNNConfig(channels=(4, 8), epochs=2, seed=0, device="auto")
    stored = cnn_compute.trained(key, cfg)
    assert stored is not None, "the page's data source or config is not what the script is made from"
    out = run_script(reproduce_nets.cnn_script(key, cfg), tmp_path)
    assert out["test_accuracy"] == pytest.approx(float(stored.history["test_acc"][-1]))
    assert f"{out['test_accuracy']:.3f}" == metric(at, "Test accuracy")
    assert "frames" in html_plot(tmp_path / "digits_cnn_layers.html")


def test_latent_page_offers_a_script_that_reproduces_its_run(tmp_path):
    at = open_page({"data": "iris", "epochs": "20"}, "../pages/latent_manifolds.py")
    at.button(key="lt_train").click().run()
    assert not at.exception and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    key = DataSource.of_config(DatasetConfig(name="iris", seed=0))
    cfg = AEConfig(epochs=20, seed=0, device="auto")
    stored = latent_compute.trained(key, cfg)
    assert stored is not None, "the page's data source or config is not what the script is made from"
    out = run_script(reproduce_nets.latent_script(key, cfg), tmp_path)
    assert out["reconstruction_error"] == pytest.approx(float(stored.error[-1]), rel=1e-5)
    assert f"{out['reconstruction_error']:.4f}" == metric(at, "Reconstruction error")
    assert "frames" in html_plot(tmp_path / "iris_latent.html")


def test_latent_page_offers_a_script_that_reproduces_its_vae(tmp_path):
    at = open_page({"data": "digits", "model": "vae", "vepochs": "10"}, "../pages/latent_manifolds.py")
    at.button(key="lt_train").click().run()
    assert not at.exception and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    key = DataSource.of_config(DatasetConfig(name="digits", seed=0))
    cfg = VAEConfig(epochs=10, seed=0, device="auto")
    stored = latent_compute.trained(key, cfg)
    assert stored is not None, "the page's data source or config is not what the script is made from"
    out = run_script(reproduce_nets.latent_script(key, cfg), tmp_path)
    assert out["kl_nats"] == pytest.approx(float(stored.kl[-1]), rel=1e-4)
    assert f"{out['kl_nats']:.2f} nats" == metric(at, "KL")
    assert out["collapsed"] is False
    assert "frames" in html_plot(tmp_path / "digits_vae.html")


def test_latent_page_offers_a_script_that_reproduces_its_contrastive_run(tmp_path):
    at = open_page({"data": "digits", "model": "simclr", "cepochs": "6"}, "../pages/latent_manifolds.py")
    at.button(key="lt_train").click().run()
    assert not at.exception and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    key = DataSource.of_config(DatasetConfig(name="digits", seed=0))
    cfg = ContrastiveConfig(epochs=6, seed=0, device="auto")
    stored = latent_compute.trained(key, cfg)
    assert stored is not None, "the page's data source or config is not what the script is made from"
    out = run_script(reproduce_nets.latent_script(key, cfg), tmp_path)
    assert out["alignment"] == pytest.approx(float(stored.alignment[-1]), rel=1e-3)
    # another process may train on another thread count: a neighbour vote may flip, not more
    assert out["knn_accuracy"] == pytest.approx(float(metric(at, "5-NN accuracy")), abs=0.01)
    assert "frames" in html_plot(tmp_path / "digits_contrastive.html")


def test_latent_page_offers_a_script_that_reproduces_its_gan(tmp_path):
    at = open_page(
        {"data": "moons", "model": "gan", "gsteps": "60", "gevery": "20"}, "../pages/latent_manifolds.py"
    )
    at.button(key="lt_train").click().run()
    assert not at.exception and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    key = DataSource.of_config(DatasetConfig(name="moons", seed=0))
    cfg = GANConfig(steps=60, snapshot_every=20, seed=0, device="auto")
    stored = latent_compute.trained(key, cfg)
    assert stored is not None, "the page's data source or config is not what the script is made from"
    out = run_script(reproduce_nets.latent_script(key, cfg), tmp_path)
    assert out["d_loss"] == pytest.approx(float(stored.d_loss[-1]), rel=1e-3)
    assert out["steps"] == 60
    assert "frames" in html_plot(tmp_path / "moons_gan.html")


def test_geometry_scripts_reproduce_the_graph_the_few_labels_and_the_gcn(tmp_path):
    from engine.geometry.few_labels import FewLabelsConfig
    from engine.geometry.gcn import GCNConfig
    from engine.geometry.graph import GraphConfig
    from explorer.shared import reproduce_views
    from tests.apptest import geometry_page

    at = geometry_page({"data": "swiss_roll", "n": "600", "noise": "0.3", "k": "15"})
    assert not at.exception and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    roll = DataSource.of_config(DatasetConfig("swiss_roll", n_samples=600, noise=0.3, n_classes=3, seed=0))
    out = run_script(reproduce_views.geometry_script(roll, GraphConfig(k=15), "graph", 0), tmp_path)
    assert f"{out['edges']:,}" == metric(at, "Edges") and str(out["components"]) == metric(
        at, "Pieces (components)"
    )
    assert f"{out['stretch']:.1f}×" in " ".join(m.value for m in at.markdown)
    html_plot(tmp_path / "swiss_roll_geodesic.html")
    moons = DataSource.of_config(DatasetConfig("moons", n_samples=300, noise=0.05, n_classes=3, seed=0))
    at = geometry_page({"data": "moons", "n": "300", "noise": "0.05", "part": "labels"})
    out = run_script(reproduce_views.geometry_script(moons, GraphConfig(), "labels", 0, labels=FewLabelsConfig()),
                     tmp_path)  # fmt: skip
    assert f"{out['spread']:.3f}" == metric(at, "Label spreading") and out["labelled"] == 4
    out = run_script(
        reproduce_views.geometry_script(None, None, "gcn", 0, gcn=GCNConfig(epochs=50)), tmp_path
    )
    assert 0.8 <= out["gcn_accuracy"] <= 1 and 0.8 <= out["label_spreading"] <= 1


def test_the_explanations_script_explains_the_same_point_alike(tmp_path):
    from engine.classify.explain.local import PointConfig
    from explorer.shared import reproduce_views
    from tests.apptest import explain_page

    at = explain_page({"data": "circles", "models": "logreg,tree", "voting": "0", "stacking": "0"})
    assert (
        not at.exception and not at.error and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    )
    (table,) = [d.value for d in at.dataframe if "residual" in d.value.columns]
    source = DataSource.of_config(DatasetConfig("circles", n_samples=500, noise=0.3, n_classes=3, seed=0))
    data = make_dataset(source.dataset)
    from engine.classify.fit import split

    _, test = split(data.y, 0.3, 0)
    cfgs = [ModelConfig("logreg"), ModelConfig("tree")]
    out = run_script(
        reproduce_views.explain_script(source, cfgs, PointConfig(), data.X[test[0]], 0.3, 0), tmp_path
    )
    for _, row in table.iterrows():
        assert out[row["model"]]["f(x)"] == pytest.approx(row["f(x)"], rel=1e-9)
        assert out[row["model"]]["base"] == pytest.approx(row["base E[f]"], rel=1e-9)
    html_plot(tmp_path / "circles_attributions.html")


def test_the_sphere_script_races_the_same_methods(tmp_path):
    from engine.optim.sphere import SphereConfig, race_sphere
    from explorer.shared import reproduce_views

    at = optimizer_page({"surface": "sphere", "ssteps": "100"})
    assert (
        not at.exception and not at.error and [b.proto.label for b in script_buttons(at)] == ["Python script"]
    )
    cfg = SphereConfig(steps=100)
    ref = race_sphere(cfg)
    out = run_script(reproduce_views.sphere_script(cfg), tmp_path)
    for i, label in enumerate(ref.labels):
        assert out[label]["objective"] == pytest.approx(float(ref.objective[-1, i]), rel=1e-12)
    html_plot(tmp_path / "sphere_race.html")
