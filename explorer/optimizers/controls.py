"""Controls of the Optimizer paths view -> frozen engine configs, with its URL table.

The sidebar picks the surface (a test function, a regression fitted to data, a network's loss
landscape, or the unit sphere: `explorer.optimizers.sphere_controls`), the steps and the start point;
the racers (optimizer, learning rate, momentum, batch size) sit in a compact table above the race, one
row of widgets per racer, keys `<prefix>_opt<i>`, `<prefix>_lr<i>`, `<prefix>_mom<i>`, `<prefix>_batch<i>`.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from engine.data.datasets import LIMITS as DATA_LIMITS
from engine.data.datasets import Dataset
from engine.data.source import DataSource
from engine.nets.landscape import DIRECTIONS, LandscapeConfig
from engine.nets.landscape import LIMITS as SLICE_LIMITS
from engine.nets.landscape_race import LABELS as NET_LABELS
from engine.nets.landscape_race import MAX_RACERS as NET_MAX_RACERS
from engine.nets.landscape_race import LandscapeRaceConfig, Racer
from engine.nets.mlp import LIMITS as TRAIN_LIMITS
from engine.nets.mlp import OPTIMIZERS as NET_OPTIMIZERS
from engine.nets.mlp import TrainConfig
from engine.optim.race import MAX_LR, MAX_PATHS, MAX_STEPS, OPTIMIZERS, USES_MOMENTUM, PathConfig, RaceConfig
from engine.optim.sphere import SphereConfig
from engine.optim.surfaces import DATA_SURFACES, FUNCTIONS, MAX_CONDITION, SURFACES, Surface, SurfaceConfig
from explorer.layers.controls import EPOCH_STEP, EPOCHS, parse_hidden
from explorer.optimizers import sphere_controls
from explorer.optimizers.sphere_controls import SPHERE
from explorer.shared import widgets
from explorer.shared.url_state import Param

NETWORK = "network"
CHOICES = {**SURFACES, NETWORK: "A network's real loss landscape (2-D slice)", SPHERE: sphere_controls.LABEL}
RACERS = (  # (optimizer, lr, momentum, batch): the defaults of the eight rows
    ("gd", 0.001, 0.9, 0),
    ("momentum", 0.001, 0.9, 0),
    ("adam", 0.1, 0.9, 0),
    ("rmsprop", 0.01, 0.9, 0),
    ("sgd", 0.01, 0.9, 0),
    ("minibatch", 0.01, 0.9, 32),
    ("nesterov", 0.001, 0.9, 0),
    ("adagrad", 0.5, 0.9, 0),
)
MAX_LR_INPUT = MAX_LR  # the engine's limit; 0 is typeable, and the engine says why it will not do
MAX_MOMENTUM_INPUT = 0.999  # the engine takes momentum below 1; a URL keeps three decimals of it
BATCH_RANGE = (0, DATA_LIMITS["n_samples"][1])  # 0 = the optimizer's default; at most the rows
MAP_OPTIMIZERS = USES_MOMENTUM
NET_RACERS = LandscapeRaceConfig().racers  # the defaults of the network racers' rows
MAX_COND_INPUT = min(1e3, MAX_CONDITION)  # a URL keeps 6 digits; beyond 1000 the bowl is a line anyway


def racer_params() -> tuple[Param, ...]:
    out = [Param("racers", 4, bounds=(1, MAX_PATHS))]
    for i, (opt, lr, mom, batch) in enumerate(RACERS, start=1):
        out += [
            Param(f"opt{i}", opt, choices=tuple(OPTIMIZERS)),
            Param(f"lr{i}", lr, bounds=(0.0, MAX_LR_INPUT)),
            Param(f"mom{i}", mom, bounds=(0.0, MAX_MOMENTUM_INPUT)),
            Param(f"batch{i}", batch, bounds=BATCH_RANGE),
        ]
    return tuple(out)


def landscape_racer_params() -> tuple[Param, ...]:
    """The network racers' rows: `lracers`, then `lopt<i>`, `llr<i>`, `lbatch<i>`."""
    out = [Param("lracers", len(NET_RACERS), bounds=(1, NET_MAX_RACERS))]
    for i, r in enumerate(NET_RACERS, start=1):
        out += [
            Param(f"lopt{i}", r.optimizer, choices=NET_OPTIMIZERS),
            Param(f"llr{i}", r.lr, bounds=TRAIN_LIMITS["lr"]),
            Param(f"lbatch{i}", r.batch_size, bounds=BATCH_RANGE),
        ]
    return tuple(out)


