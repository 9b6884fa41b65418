"""The Latent manifolds page through AppTest: nothing before Train, then the latent animation, the error
curve, reconstructions and scores on the 8x8 digits; the linear autoencoder beside PCA; the Swiss roll's
3-D reconstruction; data and widths that cannot be used; and the link. The VAE: its plane beside the
decoded grid (a typed point decodes to the grid's image there), collapse at a large beta, beta 0, prior
draws, a 3-D table, and its link. Contrastive: classes gathering without labels (and the raw pixels'
higher score said), no augmentation, and a table's controls."""

import re

import numpy as np
import pytest

from tests.apptest import charts, latent_page, metric, values

pytestmark = pytest.mark.usefixtures("fresh_caches")

DIGITS = {"data": "digits", "epochs": "20"}
ANGLES = re.compile(r"PCA's top 2 axes: \*\*([\d.]+)°, ([\d.]+)°\*\*")


def trained(query: dict):
    at = latent_page(query)
    assert not at.exception and not at.error
    at.button(key="lt_train").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def titles(at) -> list[str]:
    return [s["layout"].get("title", {}).get("text") or "" for s in charts(at)]


def titled(at, start: str) -> dict:
    found = [s for s in charts(at) if (s["layout"].get("title", {}).get("text") or "").startswith(start)]
    assert len(found) == 1, (start, titles(at))
    return found[0]


def panels(spec: dict) -> list[str]:
    return [a["text"] for a in spec["layout"].get("annotations", [])]


def test_nothing_trains_until_train_is_pressed():
    at = latent_page({"data": "digits"})
    assert not at.exception and not at.error
    (info,) = at.info
    assert info.value.startswith("digits: 1,797 rows, 64 features. Press **Train**")
    assert "its pixels through 2 units" in info.value
    (strip,) = charts(at)  # only the data's first images: nothing was trained
    assert strip["layout"]["title"]["text"] == "The first 24 of the 1,797 images"
    iris = latent_page({"data": "iris", "latent": "3"})
    assert "iris: 150 rows, 4 features" in iris.info[0].value
    assert "its standardised features through 3 units" in iris.info[0].value


@pytest.mark.slow
def test_training_shows_the_latent_the_error_reconstructions_and_scores():
    at = trained(DIGITS)
    assert metric(at, "Epochs") == "20"
    assert 0 < float(metric(at, "Reconstruction error")) < 0.2
    latent = charts(at)[0]  # the latent over training comes first
    assert [f["name"] for f in latent["frames"]] == ["0", "5", "10", "15", "20"]
    assert [s["label"] for s in latent["layout"]["sliders"][0]["steps"]] == ["0", "5", "10", "15", "20"]
    (panel,) = panels(latent)
    assert panel.startswith("latent") and "2 units, tanh" in panel
    error = titled(at, "Reconstruction error")
    assert len(error["data"]) == 2
    grid = titled(at, "Originals (top) and their reconstructions")
    assert grid["data"][0]["type"] == "heatmap"
    scores = next(m.value for m in at.markdown if m.value.startswith("Latent of the last epoch"))
    trust = float(re.search(r"trustworthiness \*\*(\d\.\d{3})\*\*", scores).group(1))
    assert 0.7 < trust <= 1, scores  # measured 0.827
    assert "5-NN accuracy" in scores
    assert not any(s.value == "A linear autoencoder is PCA" for s in at.subheader)


@pytest.mark.slow
def test_the_linear_autoencoder_finds_pcas_plane():
    at = trained({"data": "digits", "epochs": "30"})
    at.sidebar.toggle(key="lt_pca").set_value(True).run()
    assert not at.exception and not at.error
    assert [s.value for s in at.subheader] == ["A linear autoencoder is PCA"]
    text = next(m.value for m in at.markdown if m.value.startswith("Principal angles"))
    angles = [float(a) for a in ANGLES.search(text).groups()]
    assert all(0 <= a < 12 for a in angles), text  # measured at 30 epochs, seeds 0-2: 2.1°-6.6°
    pca_err, lin_err = (float(v) for v in re.findall(r"(?:PCA|linear autoencoder) \*\*(\d\.\d{4})\*\*", text))
    assert pca_err <= lin_err <= pca_err * 1.05, text
    fig = titled(at, "PCA, the linear autoencoder and this one")
    assert [p.split("<br>")[0] for p in panels(fig)] == ["PCA", "linear autoencoder", "this autoencoder"]
    assert all("trustworthiness 0." in p for p in panels(fig))


