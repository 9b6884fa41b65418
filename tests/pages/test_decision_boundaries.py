"""The Decision boundaries page through AppTest: tiles, settings, ensembles, maps, bad input, links."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.scenarios import for_page
from tests.apptest import boundaries_page, charts, values

pytestmark = pytest.mark.usefixtures("fresh_caches")

SMALL = {"gridn": "50", "n": "200"}


def titles(at: AppTest) -> list[str]:
    return [c["layout"].get("title", {}).get("text", "") for c in charts(at)]


def tile(at: AppTest, label: str) -> dict:
    return next(c for c in charts(at) if c["layout"].get("title", {}).get("text", "").startswith(label))


def surface(at: AppTest, label: str) -> np.ndarray:
    """The class-plus-confidence surface of a tile (its heatmap's z) as a 2-D array."""
    return matrix(tile(at, label)["data"][0]["z"])


def matrix(z) -> np.ndarray:
    """A 2-D array from a chart spec: nested lists, or Plotly's base64 typed array with a shape."""
    if isinstance(z, dict):
        shape = tuple(int(n) for n in str(z.get("shape", "")).split(",") if n.strip())
        return values(z).reshape(shape or (-1,))
    return np.asarray(z, dtype=float)


def metrics(at: AppTest):
    return at.dataframe[0].value.set_index("model")


def test_default_page_compares_eight_models_and_two_ensembles():
    at = boundaries_page()
    assert not at.exception and not at.error
    table = metrics(at)
    assert len(table) == 10 and "error" not in table.columns  # the column appears only for failures
    assert table.loc["RBF SVM", "test accuracy"] > 0.85
    assert (
        "Network (Layer manifolds engine)" in table.index and "SVM on the network's features" in table.index
    )
    assert any(name.startswith("Voting (") for name in table.index)
    names = titles(at)
    assert sum(" · test " in t for t in names) == 10
    assert any(t.startswith("Where the 8 models disagree") for t in names)
    assert any(t.startswith("Where voting overrules its members") for t in names)
    assert surface(at, "RBF SVM").shape == (150, 150)
    hollow = [t for t in tile(at, "RBF SVM")["data"][1:] if t["name"].endswith("test")]
    assert hollow and all(t["marker"]["color"] == "rgba(0,0,0,0)" for t in hollow)


def test_changing_one_setting_redraws_that_tile_only():
    at = boundaries_page({**SMALL, "models": "logreg,knn", "vmembers": "logreg,knn", "stacking": "0"})
    before = {n: surface(at, n) for n in ("Logistic", "k nearest", "Voting")}
    at.number_input(key="db_knn_n_neighbors_w").set_value(40).run()
    assert not at.exception and not at.error
    after = {n: surface(at, n) for n in before}
    np.testing.assert_array_equal(before["Logistic"], after["Logistic"])
    assert not np.array_equal(before["k nearest"], after["k nearest"])
    assert not np.array_equal(before["Voting"], after["Voting"])  # the ensemble holds the changed member
    assert at.query_params["knn_n_neighbors"] in ("40", ["40"])


def test_voting_weights_and_hard_voting_change_the_ensemble():
    at = boundaries_page({**SMALL, "models": "logreg,knn", "vmembers": "logreg,knn", "stacking": "0"})
    soft = surface(at, "Voting")
    at.number_input(key="db_w_logreg").set_value(0.0).run()
    knn_only = surface(at, "Voting")
    np.testing.assert_array_equal(np.floor(knn_only), np.floor(surface(at, "k nearest")))
    assert not np.array_equal(soft, knn_only)
    at.radio(key="db_vtype").set_value("hard").run()
    assert not at.exception and not at.error


def test_wide_data_is_drawn_on_pca_or_two_chosen_features():
    at = boundaries_page(
        {"data": "wine", "gridn": "50", "models": "logreg,tree", "voting": "0", "stacking": "0"}
    )
    assert not at.exception and not at.error
    assert "first two principal components of the 13" in at.info[0].value
    assert tile(at, "Logistic")["layout"]["xaxis"]["title"]["text"].startswith("PC1")
    at.radio(key="db_plane").set_value("features").run()
    at.selectbox(key="db_fy").set_value(6).run()
    assert not at.exception and "trained on alcohol and flavanoids only" in at.info[0].value
    layout = tile(at, "Logistic")["layout"]
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("alcohol", "flavanoids")


def test_a_model_that_fails_gets_a_message_on_its_tile_and_the_others_render():
    xs = [round(t, 3) for t in np.random.default_rng(0).normal(size=80)]
    rows = "".join(
        f"{x:.3f},{2 * x:.3f},{'ab'[int(x > 0)]}\n" for x in xs
    )  # the second column is twice the first
    at = boundaries_page({"data": "upload", "gridn": "50", "models": "qda,logreg", "voting": "0", "stacking": "0",
                          "plane": "features"}, upload=("x,twice_x,kind\n" + rows).encode())  # fmt: skip
    assert not at.exception
    assert len(at.error) == 1 and "Quadratic discriminant could not be fitted" in at.error[0].value
    assert [t for t in titles(at) if " · test " in t] == [t for t in titles(at) if t.startswith("Logistic")]


@pytest.mark.parametrize(
    "label_values, message",
    [
        (lambda i: f"c{i % 300}", "300 distinct values"),  # refused when the table is read
        (lambda i: f"c{i % 30}", "30 classes"),  # too many colours for a map
        (lambda i: "same", "at least two classes"),
        (lambda i: "rare" if i == 0 else "ab"[i % 2], "only one sample"),
    ],
)
def test_bad_labels_get_a_clear_message_and_the_page_recovers(label_values, message):
    csv = "a,b,label\n" + "".join(f"{i % 17},{(i * 7) % 13},{label_values(i)}\n" for i in range(600))
    at = boundaries_page({"data": "upload", "gridn": "50", "models": "logreg"}, upload=csv.encode())
    if at.session_state["db_label"] != "label":
        at.sidebar.selectbox(key="db_label").set_value("label").run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    at.sidebar.selectbox(key="db_data").set_value("moons").run()
    assert not at.exception and not at.error and len(metrics(at)) == 1


def test_a_rare_class_and_class_weights_move_the_boundary():
    sc = next(s for s in for_page("boundaries") if s.title.startswith("Rare class"))
    at = boundaries_page({**sc.query, "gridn": "50"})
    assert not at.exception and not at.error
    assert "class 1: 10% of its rows kept" in at.info[0].value
    unweighted = metrics(at).loc["RBF SVM"]
    share = (np.floor(surface(at, "RBF SVM")) == 1).mean()
    at.toggle(key="db_balanced").set_value(True).run()
    weighted = metrics(at).loc["RBF SVM"]
    share_w = (np.floor(surface(at, "RBF SVM")) == 1).mean()
    assert share_w > share + 0.1, "class weights give the rare class more of the plane"
    assert weighted["F1 (macro)"] > unweighted["F1 (macro)"]
    at.toggle(key="db_balanced").set_value(False).run()
    at.toggle(key="db_resample").set_value(True).run()
    assert metrics(at).loc["RBF SVM", "F1 (macro)"] > unweighted["F1 (macro)"]


def test_voting_scenario_is_true_and_confusion_matrices_on_demand():
    sc = next(s for s in for_page("boundaries") if s.title.startswith("Does voting"))
    at = boundaries_page({**sc.query, "gridn": "50"})
    acc = metrics(at)["test accuracy"]
    voting = acc[[n.startswith("Voting") for n in acc.index]].iloc[0]
    assert voting > acc.drop(acc.index[[n.startswith("Voting") for n in acc.index]]).max()
    assert not any(t.startswith("Confusion") for t in titles(at))
    at.toggle(key="db_confusion").set_value(True).run()
    assert not at.exception and not at.error, (at.exception or at.error)[0].value
    found = [c for c in charts(at) if c["layout"].get("title", {}).get("text", "").startswith("Confusion")]
    assert found, f"no confusion chart among {titles(at)}"
    conf = found[0]
    assert len(conf["data"]) == 4
    counts = matrix(conf["data"][0]["text"])
    assert counts.sum() == round(0.3 * 1500)


def test_confusion_toggle_and_overruled_ensemble_come_from_the_link():
    at = boundaries_page(SMALL)
    pick = at.selectbox(key="db_ensemble")
    assert [o.split(" (")[0] for o in pick.options] == ["Voting", "Stacking"]  # labelled, keyed by name
    assert pick.value == "voting" and not any(t.startswith("Confusion") for t in titles(at))
    linked = boundaries_page({**SMALL, "confusion": "1", "ensemble": "stacking"})
    assert linked.selectbox(key="db_ensemble").value == "stacking"
    assert any(t.startswith("Confusion") for t in titles(linked))
    assert any(t.startswith("Where stacking overrules") for t in titles(linked))
    linked.toggle(key="db_confusion").set_value(False).run()
    assert "confusion" not in linked.query_params and linked.query_params["ensemble"] == "stacking"
    bad = boundaries_page({**SMALL, "ensemble": "bagging"})  # not in the lineup: the first is shown
    assert bad.selectbox(key="db_ensemble").value == "voting" and not bad.exception