def params() -> tuple[Param, ...]:
    """The URL table of the page."""
    return (
        widgets.data_params("moons", 500)
        + (
            Param("surface", "rosenbrock", choices=tuple(CHOICES)),
            Param("cond", 10.0, bounds=(1.0, MAX_COND_INPUT)),
            Param("fx", 0, bounds=(0, 100_000)),
            Param("fy", 1, bounds=(0, 100_000)),
            Param("steps", 300, bounds=(1, MAX_STEPS)),
            Param("own", False),
            Param("sx", 0.0, bounds=(-1e3, 1e3)),
            Param("sy", 0.0, bounds=(-1e3, 1e3)),
            Param("fair", False),
            Param("map", False),
            Param("mapopt", "momentum", choices=MAP_OPTIMIZERS),
            Param("hidden", "16,16"),
            Param("epochs", 200, bounds=EPOCHS),
            Param("dirs", "pca", choices=DIRECTIONS),  # the plane of the path: the race is seen on it
            Param("lsize", 51, bounds=SLICE_LIMITS["size"]),
            Param("span", 1.0, bounds=SLICE_LIMITS["span"]),
        )
        + racer_params()
        + landscape_racer_params()
        + sphere_controls.params()
    )


@dataclass(frozen=True)
class Setup:
    """What the sidebar chose: a 2-parameter surface, a network whose landscape to slice, or the sphere."""

    name: str  # a key of CHOICES
    data: Dataset | None = None
    data_key: DataSource | None = None  # where the data came from: its cache key and script source
    surface: SurfaceConfig | None = None  # None for the network landscape
    train: TrainConfig | None = None
    landscape: LandscapeConfig | None = None
    sphere: SphereConfig | None = None  # the race on the unit sphere (no data)


