"""Curated starting points: one click loads a page with its whole state in the link."""

from __future__ import annotations

from typing import NamedTuple


class Scenario(NamedTuple):
    title: str
    page: str  # a key of explorer.nav.PAGES
    query: dict[str, str]  # the page's URL state
    notice: str  # what to notice, in a sentence or two


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("Depth untangles spirals", "layers",
             {"data": "spirals", "classes": "2", "hidden": "16,16,16", "act": "relu", "epochs": "1000"},
             "Press Train and watch each layer fold the plane again; the probe accuracy rises layer by layer."),
    Scenario("Circles: 2 units are not enough", "layers",
             {"data": "circles", "classes": "2", "hidden": "2", "epochs": "600"},
             "A 2-unit layer cannot pull the inner ring out; change the width to 3 and it lifts it into 3-D."),
    Scenario("Linked rings and 2-wide layers", "layers",
             {"data": "linked_rings", "hidden": "2,2,2", "epochs": "600"},
             "No continuous map into two dimensions pulls linked rings apart; give a layer 3 units and it can."),
    Scenario("Does voting beat its members?", "boundaries",
             {"data": "moons", "n": "1500", "noise": "0.35", "models": "knn,tree,gnb", "vmembers": "knn,tree,gnb",
              "stacking": "0", "knn_n_neighbors": "1"},
             "Three different, imperfect models: a jumpy 1-nearest-neighbour, a boxy tree and naive Bayes's "
             "smooth curve. Their soft vote keeps what they agree on and, with this seed, beats each of them "
             "on the test points; the overruled map shows where it sides against the majority. Change the "
             "seed to see how often voting wins."),
    Scenario("A linear boundary fails on circles", "boundaries",
             {"data": "circles", "classes": "2", "models": "logreg,linear_svm,rbf_svm,network", "voting": "0",
              "stacking": "0"},
             "Logistic regression and the linear SVM can only draw a straight line through the rings; "
             "an RBF kernel and a small network bend it into a circle."),
    Scenario("Rare class: weights move the boundary", "boundaries",
             {"data": "blobs", "classes": "2", "noise": "1", "models": "logreg,rbf_svm,tree", "minor": "class 1",
              "keep": "0.1", "voting": "0", "stacking": "0"},
             "With a tenth of class 1 left, the RBF SVM hands it almost none of the plane: accuracy stays "
             "high, macro F1 drops. Turn on class weights or oversampling under Split, grid and class "
             "balance: the boundaries move back, F1 rises and accuracy falls."),
    Scenario("Unroll the Swiss roll", "inspector",
             {"data": "swiss_roll", "n": "1500", "methods": "pca,isomap,lle"},
             "PCA squashes the roll flat and mixes its ends; Isomap follows distances along the sheet and "
             "unrolls it, so the colours run in order."),
    Scenario("Digits in two dimensions", "inspector", {"data": "digits", "methods": "pca,tsne"},
             "PCA's two axes explain little of 64 pixels' variance and the digits overlap; t-SNE keeps "
             "neighbours together and the ten digits fall into islands. Compare k-NN accuracy."),
    Scenario("Concentric circles", "inspector",
             {"data": "circles", "classes": "3", "methods": "pca,kernel_pca", "gamma": "2"},
             "A linear projection cannot pull nested rings apart; an RBF kernel can."),
    Scenario("A messy real CSV", "inspector", {"data": "sample:breast_cancer_clinic", "methods": "pca,umap"},
             "An ID column, text labels and missing values: read the notes above the plots to see what was "
             "dropped or imputed."),
)  # fmt: skip


def for_page(page: str) -> list[Scenario]:
    return [s for s in SCENARIOS if s.page == page]
