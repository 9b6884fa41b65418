"""The Manifold geometry page through AppTest: the neighbour graph over the Swiss roll with geodesic
and straight-line distances and Isomap on the same graph, a typed source point, a short circuit
breaking Isomap, a disconnected graph, k larger than the data, wide tables drawn on their principal
axes; few labels on the moons (the scenario), hand-picked labels, a class without a label, too many
classes; the scenarios' claims; and the link."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.data.datasets import DatasetConfig, make_dataset
from explorer.scenarios import for_page
from tests.apptest import charts, geometry_page, metric, values

pytestmark = pytest.mark.usefixtures("fresh_caches")


def scenario(title: str) -> dict:
    return next(s.query for s in for_page("geometry") if s.title == title)


def titled(at, start: str) -> dict:
    found = [s for s in charts(at) if (s["layout"].get("title", {}).get("text") or "").startswith(start)]
    assert len(found) == 1, [s["layout"].get("title", {}).get("text") for s in charts(at)]
    return found[0]


def number(at, pattern: str) -> float:
    text = " ".join(m.value for m in at.markdown)
    found = re.search(pattern, text)
    assert found, text
    return float(found.group(1))


def clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_the_scenario_geodesic_not_straight_holds():
    at = geometry_page(scenario("Geodesic, not straight"))
    clean(at)
    assert metric(at, "Points") == "1,000" and metric(at, "Pieces (components)") == "1"
    assert metric(at, "Edges jumping sheets") == "0"
    assert number(at, r"a point \*\*([\d.]+)×\*\* farther") > 4
    assert number(at, r"Spearman ρ = \*\*([\d.]+)\*\*") > 0.9
    assert number(at, r"\|ρ\| = \*\*([\d.]+)\*\*") >= 0.95
    geo = titled(at, "Geodesic distance from point 0")
    types = [t["type"] for t in geo["data"]]
    assert types[:2] == ["scatter3d", "scatter3d"] and geo["data"][1]["name"] == "geodesic"
    colours = values(geo["data"][1]["marker"]["color"])
    assert len(colours) == 1000 and colours.min() == 0  # the source itself
    line = titled(at, "Straight-line distance from point 0")
    assert values(line["data"][1]["marker"]["color"]).max() < colours.max()  # geodesics are longer
    iso = titled(at, "Isomap on the same graph")
    assert iso["data"][0]["type"] == "scattergl"


def test_the_scenario_one_bridge_breaks_it_holds():
    query = scenario("One bridge breaks it")
    at = geometry_page(query)
    clean(at)
    assert metric(at, "Edges jumping sheets") == "1"
    broken = number(at, r"\|ρ\| = \*\*([\d.]+)\*\*")
    assert broken < 0.85 and "broken" in " ".join(m.value for m in at.markdown)
    names = [t["name"] for t in titled(at, "Isomap on the same graph")["data"]]
    assert "edges jumping sheets (1)" in names
    at.sidebar.slider(key="mg_k").set_value(12).run()
    clean(at)
    assert metric(at, "Edges jumping sheets") == "0"
    assert number(at, r"\|ρ\| = \*\*([\d.]+)\*\*") >= 0.95


def test_a_typed_source_point_moves_the_geodesics_and_stays_in_the_link():
    at = geometry_page({"data": "swiss_roll", "n": "500"})
    at.number_input(key="mg_src").set_value(250).run()
    clean(at)
    geo = titled(at, "Geodesic distance from point 250")
    colours = values(geo["data"][1]["marker"]["color"])
    assert colours[250] == 0 and np.count_nonzero(colours == 0) == 1
    assert at.query_params["src"] in ("250", ["250"])


def test_a_disconnected_graph_is_said_and_its_far_points_are_not_reached():
    at = geometry_page({"data": "blobs", "classes": "4", "noise": "0.05", "n": "400", "k": "3"})
    clean(at)
    pieces = int(metric(at, "Pieces (components)"))
    assert pieces > 1
    assert any(f"falls into {pieces} pieces" in i.value for i in at.info)
    geo = titled(at, "Geodesic distance from point 0")
    grey = [t for t in geo["data"] if (t.get("name") or "").startswith("not reached")]
    assert len(grey) == 1 and len(values(grey[0]["x"])) > 0


def test_k_larger_than_the_data_is_refused_with_a_sentence():
    at = geometry_page({"data": "swiss_roll", "n": "50", "k": "50"})
    assert not at.exception
    assert any("k must be between 1 and 49" in e.value for e in at.error)


def test_a_wide_table_is_joined_standardised_and_drawn_on_its_principal_axes():
    at = geometry_page({"data": "wine"})
    clean(at)
    assert any("13 standardised columns" in i.value for i in at.info)
    geo = titled(at, "Geodesic distance from point 0")
    assert geo["layout"]["xaxis"]["title"]["text"] == "PC 1"
    assert int(metric(at, "Edges between classes")) > 0


def test_the_scenario_two_labels_are_enough_on_the_moons_holds():
    at = geometry_page(scenario("Two labels are enough on the moons"))
    clean(at)
    svm = float(metric(at, "RBF SVM (labelled rows only)"))
    spread = float(metric(at, "Label spreading"))
    assert spread >= 0.95 and float(metric(at, "Laplacian network")) >= 0.95
    assert svm <= 0.9 and svm <= spread - 0.08
    spec = titled(at, "Label spreading")
    assert spec["data"][0]["type"] == "heatmap"
    ring = next(t for t in spec["data"] if (t.get("name") or "").startswith("labelled"))
    assert len(values(ring["x"])) == 4
    assert "Smoothness" in " ".join(m.value for m in at.markdown)


def test_bridging_edges_are_drawn_where_the_moons_touch():
    at = geometry_page({"data": "moons", "n": "500", "noise": "0.25", "part": "labels", "k": "15"})
    clean(at)
    spec = titled(at, "Label spreading")
    bridges = [t for t in spec["data"] if (t.get("name") or "").startswith("edges between classes")]
    assert len(bridges) == 1
    assert "leaks along them" in " ".join(m.value for m in at.markdown)


def test_hand_picked_labels_are_the_labelled_points_and_a_missing_class_is_said():
    at = geometry_page({"data": "moons", "n": "200", "part": "labels", "hand": "1"})
    clean(at)
    assert any("Click points on the plot" in i.value for i in at.info)
    assert len(charts(at)) == 1  # only the plot to pick on
    at.session_state["mg_picked"] = "0,1"
    at.run()
    y = make_dataset(DatasetConfig(name="moons", n_samples=200)).y
    if y[0] == y[1]:  # both of one class: the page says which class has no label
        assert any("have no labelled point" in e.value for e in at.error)
    other = int(np.flatnonzero(y != y[0])[0])
    at.session_state["mg_picked"] = f"0,{other}"
    at.run()
    clean(at)
    spec = titled(at, "Label spreading")
    ring = next(t for t in spec["data"] if (t.get("name") or "").startswith("labelled"))
    assert sorted(values(ring["customdata"]).ravel().astype(int).tolist()) == sorted([0, other])
    assert at.query_params["picked"] in (f"0,{other}", [f"0,{other}"])
    at.button(key="mg_clear").click().run()
    assert at.session_state["mg_picked"] == ""


def test_a_label_with_too_many_classes_is_refused_on_few_labels():
    rows = "".join(f"{i % 7},{(i * 3) % 11},c{i % 30}\n" for i in range(300))
    at = geometry_page({"data": "upload", "part": "labels"})
    at.sidebar.get("file_uploader")[0].set_value(("many.csv", ("a,b,class\n" + rows).encode(), "text/csv"))
    at.run()
    assert at.session_state["mg_label"] == "class"
    assert not at.exception
    assert any("30 classes" in e.value for e in at.error)


def test_every_point_labelled_is_refused():
    at = geometry_page({"data": "iris", "part": "labels"})
    at.session_state["mg_hand"] = True
    at.session_state["mg_picked"] = ",".join(str(i) for i in range(150))
    at.run()
    assert not at.exception
    assert any("nothing is left to predict" in e.value for e in at.error)
