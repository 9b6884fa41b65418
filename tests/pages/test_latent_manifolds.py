"""The Latent manifolds page through AppTest: nothing before Train, then the latent animation, the error
curve, reconstructions and scores on the 8x8 digits; the linear autoencoder beside PCA; the Swiss roll's
3-D reconstruction; data and widths that cannot be used; and the link."""

import re

import pytest

from tests.apptest import charts, latent_page, metric

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
    at.button(key="lt_train").click().run()
    assert not at.exception
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
