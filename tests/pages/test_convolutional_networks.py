"""The Convolutional networks page through AppTest: training on the 8x8 digits, the layers, one digit,
the attack, adversarial training, stored runs, bad data and the link."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from tests.apptest import charts, cnn_page, metric, values

pytestmark = pytest.mark.usefixtures("fresh_caches")

DIGITS = {"data": "digits", "epochs": "3"}
SMALL = {"data": "digits", "epochs": "1", "channels": "4", "steps": "10"}  # seconds, for the page's logic
BOLD_NUMBER = re.compile(r"\*\*(\d\.\d{3})\*\*")


def trained(query: dict):
    at = cnn_page(query)
    at.button(key="cn_train").click().run()
    assert not at.exception and not at.error
    return at


def titled(at, start: str) -> dict:
    found = [s for s in charts(at) if (s["layout"].get("title", {}).get("text") or "").startswith(start)]
    assert len(found) == 1, (start, [s["layout"].get("title", {}).get("text") for s in charts(at)])
    return found[0]


def markdown(at, start: str) -> str:
    found = [m.value for m in at.markdown if m.value.startswith(start)]
    assert len(found) == 1, (start, [m.value[:60] for m in at.markdown])
    return found[0]


def digits_csv(frame: pd.DataFrame | None = None) -> bytes:
    if frame is None:
        d = load_digits()
        frame = pd.DataFrame(d.data.astype(int), columns=[f"pixel{i}" for i in range(64)])
        frame.insert(0, "label", d.target)
    return frame.to_csv(index=False).encode()


def uploaded(raw: bytes, name: str = "scans.csv", query: dict | None = None):
    """The page with the sidebar's dataset set to an upload, and `raw` given to its file uploader."""
    at = cnn_page(query or SMALL)
    at.sidebar.selectbox(key="cn_data").set_value("upload").run()
    assert not at.exception
    at.sidebar.get("file_uploader")[0].set_value((name, raw, "text/csv"))
    return at.run()


def test_nothing_trains_until_train_is_pressed():
    at = cnn_page()
    assert not at.exception and not at.error
    assert at.info[0].value.startswith("mnist: 5,000 images of 28 x 28 pixels, 10 classes.")
    assert "2-block CNN (8, 16 channels)" in at.info[0].value
    (strip,) = charts(at)  # the data's first digits only: nothing was trained
    assert strip["layout"]["title"]["text"] == "The first 24 of the 5,000 images"
    shown = [a["text"] for a in strip["layout"]["annotations"]]
    assert len(shown) == 24 and set(shown) <= set("0123456789") and len(set(shown)) > 3  # shuffled classes


@pytest.mark.slow
def test_training_shows_layers_digit_attack_and_distances():
    at = trained(DIGITS)
    assert 0.3 < float(metric(at, "Test accuracy")) <= 1
    robust = next(m.value for m in at.markdown if m.value.startswith("Robust accuracy under"))
    assert 0 <= float(re.search(r"\*\*(\d\.\d{3})\*\*", robust).group(1)) <= 1, robust
    assert metric(at, "Epochs") == "3"
    layers = charts(at)[0]
    notes = [a["text"] for a in layers["layout"]["annotations"]]
    assert [n.split("<br>")[0] for n in notes] == ["input", "block 1", "block 2", "output"]
    assert notes[1] == "block 1<br><sub>8 channels of 4 x 4, PCA 2-D</sub>"
    assert len(layers["frames"]) == 4
    assert [s["label"] for s in layers["layout"]["sliders"][0]["steps"]] == ["0", "1", "2", "3"]

    depth = titled(at, "How far each layer has untangled the classes")
    probes = [t for t in depth["data"] if t.get("xaxis", "x") == "x"]  # the first subplot: probe accuracy
    assert probes and all(t["x"] == ["input", "block 1", "block 2", "output"] for t in probes)
    last = values(probes[-1]["y"])
    assert np.isfinite(last).all() and last.min() >= 0 and last.max() <= 1
    assert last[-1] > 0.3, "the trained output layer separates the digits better than chance"
    probe = markdown(at, "Linear probe on the held-out digits")
    assert len(BOLD_NUMBER.findall(probe)) == 3 and "chance 0.10" in probe

    strip = titled(at, "The first 12 held-out digits")
    assert len(strip["layout"]["annotations"]) == 12
    titled(at, "Saliency for class")
    titled(at, "Block 1: 8 feature maps")
    titled(at, "Block 2: 16 feature maps")
    titled(at, "Block 1's 8 learned filters")
    step = titled(at, "Step 40: ‖δ‖₂ = ")
    assert [a["text"] for a in step["layout"]["annotations"]][0] == "original"
    proba = titled(at, "Class probabilities along the attack")
    assert len(proba["data"]) == 10
    path = titled(at, "The attack's path in the trained network's layers (step 40)")
    assert any(t.get("name") == "attack path" for t in path["data"])

    (table,) = at.dataframe
    rows = list(table.value.index)
    assert rows[:2] == ["original", "adversarial"] and rows[2].startswith("noise") and len(rows) == 3
    assert table.value.loc["original", "L2 from the original"] == 0
    assert table.value.loc["adversarial", "L2 from the original"] > 0


