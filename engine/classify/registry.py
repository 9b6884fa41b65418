"""The classifier registry of the Decision Boundaries view, and ensembles built from it.

`make_model(ModelConfig(...))` returns an unfitted scikit-learn estimator: every registry model is
`make_pipeline(StandardScaler(), clf)`, seeded; "voting", "stacking" and "bagging" combine member
pipelines. scikit-learn is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Range = tuple  # (default, min, max) for numbers, or (default, choices) for a choice


@dataclass(frozen=True)
class ModelSpec:
    label: str  # human name, e.g. "RBF SVM"
    params: dict[str, Range]  # editable hyperparameters: name -> (default, min, max) or (default, choices)
    proba: bool  # has predict_proba (soft voting needs it)
    class_weight: bool = False  # accepts class_weight="balanced"


_NETWORK: dict[str, Range] = {
    "width": (16, 2, 256),
    "layers": (2, 1, 6),
    "activation": ("tanh", ("tanh", "relu", "leaky_relu", "sigmoid", "gelu")),
    "lr": (0.03, 1e-4, 10.0),
    "epochs": (300, 10, 5000),
}
MODELS: dict[str, ModelSpec] = {
    "logreg": ModelSpec("Logistic regression", {"C": (1.0, 1e-3, 1e3)}, True, True),
    "perceptron": ModelSpec(
        "Perceptron", {"eta0": (1.0, 1e-3, 10.0), "max_iter": (1000, 10, 10_000)}, False, True
    ),
    "linear_svm": ModelSpec("Linear SVM", {"C": (1.0, 1e-3, 1e3)}, False, True),
    "rbf_svm": ModelSpec("RBF SVM", {"C": (1.0, 1e-3, 1e3), "gamma": (0.5, 1e-3, 100.0)}, False, True),
    "poly_svm": ModelSpec(
        "Polynomial SVM",
        {"C": (1.0, 1e-3, 1e3), "degree": (3, 2, 10), "coef0": (1.0, 0.0, 10.0)},
        False,
        True,
    ),
    "knn": ModelSpec(
        "k nearest neighbours",
        {"n_neighbors": (5, 1, 100), "weights": ("uniform", ("uniform", "distance"))},
        True,
    ),
    "tree": ModelSpec(
        "Decision tree",
        {"max_depth": (5, 1, 50), "criterion": ("gini", ("gini", "entropy", "log_loss"))},
        True,
        True,
    ),
    "forest": ModelSpec(
        "Random forest", {"n_estimators": (100, 1, 1000), "max_depth": (10, 1, 50)}, True, True
    ),
    "extra_trees": ModelSpec(
        "Extra trees", {"n_estimators": (100, 1, 1000), "max_depth": (10, 1, 50)}, True, True
    ),
    "hist_gb": ModelSpec(
        "Histogram gradient boosting",
        {"max_iter": (100, 1, 1000), "learning_rate": (0.1, 1e-3, 1.0), "max_leaf_nodes": (31, 2, 255)},
        True,
        True,
    ),
    "adaboost": ModelSpec(
        "AdaBoost", {"n_estimators": (50, 1, 1000), "learning_rate": (1.0, 1e-3, 10.0)}, True
    ),
    "gnb": ModelSpec("Gaussian naive Bayes", {"var_smoothing": (1e-9, 0.0, 1.0)}, True),
    "qda": ModelSpec("Quadratic discriminant", {"reg_param": (0.0, 0.0, 1.0)}, True),
    "gp": ModelSpec("Gaussian process", {"length_scale": (1.0, 1e-2, 100.0)}, True),
    "mlp": ModelSpec(
        "Neural network (MLP)",
        {
            "width": (100, 1, 256),
            "layers": (1, 1, 4),
            "alpha": (1e-4, 0.0, 10.0),
            "max_iter": (1000, 10, 5000),
        },
        True,
    ),
    "network": ModelSpec("Network (Layer manifolds engine)", _NETWORK, True),
    "net_svm": ModelSpec("SVM on the network's features", {**_NETWORK, "C": (1.0, 1e-3, 1e3)}, False),
}
ENSEMBLES: dict[str, str] = {"voting": "Voting", "stacking": "Stacking", "bagging": "Bagging"}


@dataclass(frozen=True)
class ModelConfig:
    """One model of the comparison. Frozen and hashable: a cache key and URL state at once."""

    name: str  # a key of MODELS, or "voting" / "stacking" / "bagging"
    params: tuple[tuple[str, Any], ...] = ()  # overrides of MODELS[name].params defaults
    members: tuple[ModelConfig, ...] = ()  # ensembles: the models combined (bagging: exactly one)
    weights: tuple[float, ...] = ()  # voting: one non-negative weight per member; () = equal
    voting: str = "soft"  # "soft" (average predict_proba) or "hard" (weighted majority)
    final: str = "logreg"  # stacking: the meta-learner, a key of MODELS
    class_weight: str | None = None  # None or "balanced"; models without it ignore it
    seed: int = 0  # random_state of the estimator

    @property
    def label(self) -> str:
        if self.name in ENSEMBLES:
            inner = ", ".join(MODELS[m.name].label if m.name in MODELS else m.name for m in self.members)
            return f"{ENSEMBLES[self.name]} ({inner})"
        return MODELS[self.name].label if self.name in MODELS else self.name


def resolved_params(name: str, overrides: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """Defaults of MODELS[name] updated with `overrides`, each checked against its range."""
    spec = MODELS[name].params
    out = {k: v[0] for k, v in spec.items()}
    for key, value in overrides:
        if key not in spec:
            raise ValueError(f"{MODELS[name].label} has no setting '{key}': use one of {', '.join(spec)}.")
        rng = spec[key]
        if len(rng) == 2:
            if value not in rng[1]:
                raise ValueError(f"{MODELS[name].label}: {key} must be one of {', '.join(map(str, rng[1]))}.")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not rng[1] <= value <= rng[2]:
            raise ValueError(
                f"{MODELS[name].label}: {key} must be a number in [{rng[1]}, {rng[2]}], not {value!r}."
            )
        out[key] = type(rng[0])(value)
    return out


def _classifier(name: str, p: dict[str, Any]):  # noqa: C901 - one branch per registry entry
    from sklearn import discriminant_analysis as da
    from sklearn import (
        ensemble,
        gaussian_process,
        linear_model,
        naive_bayes,
        neighbors,
        neural_network,
        svm,
        tree,
    )

    if name == "logreg":
        return linear_model.LogisticRegression(C=p["C"], max_iter=1000)
    if name == "perceptron":
        return linear_model.Perceptron(eta0=p["eta0"], max_iter=p["max_iter"])
    if name == "linear_svm":
        return svm.SVC(kernel="linear", C=p["C"])
    if name == "rbf_svm":
        return svm.SVC(kernel="rbf", C=p["C"], gamma=p["gamma"])
    if name == "poly_svm":
        return svm.SVC(kernel="poly", C=p["C"], degree=p["degree"], coef0=p["coef0"], gamma="scale")
    if name == "knn":
        return neighbors.KNeighborsClassifier(n_neighbors=p["n_neighbors"], weights=p["weights"])
    if name == "tree":
        return tree.DecisionTreeClassifier(max_depth=p["max_depth"], criterion=p["criterion"])
    if name == "forest":
        return ensemble.RandomForestClassifier(n_estimators=p["n_estimators"], max_depth=p["max_depth"])
    if name == "extra_trees":
        return ensemble.ExtraTreesClassifier(n_estimators=p["n_estimators"], max_depth=p["max_depth"])
    if name == "hist_gb":
        return ensemble.HistGradientBoostingClassifier(
            max_iter=p["max_iter"], learning_rate=p["learning_rate"], max_leaf_nodes=p["max_leaf_nodes"]
        )
    if name == "adaboost":
        return ensemble.AdaBoostClassifier(n_estimators=p["n_estimators"], learning_rate=p["learning_rate"])
    if name == "gnb":
        return naive_bayes.GaussianNB(var_smoothing=p["var_smoothing"])
    if name == "qda":
        return da.QuadraticDiscriminantAnalysis(reg_param=p["reg_param"])
    if name == "gp":
        kernel = 1.0 * gaussian_process.kernels.RBF(p["length_scale"])
        return gaussian_process.GaussianProcessClassifier(kernel)
    if name == "mlp":
        return neural_network.MLPClassifier(
            hidden_layer_sizes=(p["width"],) * p["layers"], alpha=p["alpha"], max_iter=p["max_iter"]
        )
    if name in ("network", "net_svm"):
        from engine.nets.estimators import NetworkClassifier, NetworkSVM

        return (NetworkClassifier if name == "network" else NetworkSVM)(**p)
    raise AssertionError(name)


def make_model(cfg: ModelConfig):
    """An unfitted, seeded estimator for `cfg`; ValueError for a setting the user can change."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if cfg.class_weight not in (None, "balanced"):
        raise ValueError(f"class_weight must be None or 'balanced', not {cfg.class_weight!r}.")
    if cfg.name in MODELS:
        clf = _classifier(cfg.name, resolved_params(cfg.name, cfg.params))
        if "random_state" in clf.get_params():
            clf.set_params(random_state=cfg.seed)
        if cfg.class_weight and MODELS[cfg.name].class_weight:
            clf.set_params(class_weight=cfg.class_weight)
        return make_pipeline(StandardScaler(), clf)
    if cfg.name not in ENSEMBLES:
        raise ValueError(f"Unknown model '{cfg.name}': use one of {', '.join([*MODELS, *ENSEMBLES])}.")
    return _ensemble(cfg)