def surface_controls(prefix: str, seed: int, device: str) -> Setup | None:
    """The surface and, for data surfaces and networks, the data. None while waiting for an upload.

    Raises ValueError (with what to change) for settings that cannot be used.
    """
    p, sb = f"{prefix}_", st.sidebar
    name = sb.selectbox("Surface", list(CHOICES), key=f"{p}surface", format_func=CHOICES.get)
    if name == SPHERE:
        return Setup(name, sphere=sphere_controls.sphere_config(prefix, seed))
    if name in FUNCTIONS:
        cond = sb.number_input(
            "Condition number",
            1.0,
            MAX_COND_INPUT,
            key=f"{p}cond",
            format="%g",
            disabled=name != "quadratic",
            help="How much steeper the bowl is across than along: 1 is round.",
        )
        return Setup(name, surface=SurfaceConfig(name, condition=float(cond)))
    loaded = widgets.data_source(prefix, seed)
    if loaded is None:
        return None
    data, data_key = loaded
    if name in DATA_SURFACES:
        return Setup(
            name,
            data,
            data_key,
            surface=SurfaceConfig(
                name, x_feature=_column(p, data, name, "fx", 0), y_feature=_column(p, data, name, "fy", 1)
            ),
        )
    with sb.expander("Network and slice", expanded=True):
        hidden = parse_hidden(st.text_input("Hidden layer widths", key=f"{p}hidden"))
        epochs = st.slider("Epochs", *EPOCHS, step=EPOCH_STEP, key=f"{p}epochs")
        dirs = st.radio(
            "Directions",
            DIRECTIONS,
            key=f"{p}dirs",
            horizontal=True,
            format_func={"random": "random (filter-normalised)", "pca": "PCA of the path"}.get,
        )
        size = st.slider("Grid points per axis", *SLICE_LIMITS["size"], step=2, key=f"{p}lsize")
        span = st.number_input(
            "Span",
            *SLICE_LIMITS["span"],
            key=f"{p}span",
            format="%g",
            help="Random: the grid covers ±span; PCA: the margin around the path.",
        )
    train = TrainConfig(
        hidden=hidden, epochs=int(epochs), snapshot_every=max(1, int(epochs) // 50), seed=seed, device=device
    )
    return Setup(
        name,
        data,
        data_key,
        train=train,
        landscape=LandscapeConfig(str(dirs), int(size), float(span), seed, device),
    )


def _column(p: str, data: Dataset, surface: str, key: str, default: int) -> int:
    cols = list(range(data.n_features))
    if st.session_state.get(p + key, default) not in cols:
        st.session_state[p + key] = default if default in cols else 0
    what = {("linear", "fx"): "x (input)", ("linear", "fy"): "y (target)"}.get((surface, key))
    label = what or ("First input" if key == "fx" else "Second input")
    return int(st.sidebar.selectbox(label, cols, key=p + key, format_func=data.feature_names.__getitem__))


def race_controls(prefix: str, seed: int, surface: Surface) -> RaceConfig:
    """Steps, start point, equal footing (sidebar) and the racers (a compact table in the page)."""
    p, sb = f"{prefix}_", st.sidebar
    steps = sb.number_input("Steps", 1, MAX_STEPS, step=50, key=f"{p}steps")
    own = sb.toggle("Own start point", key=f"{p}own", help="Or click the contour plot to start there.")
    if not own:  # show the suggested start in the (disabled) inputs
        st.session_state[f"{p}sx"], st.session_state[f"{p}sy"] = (float(f"{v:.4g}") for v in surface.start)
    left, right = sb.columns(2)
    sx = left.number_input(surface.axes[0][:24], -1e3, 1e3, key=f"{p}sx", format="%g", disabled=not own)
    sy = right.number_input(surface.axes[1][:24], -1e3, 1e3, key=f"{p}sy", format="%g", disabled=not own)
    fair = sb.toggle(
        "Equal footing",
        key=f"{p}fair",
        help="Tune each racer's learning rate on this surface first (25 rates from 1e-5 to 10).",
    )
    paths = racers(prefix, surface.n_samples)
    start = (float(sx), float(sy)) if own else None
    return RaceConfig(paths=paths, start=start, steps=int(steps), seed=seed, equal_footing=bool(fair))


def racers(prefix: str, n_samples: int) -> tuple[PathConfig, ...]:
    """One row of widgets per racer: optimizer, learning rate, momentum, batch size."""
    p = f"{prefix}_"
    n = st.columns(4)[0].number_input("Racers", 1, MAX_PATHS, key=f"{p}racers")
    widths = [3, 2, 2, 2]
    for col, head in zip(
        st.columns(widths), ("Optimizer", "Learning rate", "Momentum / β1", "Batch size"), strict=True
    ):
        col.caption(head)
    out = []
    for i in range(1, int(n) + 1):
        c = st.columns(widths, vertical_alignment="center")
        opt = c[0].selectbox(
            f"Optimizer {i}",
            list(OPTIMIZERS),
            key=f"{p}opt{i}",
            format_func=OPTIMIZERS.get,
            label_visibility="collapsed",
        )
        lr = c[1].number_input(
            f"Learning rate {i}",
            0.0,
            MAX_LR_INPUT,
            key=f"{p}lr{i}",
            format="%g",
            step=0.001,
            label_visibility="collapsed",
        )
        mom = c[2].number_input(
            f"Momentum {i}",
            0.0,
            MAX_MOMENTUM_INPUT,
            key=f"{p}mom{i}",
            format="%g",
            step=0.05,
            label_visibility="collapsed",
            disabled=opt not in USES_MOMENTUM,
        )
        batch = c[3].number_input(
            f"Batch size {i}",
            *BATCH_RANGE,
            key=f"{p}batch{i}",
            label_visibility="collapsed",
            disabled=not n_samples or opt in ("gd", "sgd"),
            help="Rows per step; 0 = the optimizer's default (all rows, or 32 for mini-batch).",
        )
        out.append(PathConfig(opt, float(lr), float(mom), int(batch)))
    return tuple(out)


def map_controls(prefix: str) -> str | None:
    """Whether to compute the (learning rate, momentum) map, and for which optimizer."""
    p = f"{prefix}_"
    left, right = st.columns([1, 2])
    on = left.toggle("Convergence map", key=f"{p}map", help="41 x 41 settings raced in one batched pass.")
    opt = right.selectbox(
        "Map optimizer",
        MAP_OPTIMIZERS,
        key=f"{p}mapopt",
        format_func=OPTIMIZERS.get,
        disabled=not on,
        label_visibility="collapsed",
    )
    return str(opt) if on else None


def landscape_racers(prefix: str) -> LandscapeRaceConfig:
    """The racers on a network's landscape: one row of widgets each (optimizer, learning rate, batch size),
    keys `<prefix>_lracers`, `<prefix>_lopt<i>`, `<prefix>_llr<i>`, `<prefix>_lbatch<i>`."""
    p = f"{prefix}_"
    n = st.columns(4)[0].number_input("Racers", 1, NET_MAX_RACERS, key=f"{p}lracers")
    widths = [3, 2, 2]
    for col, head in zip(st.columns(widths), ("Optimizer", "Learning rate", "Batch size"), strict=True):
        col.caption(head)
    out = []
    for i in range(1, int(n) + 1):
        c = st.columns(widths, vertical_alignment="center")
        opt = c[0].selectbox(f"Network optimizer {i}", NET_OPTIMIZERS, key=f"{p}lopt{i}",
                             format_func=NET_LABELS.get, label_visibility="collapsed")  # fmt: skip
        lr = c[1].number_input(f"Network learning rate {i}", *TRAIN_LIMITS["lr"], key=f"{p}llr{i}",
                               format="%g", step=0.01, label_visibility="collapsed")  # fmt: skip
        batch = c[2].number_input(
            f"Network batch size {i}",
            *BATCH_RANGE,
            key=f"{p}lbatch{i}",
            label_visibility="collapsed",
            help="Rows per step, reshuffled every epoch; 0 = the full batch.",
        )
        out.append(Racer(str(opt), float(lr), int(batch)))
    return LandscapeRaceConfig(tuple(out))
