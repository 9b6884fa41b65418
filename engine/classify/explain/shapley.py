"""The attribution methods, each on one response f and one point x, each returning an `Attr`.

- "tree": SHAP's TreeExplainer (interventional, on the stated background) for a pipeline whose final
  step is a decision tree, random forest or extra trees, in probability space. It explains the final
  estimator on the scaled inputs: the scaler changes each feature alone, so the Shapley values of the
  pipeline per input feature are those of the trees per scaled feature (a test checks it against the
  exact values of the whole pipeline). Histogram gradient boosting is not sent here: shap's tree
  explainer disagreed with the exact values on it (its sum missed f(x) - E[f]).
- "exact": SHAP's ExactExplainer over an Independent masker (interventional Shapley values, exact
  for the background) for up to EXACT_MAX features.
- "permutation": SHAP's PermutationExplainer (antithetic permutations, `n_samples` model evaluations)
  for wider tables; additive by construction.
- "lime": LIME's tabular explainer in regression mode on f, sampling around x with the background's
  scale, every feature in its weighted ridge fit; contributions are coef_j * (x_j - mean_j) / std_j.

shap draws its permutations from NumPy's global generator: the call seeds it and puts the caller's
state back afterwards, under a lock. shap and lime are imported inside the functions.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from engine.classify.explain.fitted import Response

EXACT_MAX = 8  # features up to which Shapley values are computed exactly (2**8 coalitions per row)
TREES = ("DecisionTreeClassifier", "RandomForestClassifier", "ExtraTreesClassifier")
EXPLAINERS: dict[str, str] = {  # key -> what it is, for a caption
    "tree": "SHAP's tree explainer (interventional, exact for the background)",
    "exact": "exact Shapley values over the background (SHAP's exact explainer)",
    "permutation": "sampled Shapley values (SHAP's permutation explainer, antithetic permutations)",
    "lime": "LIME (a weighted linear fit to perturbed samples around the point)",
}
_GLOBAL_RNG = threading.Lock()


@dataclass(frozen=True)
class Attr:
    explainer: str  # a key of EXPLAINERS
    values: np.ndarray  # (n_features,) in the response's units
    base: float  # SHAP: E[f] over the background; LIME: its local fit's intercept
    value: float  # f(x)
    score: float = float("nan")  # LIME: R^2 of its weighted local fit


def tree_ready(model, space: str) -> bool:
    """Whether `model` is a scaler + tree/forest pipeline explained in probability space."""
    steps = getattr(model, "steps", None)
    return (space == "probability" and steps is not None and len(steps) == 2
            and type(steps[0][1]).__name__ == "StandardScaler" and type(steps[1][1]).__name__ in TREES)  # fmt: skip


def tree_shap(model, col: int, x: np.ndarray, background: np.ndarray) -> Attr:
    """Interventional tree SHAP of the class at `col`, the final trees on scaled inputs."""
    values, base = tree_rows(model, col, x[None], background)
    value = float(model.predict_proba(x[None])[0, col])
    return Attr("tree", values[0], base, value)


def tree_rows(model, col: int, R: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, float]:
    """(values (n, n_features), E[f]) of tree SHAP on every row of R."""
    import shap

    scaler, trees = model.steps[0][1], model.steps[1][1]
    explainer = shap.TreeExplainer(trees, data=scaler.transform(background),
                                   feature_perturbation="interventional", model_output="probability")  # fmt: skip
    out = explainer(scaler.transform(R), check_additivity=False)
    values = out.values[:, :, col] if out.values.ndim == 3 else out.values
    base = np.ravel(out.base_values[0])
    return np.asarray(values, float), float(base[col] if base.size > 1 else base[0])


def model_agnostic(f: Response, x: np.ndarray, background: np.ndarray, n_samples: int, seed: int,
                   sampled: bool = False) -> Attr:  # fmt: skip
    """Exact SHAP for narrow tables, permutation SHAP (`n_samples` evaluations) for wide ones or
    when `sampled`."""
    kind, values, base = agnostic_rows(f, x[None], background, n_samples, seed, sampled)
    return Attr(kind, values[0], base, float(f(x[None])[0]))


def agnostic_rows(f: Response, R: np.ndarray, background: np.ndarray, n_samples: int, seed: int,
                  sampled: bool = False) -> tuple[str, np.ndarray, float]:  # fmt: skip
    """(explainer, values (n, n_features), E[f]) of model-agnostic SHAP on every row of R."""
    import shap

    masker = shap.maskers.Independent(background, max_samples=len(background))
    m = R.shape[1]
    if m <= EXACT_MAX and not sampled:
        out, kind = shap.ExactExplainer(f, masker)(R), "exact"
    else:
        with seeded_global_numpy(seed):
            explainer = shap.PermutationExplainer(
                f, masker, seed=seed % 2**32
            )  # it seeds NumPy's global generator
            out = explainer(R, max_evals=max(n_samples, 2 * m + 1), silent=True)
        kind = "permutation"
    return kind, np.asarray(out.values, float), float(np.ravel(out.base_values)[0])


def lime(f: Response, x: np.ndarray, background: np.ndarray, n_samples: int, seed: int) -> Attr:
    """LIME's attribution of f at x: its ridge coefficients times x's standardised offsets."""
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(background, mode="regression", discretize_continuous=False,
                                     sample_around_instance=True, feature_selection="none",
                                     random_state=seed)  # fmt: skip
    exp = explainer.explain_instance(x, f, num_features=len(x), num_samples=n_samples)
    coef = np.zeros(len(x))
    for j, w in exp.local_exp[1]:
        coef[j] = w
    z = (x - explainer.scaler.mean_) / explainer.scaler.scale_
    value = float(f(x[None])[0])
    return Attr("lime", coef * z, float(exp.intercept[1]), value, float(exp.score))


def warm_up() -> None:
    """Import shap and lime and run each SHAP explainer once on a toy function, so that the first
    explanation a user asks for does not pay shap's import and its numba compilation (seconds)."""
    import lime.lime_tabular  # noqa: F401

    bg = np.linspace(0.0, 1.0, 20).reshape(10, 2)
    agnostic_rows(lambda Z: Z.sum(axis=1), bg[:1], bg, 100, 0)
    agnostic_rows(lambda Z: Z.sum(axis=1), bg[:1], bg, 100, 0, sampled=True)


@contextmanager
def seeded_global_numpy(seed: int):
    """NumPy's global generator seeded for the block, the caller's state restored after it."""
    with _GLOBAL_RNG:
        state = np.random.get_state()
        np.random.seed(seed % 2**32)
        try:
            yield
        finally:
            np.random.set_state(state)