def _ensemble(cfg: ModelConfig):
    from sklearn import ensemble

    members = [make_model(m) for m in cfg.members]
    names = [f"{i}_{m.name}" for i, m in enumerate(cfg.members)]
    if cfg.name == "bagging":
        if len(members) != 1:
            raise ValueError("Bagging repeats one model on resampled data: choose exactly one member.")
        return ensemble.BaggingClassifier(members[0], n_estimators=10, random_state=cfg.seed)
    if len(members) < 2:
        raise ValueError(f"{ENSEMBLES[cfg.name]} combines models: choose at least two members.")
    if cfg.name == "stacking":
        if cfg.final not in MODELS:
            raise ValueError(
                f"The stacking meta-learner must be one of {', '.join(MODELS)}, not '{cfg.final}'."
            )
        final = make_model(ModelConfig(cfg.final, seed=cfg.seed))
        return ensemble.StackingClassifier(list(zip(names, members, strict=True)), final_estimator=final)
    if cfg.voting not in ("soft", "hard"):
        raise ValueError(f"Voting is 'soft' or 'hard', not '{cfg.voting}'.")
    if cfg.weights and (len(cfg.weights) != len(members) or min(cfg.weights) < 0 or sum(cfg.weights) <= 0):
        raise ValueError("Give one non-negative weight per voting member, not all zero.")
    if cfg.voting == "soft":
        no_proba = [m.label for m in cfg.members if not _has_proba(m)]
        if no_proba:
            raise ValueError(
                f"Soft voting averages probabilities, which {', '.join(no_proba)} does not give: "
                "use hard voting or other members."
            )
    return ensemble.VotingClassifier(
        list(zip(names, members, strict=True)), voting=cfg.voting, weights=list(cfg.weights) or None
    )


def _has_proba(cfg: ModelConfig) -> bool:
    if cfg.name in MODELS:
        return MODELS[cfg.name].proba
    if cfg.name == "voting":
        return cfg.voting == "soft"
    if cfg.name == "stacking":
        return MODELS.get(cfg.final, MODELS["logreg"]).proba
    return all(_has_proba(m) for m in cfg.members)
