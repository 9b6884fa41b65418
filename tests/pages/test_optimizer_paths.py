"""The Optimizer paths page through AppTest: racers, frames, divergence, equal footing, data surfaces,
the optimizers raced on a network's landscape, bad settings, URL state and the scenarios' claims."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.scenarios import for_page
from tests.apptest import charts, optimizer_page, values

pytestmark = pytest.mark.usefixtures("fresh_caches")


def chart(at: AppTest, title: str) -> dict:
    return next(c for c in charts(at) if c["layout"].get("title", {}).get("text", "").startswith(title))


def paths(spec: dict) -> list[dict]:
    """The path lines of a contour figure (legend entries drawn as lines)."""
    return [t for t in spec["data"] if t.get("mode") == "lines"]


def loss_curves(at: AppTest) -> dict[str, np.ndarray]:
    """Loss against steps per racer, from the loss figure's first panel."""
    spec = chart(at, "Loss")
    return {t["name"]: values(t["y"]).astype(float) for t in spec["data"] if t.get("xaxis", "x") == "x"}


def scenario(title: str) -> dict:
    return next(s for s in for_page("optimizers") if s.title == title).query


def test_default_race_animates_four_paths_over_rosenbrock():
    at = optimizer_page()
    assert not at.exception and not at.error
    spec = chart(at, "Rosenbrock's valley: step 300")
    assert [t["name"] for t in paths(spec)] == [
        "GD (lr 0.001)",
        "Momentum 0.9 (lr 0.001)",
        "Adam (lr 0.1)",
        "RMSProp (lr 0.01)",
    ]
    assert len(spec["frames"]) == 60 and all(len(f["data"]) == 8 for f in spec["frames"])
    slider = spec["layout"]["sliders"][0]
    assert (
        slider["active"] == 59
        and slider["steps"][0]["label"] == "0"
        and slider["steps"][-1]["label"] == "300"
    )
    assert [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]] == ["▶ Play", "Pause", "Reset"]
    first = paths({"data": spec["frames"][0]["data"]})[0]
    assert len(values(first["x"])) == 1, "the first frame shows only the start"
    assert spec["data"][0]["type"] == "contour" and spec["layout"]["xaxis"]["range"] == [-2, 2]
    assert chart(at, "The same surface in 3-D")["data"][0]["type"] == "surface"
    assert len(loss_curves(at)) == 4
    assert at.query_params.get("surface") is None, "defaults stay out of the URL"


def test_racers_and_steps_change_the_race_and_the_url():
    at = optimizer_page({"surface": "quadratic"})
    before = loss_curves(at)
    at.number_input(key="op_racers").set_value(6).run()
    at.number_input(key="op_steps").set_value(80).run()
    at.selectbox(key="op_opt6").set_value("nesterov").run()
    assert not at.exception and not at.error
    spec = chart(at, "Ill-conditioned quadratic bowl: step 80")
    assert len(paths(spec)) == 6 and len(spec["frames"]) == 60
    assert paths(spec)[5]["name"].startswith("Nesterov momentum 0.9")
    after = loss_curves(at)
    assert len(next(iter(after.values()))) == 81
    at.number_input(key="op_lr1").set_value(0.05).run()
    changed = loss_curves(at)
    assert "GD (lr 0.05)" in changed and changed["GD (lr 0.05)"][-1] < after["GD (lr 0.001)"][-1]
    assert before.keys() != changed.keys()
    q = at.query_params
    assert q["racers"] in ("6", ["6"]) and q["steps"] in ("80", ["80"]) and q["lr1"] in ("0.05", ["0.05"])


def test_divergence_is_marked_not_an_error():
    at = optimizer_page({"surface": "quadratic", "racers": "2", "opt1": "gd", "lr1": "1000"})
    assert not at.exception and not at.error
    assert at.warning and "diverged at step 1" in at.warning[0].value
    spec = chart(at, "Ill-conditioned quadratic bowl")
    line = paths(spec)[0]
    assert line["name"] == "GD (lr 1e+03) · diverged at step 1"
    head = spec["data"][spec["data"].index(line) + 1]
    assert head["marker"]["symbol"] == "x"
    x0, x1 = spec["layout"]["xaxis"]["range"]
    assert x0 <= head["x"][0] <= x1, "the cross sits on the plot where the path left"
    assert np.isfinite(loss_curves(at)["Momentum 0.9 (lr 0.001)"]).all()


def test_equal_footing_shows_the_tuned_rates():
    at = optimizer_page({"surface": "quadratic", "racers": "2", "steps": "100"})
    at.toggle(key="op_fair").set_value(True).run()
    assert not at.exception and not at.error
    text = next(m.value for m in at.markdown if m.value.startswith("**Equal footing**"))
    assert "Gradient descent (full batch) **0.178**" in text and "Momentum **0.01**" in text
    names = [t["name"] for t in paths(chart(at, "Ill-conditioned quadratic bowl"))]
    assert names == ["GD (lr 0.178)", "Momentum 0.9 (lr 0.01)"]


