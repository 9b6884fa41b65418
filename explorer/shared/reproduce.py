"""The "reproduce in Python" export: a page's frozen configs in, a short runnable script's text out.

Each script loads the same data, makes the same engine calls, rebuilds the page's main figure with
the same figure builder, writes it to HTML and prints its key numbers as one JSON line. Configs are
written by `literal` as constructor calls (the first field, the seed, and every field that differs
from its default), which evaluate back to equal configs; the data is loaded from the page's
`engine.data.source.DataSource`. No Streamlit here: pages offer the text as a download.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.data.source import DataSource

WIDTH = 100  # a config wider than this is written one field per line
HELP = "A short Python script that recomputes this with the engine and draws the figure again."
SHOW = "# fig.show()  # or open the figure in a browser window"


def literal(value: Any, names: dict[Any, str] | None = None, indent: int = 0) -> str:
    """Python source that evaluates to `value`: configs as constructor calls of their first field,
    their seed and their non-default fields (a value found in `names` is written as that variable),
    NumPy scalars as plain numbers.
    Wider than WIDTH, the outermost call or container is written one item per line."""
    names = names or {}
    if _hashable(value) and value in names:
        return names[value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        shown = [f for i, f in enumerate(fields) if i == 0 or f.name == "seed" or not _is_default(f, value)]
        items = [f"{f.name}={literal(getattr(value, f.name), names, indent + 4)}" for f in shown]
        return _wrap(f"{type(value).__name__}(", items, ")", indent)
    if isinstance(value, tuple | list):
        items = [literal(v, names, indent + 4) for v in value]
        if isinstance(value, list):
            return _wrap("[", items, "]", indent)
        return _wrap("(", items, ")", indent, one=len(items) == 1)
    if isinstance(value, np.generic):
        return literal(value.item(), names, indent)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, str):
        text = repr(value)
        return f'"{text[1:-1]}"' if text[0] == "'" and '"' not in value else text
    if value is None or isinstance(value, bool | int):
        return repr(value)
    raise TypeError(f"Cannot write a {type(value).__name__} as a Python literal.")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _is_default(f: dataclasses.Field, config: Any) -> bool:
    value = getattr(config, f.name)
    if f.default is not dataclasses.MISSING:
        default = f.default
    elif f.default_factory is not dataclasses.MISSING:
        default = f.default_factory()
    else:
        return False
    return type(value) is type(default) and value == default


def _wrap(open_: str, items: list[str], close: str, indent: int, one: bool = False) -> str:
    """`open_ items close` on one line when it fits (`one`: a 1-tuple's comma), else one item a line."""
    line = open_ + ", ".join(items) + ("," if one else "") + close
    if indent + len(line) <= WIDTH and "\n" not in line:
        return line
    pad = " " * (indent + 4)
    return open_ + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + close


def script_text(title: str, about: str, imports: list[str], body: list[str]) -> str:
    doc = f'"""{title}\n\n{about}\nRun it with the Python that runs Manifold Explorer.\n"""\n\n'
    return doc + "\n".join([*_import_block(["import json", *imports]), "", *body]) + "\n"


def _import_block(lines: list[str]) -> list[str]:
    """Import lines merged per module, in isort's groups: standard library, NumPy, this project."""
    plain, names = set(), {}
    for line in lines:
        if line.startswith("from "):
            module, _, what = line.removeprefix("from ").partition(" import ")
            names.setdefault(module, set()).update(w.strip() for w in what.split(","))
        else:
            plain.add(line)
    groups: list[list[str]] = [[], [], []]
    for line in sorted(plain):
        groups[0 if line.split()[1] in ("json", "sys") else 1].append(line)
    for module in sorted(names):
        what = ", ".join(sorted(names[module], key=lambda n: (not n.isupper(), n[0].islower(), n)))
        group = 0 if module == "pathlib" else 2 if module.split(".")[0] in ("engine", "explorer") else 1
        groups[group].append(f"from {module} import {what}")
    out: list[str] = []
    for group in filter(None, groups):
        out += ([""] if out else []) + group
    return out


def load_lines(source: DataSource) -> tuple[list[str], list[str], str]:
    """Imports and lines that build `data`, and what to call the files written."""
    if source.dataset is not None:
        return (["from engine.data.datasets import DatasetConfig, make_dataset"],
                [f"data = make_dataset({literal(source.dataset)})"], _stem(source.name))  # fmt: skip
    opts = f"options = {literal(source.table)}"
    if source.sample is not None:
        return (["from engine.data.tables import TableOptions, load_sample, table_to_dataset"],
                [f"table = load_sample({literal(source.sample)})  # a CSV shipped in sample_data/", opts,
                 "data = table_to_dataset(table, options)"], _stem(source.name))  # fmt: skip
    lines = [
        "# The file you uploaded (CSV, compressed CSV, Parquet, Feather or .xlsx): its path, here or on",
        "# the command line (python script.py FILE); read_table tells the format from its bytes",
        f"FILE = sys.argv[1] if len(sys.argv) > 1 else {literal(source.upload)}",
        "table = read_table(Path(FILE).read_bytes(), Path(FILE).name)",
        opts,
        "data = table_to_dataset(table, options)",
    ]
    imports = ["import sys", "from pathlib import Path",
               "from engine.data.tables import TableOptions, read_table, table_to_dataset"]  # fmt: skip
    return imports, lines, _stem(source.name)


def _stem(name: str) -> str:
    """A dataset's name made safe to put in a file name (and in the script's strings)."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_.") or "data"


def inspector_script(source: DataSource, cfgs: Sequence[Any]) -> str:
    """Manifold inspector: every embedding of `cfgs` (EmbedConfig), its quality and its scatter."""
    imports, body, name = load_lines(source)
    imports += [
        "from engine.embed.config import EmbedConfig",
        "from engine.embed.methods import METHODS, embed, standardize",
        "from engine.embed.quality import quality",
        "from explorer.shared.figures import scatter_figure",
    ]
    body += [
        f"EMBEDDINGS = {literal(list(cfgs))}",
        "",
        "summary = {}",
        "for cfg in EMBEDDINGS:",
        "    emb = embed(data.X, cfg)  # coords (rows embedded, n_components); index: which rows of data",
        "    X = standardize(data.X) if cfg.scale else data.X  # the scores compare with what was embedded",
        "    y = None if data.y is None else data.y[emb.index]",
        "    q = quality(X[emb.index], emb.coords, y, seed=cfg.seed)",
        '    summary[cfg.method] = {"trustworthiness": q.trustworthiness, "continuity": q.continuity,',
        '                           "knn_accuracy": q.knn_accuracy, "first_point": emb.coords[0].tolist()}',
        "    label = METHODS[cfg.method].label",
        '    axes = [f"{label} {j + 1}" for j in range(cfg.n_components)]',
        "    fig = scatter_figure(emb.coords, data, emb.index, label, axes)",
        f'    fig.write_html(f"{name}_{{cfg.method}}.html")',
        f"    {SHOW}",
        "print(json.dumps(summary))",
    ]
    return script_text(
        f"Manifold inspector: {name}, embedded.",
        f"Writes {name}_<method>.html for each method and prints its quality scores as JSON.",
        imports,
        body,
    )


def layers_script(source: DataSource, train: Any) -> str:
    """Layer manifolds: train the network `train` (TrainConfig) and animate every layer."""
    imports, body, name = load_lines(source)
    imports += [
        "import numpy as np",
        "from engine.nets.analysis import project_layer",
        "from engine.nets.mlp import TrainConfig, train",
        "from explorer.layers.figures import Panel, layer_figure",
    ]
    body += [
        f"TRAIN = {literal(train)}",
        "result = train(data, TRAIN)  # every layer's activations at every snapshot epoch",
        "",
        "n = len(result.epochs)",
        "frames = np.unique(np.linspace(0, n - 1, min(n, 61)).round().astype(int))  # as the page animates",
        "inputs = np.broadcast_to(data.X[None].astype(np.float32), (n, *data.X.shape))",
        "grid = None if result.grid is None else np.broadcast_to(result.grid[None].astype(np.float32),",
        "                                                         (n, *result.grid.shape))",
        'names = ["input"] + [f"hidden {i + 1}" for i in range(len(TRAIN.hidden))] + ["output"]',
        "grids = [grid, *(result.grid_layers or [None] * len(result.layers))]  # the input plane, carried",
        "panels = []",
        "for title, acts, g in zip(names, [inputs, *result.layers], grids, strict=True):",
        "    proj = project_layer(acts[frames], None if g is None else g[frames])  # PCA when wider than 3",
        "    shape = None if g is None else result.plane.shape  # the grid's (ny, nx)",
        '    panels.append(Panel(f"{title} ({acts.shape[2]} units)", proj.coords, proj.grid_coords, shape))',
        "fig = layer_figure(data, panels, result.epochs[frames])",
        f'fig.write_html("{name}_layers.html")',
        SHOW,
        "",
        "h = result.history",
        'print(json.dumps({"train_accuracy": float(h["train_acc"][-1]),',
        '                  "test_accuracy": float(h["test_acc"][-1]),',
        '                  "train_loss": float(h["train_loss"][-1]), "epochs": int(result.epochs[-1])}))',
    ]
    return script_text(
        f"Layer manifolds: a network trained on {name}.",
        f"Writes {name}_layers.html (press play to watch the layers) and prints the accuracies as JSON.",
        imports,
        body,
    )


def boundaries_script(source: DataSource, arena: Any, models: Sequence[Any]) -> str:
    """Decision boundaries: the plane and split `arena` (ArenaConfig), every model (ModelConfig)
    fitted on it, and the grid of their decision surfaces."""
    imports, body, name = load_lines(source)
    imports += [
        "from engine.classify.arena import ArenaConfig, arena",
        "from engine.classify.fit import ModelConfig, fit_all",
        "from explorer.boundaries.figures import grid_figure",
    ]
    variables: dict[Any, str] = {}
    lines = []
    for cfg in dict.fromkeys(models):  # members of ensembles are written as the variables above them
        var = cfg.name if cfg.name.isidentifier() and cfg.name not in _TAKEN else f"{cfg.name}_model"
        while var in variables.values():
            var += "_"
        lines.append(f"{var} = {literal(cfg, variables)}")
        variables[cfg] = var
    body += [
        f"ARENA = {literal(arena)}",
        *lines,
        f"MODELS = [{', '.join(variables[c] for c in models)}]",
        "",
        "plane = arena(data, ARENA)  # the 2-D plane, the train / test split and the grid to colour",
        "results = fit_all(plane.data.X, plane.data.y, plane.train, plane.test, plane.grid, MODELS)",
        "fig = grid_figure(plane.data, plane.grid, results, plane.shown_train, plane.test)",
        f'fig.write_html("{name}_boundaries.html")',
        SHOW,
        "",
        'print(json.dumps({r.label: {"test_accuracy": r.test_acc, "f1": r.f1, "error": r.error}',
        "                  for r in results}))",
    ]
    return script_text(
        f"Decision boundaries: {len(models)} models on {name}.",
        f"Writes {name}_boundaries.html and prints each model's test scores as JSON.",
        imports,
        body,
    )


_TAKEN = {"data", "table", "options", "plane", "results", "fig", "json", "arena", "fit_all", "grid_figure"}


def race_script(source: DataSource | None, surface: Any, race: Any, convergence: Any = None) -> str:
    """Optimizer paths: the race `race` (RaceConfig) on the surface `surface` (SurfaceConfig, on the
    data of `source` for data surfaces), and the convergence map `convergence` (MapConfig) if any."""
    imports, body, name = load_lines(source) if source is not None else ([], [], "")
    imports += [
        "from engine.optim.race import PathConfig, RaceConfig, race",
        "from engine.optim.surfaces import SurfaceConfig, make_surface, surface_grid",
        "from explorer.optimizers.path_figures import paths_figure, race_paths, surface_terrain",
    ]
    name = f"{name}_{surface.name}" if name else surface.name
    body += [
        f"SURFACE = {literal(surface)}",
        f"surface = make_surface(SURFACE{', data' if source is not None else ''})",
        f"RACE = {literal(race)}",
        "result = race(surface, RACE)  # every step of every racer",
        "",
        "terrain = surface_terrain(surface, surface_grid(surface, 101))  # the loss on a 101 x 101 grid",
        "fig = paths_figure(terrain, race_paths(result))",
        f'fig.write_html("{name}_race.html")',
        SHOW,
    ]
    if convergence is not None:
        imports += ["from engine.optim.race import OPTIMIZERS, MapConfig, convergence_map",
                    "from explorer.optimizers.loss_figures import map_figure"]  # fmt: skip
        body += [
            "",
            f"MAP = {literal(convergence)}",
            "cmap = convergence_map(surface, MAP)  # every (learning rate, momentum) pair raced at once",
            f'map_figure(cmap, OPTIMIZERS[MAP.optimizer]).write_html("{name}_map.html")',
        ]
    body += [
        "",
        'print(json.dumps({"labels": result.labels, "final_loss": result.loss[-1].tolist(),',
        '                  "diverged_at": result.diverged_at.tolist()}))',
    ]
    return script_text(
        f"Optimizer paths: a race on {surface.name}.",
        f"Writes {name}_race.html and prints each racer's final loss as JSON.",
        imports,
        body,
    )


def landscape_script(source: DataSource, train: Any, landscape: Any, race: Any) -> str:
    """Optimizer paths, network mode: train `train` (TrainConfig) recording its weights, the 2-D slice
    `landscape` (LandscapeConfig) of its loss around the trained weights, then the racers `race`
    (LandscapeRaceConfig) trained from the same start and projected onto the slice."""
    imports, body, name = load_lines(source)
    imports += [
        "from engine.nets.landscape import LandscapeConfig, loss_landscape, record_trajectory",
        "from engine.nets.landscape_race import LandscapeRaceConfig, Racer, race_on_landscape",
        "from engine.nets.mlp import TrainConfig",
        "from explorer.optimizers.path_figures import landscape_race_paths, landscape_terrain, paths_figure",
    ]
    body += [
        f"TRAIN = {literal(train)}",
        f"SLICE = {literal(landscape)}",
        f"RACE = {literal(race)}",
        "trajectory = record_trajectory(data, TRAIN)  # the weights at every snapshot epoch",
        "land = loss_landscape(trajectory, SLICE)  # the training loss on a plane through the last weights",
        "race = race_on_landscape(data, trajectory, land, RACE)  # each racer trains all the weights",
        "",
        "fig = paths_figure(landscape_terrain(land), landscape_race_paths(race))",
        f'fig.write_html("{name}_landscape.html")',
        SHOW,
        "",
        'print(json.dumps({"weights": int(trajectory.weights.shape[1]),',
        '                  "final_train_loss": float(trajectory.train_loss[-1]),',
        '                  "slice_min": float(land.loss.min()), "slice_max": float(land.loss.max()),',
        '                  "labels": race.labels, "real_loss": race.real_loss[-1].tolist(),',
        '                  "slice_loss": race.slice_loss[-1].tolist()}))',
    ]
    return script_text(
        f"Optimizer paths: optimizers raced on the loss landscape of a network trained on {name}.",
        f"Writes {name}_landscape.html and prints the slice's range and the racers' final losses as JSON.",
        imports,
        body,
    )
