"""Sidebar controls of the sphere surface of Optimizer paths -> a frozen SphereConfig, with their URL table.

Keys `<prefix>_sl1`..`sl3` (the quadratic form's eigenvalues), `slr`, `smu`, `ssteps`, and the start
point `sown`, `spolar`, `sazim` (degrees from +z and from +x). Every bound is the engine's
(`engine.optim.sphere.LIMITS`); a learning rate of 0 is typeable, and the engine says why it will not do.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.optim.sphere import LIMITS, SphereConfig, point_from_angles, start_point
from explorer.shared.url_state import Param

SPHERE = "sphere"
LABEL = "Unit sphere: a quadratic form (Riemannian, projected, penalty)"
DEFAULT = SphereConfig()
LR_RANGE = (0.0, LIMITS["lr"][1])


def params() -> tuple[Param, ...]:
    """The sphere's part of the page's URL table."""
    return (
        *(Param(f"sl{i}", v, bounds=LIMITS["eigenvalue"]) for i, v in enumerate(DEFAULT.eigenvalues, 1)),
        Param("slr", DEFAULT.lr, bounds=LR_RANGE),
        Param("smu", DEFAULT.mu, bounds=LIMITS["mu"]),
        Param("ssteps", DEFAULT.steps, bounds=LIMITS["steps"]),
        Param("sown", False),
        Param("spolar", 90.0, bounds=(0.0, 180.0)),
        Param("sazim", 0.0, bounds=(-180.0, 180.0)),
    )


def angles(x: np.ndarray) -> tuple[float, float]:
    """(polar, azimuth) in degrees of a point x (3,) on the unit sphere."""
    return float(np.degrees(np.arccos(np.clip(x[2], -1, 1)))), float(np.degrees(np.arctan2(x[1], x[0])))


def sphere_config(prefix: str, seed: int) -> SphereConfig:
    """The quadratic form, learning rate, penalty weight, steps and start point (sidebar)."""
    p, sb = f"{prefix}_", st.sidebar
    sb.caption("Eigenvalues of A (the form is rotated at random by the seed)")
    lam = [
        col.number_input(f"λ{i}", *LIMITS["eigenvalue"], key=f"{p}sl{i}", format="%g", step=0.5)
        for i, col in enumerate(sb.columns(3), 1)
    ]
    lr = sb.number_input(
        "Learning rate",
        *LR_RANGE,
        key=f"{p}slr",
        format="%g",
        step=0.01,
        help="One rate for all three methods.",
    )
    mu = sb.number_input(
        "Penalty weight μ",
        *LIMITS["mu"],
        key=f"{p}smu",
        format="%g",
        help="The penalty method descends xᵀAx + μ(‖x‖² − 1)²: a larger μ keeps it closer to the sphere, "
        "and needs a smaller learning rate.",
    )
    steps = sb.number_input("Steps", *LIMITS["steps"], step=50, key=f"{p}ssteps")
    own = sb.toggle("Own start point", key=f"{p}sown", help="Or a point drawn from the seed.")
    if not own:  # show the seeded start in the (disabled) inputs
        seeded = start_point(SphereConfig(seed=seed))
        st.session_state[f"{p}spolar"], st.session_state[f"{p}sazim"] = (round(v, 2) for v in angles(seeded))
    left, right = sb.columns(2)
    polar = left.number_input("Polar angle (°)", 0.0, 180.0, key=f"{p}spolar", format="%g", disabled=not own)
    azim = right.number_input("Azimuth (°)", -180.0, 180.0, key=f"{p}sazim", format="%g", disabled=not own)
    return SphereConfig(
        eigenvalues=tuple(float(v) for v in lam),
        start=point_from_angles(float(polar), float(azim)) if own else None,
        lr=float(lr),
        steps=int(steps),
        mu=float(mu),
        seed=seed,
    )