@pytest.mark.slow
def test_the_swiss_roll_is_shown_with_its_reconstruction():
    at = trained({"data": "swiss_roll", "n": "600", "epochs": "20"})
    assert metric(at, "Epochs") == "20"
    fig = titled(at, "The data and its reconstruction")
    assert [p.split("<br>")[0] for p in panels(fig)] == ["data (standardised)", "reconstruction"]
    assert any(t["type"] == "scatter3d" for t in fig["data"])  # 3-D data, drawn in 3-D
    assert not any(t.startswith("Originals") for t in titles(at))


def test_moons_has_no_room_for_a_bottleneck():
    at = latent_page({"data": "moons", "epochs": "1"})
    assert not at.exception
    assert "lt_train" not in [b.key for b in at.button]  # nothing to train: said before any click
    (error,) = at.error
    assert "not narrower than the data's 2 features" in error.value
    (data,) = charts(at)  # the data drawn before training, and nothing trained
    assert data["layout"]["title"]["text"] == "moons: the data to squeeze through the bottleneck"


def test_hidden_widths_that_are_not_numbers_are_named():
    at = latent_page({"data": "digits", "hidden": "abc"})
    assert not at.exception
    (error,) = at.error
    assert "Hidden widths must be whole numbers" in error.value and "'abc'" in error.value
    at.sidebar.text_input(key="lt_hidden").set_value("1000").run()
    assert not at.exception
    assert "Hidden widths: use up to 3 layers of 4 to 256 units" in at.error[0].value
    at.sidebar.text_input(key="lt_hidden").set_value("32, 16").run()
    assert not at.exception and not at.error and at.info


def test_the_link_opens_with_its_settings():
    at = latent_page({"data": "iris", "latent": "3", "act": "relu", "aenoise": "0.1", "pca": "true"})
    assert not at.exception and not at.error
    assert at.sidebar.radio(key="lt_latent").value == 3
    assert at.sidebar.selectbox(key="lt_act").value == "relu"
    assert at.sidebar.select_slider(key="lt_aenoise").value == 0.1
    assert at.sidebar.toggle(key="lt_pca").value is True
    assert at.sidebar.selectbox(key="lt_data").value == "iris"
    assert {k: at.query_params[k] for k in ("latent", "act", "aenoise")} == {
        "latent": "3",
        "act": "relu",
        "aenoise": "0.1",
    }
    at.sidebar.selectbox(key="lt_act").set_value("elu").run()
    assert (
        not at.exception and at.query_params["act"] == "elu"
    )  # a changed widget is written back to the link


VAE = {"data": "digits", "model": "vae"}


def heatmap(spec: dict) -> np.ndarray:
    (trace,) = [t for t in spec["data"] if t["type"] == "heatmap"]
    z = trace["z"]
    if isinstance(z, dict):  # Plotly's typed array
        return values(z).reshape([int(n) for n in str(z["shape"]).split(",")]).astype(float)
    return np.asarray([[np.nan if v is None else v for v in row] for row in z], dtype=float)


def test_a_vae_trains_and_shows_its_plane_its_terms_and_what_it_decodes():
    at = trained(VAE)
    assert float(metric(at, "KL").split()[0]) > 1  # measured 2.2 nats at the default 60 epochs
    assert metric(at, "Active units") == "2 of 2"
    plane = charts(at)[0]
    assert [f["name"] for f in plane["frames"]] == [str(e) for e in range(0, 61, 5)]
    assert panels(plane)[:2] == [
        "encoded: posterior means (hover: σ)",
        "decoded: the 15 × 15 grid over the same plane",
    ]
    mosaic = heatmap(plane)
    assert mosaic.shape == (15 * 9, 15 * 9)  # 15 x 15 images of 8 x 8 pixels, a blank pixel between them
    assert mosaic.min() >= 0 and 1 < mosaic.max() <= 255  # pixels travel as bytes
    assert "KL(q(z|x) ‖ N(0, I)), nats" in panels(titled(at, "The two terms of the loss"))
    assert [s.value for s in at.subheader] == [
        "Decode any point of the plane",
        "Between two digits: the latent path and the pixel average",
        "Sampling from the prior",
    ]
    assert not at.warning  # no collapse at beta = 1
    # a latent point typed in (as a click sets it) decodes to the grid's image at that point
    extent = float(
        re.search(r"covers ±([\d.]+)", next(c.value for c in at.caption if "covers ±" in c.value)).group(1)
    )
    step = 2 * extent / 15
    row, col = 3, 11  # a cell of the grid, from its top left
    z1, z2 = -extent + step * (col + 0.5), extent - step * (row + 0.5)
    at.number_input(key="lt_z1").set_value(z1)
    at.number_input(key="lt_z2").set_value(z2).run()
    assert not at.exception
    point = heatmap(titled(at, "z = ("))[:8, :8]
    cell = heatmap(charts(at)[0])[::-1][row * 9 : row * 9 + 8, col * 9 : col * 9 + 8] / 255
    np.testing.assert_allclose(point, cell, rtol=0, atol=0.5 / 255 + 1e-5)  # the grid's bytes round to 1/255
    path = titled(at, "From a 0 to a 1")
    labels = [a["text"] for a in path["layout"]["annotations"]]
    assert labels[0] == "from 0" and labels[-1] == "to 1" and labels[5] == "0.50" and len(labels) == 11


