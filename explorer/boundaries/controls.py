"""Controls of the Decision Boundaries view -> model configs, with its URL table.

Each model's hyperparameters live under the widget key `<prefix>_<model>_<param>` and are edited
in the model's tile; the sidebar holds the data, the plane, the ensembles and the class balance.
"""

from __future__ import annotations

import math

import streamlit as st

from engine.classify.arena import ArenaConfig
from engine.classify.fit import ENSEMBLES, MODELS, ModelConfig
from engine.classify.registry import Choice
from engine.data.datasets import Dataset
from explorer.shared import widgets
from explorer.shared.url_state import Param

DEFAULT_MODELS = ("logreg", "rbf_svm", "knn", "tree", "forest", "hist_gb", "network", "net_svm")
DEFAULT_VOTING = ("logreg", "knn", "tree")  # cheap members: changing one refits the vote fast
DEFAULT_STACKING = ("rbf_svm", "knn", "tree")
GRID_SIZES = (50, 100, 150, 200, 300)
NONE = "(none)"


def model_params() -> tuple[Param, ...]:
    """One URL parameter per model hyperparameter, `<model>_<param>`, and per voting weight."""
    out = []
    for name, spec in MODELS.items():
        for key, rng in spec.params.items():
            if isinstance(rng, Choice):
                out.append(Param(f"{name}_{key}", rng.default, choices=rng.options))
            else:
                out.append(Param(f"{name}_{key}", rng.default, bounds=(rng.lo, rng.hi)))
        out.append(Param(f"w_{name}", 1.0, bounds=(0.0, 10.0)))
    return tuple(out)


def params() -> tuple[Param, ...]:
    names = tuple(MODELS)
    return (
        widgets.data_params("moons", 500, noise=0.3)
        + (
            Param("plane", "pca", choices=("pca", "features")),
            Param("fx", 0, bounds=(0, 100_000)),
            Param("fy", 1, bounds=(0, 100_000)),
            Param("models", DEFAULT_MODELS, choices=names),
            Param("voting", True),
            Param("vmembers", DEFAULT_VOTING, choices=names),
            Param("vtype", "soft", choices=("soft", "hard")),
            Param("stacking", True),
            Param("smembers", DEFAULT_STACKING, choices=names),
            Param("final", "logreg", choices=names),
            Param("bagging", False),
            Param("bbase", "tree", choices=names),
            Param("test", 0.3, bounds=(0.1, 0.5)),
            Param("gridn", 150, bounds=(50, 300)),
            Param("minor", NONE),
            Param("keep", 1.0, bounds=(0.05, 1.0)),
            Param("balanced", False),
            Param("resample", False),
            Param("confusion", False),  # the page's confusion-matrix toggle
            Param("ensemble", "", choices=("", *ENSEMBLES)),  # whose overruled map is shown; "" = the first
        )
        + model_params()
    )


def label(name: str) -> str:
    return MODELS[name].label if name in MODELS else ENSEMBLES.get(name, name)


def setup_controls(prefix: str, data: Dataset, seed: int) -> tuple[ArenaConfig, bool]:
    """The plane drawn (for wide data), the split, the grid and the class balance; and whether
    models weigh classes."""
    p, sb = f"{prefix}_", st.sidebar
    plane, pair = "pca", (0, 1)
    if data.n_features > 2:
        plane = sb.radio("Plane drawn", ("pca", "features"), key=f"{p}plane", horizontal=True,
                         format_func={"pca": "PCA (2-D)", "features": "Two features"}.get)  # fmt: skip
        if plane == "features":
            cols = list(range(data.n_features))
            for k, default in (("fx", 0), ("fy", 1)):
                if st.session_state.get(p + k, default) not in cols:
                    st.session_state[p + k] = default
            name = data.feature_names.__getitem__
            pair = (int(sb.selectbox("Horizontal feature", cols, key=f"{p}fx", format_func=name)),
                    int(sb.selectbox("Vertical feature", cols, key=f"{p}fy", format_func=name)))  # fmt: skip
    with sb.expander("Split, grid and class balance"):
        test = st.slider("Test share", 0.1, 0.5, step=0.05, key=f"{p}test")
        gkey = f"{p}gridn"
        st.session_state[gkey] = min(GRID_SIZES, key=lambda g: abs(g - st.session_state.get(gkey, 150)))
        grid = st.select_slider("Grid resolution", GRID_SIZES, key=gkey)
        names = [NONE, *data.class_names]
        if st.session_state.get(f"{p}minor") not in names:
            st.session_state[f"{p}minor"] = NONE
        rare = st.selectbox("Make this class rare", names, key=f"{p}minor")
        keep = st.slider("Share of it kept", 0.05, 1.0, step=0.05, key=f"{p}keep", disabled=rare == NONE)
        weighted = st.toggle("Class weights (balanced)", key=f"{p}balanced",
                             help="Weigh each class by the inverse of its frequency, where a model accepts weights.")  # fmt: skip
        resample = st.toggle("Oversample rare classes", key=f"{p}resample",
                             help="Repeat training rows of the smaller classes until every class is as large as the largest.")  # fmt: skip
    code = None if rare == NONE else names.index(rare) - 1
    cfg = ArenaConfig(plane, pair, float(test), int(grid), code, float(keep), bool(resample), seed)
    return cfg, bool(weighted)


