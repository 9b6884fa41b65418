"""The Explanations page through AppTest: one point's attributions for the whole lineup (a waterfall
per model, the sums as a table, each ensemble beside its members), the three scenarios' claims, what
if (a point of one's own, every model's answer, the nearest counterfactual), the global views, pixel
maps of a digit, and bad input: 500 features, a class too rare to split, a model that fails, a point
outside the data; the link."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explorer.scenarios import for_page
from tests.apptest import charts, explain_page

pytestmark = pytest.mark.usefixtures("fresh_caches")
SMALL = {"models": "logreg,tree", "vmembers": "logreg,tree", "stacking": "0"}


def scenario(title: str) -> dict:
    return next(s.query for s in for_page("explain") if s.title == title)


def clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def number(at, pattern: str) -> float:
    found = re.search(pattern, text(at))
    assert found, text(at)
    return float(found.group(1))


def test_one_point_explains_every_model_of_the_lineup_with_its_sums():
    at = explain_page({"data": "moons"})
    clean(at)
    specs = charts(at)
    waterfalls = next(s for s in specs if s["data"] and s["data"][0]["type"] == "waterfall")
    assert len(waterfalls["data"]) == 10  # the 8 default models, voting and stacking
    (table,) = at.dataframe
    frame = table.value
    assert len(frame) == 10 and set(frame["explainer"]) >= {"tree", "exact"}
    np.testing.assert_allclose(frame["sum of attributions"], frame["f(x)"] - frame["base E[f]"], atol=1e-9)
    plane = specs[0]
    assert plane["data"][0]["type"] == "heatmap"
    assert any(t.get("name") == "explained point" for t in plane["data"])
    assert "at row " in text(at)


def test_the_scenario_the_ensembles_explanation_is_its_members_average_holds():
    at = explain_page(scenario("The ensemble's explanation is its members' average"))
    clean(at)
    assert number(at, r"differ by at most \*\*([\d.e+-]+)\*\*") <= 1e-12
    members = next(s for s in charts(at) if "weighted mean" in s["layout"]["title"]["text"])
    names = [t["name"] for t in members["data"]]
    assert "Logistic regression (weight 0.50)" in names and "members' weighted mean" in names


def test_the_scenario_lime_changes_its_mind_holds():
    at = explain_page(scenario("LIME changes its mind"))
    clean(at)
    lime = number(at, r"LIME \*\*([\d.]+)\*\*")
    shap = number(at, r"SHAP \*\*([\d.]+)\*\*")
    assert lime < 1 and lime < shap


def test_the_scenario_a_tree_reads_one_feature_a_forest_several_holds():
    at = explain_page(scenario("A tree reads one feature, a forest reads several"))
    clean(at)
    tree = number(at, r"Decision tree: top feature \*\*[\d.]+\*\*, effective features \*\*([\d.]+)\*\*")
    forest = number(at, r"Random forest: top feature \*\*[\d.]+\*\*, effective features \*\*([\d.]+)\*\*")
    assert tree == pytest.approx(1.0, abs=0.05) and forest > 5
    assert any(t["name"] == "mean |SHAP|" for t in charts(at)[0]["data"])


def test_what_if_a_point_of_ones_own_gets_every_models_answer_and_a_counterfactual():
    at = explain_page({"data": "moons", **SMALL, "part": "whatif", "own": "1", "px": "0.5", "py": "0.25"})
    clean(at)
    specs = charts(at)
    vote = next(s for s in specs if s["layout"]["title"]["text"].startswith("Vote: "))
    assert vote["data"][0]["type"] == "bar"
    names = [t.get("name") or "" for t in specs[0]["data"]]
    assert "the point" in names and any(n.startswith("nearest change, straight") for n in names)
    assert "at the point (0.5, 0.25)" in text(at) and "nearest point it classifies as" in text(at)
    assert at.query_params["px"] in ("0.5", ["0.5"])


def test_a_point_outside_the_data_is_explained_and_flagged():
    at = explain_page({"data": "moons", **SMALL, "own": "1", "px": "40", "py": "0"})
    clean(at)
    assert any("outside the training rows' range" in w.value for w in at.warning)


def test_the_whole_model_views_on_the_plane():
    at = explain_page({"data": "moons", **SMALL, "part": "global"})
    clean(at)
    titles = [s["layout"]["title"]["text"] for s in charts(at)]
    assert titles[0].startswith("Which features each model reads")
    assert titles[1].startswith("Partial dependence on x")
    amap = charts(at)[2]
    assert [t["type"] for t in amap["data"][:3]] == ["heatmap"] * 3


def test_pixel_maps_of_a_digit_for_each_model_and_a_message_without_images():
    at = explain_page({"data": "digits", "models": "logreg,knn", "vmembers": "logreg,knn", "stacking": "0",
                       "part": "images"})  # fmt: skip
    clean(at)
    (spec,) = charts(at)
    assert sum(t["type"] == "heatmap" for t in spec["data"]) == 4  # the digit, two models, the vote
    at = explain_page({"data": "moons", **SMALL, "part": "images"})
    clean(at)
    assert any("Pixel maps need images" in i.value for i in at.info)


def test_a_table_with_500_features_is_refused_with_the_limit():
    rng = np.random.default_rng(0)
    rows = "\n".join(
        ",".join(f"{v:.3f}" for v in r) + f",{'ab'[i % 2]}" for i, r in enumerate(rng.normal(size=(60, 500)))
    )
    header = ",".join(f"f{i}" for i in range(500)) + ",label"
    at = explain_page({"data": "upload", **SMALL})
    at.sidebar.get("file_uploader")[0].set_value(("wide.csv", f"{header}\n{rows}\n".encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert any("at most 100" in e.value for e in at.error)


def test_a_model_that_fails_is_said_on_its_own_and_the_others_are_explained():
    csv = "a,b,c,label\n" + "".join(f"{i % 9},{2 * (i % 9)},{(i * 7) % 5},{'xy'[i % 2]}\n" for i in range(80))
    at = explain_page({"data": "upload", "models": "qda,logreg", "voting": "0", "stacking": "0"})
    at.sidebar.get("file_uploader")[0].set_value(("collinear.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert any(w.value.startswith("Quadratic discriminant could not be fitted") for w in at.warning), [
        w.value for w in at.warning
    ]
    (table,) = [d for d in at.dataframe if "residual" in d.value.columns]
    assert list(table.value["model"]) == ["Logistic regression"]
    rows = next(d for d in at.dataframe if "class" in d.value.columns)
    assert len(rows.value) == 24 and list(rows.value.columns)[:2] == [
        "class",
        "a",
    ]  # the 24 test rows, to pick from


def test_a_class_too_rare_to_split_is_refused_with_a_sentence():
    csv = "a,b,label\n" + "".join(f"{i},{i % 3},{'x' if i else 'y'}\n" for i in range(40))
    at = explain_page({"data": "upload", **SMALL})
    at.sidebar.get("file_uploader")[0].set_value(("rare.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert at.error and any("class" in e.value for e in at.error)