def test_a_large_beta_collapses_the_posterior_and_the_page_says_so():
    at = trained(VAE | {"beta": "20"})
    assert metric(at, "Active units") == "0 of 2"
    assert float(metric(at, "KL").split()[0]) < 0.1
    (warning,) = at.warning
    assert warning.value.startswith("**The posterior has collapsed** at β = 20")
    mosaic = heatmap(charts(at)[0])[::-1]  # drawn with z2 upwards: its first row is the bottom
    cells = (
        np.stack([mosaic[r * 9 : r * 9 + 8, c * 9 : c * 9 + 8] for r in range(15) for c in range(15)]) / 255
    )
    assert cells.std(axis=0).mean() < 0.05  # one blur everywhere: measured 0.014 (0.16 at beta = 1)


def test_beta_zero_and_the_prior_draws():
    at = trained(VAE | {"beta": "0", "vepochs": "10"})
    assert any(i.value.startswith("β = 0: nothing pulls the posteriors") for i in at.info)
    first = heatmap(titled(at, "24 draws z ~ N(0, I) decoded (draw 1)"))
    at.button(key="lt_redraw").click().run()
    assert not at.exception
    second = heatmap(titled(at, "24 draws z ~ N(0, I) decoded (draw 2)"))
    assert not np.allclose(first, second, equal_nan=True)


def test_a_vae_on_tables_and_data_it_cannot_compress():
    at = trained({"data": "swiss_roll", "n": "500", "model": "vae", "vepochs": "10"})
    plane = charts(at)[0]
    assert [p.split("<br>")[0] for p in panels(plane)] == [
        "posterior means",
        "the data (standardised) and the decoded grid",
    ]
    assert any(
        t["type"] == "scatter3d" and t.get("mode") == "lines" for t in plane["data"]
    )  # the grid in 3-D
    assert at.dataframe  # a decoded point is a row of the table
    moons = latent_page({"data": "moons", "model": "vae"})
    (error,) = moons.error
    assert "2 features: a 2-D latent does not compress it" in error.value
    assert "lt_train" not in [b.key for b in moons.button]


def test_the_vae_link_opens_with_its_settings():
    at = latent_page(VAE | {"beta": "4", "vhidden": "64,32", "vgrid": "20"})
    assert not at.exception and not at.error
    assert at.sidebar.radio(key="lt_model").value == "vae"
    assert at.sidebar.select_slider(key="lt_beta").value == 4.0
    assert at.sidebar.text_input(key="lt_vhidden").value == "64,32"
    assert "a 2-D latent (a VAE)" in at.info[0].value
    at.sidebar.text_input(key="lt_vhidden").set_value("2").run()
    assert "Hidden widths: use 1 to 3 layers of 4 to 512 units" in at.error[0].value


SIMCLR = {"data": "digits", "model": "simclr"}


def test_without_labels_classes_still_gather_on_the_sphere():
    at = trained(SIMCLR)
    text = next(m.value for m in at.markdown if m.value.startswith("Without labels, the classes gather"))
    random, learned = (float(v) for v in re.findall(r"\*\*(\d\.\d{3})\*\*", text)[:2])
    assert learned > random + 0.2, text  # measured: 0.69-0.71 against 0.32
    assert "The raw input scores **0.988**, more than the embedding" in text  # said, not hidden
    assert metric(at, "5-NN accuracy") == f"{learned:.3f}"
    fig = charts(at)[0]
    assert [f["name"] for f in fig["frames"]] == [str(e) for e in range(0, 41, 2)]
    assert panels(fig)[0].startswith("the embedding on the unit sphere")
    assert any(t["type"] == "scatter3d" for t in fig["data"])
    scores = titled(at, "Training without labels")
    assert {t["name"] for t in scores["data"]} >= {"loss", "alignment", "uniformity", "raw input"}