def model_config(prefix: str, name: str, seed: int, weighted: bool) -> ModelConfig:
    """A model's config from its tile's settings (read from session state; only non-defaults kept)."""
    overrides = []
    for key, rng in MODELS[name].params.items():
        value = st.session_state.get(f"{prefix}_{name}_{key}", rng.default)
        if value != rng.default:
            overrides.append((key, value))
    cw = "balanced" if weighted and MODELS[name].class_weight else None
    return ModelConfig(name, tuple(overrides), class_weight=cw, seed=seed)


def model_settings(prefix: str, name: str) -> None:
    """Inputs for one model's hyperparameters (drawn inside its tile's settings popover).

    A popover's inputs appear in the browser only when it is first opened, so each input gets its
    value explicitly from the setting's state key (`<prefix>_<model>_<param>`, what the URL and the
    model config read) and writes back to it on change, under its own widget key (`..._w`).
    """
    for key, rng in MODELS[name].params.items():
        state = f"{prefix}_{name}_{key}"
        current = st.session_state.get(state, rng.default)
        if st.session_state.get(f"{state}_w", current) != current:  # a link changed it: start afresh
            del st.session_state[f"{state}_w"]
        common = {"key": f"{state}_w", "on_change": _keep, "args": (f"{state}_w", state)}
        if isinstance(rng, Choice):
            index = rng.options.index(current) if current in rng.options else 0
            st.selectbox(key, rng.options, index=index, **common)
        elif isinstance(rng.default, int):
            st.number_input(key, int(rng.lo), int(rng.hi), value=int(current), step=1, **common)
        else:
            step = 10 ** math.floor(math.log10(rng.default)) / 10 if rng.default > 0 else 0.01
            st.number_input(key, float(rng.lo), float(rng.hi), value=float(current), step=step, format="%g",
                            **common)  # fmt: skip


def _keep(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = st.session_state[widget_key]


def _members(key: str, chosen: list[str], label_text: str, proba_only: bool = False) -> list[str]:
    options = [m for m in chosen if not proba_only or MODELS[m].proba]
    st.session_state[key] = [m for m in st.session_state.get(key, []) if m in options]
    return st.multiselect(label_text, options, key=key, format_func=label)


def lineup(prefix: str, seed: int, weighted: bool) -> list[ModelConfig]:
    """The chosen models, then the chosen ensembles built from them, in tile order."""
    p = f"{prefix}_"
    chosen = st.sidebar.multiselect("Models", list(MODELS), key=f"{p}models", format_func=label)
    models = {m: model_config(prefix, m, seed, weighted) for m in chosen}
    out = list(models.values())
    with st.sidebar.expander("Ensembles", expanded=False):
        if st.toggle("Voting", key=f"{p}voting"):
            kind = st.radio("Vote", ("soft", "hard"), key=f"{p}vtype", horizontal=True,
                            help="Soft averages the members' probabilities; hard counts their votes.")  # fmt: skip
            members = _members(f"{p}vmembers", chosen, "Voting members", proba_only=kind == "soft")
            weights = tuple(float(st.number_input(f"Weight of {label(m)}", 0.0, 10.0, step=0.5,
                                                  key=f"{p}w_{m}")) for m in members)  # fmt: skip
            if len(members) < 2:
                st.caption("Voting combines at least two of the chosen models: pick them above.")
            else:
                out.append(ModelConfig("voting", members=tuple(models[m] for m in members),
                                       weights=weights, voting=kind, seed=seed))  # fmt: skip
        if st.toggle("Stacking", key=f"{p}stacking"):
            members = _members(f"{p}smembers", chosen, "Stacking members")
            final = st.selectbox("Meta-learner", list(MODELS), key=f"{p}final", format_func=label)
            if len(members) < 2:
                st.caption("Stacking combines at least two of the chosen models: pick them above.")
            else:
                out.append(ModelConfig("stacking", members=tuple(models[m] for m in members),
                                       final=final, seed=seed))  # fmt: skip
        if st.toggle("Bagging", key=f"{p}bagging"):
            if chosen and st.session_state.get(f"{p}bbase") not in chosen:
                st.session_state[f"{p}bbase"] = chosen[0]
            base = st.selectbox("Bagged model", chosen, key=f"{p}bbase", format_func=label)
            if base:
                out.append(ModelConfig("bagging", members=(models[base],), seed=seed))
    return out