def test_typed_start_point_moves_every_path():
    at = optimizer_page({"surface": "himmelblau", "racers": "1", "own": "1", "sx": "-1", "sy": "1"})
    assert not at.exception and not at.error
    first = paths({"data": chart(at, "Himmelblau")["frames"][0]["data"]})[0]
    assert (float(values(first["x"])[0]), float(values(first["y"])[0])) == (-1.0, 1.0)
    at.toggle(key="op_own").set_value(False).run()
    assert at.number_input(key="op_sx").value == 0.0 and at.number_input(key="op_sy").value == -4.0


def test_data_surface_shows_examples_axis_and_gradient_cloud():
    at = optimizer_page(
        {
            "surface": "linear",
            "racers": "3",
            "opt2": "sgd",
            "opt3": "minibatch",
            "batch3": "16",
            "steps": "50",
        }
    )
    assert not at.exception and not at.error
    spec = chart(at, "Loss")
    examples = [values(t["x"]) for t in spec["data"] if t.get("xaxis") == "x2"]
    assert [int(e[-1]) for e in examples] == [50 * 500, 50 * 1, 50 * 16]  # GD, SGD, mini-batch of 16
    cloud = chart(at, "Gradients at")
    assert [t["name"] for t in cloud["data"]] == ["batches of 1", "batches of 16", "full gradient"]
    ones, sixteens = (values(t["x"]) for t in cloud["data"][:2])
    assert len(ones) == 200 and np.std(ones) > 2 * np.std(sixteens), "bigger batches, less noise"


def test_convergence_map_marks_diverged_settings():
    at = optimizer_page({"surface": "quadratic", "steps": "50", "map": "1"})
    assert not at.exception and not at.error
    spec = chart(at, "Momentum: final loss after 50 steps")
    assert spec["data"][0]["type"] == "heatmap" and len(values(spec["data"][0]["x"])) == 41
    crosses = spec["data"][1]
    assert crosses["name"] == "diverged" and 0 < len(values(crosses["x"])) < 41 * 41


@pytest.mark.parametrize(
    "query, message",
    [
        ({"surface": "quadratic", "lr1": "0"}, "learning rate must be above 0 and at most 1000"),
        ({"surface": "logistic", "data": "blobs", "classes": "3"}, "exactly two classes"),
        ({"surface": "linear", "data": "iris", "fx": "2", "fy": "2"}, "two different columns"),
        ({"surface": "linear", "n": "20000", "racers": "8", "steps": "5000", "map": "1"}, "too much work"),
        ({"surface": "network", "hidden": "abc"}, "whole numbers separated by commas"),
    ],
)
def test_bad_settings_give_a_message(query, message):
    at = optimizer_page(query)
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


NET_RACERS = ["SGD (lr 0.3)", "Momentum (lr 0.1)", "Adam (lr 0.03)", "SGD (lr 0.1, batch 32)"]


def racer_losses(at: AppTest) -> dict[str, np.ndarray]:
    """Per curve of the network race's loss figure ("<racer>: real weights" / ": on the slice")."""
    spec = chart(at, "Training loss of each racer")
    return {t["name"]: values(t["y"]).astype(float) for t in spec["data"]}


def test_network_landscape_races_the_optimizers_on_the_slice():
    at = optimizer_page({"surface": "network", "epochs": "100", "lsize": "21"})
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if "2-D slice is a slice" in i.value)
    assert "354 weights" in note and "Adam (lr 0.03) reached" in note
    spec = chart(at, "Training loss on a 2-D slice")
    lines = paths(spec)
    assert [t["name"] for t in lines] == NET_RACERS
    assert len(spec["frames"]) == 51 and spec["layout"]["sliders"][0]["steps"][-1]["label"] == "100"
    first = paths({"data": spec["frames"][0]["data"]})
    assert len({(float(values(t["x"])[0]), float(values(t["y"])[0])) for t in first}) == 1, "one start"
    adam = lines[2]
    assert abs(values(adam["x"])[-1]) < 1e-6 and abs(values(adam["y"])[-1]) < 1e-6, "Adam ends at the center"
    curves = racer_losses(at)
    assert len(curves) == 8 and all(len(c) == 51 for c in curves.values())
    for name in NET_RACERS:
        real, sliced = curves[f"{name}: real weights"], curves[f"{name}: on the slice"]
        assert real[0] - sliced[0] > 0.1, "at the start the real weights are far from the slice"
        assert real[-1] < real[0], "every racer descends the real loss"
    assert curves["Adam (lr 0.03): real weights"][-1] == pytest.approx(
        curves["Adam (lr 0.03): on the slice"][-1], rel=1e-3
    ), "the trained weights lie on the slice"
    at.radio(key="op_dirs").set_value("pca").run()
    assert not at.exception and chart(at, "Training loss on a 2-D slice")["layout"]["xaxis"]["title"][
        "text"
    ] == ("PCA direction 1")


