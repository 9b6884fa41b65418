"""Sidebar controls of the Explanations view: the part shown, the method and class explained, the
point, the model the maps and the counterfactual are drawn for; with the URL table (the Decision
boundaries lineup's table, so the same models and ensembles are explained)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from engine.classify.fit import ENSEMBLES, MODELS, ModelConfig
from explorer.boundaries import controls as bw
from explorer.shared.url_state import Param

PARTS = {"point": "One point", "global": "Whole model", "whatif": "What if", "images": "Images"}
METHODS = {"shap": "SHAP", "lime": "LIME"}
PREDICTED = -1  # the class explained: each model's own prediction


@dataclass(frozen=True)
class Choice:
    """What to explain, read from the sidebar."""

    part: str
    method: str
    target: int | None  # class code, None = each model's prediction
    focus: int  # position in the lineup of the model the maps and counterfactual are for
    test: float  # test share of the split


def params() -> tuple[Param, ...]:
    names = ("", *MODELS, *ENSEMBLES)
    return bw.params() + (
        Param("part", "point", choices=tuple(PARTS)),
        Param("method", "shap", choices=tuple(METHODS)),
        Param("cls", PREDICTED, bounds=(PREDICTED, 49)),
        Param("row", -1, bounds=(-1, 10_000_000)),  # the explained row; -1 = the first test row
        Param("own", False),  # a point of one's own (clicked or typed) instead of a row
        Param("px", 0.0, bounds=(-1e9, 1e9)),
        Param("py", 0.0, bounds=(-1e9, 1e9)),
        Param("focus", "", choices=names),
        Param("feature", 0, bounds=(0, 10_000)),  # the partial dependence's feature
        Param("absshap", False),  # mean |SHAP| beside the permutation importance
        Param("stab", False),  # repeat the explanation over seeds
    )


def choices(prefix: str, class_names, cfgs: list[ModelConfig]) -> Choice:
    p, sb = f"{prefix}_", st.sidebar
    part = sb.radio("Explain", tuple(PARTS), format_func=PARTS.get, horizontal=True, key=f"{p}part",
                    help="One point's attributions for every model; the whole model's importance and "
                    "partial dependence; every model's answer at a point you move; pixel maps of a digit.")  # fmt: skip
    method = sb.radio("Method", tuple(METHODS), format_func=METHODS.get, horizontal=True, key=f"{p}method",
                      help="SHAP: Shapley values over a background of 100 training rows (exact for trees and "
                      "for up to 8 features, sampled permutations above). LIME: a weighted linear fit to 1,000 "
                      "perturbed samples around the point.")  # fmt: skip
    codes = [PREDICTED, *range(len(class_names))]
    if st.session_state.get(f"{p}cls", PREDICTED) not in codes:
        st.session_state[f"{p}cls"] = PREDICTED
    shown = {PREDICTED: "each model's prediction", **{i: str(c) for i, c in enumerate(class_names)}}
    cls = sb.selectbox("Class explained", codes, key=f"{p}cls", format_func=shown.get)
    names = [c.name for c in cfgs]
    if st.session_state.get(f"{p}focus") not in names:
        st.session_state[f"{p}focus"] = next((n for n in names if n in ENSEMBLES), names[0] if names else "")
    focus = (
        sb.selectbox("Model for the maps", names, key=f"{p}focus", format_func=bw.label) if names else None
    )
    test = float(st.session_state.get(f"{p}test", 0.3))
    return Choice(
        part, method, None if cls == PREDICTED else int(cls), names.index(focus) if focus else 0, test
    )
