"""The Manifold geometry page's graph network through AppTest: nothing trains before Train; the karate
club (the scenario: two leaders labelled, the GCN right on all but one member) with the animated layers,
the predictions and the accuracy beside label spreading; the data's graph with a few labels; a label
column missing; the link."""

from __future__ import annotations

import pytest

from explorer.scenarios import for_page
from tests.apptest import charts, geometry_page, metric

pytestmark = pytest.mark.usefixtures("fresh_caches")


def scenario(title: str) -> dict:
    return next(s.query for s in for_page("geometry") if s.title == title)


def trained(query: dict):
    at = geometry_page(query)
    assert not at.exception and not at.error
    at.button(key="mg_gtrain").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_nothing_trains_before_train_and_label_spreading_is_shown():
    at = geometry_page({"part": "gcn", "graph": "karate"})
    assert not at.exception and not at.error
    (info,) = at.info
    assert info.value.startswith("Zachary's karate club: 34 nodes, 78 edges, 2 labelled.")
    (spec,) = charts(at)
    assert spec["layout"]["title"]["text"].startswith("Label spreading: ")
    assert "mg_data" not in at.session_state or not any(s.key == "mg_data" for s in at.sidebar.selectbox)


def test_the_scenario_the_gcn_propagates_labels_along_the_graph_holds():
    at = trained(scenario("The GCN propagates labels along the graph"))
    assert metric(at, "GCN accuracy") == f"{31 / 32:.3f}"  # 31 of the 32 unlabelled members
    assert metric(at, "Labelled nodes") == "2"
    specs = charts(at)
    pred = next(s for s in specs if s["layout"]["title"]["text"].startswith("GCN: "))
    wrong = [t for t in pred["data"] if (t.get("name") or "").startswith("wrong")]
    assert len(wrong) == 1 and wrong[0]["name"] == "wrong (1)"
    layers = next(s for s in specs if s.get("frames"))
    assert len(layers["frames"]) == 21  # epoch 0 and every 10th of 200
    curves = next(s for s in specs if any(t.get("name") == "GCN" for t in s["data"]))
    assert any((t.get("name") or "").startswith("label spreading") for t in curves["data"])


def test_the_gcn_on_the_datas_graph_uses_a_few_labels_per_class():
    at = trained({"part": "gcn", "data": "moons", "n": "300", "noise": "0.1", "per": "5", "gepochs": "50"})
    assert metric(at, "Labelled nodes") == "10"
    assert float(metric(at, "GCN accuracy")) > 0.7
    assert at.query_params["per"] in ("5", ["5"])


def test_a_table_without_labels_is_refused_with_a_sentence():
    csv = "a,b,c\n" + "".join(f"{i % 7},{(i * 3) % 11},{i * 0.37:.2f}\n" for i in range(80))
    at = geometry_page({"data": "upload", "part": "gcn"})
    at.sidebar.get("file_uploader")[0].set_value(("plain.csv", csv.encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert any("needs a label column" in e.value for e in at.error)