def test_network_racers_change_the_race_and_round_trip_through_the_url():
    query = {"surface": "network", "epochs": "50", "lsize": "11", "lracers": "2", "lopt2": "sgd",
             "llr2": "0.5", "lbatch2": "16"}  # fmt: skip
    at = optimizer_page(query)
    assert not at.exception and not at.error
    assert [t["name"] for t in paths(chart(at, "Training loss on a 2-D slice"))] == [
        "SGD (lr 0.3)",
        "SGD (lr 0.5, batch 16)",
    ]
    at.number_input(key="op_lracers").set_value(3).run()
    at.selectbox(key="op_lopt3").set_value("momentum").run()
    at.number_input(key="op_llr3").set_value(0.05).run()
    assert not at.exception and not at.error
    names = [t["name"] for t in paths(chart(at, "Training loss on a 2-D slice"))]
    assert names == ["SGD (lr 0.3)", "SGD (lr 0.5, batch 16)", "Momentum (lr 0.05)"]
    q = {k: at.query_params[k] for k in at.query_params}
    one = {k: v if isinstance(v, str) else v[-1] for k, v in q.items()}
    assert {k: one[k] for k in ("lracers", "lopt2", "llr2", "lbatch2", "lopt3", "llr3")} == {
        "lracers": "3", "lopt2": "sgd", "llr2": "0.5", "lbatch2": "16", "lopt3": "momentum", "llr3": "0.05"
    }  # fmt: skip
    again = optimizer_page(one)
    assert not again.exception and not again.error
    assert [t["name"] for t in paths(chart(again, "Training loss on a 2-D slice"))] == names
    assert racer_losses(again).keys() == racer_losses(at).keys()


def test_network_racer_with_too_large_a_batch_says_which():
    at = optimizer_page({"surface": "network", "epochs": "20", "lsize": "5", "lbatch3": "5000"})
    assert not at.exception
    assert any("Racer 3 (Adam (lr 0.03, batch 5000)): The batch size must be" in e.value for e in at.error)


def test_scenario_a_networks_landscape_is_a_slice_holds():
    at = optimizer_page(scenario("A network's landscape is a slice"))
    assert not at.exception and not at.error
    curves = racer_losses(at)
    adam_real, adam_slice = curves["Adam (lr 0.03): real weights"], curves["Adam (lr 0.03): on the slice"]
    assert adam_real[-1] == pytest.approx(adam_slice[-1], rel=1e-3), "Adam ends at the trained weights"
    for name in ("SGD (lr 0.3)", "Momentum (lr 0.1)", "SGD (lr 0.1, batch 32)"):
        real, sliced = curves[f"{name}: real weights"], curves[f"{name}: on the slice"]
        assert real[-1] < real[0] / 5 and real[-1] < sliced[-1] / 2, name


def test_scenario_momentum_on_a_bowl_holds():
    at = optimizer_page(scenario("Momentum on an ill-conditioned bowl"))
    curves = loss_curves(at)
    assert curves["Momentum 0.9 (lr 0.01)"][-1] * 100 < curves["GD (lr 0.01)"][-1]
    assert len(at.get("page_link")) == len(for_page("optimizers"))


def test_scenario_sgd_per_example_holds():
    at = optimizer_page(scenario("SGD's noise and speed per example"))
    assert not at.exception and not at.error
    spec = chart(at, "Loss")
    by = {(t["name"], t.get("xaxis", "x")): (values(t["x"]), values(t["y"])) for t in spec["data"]}
    gd_x, gd_y = by[("GD (lr 0.1)", "x2")]
    sgd_x, sgd_y = by[("SGD (lr 0.05)", "x2")]
    assert gd_x[1] == 569 and sgd_x[-1] < 569
    assert sgd_y[-1] < gd_y[1] / 100, "SGD is near the minimum before GD's first step is done"
    assert sgd_y[-1] > gd_y[-1], "and ends above GD, jittering"


def test_scenario_learning_rate_limit_holds():
    at = optimizer_page(scenario("How large may a learning rate be?"))
    lines = paths(chart(at, "Ill-conditioned quadratic bowl"))
    assert [t["name"] for t in lines[:2]] == ["GD (lr 0.05)", "GD (lr 0.19)"]
    assert lines[2]["name"].startswith("GD (lr 0.21) · diverged at step")
    smooth, zigzag, gone = (values(t["y"]) for t in lines)
    assert (smooth > 0).all(), "below 1 / curvature the steep coordinate never crosses the floor"
    assert (np.sign(zigzag[1:11]) == -np.sign(zigzag[:10])).all() and abs(zigzag[10]) < abs(zigzag[0])
    assert abs(gone[-1]) > abs(gone[0]), "above 2 / curvature each overshoot grows"


