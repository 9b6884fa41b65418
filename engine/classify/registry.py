"""The classifier registry of the Decision Boundaries view, and ensembles built from it.

`make_model(ModelConfig(...))` returns an unfitted scikit-learn estimator: every registry model is
`make_pipeline(StandardScaler(), clf)`, seeded, with `clf` built by its entry; "voting", "stacking"
and "bagging" combine member pipelines. Each entry owns its settings (`Number` or `Choice`), its
builder and its relative fit cost. scikit-learn is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.nets.mlp import ACTIVATIONS, LIMITS


@dataclass(frozen=True)
class Number:
    """A numeric setting: its default and inclusive bounds; an int setting when the default is an int."""

    default: int | float
    lo: int | float
    hi: int | float

    def check(self, label: str, key: str, value: Any) -> int | float:
        """`value` as the default's type; ValueError when it is not a number in [lo, hi]."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not self.lo <= value <= self.hi:
            raise ValueError(f"{label}: {key} must be a number in [{self.lo}, {self.hi}], not {value!r}.")
        return type(self.default)(value)


@dataclass(frozen=True)
class Choice:
    """A setting chosen from `options`."""

    default: str
    options: tuple[str, ...]

    def check(self, label: str, key: str, value: Any) -> str:
        """`value` itself; ValueError when it is not one of the options."""
        if value not in self.options:
            raise ValueError(f"{label}: {key} must be one of {', '.join(map(str, self.options))}.")
        return value


Range = Number | Choice


@dataclass(frozen=True)
class ModelSpec:
    label: str  # human name, e.g. "RBF SVM"
    params: dict[str, Range]  # editable hyperparameters: name -> Number or Choice
    proba: bool  # has predict_proba (soft voting needs it)
    build: Callable[[dict[str, Any]], Any]  # resolved params -> the unfitted scikit-learn classifier
    class_weight: bool = False  # accepts class_weight="balanced"
    cost: int = 1  # relative fit time; fit_all starts the costliest first


def _logreg(p):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=p["C"], max_iter=1000)


def _perceptron(p):
    from sklearn.linear_model import Perceptron

    return Perceptron(eta0=p["eta0"], max_iter=p["max_iter"])


def _svc(kernel: str) -> Callable[[dict[str, Any]], Any]:
    def build(p):
        from sklearn.svm import SVC

        if kernel == "poly":
            return SVC(kernel="poly", C=p["C"], degree=p["degree"], coef0=p["coef0"], gamma="scale")
        return SVC(kernel=kernel, C=p["C"], **({"gamma": p["gamma"]} if kernel == "rbf" else {}))

    return build


def _knn(p):
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=p["n_neighbors"], weights=p["weights"])


def _tree(p):
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(max_depth=p["max_depth"], criterion=p["criterion"])


def _forest(p):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=p["n_estimators"], max_depth=p["max_depth"])


def _extra_trees(p):
    from sklearn.ensemble import ExtraTreesClassifier

    return ExtraTreesClassifier(n_estimators=p["n_estimators"], max_depth=p["max_depth"])


def _hist_gb(p):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=p["max_iter"], learning_rate=p["learning_rate"], max_leaf_nodes=p["max_leaf_nodes"]
    )


def _adaboost(p):
    from sklearn.ensemble import AdaBoostClassifier

    return AdaBoostClassifier(n_estimators=p["n_estimators"], learning_rate=p["learning_rate"])


def _gnb(p):
    from sklearn.naive_bayes import GaussianNB

    return GaussianNB(var_smoothing=p["var_smoothing"])


def _qda(p):
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

    return QuadraticDiscriminantAnalysis(reg_param=p["reg_param"])


def _gp(p):
    from sklearn.gaussian_process import GaussianProcessClassifier
    from sklearn.gaussian_process.kernels import RBF

    return GaussianProcessClassifier(1.0 * RBF(p["length_scale"]))


def _mlp(p):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(p["width"],) * p["layers"], alpha=p["alpha"], max_iter=p["max_iter"]
    )


def _network(p):
    from engine.nets.estimators import NetworkClassifier

    return NetworkClassifier(**p)


def _net_svm(p):
    from engine.nets.estimators import NetworkSVM

    return NetworkSVM(**p)


