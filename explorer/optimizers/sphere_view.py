"""The sphere part of the Optimizer paths page: the race on the unit sphere, its two figures and what they show."""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.optim.sphere import SphereConfig
from explorer.optimizers import compute
from explorer.optimizers import sphere_figures as sf
from explorer.shared import downloads, reproduce, reproduce_views

FAR = 1.0  # degrees from ±v₁ beyond which a method's end is called "not at ±v₁"


def show(prefix: str, cfg: SphereConfig) -> None:
    """Race the three methods of `cfg` and draw the sphere, the constraint and what to notice.

    Raises ValueError (with what to change) for settings the engine refuses."""
    with st.spinner("Racing on the sphere…"):
        result = compute.sphere_race(cfg)
    for label, k in zip(result.labels, result.diverged_at, strict=True):
        if k >= 0:
            st.warning(
                f"{label} diverged at step {k}: its path stops there, marked ✕ where it left. "
                "Lower the learning rate (or μ).",
                icon="💥",
            )
    st.info(summary(result), icon=":material/public:")
    name, table = "sphere_race", lambda: sf.sphere_table(result)
    downloads.chart(sf.sphere_figure(result), name, f"{prefix}_sphere", table=table,
                    beside=lambda: _script(prefix, cfg))  # fmt: skip
    st.caption(
        "Drag to turn the sphere. The colour is xᵀAx; the white diamonds are ±v₁, the eigenvector of the "
        "smallest eigenvalue, where xᵀAx is least on the sphere. Riemannian and projected GD trace nearly the "
        "same arc at different speeds (the markers are steps); the penalty method's path runs inside the sphere."
    )
    downloads.chart(sf.constraint_figure(result), f"{name}_constraint", f"{prefix}_sphereloss", table=table)
    st.caption(
        f"Distances and angles below {sf.FLOOR:g} are drawn at {sf.FLOOR:g}. Riemannian GD steps along the "
        "gradient projected onto the tangent plane and retracts with x/‖x‖; projected GD steps along the "
        "whole Euclidean gradient, then normalises. For a quadratic form these differ only in step length "
        "(Riemannian with rate η is projected with η/(1 + 2η·xᵀAx)). The penalty method never projects: "
        "it settles where xᵀAx + μ(‖x‖² − 1)² is least, off the sphere, so its xᵀAx dips below λ₁."
    )


def _script(prefix: str, cfg: SphereConfig) -> None:
    st.download_button("Python script", lambda: reproduce_views.sphere_script(cfg), "sphere_race.py", "text/x-python",
                       key=f"{prefix}_script", on_click="ignore", help=reproduce.HELP)  # fmt: skip


def summary(result) -> str:
    """Where each method went: its largest and last distance from the sphere, its angle to v₁, its objective."""
    lam, mu = float(result.eigenvalues[0]), result.config.mu
    lines = [f"**After {result.config.steps} steps** (smallest eigenvalue λ₁ = {lam:.4g}):"]
    for i, label in enumerate(result.labels):
        k = result.diverged_at[i]
        if k >= 0:
            lines.append(f"- {label} diverged at step {k}.")
            continue
        d, a, f = result.distance[:, i], result.angle[-1, i], result.objective[-1, i]
        lines.append(
            f"- {label}: at most {d.max():.1e} from the sphere at any step, {d[-1]:.1e} at the end, "
            f"{a:.2g}° from ±v₁, xᵀAx = {f:.4g}"
            + (" (not at ±v₁: try more steps or a smaller learning rate)." if a > FAR else ".")
        )
    expect = abs(1 - np.sqrt(1 - lam / (2 * mu))) if lam < 2 * mu else 1.0  # 1: at the origin
    lines.append(
        f"\nThe penalty's own minimum along v₁ lies {expect:.3g} from the sphere (|1 − √(1 − λ₁/2μ)|)."
    )
    return "\n".join(lines)