@pytest.mark.slow
def test_a_new_attack_gets_its_budget_and_a_new_digit_is_shown():
    at = trained(SMALL)
    at.selectbox(key="cn_attack").set_value("pgd_l2").run()
    assert not at.exception and not at.error
    assert at.number_input(key="cn_aeps").value == 1.5
    assert at.number_input(key="cn_aeps").label == "Budget ε (L2)"
    l2 = float(re.search(r"‖δ‖₂ = ([\d.]+)", titled(at, "Step 10:")["layout"]["title"]["text"]).group(1))
    assert 0 < l2 <= 1.5 + 1e-3
    first = markdown(at, "True class")
    strip = [a["text"] for a in titled(at, "The first 12 held-out digits")["layout"]["annotations"]]
    for pos in range(1, 12):
        at.number_input(key="cn_digit").set_value(pos).run()
        assert not at.exception
        if markdown(at, "True class") != first:
            break
    else:
        pytest.fail("the first 12 held-out digits all show the same 'True class' line")
    label = strip[pos].split(": ")[1]
    assert markdown(at, "True class").startswith(f"True class **{label}**")


@pytest.mark.slow
def test_adversarial_training_is_compared_with_the_run_without():
    at = trained(SMALL)
    alone = markdown(at, "Robust accuracy under")
    assert "without adversarial training" in alone and "Flip **Adversarial training**" in alone
    at.sidebar.toggle(key="cn_adv").set_value(True).run()
    at.button(key="cn_train").click().run()
    assert not at.exception and not at.error
    both = markdown(at, "Robust accuracy under")
    assert "with adversarial training" in both and "without (clean" in both, both
    assert len(BOLD_NUMBER.findall(both)) == 2


@pytest.mark.slow
def test_a_second_visit_reuses_the_stored_run():
    at = trained(SMALL)
    first = metric(at, "Time")
    at.selectbox(key="cn_attack").set_value("fgsm").run()
    assert not at.exception and metric(at, "Time") == first
    assert at.slider(key="cn_t_10").label == "Show ε step"
    again = cnn_page(SMALL)  # another session: the run is shown without pressing Train
    assert not again.exception and metric(again, "Time") == first


def test_data_that_are_not_images_are_refused_with_a_message():
    at = cnn_page({"data": "iris"})
    assert not at.exception
    assert len(at.error) == 1
    text = at.error[0].value
    assert "not the pixels of square images" in text and "one column per pixel" in text
    assert charts(at) == []


@pytest.mark.slow
def test_an_uploaded_csv_of_pixel_columns_is_read_as_images_and_trains():
    at = uploaded(digits_csv())
    assert not at.exception and not at.error
    notes = [m.value for m in at.markdown if m.value.startswith("- Read 1,797 rows")]
    assert len(notes) == 1 and "look like the pixels of 8 x 8 images" in notes[0]
    assert "Pixel values 0 to 16 are scaled to 0 to 1." in [c.value for c in at.caption]
    assert at.info[0].value.startswith("scans: 1,797 images of 8 x 8 pixels, 10 classes.")
    at.button(key="cn_train").click().run()
    assert not at.exception and not at.error
    assert float(metric(at, "Test accuracy")) > 0.15  # one epoch of 4 channels; chance is 0.10
    assert len(charts(at)[0]["frames"]) == 2


