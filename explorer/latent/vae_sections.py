"""The VAE parts of the Latent manifolds page: the encoded plane beside its decoded grid, the two
terms of the loss, a clicked latent point decoded, the path between two digits, and prior samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from engine.data.datasets import Dataset
from engine.latent.vae import COLLAPSED_NATS
from explorer.latent import compute
from explorer.latent import figures as lf
from explorer.latent.sections import SHOWN, P, reconstructions, recorded
from explorer.shared import downloads
from explorer.shared import image_figures as imf

PRIOR_SAMPLES = 24


def training(data: Dataset, result) -> None:
    """Readouts, the animated plane (a click decodes that point), the loss terms, the reconstructions."""
    cfg = result.config
    cols = st.columns(4)
    cols[0].metric("KL", f"{result.kl[-1]:.2f} nats", help="Mean KL(q(z|x) ‖ N(0, I)) of the recorded rows")
    cols[1].metric("Reconstruction", f"{result.reconstruction[-1]:.2f} nats",
                   help="Mean −log p(x | z = the posterior mean) of the recorded rows")  # fmt: skip
    cols[2].metric("Active units", f"{result.active_units} of 2",
                   help="Latent units whose posterior mean varies across rows (variance above 0.01)")  # fmt: skip
    cols[3].metric("Time", f"{result.seconds:.1f} s")
    if result.stopped:
        st.warning(result.stopped)
    if result.collapsed:
        st.warning(
            f"**The posterior has collapsed** at β = {cfg.beta:g}: the KL is {result.kl[-1]:.3f} nats (under "
            f"{COLLAPSED_NATS:g}), so every row is encoded as the prior N(0, I) and the decoder draws one "
            "average everywhere: the grid shows the same blur in every cell. Lower β to bring the latent back."
        )
    elif cfg.beta == 0:
        st.info("β = 0: nothing pulls the posteriors towards the prior, so the means spread wherever the "
                "reconstruction wants them and the plane between them need not decode to anything.")  # fmt: skip
    sub = recorded(data, result.rows)
    fig = lf.plane_figure(sub, cfg, result.epochs, result.means, result.stds, result.grids, result.extents,
                       result.image_shape, result.inputs)  # fmt: skip
    event = downloads.chart(fig, f"{data.name}_vae_plane", f"{P}_vae_plane", on_select="rerun",
                            selection_mode="points")  # fmt: skip
    _click(event)
    where = "Click anywhere on the encoded plane to decode that point. " if result.image_shape else ""
    st.caption(f"{where}{len(result.rows):,} rows; the grid covers ±{result.extents[-1]:g} in both latent "
               f"units at the last epoch (at least the prior's bulk, ±2.5, and 99 % of the means).")  # fmt: skip
    downloads.chart(lf.elbo_figure(result.history, cfg.beta), f"{data.name}_vae_terms", f"{P}_vae_terms")
    reconstructions(data, result, sub)


def _click(event) -> None:
    """A click on the plane (a point or the invisible lattice) becomes the decoded point, once."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    if not points or "x" not in points[0]:
        return
    z = (round(float(points[0]["x"]), 2), round(float(points[0]["y"]), 2))
    if st.session_state.get(f"{P}_clicked") != z:
        st.session_state[f"{P}_clicked"] = z
        st.session_state[f"{P}_z1"], st.session_state[f"{P}_z2"] = z


def _image_or_row(data: Dataset, result, values: np.ndarray, title: str, key: str) -> None:
    if result.image_shape is not None:
        st.plotly_chart(imf.grid_figure(values.reshape(-1, *result.image_shape), title, cols=len(values), height=230),
                        key=key, config={"displayModeBar": False})  # fmt: skip
    else:
        st.markdown(title)
        st.dataframe(pd.DataFrame(values, columns=list(data.feature_names)).round(3), hide_index=True)