_C = Number(1.0, 1e-3, 1e3)
_NETWORK: dict[str, Range] = {
    "width": Number(16, *LIMITS["width"]),
    "layers": Number(2, *LIMITS["layers"]),
    "activation": Choice("tanh", ACTIVATIONS),
    "lr": Number(0.03, 1e-4, 10.0),
    "epochs": Number(300, 10, LIMITS["epochs"][1]),
}
MODELS: dict[str, ModelSpec] = {
    "logreg": ModelSpec("Logistic regression", {"C": _C}, True, _logreg, True),
    "perceptron": ModelSpec(
        "Perceptron",
        {"eta0": Number(1.0, 1e-3, 10.0), "max_iter": Number(1000, 10, 10_000)},
        False,
        _perceptron,
        True,
    ),
    "linear_svm": ModelSpec("Linear SVM", {"C": _C}, False, _svc("linear"), True),
    "rbf_svm": ModelSpec("RBF SVM", {"C": _C, "gamma": Number(0.5, 1e-3, 100.0)}, False, _svc("rbf"), True),
    "poly_svm": ModelSpec(
        "Polynomial SVM",
        {"C": _C, "degree": Number(3, 2, 10), "coef0": Number(1.0, 0.0, 10.0)},
        False,
        _svc("poly"),
        True,
    ),
    "knn": ModelSpec(
        "k nearest neighbours",
        {"n_neighbors": Number(5, 1, 100), "weights": Choice("uniform", ("uniform", "distance"))},
        True,
        _knn,
    ),
    "tree": ModelSpec(
        "Decision tree",
        {"max_depth": Number(5, 1, 50), "criterion": Choice("gini", ("gini", "entropy", "log_loss"))},
        True,
        _tree,
        True,
    ),
    "forest": ModelSpec(
        "Random forest",
        {"n_estimators": Number(100, 1, 1000), "max_depth": Number(10, 1, 50)},
        True,
        _forest,
        True,
        cost=10,
    ),
    "extra_trees": ModelSpec(
        "Extra trees",
        {"n_estimators": Number(100, 1, 1000), "max_depth": Number(10, 1, 50)},
        True,
        _extra_trees,
        True,
        cost=10,
    ),
    "hist_gb": ModelSpec(
        "Histogram gradient boosting",
        {
            "max_iter": Number(100, 1, 1000),
            "learning_rate": Number(0.1, 1e-3, 1.0),
            "max_leaf_nodes": Number(31, 2, 255),
        },
        True,
        _hist_gb,
        True,
        cost=10,
    ),
    "adaboost": ModelSpec(
        "AdaBoost",
        {"n_estimators": Number(50, 1, 1000), "learning_rate": Number(1.0, 1e-3, 10.0)},
        True,
        _adaboost,
        cost=5,
    ),
    "gnb": ModelSpec("Gaussian naive Bayes", {"var_smoothing": Number(1e-9, 0.0, 1.0)}, True, _gnb),
    "qda": ModelSpec("Quadratic discriminant", {"reg_param": Number(0.0, 0.0, 1.0)}, True, _qda),
    "gp": ModelSpec("Gaussian process", {"length_scale": Number(1.0, 1e-2, 100.0)}, True, _gp, cost=50),
    "mlp": ModelSpec(
        "Neural network (MLP)",
        {
            "width": Number(100, 1, 256),
            "layers": Number(1, 1, 4),
            "alpha": Number(1e-4, 0.0, 10.0),
            "max_iter": Number(1000, 10, 5000),
        },
        True,
        _mlp,
        cost=20,
    ),
    "network": ModelSpec("Network (Layer manifolds engine)", _NETWORK, True, _network, cost=6),
    "net_svm": ModelSpec("SVM on the network's features", {**_NETWORK, "C": _C}, False, _net_svm, cost=8),
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
    out = {k: v.default for k, v in spec.items()}
    for key, value in overrides:
        if key not in spec:
            raise ValueError(f"{MODELS[name].label} has no setting '{key}': use one of {', '.join(spec)}.")
        out[key] = spec[key].check(MODELS[name].label, key, value)
    return out


def make_model(cfg: ModelConfig):
    """An unfitted, seeded estimator for `cfg`; ValueError for a setting the user can change."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if cfg.class_weight not in (None, "balanced"):
        raise ValueError(f"class_weight must be None or 'balanced', not {cfg.class_weight!r}.")
    if cfg.name in MODELS:
        clf = MODELS[cfg.name].build(resolved_params(cfg.name, cfg.params))
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