SPHERE_METHODS = ["Riemannian GD", "Projected GD", "Penalty method"]


def sphere_curves(at: AppTest) -> dict[tuple[str, str], np.ndarray]:
    """(method, panel) -> values over steps, panels "distance", "objective", "angle"."""
    spec = chart(at, "Distance from the constraint")
    panel = {"x": "distance", "x2": "objective", "x3": "angle"}
    return {(t["name"], panel[t.get("xaxis", "x")]): values(t["y"]).astype(float) for t in spec["data"]}


def sphere_paths(at: AppTest) -> list[dict]:
    return [
        t for t in chart(at, "Minimising xᵀAx on the unit sphere")["data"] if t.get("mode") == "lines+markers"
    ]


def test_sphere_draws_one_path_per_method_and_round_trips_through_the_url():
    at = optimizer_page({"surface": "sphere"})
    assert not at.exception and not at.error
    spec = chart(at, "Minimising xᵀAx on the unit sphere")
    assert spec["data"][0]["type"] == "surface"
    assert [t["name"] for t in sphere_paths(at)] == SPHERE_METHODS
    assert all(t["type"] == "scatter3d" and len(values(t["x"])) == 201 for t in sphere_paths(at))
    assert any(t["name"].startswith("minimum ±v₁") for t in spec["data"])
    assert not at.get("data_editor") and not at.number_input(key="op_sl1").disabled
    at.number_input(key="op_smu").set_value(20.0).run()
    at.number_input(key="op_ssteps").set_value(100).run()
    at.toggle(key="op_sown").set_value(True).run()
    at.number_input(key="op_spolar").set_value(60.0).run()
    at.number_input(key="op_sazim").set_value(0.0).run()
    assert not at.exception and not at.error
    start = next(t for t in chart(at, "Minimising xᵀAx")["data"] if t["name"] == "start")
    np.testing.assert_allclose([start["x"][0], start["y"][0], start["z"][0]], [0.75**0.5, 0, 0.5], atol=1e-12)
    curves = sphere_curves(at)
    assert len(curves[("Penalty method", "distance")]) == 101
    q = {k: at.query_params[k] for k in at.query_params}
    one = {k: v if isinstance(v, str) else v[-1] for k, v in q.items()}
    assert {k: one[k] for k in ("surface", "smu", "ssteps", "sown", "spolar")} == {
        "surface": "sphere", "smu": "20", "ssteps": "100", "sown": "1", "spolar": "60"
    }  # fmt: skip
    again = optimizer_page(one)
    assert not again.exception and not again.error
    for a, b in zip(sphere_paths(at), sphere_paths(again), strict=True):
        np.testing.assert_array_equal(values(a["x"]), values(b["x"]))
    assert sphere_curves(again).keys() == curves.keys()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"sl1": "3"}, "must differ by at least 0.01"),
        ({"slr": "0"}, "learning rate must be from 0.0001"),
    ],
)
def test_sphere_bad_settings_give_a_message(query, message):
    at = optimizer_page({"surface": "sphere", **query})
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert not [c for c in charts(at) if c["layout"]["title"]["text"].startswith("Minimising")]


def test_sphere_divergence_is_marked_not_an_error():
    at = optimizer_page({"surface": "sphere", "slr": "0.5", "smu": "50"})
    assert not at.exception and not at.error
    assert any("Penalty method diverged at step" in w.value for w in at.warning)
    assert sphere_paths(at)[2]["name"].startswith("Penalty method · diverged at step")
    assert len(values(sphere_paths(at)[0]["x"])) == 201, "the Riemannian path keeps going"


def test_scenario_stay_on_the_sphere_holds():
    at = optimizer_page(scenario("Stay on the sphere"))
    assert not at.exception and not at.error
    curves = sphere_curves(at)
    riemannian = curves[("Riemannian GD", "distance")]
    assert len(riemannian) == 301 and riemannian.max() <= 1e-9, "every step within 1e-9 of the sphere"
    assert curves[("Riemannian GD", "angle")][-1] < 1e-6, "at the smallest eigenvector"
    assert curves[("Riemannian GD", "objective")][-1] == pytest.approx(1.0, abs=1e-9), "xᵀAx = λ₁ = 1"
    penalty = curves[("Penalty method", "distance")]
    assert round(penalty[-1], 2) == 0.13 and penalty[-1] == pytest.approx(1 - np.sqrt(1 - 1 / 4), rel=1e-6)
    assert curves[("Penalty method", "angle")][-1] < 1e-4, "the same direction, from inside"
    assert curves[("Penalty method", "objective")][-1] == pytest.approx(0.75, rel=1e-6)