def decode_point(data: Dataset, result, rkey: tuple) -> None:
    st.subheader("Decode any point of the plane")
    c1, c2, show = st.columns([1, 1, 2])
    z1 = c1.number_input("z₁", -100.0, 100.0, step=0.25, key=f"{P}_z1")
    z2 = c2.number_input("z₂", -100.0, 100.0, step=0.25, key=f"{P}_z2")
    out = compute.decoded_point(rkey, result, (float(z1), float(z2)))
    with show:
        what = "the image" if result.image_shape is not None else "the row (standardised units)"
        _image_or_row(data, result, out[None], f"z = ({z1:g}, {z2:g}): {what} the decoder draws there",
                      f"{P}_vae_point")  # fmt: skip


def interpolation(data: Dataset, result, rkey: tuple) -> None:
    """The straight latent path between two recorded rows, decoded, beside their plain average."""
    st.subheader("Between two digits: the latent path and the pixel average"
                 if result.image_shape is not None else "Between two rows: the latent path")  # fmt: skip
    n = len(result.rows)
    for key, default in (("ifrom", 0), ("ito", 1)):
        st.session_state[f"{P}_{key}"] = min(int(st.session_state.get(f"{P}_{key}", default)), n - 1)
    c1, c2 = st.columns(2)
    a = c1.number_input(f"From (position among the {n:,} rows)", 0, n - 1, key=f"{P}_ifrom")
    b = c2.number_input("To", 0, n - 1, key=f"{P}_ito")
    names = data.class_names
    label = (lambda i: names[data.y[result.rows[i]]]) if data.y is not None else (lambda i: f"row {i}")
    it = compute.interpolation(rkey, result, int(a), int(b))
    if result.image_shape is None:
        _image_or_row(
            data, result, it.decoded, f"{len(it.z)} steps from {label(a)} to {label(b)}", f"{P}_vae_path"
        )
        return
    shape = result.image_shape
    path = np.concatenate([result.inputs[[a]], it.decoded, result.inputs[[b]]]).reshape(-1, *shape)
    steps = [f"{t:.2f}" for t in np.linspace(0, 1, len(it.z))]
    fig = imf.strip_figure(path, [f"from {label(a)}", *steps, f"to {label(b)}"],
                           f"From a {label(a)} to a {label(b)}: the two digits at the ends, the latent path decoded between")  # fmt: skip
    downloads.chart(fig, f"{data.name}_vae_path", f"{P}_vae_path")
    avg = imf.side_by_side([result.inputs[a].reshape(shape), it.pixel_mean.reshape(shape), it.decoded[len(it.z) // 2].reshape(shape),
                            result.inputs[b].reshape(shape)], [label(a), "pixel average", "latent midpoint", label(b)],
                           [False] * 4, "Halfway, two ways: the pixel average overlays the two digits; the latent midpoint is what "
                           "the decoder draws between them", height=240)  # fmt: skip
    downloads.chart(avg, f"{data.name}_vae_halfway", f"{P}_vae_halfway")


def prior(data: Dataset, result, rkey: tuple) -> None:
    st.subheader("Sampling from the prior")
    draws = int(st.session_state.get(f"{P}_draws", 0))
    if st.button("Draw again", key=f"{P}_redraw", help="Another seeded draw of z ~ N(0, I)."):
        draws += 1
        st.session_state[f"{P}_draws"] = draws
    z, out = compute.prior_samples(rkey, result, PRIOR_SAMPLES, draws)
    title = f"{PRIOR_SAMPLES} draws z ~ N(0, I) decoded (draw {draws + 1})"
    if result.image_shape is not None:
        downloads.chart(imf.grid_figure(out.reshape(-1, *result.image_shape), title, cols=min(12, SHOWN), height=260),
                        f"{data.name}_vae_prior", f"{P}_vae_prior")  # fmt: skip
    else:
        _image_or_row(data, result, out[:SHOWN], title, f"{P}_vae_prior")