def test_without_augmentation_the_views_align_for_nothing():
    at = trained(SIMCLR | {"aug": "false", "cepochs": "4", "cdim": "2"})
    assert metric(at, "Alignment") == "0.000"
    assert any(i.value.startswith("No augmentation: the two views") for i in at.info)
    assert panels(charts(at)[0])[0].startswith("the embedding on the unit circle")


def test_a_table_gets_feature_dropout_and_no_shift():
    at = latent_page({"data": "iris", "model": "simclr"})
    assert not at.exception and not at.error
    keys = [s.key for s in at.sidebar.select_slider]
    assert "lt_drop" in keys and "lt_shift" not in [s.key for s in at.sidebar.slider]
    assert "place two altered views of each row together on a sphere, without labels" in at.info[0].value
    at.button(key="lt_train").click().run()
    assert not at.exception and not at.error
    assert metric(at, "Raw input, 5-NN")


MIXTURE = {"data": "blobs", "classes": "8", "noise": "0", "n": "2000", "model": "gan"}


def test_the_generator_folds_the_noise_plane_onto_the_mixture_and_steps_one_update_at_a_time():
    at = trained(MIXTURE | {"gsteps": "1000"})  # measured at 1,000 steps, seeds 0-2: 8 of 8
    assert metric(at, "Modes covered") == "8 of 8" and not at.warning
    fig = charts(at)[0]
    assert panels(fig)[:2] == [
        "the noise plane z ~ N(0, I)",
        "the data: G's image of the noise grid, D beneath",
    ]
    assert [f["name"] for f in fig["frames"]] == [str(s) for s in range(0, 1001, 50)]
    assert {t.get("name") for t in fig["data"]} >= {"the noise grid, through G", "generated"}
    assert any(t["type"] == "heatmap" for t in fig["data"])  # the discriminator beneath
    assert titled(at, "The two losses per step")
    assert [s.value for s in at.subheader] == ["One update at a time"]
    at.button(key="lt_gan_discriminator").click().run()
    first = heatmap(titled(at, "Now: step 1,000, after 1 action"))  # a discriminator update is not a step
    at.button(key="lt_gan_generator").click().run()
    assert not at.exception
    assert any("2 actions since training; the last: **G**" in m.value for m in at.markdown)
    at.button(key="lt_gan_10").click().run()
    after = heatmap(titled(at, "Now: step 1,010, after 3 actions"))
    assert not np.allclose(after, first)  # the discriminator's map moved
    at.button(key="lt_gan_reset").click().run()
    assert not any("since training" in m.value for m in at.markdown)


def test_mode_collapse_is_counted_and_said():
    at = trained(MIXTURE | {"glr": "0.003", "dlr": "0.0003", "gsteps": "500"})
    covered = int(metric(at, "Modes covered").split()[0])
    assert covered < 8  # measured: 1 of 8 at 500 steps, 1-2 at 2,000 (seeds 0-3)
    (warning,) = at.warning
    assert warning.value.startswith(
        f"**Mode collapse**: the generator's 500 samples reach {covered} of the 8 modes"
    )


def test_a_gan_on_digits_draws_its_noise_plane_as_images_and_says_when_the_discriminator_wins():
    at = trained({"data": "digits", "model": "gan", "gsteps": "800"})  # the defaults, where D wins
    fig = charts(at)[0]
    assert fig["layout"]["title"]["text"] == "Step 800: G's image of the noise plane"
    assert heatmap(fig).shape == (21 * 9, 21 * 9)
    assert int(metric(at, "Classes drawn").split()[0]) <= 5  # measured: 2-4 of 10
    assert any(w.value.startswith("**The discriminator has won**") for w in at.warning)


def test_an_uploaded_table_with_one_feature_is_refused_by_every_model():
    one = b"x,label\n" + b"".join(f"{i * 0.1:.1f},{'ab'[i % 2]}\n".encode() for i in range(40))
    for model, said in (("ae", "not narrower than the data's 1 feature"), ("vae", "1 feature: a 2-D latent"),
                        ("gan", "The data has 1 feature"), ("simclr", "The data has 1 feature")):  # fmt: skip
        at = latent_page({"data": "upload", "model": model})
        at.sidebar.get("file_uploader")[0].set_value(("one.csv", one, "text/csv"))
        at.run()
        assert not at.exception, model
        assert any(said in e.value for e in at.error), (model, [e.value for e in at.error])
        assert "lt_train" not in [b.key for b in at.button]
