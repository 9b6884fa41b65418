"""The GAN parts of the Latent manifolds page: the noise plane and its image over the data with the
discriminator beneath, the two losses, modes covered on a mixture, and training one update at a time."""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.data.datasets import Dataset
from engine.latent.gan import D_WINS, SAMPLES, classes_drawn, modes_covered
from explorer.latent import figures as lf
from explorer.latent.sections import P
from explorer.shared import downloads


def picture(
    data: Dataset, inputs: np.ndarray, cfg, steps, grids, samples, heats, shape, animate: bool = True
):
    """The GAN's picture of these snapshots: the noise plane and the data (tables), or the generated
    images over the noise plane (images)."""
    if shape is not None:
        return lf.gan_mosaic_figure(shape, steps, grids)
    return lf.gan_figure(data, inputs, cfg, steps, grids, samples, heats, animate=animate)


def of_snapshot(data: Dataset, inputs: np.ndarray, cfg, snap, shape):
    """One snapshot's picture (live frames, step-by-step)."""
    heats = None if snap.heat is None else snap.heat[None]
    return picture(data, inputs, cfg, np.array([snap.step]), snap.grid[None], snap.samples[None], heats, shape,
                   animate=False)  # fmt: skip


def modes(data: Dataset, samples: np.ndarray, inputs: np.ndarray):
    """Modes covered when the data is a mixture of Gaussian blobs (its classes are the modes), the
    classes drawn for labelled images; else None."""
    if data.y is None:
        return None
    if data.image_shape is not None:
        return classes_drawn(inputs, data.y, samples)
    return modes_covered(inputs, data.y, samples) if data.name.startswith("blobs") else None


def training(data: Dataset, result) -> None:
    last = slice(-min(100, len(result.d_loss) - 1), None)
    d_now = float(np.nanmean(result.d_loss[last]))
    cols = st.columns(4)
    cols[0].metric("Steps", f"{int(result.steps[-1]):,}")
    cols[1].metric("D loss", f"{d_now:.3f}", help="Mean of the last 100 steps; ln 2 = 0.693 "
                   "when the discriminator cannot tell real from generated")  # fmt: skip
    cols[2].metric("G loss", f"{np.nanmean(result.g_loss[last]):.3f}", help="Mean of the last 100 steps")
    m = modes(data, result.samples[-1], result.inputs)
    images = result.image_shape is not None
    if m is not None:
        cols[3].metric("Classes drawn" if images else "Modes covered", f"{m.covered} of {m.total}",
                       help=(f"A class counts when a 5-NN vote among the real images gives it at least a quarter of its "
                             f"fair share of the {SAMPLES} samples" if images else
                             f"A mode (a blob) is covered when at least a quarter of its fair share of the {SAMPLES} "
                             "samples land inside it (within the distance of 99 % of its real points)"))  # fmt: skip
    if result.stopped:
        st.warning(result.stopped)
    if d_now < D_WINS:
        st.warning(
            f"**The discriminator has won**: its loss is {d_now:.3f} nats, so it tells every generated sample from the "
            "real ones and the generator gets almost no gradient; its samples stop improving. Lower the "
            "discriminator's learning rate or widen the networks"
            + (
                " (on the 8 × 8 digits: widths 128, 128 and a discriminator rate of 0.0003)."
                if images
                else "."
            )
        )
    if m is not None and m.covered < m.total and not images:
        st.warning(
            f"**Mode collapse**: the generator's {SAMPLES} samples reach {m.covered} of the {m.total} modes "
            f"({', '.join(str(int(c)) for c in m.counts)} samples in each). It found a few places the discriminator "
            "accepts and stays there; a slower generator or a faster discriminator spreads it out again."
        )
    fig = picture(data, result.inputs, result.config, result.steps, result.grids, result.samples, result.heats,
                  result.image_shape)  # fmt: skip
    downloads.chart(fig, f"{data.name}_gan", f"{P}_gan")
    if result.image_shape is None:
        st.caption(
            "Left, the noise plane the generator reads; right, its image of that plane's grid (the warped grid) and of "
            f"{SAMPLES} fixed noise draws (×) over the real data"
            + (
                ", with the discriminator's probability of *real* beneath (blue: real)."
                if result.heats is not None
                else "."
            )
        )
    downloads.chart(
        lf.gan_losses_figure(result.d_loss, result.g_loss), f"{data.name}_gan_losses", f"{P}_gan_losses"
    )


def step_by_step(data: Dataset, result, rkey: tuple) -> None:
    """Copies of the trained networks, stepped one discriminator or generator update at a time."""
    st.subheader("One update at a time")
    key = f"{P}_gan_steps"
    held = st.session_state.get(key)
    if held is None or held[0] != rkey:
        held = (rkey, result.trainer.copy(), [])
        st.session_state[key] = held
    _, trainer, log = held
    cols = st.columns(5)
    actions = {"Discriminator update": lambda: ("D", trainer.d_step()), "Generator update": lambda: ("G", trainer.g_step()),
               "One step": lambda: ("step", trainer.step()[1]), "10 steps": lambda: ("10 steps", [trainer.step() for _ in range(10)][-1][1])}  # fmt: skip
    for col, (label, act) in zip(cols, actions.items(), strict=False):
        if col.button(label, key=f"{P}_gan_{label.split()[0].lower()}", width="stretch"):
            log.append(act())
    if cols[4].button("Back to the trained state", key=f"{P}_gan_reset", width="stretch"):
        st.session_state[key] = held = (rkey, result.trainer.copy(), [])
        _, trainer, log = held
    if not log:
        st.caption("Each button changes a copy of the trained networks: the discriminator's map moves on its update, "
                   "the generated points on the generator's.")  # fmt: skip
        return
    what, loss = log[-1]
    st.markdown(
        f"{len(log)} action{'s' * (len(log) != 1)} since training; the last: **{what}** (its loss {loss:.3f})."
    )
    fig = of_snapshot(data, result.inputs, result.config, trainer.snapshot(), result.image_shape)
    fig.update_layout(
        title_text=f"Now: step {trainer.steps_done:,}, after {len(log)} action{'s' * (len(log) != 1)}"
    )
    st.plotly_chart(fig, key=f"{P}_gan_now")
