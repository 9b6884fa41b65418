"""Write the sample CSVs shipped in sample_data/: small, seeded, and as messy as real files are.

Run from the repository root: `python sample_data/make_samples.py`. The output is deterministic,
so re-running it leaves the committed files unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets

HERE = Path(__file__).resolve().parent


def _blank(frame: pd.DataFrame, columns: list[str], share: float, rng: np.random.Generator) -> None:
    """Blank out about `share` of the cells of `columns`, in place."""
    for name in columns:
        frame.loc[rng.random(len(frame)) < share, name] = np.nan


def iris_flowers(rng: np.random.Generator) -> pd.DataFrame:
    """Fisher's iris, species as text, a few measurements missing."""
    bunch = datasets.load_iris()
    names = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
    frame = pd.DataFrame(bunch.data, columns=names)
    frame["species"] = bunch.target_names[bunch.target]
    _blank(frame, names, 0.03, rng)
    return frame


def wine_cultivars_eu(rng: np.random.Generator) -> pd.DataFrame:
    """The Italian wine chemistry set (Forina et al.), the cultivar as text."""
    bunch = datasets.load_wine()
    names = [
        "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
        "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
        "od280_od315", "proline",
    ]  # fmt: skip
    frame = pd.DataFrame(bunch.data, columns=names)
    frame["cultivar"] = np.array(["Barolo", "Grignolino", "Barbera"])[bunch.target]
    return frame


def breast_cancer_clinic(rng: np.random.Generator) -> pd.DataFrame:
    """The Wisconsin diagnostic set's ten mean measurements, a patient ID and a text diagnosis."""
    bunch = datasets.load_breast_cancer()
    means = [i for i, n in enumerate(bunch.feature_names) if n.startswith("mean ")]
    names = [bunch.feature_names[i].removeprefix("mean ").replace(" ", "_") for i in means]
    frame = pd.DataFrame(bunch.data[:, means].round(5), columns=names)
    frame.insert(0, "patient_id", rng.choice(np.arange(100_000, 1_000_000), len(frame), False))
    frame["diagnosis"] = bunch.target_names[bunch.target]
    _blank(frame, ["texture", "smoothness", "symmetry"], 0.02, rng)
    return frame


def swiss_roll_3d(rng: np.random.Generator) -> pd.DataFrame:
    """A Swiss roll in 3-D, its unrolled position t, and four segments along it."""
    X, t = datasets.make_swiss_roll(n_samples=1500, noise=0.3, random_state=0)
    frame = pd.DataFrame(X.round(4), columns=["x", "y", "z"])
    frame["t"] = t.round(4)
    frame["segment"] = np.digitize(t, np.linspace(t.min(), t.max(), 5)[1:-1])
    return frame


def digits_8x8(rng: np.random.Generator) -> pd.DataFrame:
    """The first 1,000 handwritten digits, 8 x 8 grey levels 0-16, and the digit."""
    bunch = datasets.load_digits()
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    frame = pd.DataFrame(bunch.data[:1000].astype(int), columns=names)
    frame["digit"] = bunch.target[:1000]
    return frame


def penguins_synthetic(rng: np.random.Generator) -> pd.DataFrame:
    """Penguin-like measurements drawn per species and sex, with island and sex as text."""
    # species: (count, islands, bill length, bill depth, flipper, body mass) means for females
    species = {
        "Adelie": (152, ["Biscoe", "Dream", "Torgersen"], 37.3, 17.6, 188, 3370),
        "Chinstrap": (68, ["Dream"], 46.6, 17.6, 192, 3530),
        "Gentoo": (124, ["Biscoe"], 45.6, 14.2, 213, 4680),
    }
    parts = []
    for name, (n, islands, bill, depth, flipper, mass) in species.items():
        male = rng.random(n) < 0.5
        parts.append(
            pd.DataFrame(
                {
                    "species": name,
                    "island": rng.choice(islands, n),
                    "bill_length_mm": (bill + 3.0 * male + rng.normal(0, 2.2, n)).round(1),
                    "bill_depth_mm": (depth + 1.3 * male + rng.normal(0, 0.8, n)).round(1),
                    "flipper_length_mm": (flipper + 6 * male + rng.normal(0, 5.5, n)).round(),
                    "body_mass_g": (mass + 650 * male + rng.normal(0, 300, n)).round(-1),
                    "sex": np.where(male, "male", "female"),
                    "year": rng.choice([2007, 2008, 2009], n),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame["sex"] = frame["sex"].mask(rng.random(len(frame)) < 0.03)
    _blank(frame, ["bill_length_mm", "body_mass_g"], 0.02, rng)
    return frame.astype({"flipper_length_mm": "Int64", "body_mass_g": "Int64"})


def main() -> None:
    writers = {
        "iris_flowers": (iris_flowers, {}),
        "wine_cultivars_eu": (
            wine_cultivars_eu,
            {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"},
        ),
        "breast_cancer_clinic": (breast_cancer_clinic, {"na_rep": "NA"}),
        "swiss_roll_3d": (swiss_roll_3d, {}),
        "digits_8x8": (digits_8x8, {}),
        "penguins_synthetic": (penguins_synthetic, {}),
    }
    for seed, (stem, (make, options)) in enumerate(writers.items()):
        frame = make(np.random.default_rng(seed))
        path = HERE / f"{stem}.csv"
        frame.to_csv(path, index=False, lineterminator="\n", **options)
        print(
            f"{path.name}: {frame.shape[0]} rows x {frame.shape[1]} columns, "
            f"{path.stat().st_size / 1024:.0f} KB"
        )


if __name__ == "__main__":
    main()
