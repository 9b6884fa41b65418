"""Sidebar controls of the Manifold geometry view: which part, the neighbour graph
(`GraphConfig`), the few-label learners (`FewLabelsConfig`), with the URL table of all of them."""

from __future__ import annotations

import streamlit as st

from engine.geometry import few_labels as fl
from engine.geometry.graph import KINDS, LIMITS, GraphConfig
from explorer.shared.url_state import Param
from explorer.shared.widgets import snap_to_options

PARTS = {"graph": "Neighbour graph", "labels": "Few labels", "gcn": "Graph network"}
PENALTIES = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # inside fl.LIMITS["penalty"]
ALPHAS = (0.2, 0.5, 0.8, 0.9, 0.95, 0.99)  # inside fl.LIMITS["alpha"]
MOST_PICKED = 400  # rows a user may label by hand


def params() -> tuple[Param, ...]:
    g, f = GraphConfig(), fl.FewLabelsConfig()
    return (
        Param("part", "graph", choices=tuple(PARTS)),
        Param("gkind", g.kind, choices=tuple(KINDS)),
        Param("k", g.k, bounds=LIMITS["k"]),
        Param("eps", g.epsilon, bounds=LIMITS["epsilon"]),
        Param("src", 0, bounds=(0, 10_000_000)),  # the geodesics' source row
        Param("per", f.per_class, bounds=fl.LIMITS["per_class"]),
        Param("spread", f.spread, choices=tuple(fl.SPREAD)),
        Param("alpha", f.alpha, bounds=fl.LIMITS["alpha"]),
        Param("gamma", f.penalty, bounds=fl.LIMITS["penalty"]),
        Param("hand", False),  # label points by clicking them
        Param("picked", ""),  # the rows labelled by hand, comma-separated
    )


def part_choice(prefix: str) -> str:
    return st.sidebar.radio("Part", tuple(PARTS), format_func=PARTS.get, horizontal=True, key=f"{prefix}_part",
                            help="The neighbour graph every manifold method starts from; what it buys a learner "
                            "with few labels; a graph network trained on it.")  # fmt: skip


def graph_controls(prefix: str) -> GraphConfig:
    p = f"{prefix}_"
    st.sidebar.markdown("**Neighbour graph**")
    kind = st.sidebar.radio("Join each point to", tuple(KINDS), format_func=KINDS.get, horizontal=True,
                            key=f"{p}gkind")  # fmt: skip
    if kind == "knn":
        k = st.sidebar.slider("k (neighbours)", *LIMITS["k"], key=f"{p}k",
                              help="Each point joins its k nearest points, and every point that has it among "
                              "its k; a large k short-circuits a curled manifold.")  # fmt: skip
        eps = float(st.session_state.get(f"{p}eps", GraphConfig.epsilon))
    else:
        k = int(st.session_state.get(f"{p}k", GraphConfig.k))
        eps = st.sidebar.slider("ε (in nearest-neighbour distances)", *LIMITS["epsilon"], step=0.1, key=f"{p}eps",
                                help="Points closer than ε times the median distance to a point's nearest "
                                "neighbour are joined.")  # fmt: skip
    return GraphConfig(kind=kind, k=int(k), epsilon=float(eps))


def picked(prefix: str) -> tuple[int, ...]:
    """The rows labelled by hand, from their URL text."""
    text = str(st.session_state.get(f"{prefix}_picked", ""))
    rows = []
    for part in text.split(","):
        part = part.strip()
        if part.isdigit():
            rows.append(int(part))
    return tuple(sorted(set(rows)))[:MOST_PICKED]


def set_picked(prefix: str, rows) -> None:
    st.session_state[f"{prefix}_picked"] = ",".join(str(r) for r in sorted(set(rows))[:MOST_PICKED])


def label_controls(prefix: str, seed: int, graph: GraphConfig) -> fl.FewLabelsConfig:
    p = f"{prefix}_"
    snap_to_options(p + "gamma", PENALTIES, fl.FewLabelsConfig.penalty)
    snap_to_options(p + "alpha", ALPHAS, fl.FewLabelsConfig.alpha)
    st.sidebar.markdown("**Labels**")
    hand = st.sidebar.toggle("Pick the labelled points by clicking", key=f"{p}hand",
                             help="Off: a seeded choice of points per class. On: click (or box-select) points "
                             "on the plot under the sidebar to label them with their class.")  # fmt: skip
    per = st.sidebar.slider("Labels per class", *fl.LIMITS["per_class"], key=f"{p}per", disabled=hand)
    spread = st.sidebar.radio("Over the graph", tuple(fl.SPREAD), format_func=fl.SPREAD.get, horizontal=True,
                              key=f"{p}spread")  # fmt: skip
    alpha = st.sidebar.select_slider("α (label spreading)", ALPHAS, key=f"{p}alpha", disabled=spread != "spreading",
                                     help="The share of each point's label taken from its neighbours at each step; "
                                     "the rest stays its own (labelled points keep 1 - α of their label).")  # fmt: skip
    gamma = st.sidebar.select_slider("Laplacian penalty γ", PENALTIES, key=f"{p}gamma",
                                     help="The network's loss = cross-entropy on the labelled points + γ · ½ Σ w_ij "
                                     "|p_i - p_j|² / n over the graph's edges: how much its class probabilities "
                                     "may change along an edge. 0 is the plain network.")  # fmt: skip
    return fl.FewLabelsConfig(
        per_class=int(per), chosen=picked(prefix) if hand else (), graph=graph, spread=spread, alpha=float(alpha),
        penalty=float(gamma), seed=seed,
    )  # fmt: skip