def test_one_image_per_class_fails_with_a_message_on_train():
    d = load_digits()
    frame = pd.DataFrame(d.data.astype(int), columns=[f"pixel{i}" for i in range(64)])
    frame.insert(0, "label", d.target)
    at = uploaded(digits_csv(frame.groupby("label").head(1)))
    assert not at.exception and not at.error
    at.button(key="cn_train").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "only 1 sample" in at.error[0].value
    assert [c["layout"]["title"]["text"] for c in charts(at)] == [
        "The first 10 of the 10 images"
    ]  # no training


@pytest.mark.parametrize(
    ("channels", "says"), [("8,abc", "whole numbers"), ("64", "1 to 32 channels"), ("4,4,4,4", "1 to 3 conv")]
)
def test_bad_channels_say_what_to_type(channels, says):
    at = cnn_page({"data": "digits", "channels": channels})
    assert not at.exception
    assert len(at.error) == 1
    assert "Channels per conv block" in at.error[0].value and says in at.error[0].value


def test_a_5_mb_single_image_upload_is_refused_and_the_page_recovers():
    side = 600  # one 600 x 600 image: above the largest side read as images, about 5 MB of CSV
    pixels = np.random.default_rng(0).integers(0, 10, side * side)
    header = "label," + ",".join(f"pixel{i}" for i in range(side * side))
    raw = f"{header}\n3,{','.join(map(str, pixels))}\n".encode()
    assert len(raw) > 4_500_000
    at = uploaded(raw, "huge.csv")
    assert not at.exception
    assert len(at.error) == 1 and "columns" in at.error[0].value and "fewer pixels" in at.error[0].value
    at.sidebar.selectbox(key="cn_data").set_value("digits").run()
    assert not at.exception and not at.error
    assert at.info[0].value.startswith("digits: 1,797 images of 8 x 8 pixels")


def test_images_larger_than_the_largest_side_are_refused():
    side = 130  # 16,900 pixel columns: under the reader's column cap, over the 128 x 128 images read
    frame = pd.DataFrame(np.random.default_rng(0).integers(0, 255, (4, side * side)))
    frame.columns = [f"pixel{i}" for i in range(side * side)]
    frame.insert(0, "label", [0, 1, 0, 1])
    at = uploaded(frame.to_csv(index=False).encode())
    assert not at.exception
    assert len(at.error) == 1 and "16900 feature columns" in at.error[0].value
    assert "not the pixels of square images" in at.error[0].value


def test_the_link_sets_the_widgets():
    at = cnn_page({"channels": "4,8", "kernel": "3", "act": "tanh", "attack": "fgsm"})
    assert not at.exception and not at.error
    assert at.sidebar.text_input(key="cn_channels").value == "4,8"
    assert at.sidebar.selectbox(key="cn_kernel").value == 3
    assert at.sidebar.selectbox(key="cn_act").value == "tanh"
    assert at.session_state["cn_attack"] == "fgsm"  # its selectbox is drawn after training
    assert "2-block CNN (4, 8 channels)" in at.info[0].value
    for key, value in {"channels": "4,8", "kernel": "3", "act": "tanh", "attack": "fgsm"}.items():
        assert at.query_params[key] in (value, [value])


@pytest.mark.slow
def test_umap_layers_and_the_attack_path_placed_in_them():
    at = trained({**SMALL, "proj": "umap"})
    assert not at.exception and not at.error
    layers = charts(at)[0]
    assert all("UMAP of epoch 1" in a["text"] for a in layers["layout"]["annotations"])
    path = titled(at, "The attack's path")
    assert all("UMAP of epoch 1" in a["text"] for a in path["layout"]["annotations"])
    lines = [t for t in path["data"] if t.get("name") == "attack path"]
    assert len(lines) == len(path["layout"]["annotations"]) == 3  # input, block 1, output
    assert all(len(values(t["x"])) == 11 for t in lines)  # 10 steps and the original
    assert all(np.isfinite(values(t["x"])).all() for t in lines)
