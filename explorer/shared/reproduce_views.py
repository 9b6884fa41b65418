"""The "reproduce in Python" scripts of the Manifold geometry and Explanations views, written with the
helpers of `explorer.shared.reproduce`."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.data.source import DataSource
from explorer.shared.reproduce import SHOW, literal, load_lines, script_text


def geometry_script(source: DataSource | None, graph: Any, part: str, seed: int, source_point: int = 0,
                    labels: Any = None, gcn: Any = None, per_class: int = 2, alpha: float = 0.99) -> str:  # fmt: skip
    """Manifold geometry: the neighbour graph and its geodesics and Isomap (part "graph"), the few-label
    learners (`labels`, a FewLabelsConfig), or the GCN (`gcn`, a GCNConfig; `source` None = the karate club)."""
    if part == "gcn":
        return _gcn_script(source, graph, seed, gcn, per_class, alpha)
    imports, body, name = load_lines(source)
    imports += ["from engine.geometry.graph import GraphConfig", "from engine.geometry.survey import survey"]
    body += [
        f"GRAPH = {literal(graph)}",
        f"s = survey(data.X, data.y, data.position, data.feature_names, GRAPH, seed={seed})",
    ]
    if part == "labels":
        imports += ["from engine.geometry.few_labels import FewLabelsConfig, few_labels"]
        body += [
            f"LABELS = {literal(labels)}",
            "y = None if data.y is None else data.y[s.rows]",
            "r = few_labels(data.X[s.rows], y, data.n_classes, LABELS)",
            'print(json.dumps({name: learned.accuracy for name, learned in r.learners.items()} | {"labelled": len(r.labelled)}))',
        ]
        return script_text(f"Manifold geometry: few labels on {name}.",
                           "Prints each learner's accuracy on the unlabelled points as JSON.", imports, body)  # fmt: skip
    imports += [
        "from engine.geometry.survey import distances, unrolled",
        "from explorer.geometry.figures import graph_figure",
    ]
    body += [
        f"d = distances(data.X, data.position, s, {int(source_point)})  # geodesic and straight-line, from one point",
        "u = unrolled(data.X, data.position, s, GRAPH)  # Isomap on the same graph",
        'fig = graph_figure(s.coords, s.graph.edges, values=d.geodesic, value_name="geodesic", axis_names=s.axis_names)',
        f'fig.write_html("{name}_geodesic.html")',
        SHOW,
        'print(json.dumps({"edges": len(s.graph.edges), "components": s.graph.n_components, "stretch": d.stretch,',
        '                  "isomap_order": u.order}))',
    ]
    return script_text(f"Manifold geometry: the neighbour graph of {name}.",
                       f"Writes {name}_geodesic.html and prints the graph's figures as JSON.", imports, body)  # fmt: skip


def _gcn_script(
    source: DataSource | None, graph: Any, seed: int, gcn: Any, per_class: int, alpha: float
) -> str:
    imports = ["from engine.geometry.gcn import GCNConfig, spread_on_graph, train_gcn"]
    if source is None:
        imports += ["from engine.geometry.graphs import load_graph"]
        body, name = (
            ['g = load_graph("karate")  # Zachary\'s karate club, its two leaders labelled'],
            "karate",
        )
    else:
        imports, body, name = load_lines(source)
        imports += ["from engine.geometry.gcn import GCNConfig, spread_on_graph, train_gcn",
                    "from engine.geometry.graph import GraphConfig",
                    "from engine.geometry.survey import as_labelled_graph, survey"]  # fmt: skip
        body += [f"s = survey(data.X, data.y, data.position, data.feature_names, {literal(graph)}, seed={seed})",
                 f"g = as_labelled_graph(data.X, data.y, data.class_names, s, {per_class}, {seed}, data.name)"]  # fmt: skip
    body += [
        f"result = train_gcn(g.adjacency, g.features, g.labels, g.labelled, {literal(gcn)}, class_names=g.class_names)",
        f"_, spread = spread_on_graph(g.adjacency, g.labels, g.labelled, {alpha!r}, g.class_names)",
        'print(json.dumps({"gcn_accuracy": float(result.accuracy[-1]), "label_spreading": spread}))',
    ]
    return script_text(f"Manifold geometry: a graph network on {name}.",
                       "Prints the GCN's and label spreading's accuracy on the unlabelled nodes as JSON.", imports, body)  # fmt: skip


def explain_script(source: DataSource, cfgs: Any, point: Any, x: np.ndarray, test: float, seed: int) -> str:
    """Explanations: every model's attributions (PointConfig `point`) at x, on the page's split."""
    imports, body, name = load_lines(source)
    imports += [
        "from engine.classify.explain.local import PointConfig, explain_point",
        "from engine.classify.fit import ModelConfig, split",
        "from explorer.explain.figures import waterfall_figure",
    ]
    body += [
        f"MODELS = {literal(list(cfgs))}",
        f"train, test = split(data.y, {test!r}, {seed})",
        f"x = {literal([float(v) for v in x])}",
        f"r = explain_point(data.X, data.y, train, MODELS, x, {literal(point)}, data.feature_names)",
        "fig = waterfall_figure(r.models, r.feature_names, data.class_names)",
        f'fig.write_html("{name}_attributions.html")',
        SHOW,
        'print(json.dumps({a.label: {"f(x)": a.value, "base": a.base, "residual": a.residual} for a in r.models}))',
    ]
    return script_text(f"Explanations: why each model decided what it did on {name}.",
                       f"Writes {name}_attributions.html and prints each model's f(x), base and residual as JSON.",
                       imports, body)  # fmt: skip


def sphere_script(cfg: Any) -> str:
    """Optimizer paths on the unit sphere: race the three methods of `cfg` (SphereConfig) and draw them."""
    imports = ["from engine.optim.sphere import SphereConfig, race_sphere",
               "from explorer.optimizers.sphere_figures import sphere_figure"]  # fmt: skip
    body = [
        f"result = race_sphere({literal(cfg)})",
        "fig = sphere_figure(result)",
        'fig.write_html("sphere_race.html")',
        SHOW,
        'print(json.dumps({label: {"distance": float(result.distance[-1, i]), "objective": float(result.objective[-1, i]),',
        '                          "angle": float(result.angle[-1, i])} for i, label in enumerate(result.labels)}))',
    ]
    return script_text("Optimizer paths: minimising xᵀAx on the unit sphere.",
                       "Writes sphere_race.html and prints each method's last distance from the sphere, objective and "
                       "angle to the smallest eigenvector as JSON.", imports, body)  # fmt: skip
