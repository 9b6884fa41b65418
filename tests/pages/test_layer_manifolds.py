"""The Layer manifolds page through AppTest: training, streamed result, scores, errors, links."""

import pytest

from tests.apptest import charts, layers_page, metric, values

pytestmark = pytest.mark.usefixtures("fresh_caches")


def test_nothing_trains_until_train_is_pressed():
    at = layers_page()
    assert not at.exception and not at.error
    assert "2-8-8-2 network" in at.info[0].value
    assert charts(at) == []


def test_training_shows_layers_regions_curves_and_scores():
    at = layers_page({"data": "moons", "noise": "0.1", "epochs": "300"})
    at.button(key="lm_train").click().run()
    assert not at.exception and not at.error
    assert float(metric(at, "Test accuracy")) > 0.95
    assert metric(at, "Epochs") == "300"
    specs = charts(at)
    layers = specs[0]
    assert [a["text"] for a in layers["layout"]["annotations"]] == [
        "input<br><sub>2 units</sub>",
        "hidden 1<br><sub>8 units, PCA 2-D</sub>",
        "hidden 2<br><sub>8 units, PCA 2-D</sub>",
        "output<br><sub>2 units</sub>",
    ]
    assert len(layers["frames"]) == 61 and layers["layout"]["sliders"][0]["steps"][-1]["label"] == "300"
    titles = [s["layout"].get("title", {}).get("text") for s in specs]
    assert "Network: decision regions" in titles and "SVM on the last hidden layer" in titles
    depth = specs[-1]
    probe_last = values(
        depth["data"][len(depth["data"]) // 2 - 1]["y"]
    )  # last epoch's probe accuracy per layer
    assert probe_last[-1] > 0.95 > probe_last[0], "the output separates the moons, the input does not"
    assert any("SVM on its last hidden layer" in m.value for m in at.markdown)


def test_a_second_visit_reuses_the_stored_run():
    at = layers_page({"epochs": "100"})
    at.button(key="lm_train").click().run()
    first = metric(at, "Time")
    at.sidebar.selectbox(key="lm_proj").set_value("tsne").run()
    assert not at.exception and metric(at, "Time") == first
    notes = [a["text"] for a in charts(at)[0]["layout"]["annotations"]]
    assert notes[1] == "hidden 1<br><sub>8 units, TSNE of epoch 100</sub>"
    at.selectbox(key="lm_snap").set_value(50).run()
    assert not at.exception
    assert [a["text"] for a in charts(at)[0]["layout"]["annotations"]][
        1
    ] == "hidden 1<br><sub>8 units, TSNE of epoch 50</sub>"


def test_divergence_is_reported_and_the_page_stays_usable():
    at = layers_page({"lr": "10", "opt": "sgd", "act": "relu", "hidden": "64,64,64", "epochs": "200"})
    at.button(key="lm_train").click().run()
    assert not at.exception
    assert at.warning and "learning rate" in at.warning[0].value.lower()
    at.sidebar.select_slider(key="lm_lr").set_value(0.01).run()
    at.button(key="lm_train").click().run()
    assert not at.exception and not at.warning


@pytest.mark.parametrize("hidden", ["abc", "0", "1,2,3,4,5,6,7", "300"])
def test_bad_widths_say_what_to_type(hidden):
    at = layers_page({"hidden": hidden})
    assert not at.exception
    assert len(at.error) == 1 and "hidden layer" in at.error[0].value.lower()


def test_unlabelled_data_is_refused_with_a_message():
    at = layers_page({"data": "sample:swiss_roll_3d", "label": "(none)"})
    assert not at.exception
    assert at.error and "label column" in at.error[0].value


def test_three_d_data_has_no_grid_and_a_3d_input_panel():
    at = layers_page({"data": "linked_rings", "hidden": "2,2", "epochs": "50"})
    at.button(key="lm_train").click().run()
    assert not at.exception and not at.error
    spec = charts(at)[0]
    assert spec["data"][0]["type"] == "scatter3d"
    assert all(t.get("mode") != "lines" for t in spec["data"])
    assert not any("decision regions" in (s["layout"].get("title", {}).get("text") or "") for s in charts(at))


def test_scenario_links_and_url_state():
    at = layers_page({"data": "spirals", "hidden": "16,16,16", "act": "relu"})
    assert len(at.get("page_link")) == 3
    assert at.session_state["lm_hidden"] == "16,16,16" and at.session_state["lm_act"] == "relu"
    assert at.query_params["hidden"] in ("16,16,16", ["16,16,16"])


def test_the_export_snapshot_lives_in_the_link():
    at = layers_page({"epochs": "100", "proj": "tsne", "snap": "50"})
    at.button(key="lm_train").click().run()
    assert not at.exception
    assert [a["text"] for a in charts(at)[0]["layout"]["annotations"]][1].endswith("TSNE of epoch 50</sub>")
    picker = at.selectbox(key="lm_snap")
    assert picker.value == 50 and picker.options[-1] == "100 (last)"
    picker.set_value(-1).run()
    assert "snap" not in at.query_params  # the last snapshot is the default, whichever epoch it is
    at.query_params["snap"] = "7"  # a link naming an epoch that has no snapshot
    at.run()
    assert not at.exception and at.selectbox(key="lm_snap").value == -1
