"""Sidebar controls of the Latent manifolds page: which model, then an autoencoder's or a VAE's shape
and training -> `AEConfig` or `VAEConfig`, with the URL table of both."""

from __future__ import annotations

import streamlit as st

from engine.latent import contrastive, gan, vae
from engine.latent.autoencoder import ACTIVATIONS, LIMITS, AEConfig
from explorer.cnn.controls import parse_widths
from explorer.shared.url_state import Param
from explorer.shared.widgets import snap_to_options

LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)  # inside LIMITS["lr"]
NOISE = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)  # the denoising autoencoder's input noise
MODELS = {"ae": "Autoencoder", "vae": "VAE", "gan": "GAN", "simclr": "Contrastive"}
GAN_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01)  # inside gan.LIMITS["lr"]
GAN_HELP = "{} to {} layers of {} to {} units, the same in both networks".format(
    *gan.LIMITS["layers"], *gan.LIMITS["width"]
)
TEMPERATURES = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)  # inside contrastive.LIMITS["temperature"]
VIEW_NOISE = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
DROPOUT = (0.0, 0.1, 0.2, 0.3, 0.5)
ENCODER_HELP = "{} to {} layers of {} to {} units".format(
    *contrastive.LIMITS["layers"], *contrastive.LIMITS["width"]
)
BETAS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0, 50.0, 100.0)  # inside vae.LIMITS["beta"]
VAE_HIDDEN_HELP = "{} to {} layers of {} to {} units on each side of the latent".format(
    *vae.LIMITS["layers"], *vae.LIMITS["width"]
)
HIDDEN_HELP = "up to {1} layers of {2} to {3} units on each side of the bottleneck; empty for none".format(
    *LIMITS["layers"], *LIMITS["width"]
)


def params() -> tuple[Param, ...]:
    d, v, c, g = AEConfig(), vae.VAEConfig(), contrastive.ContrastiveConfig(), gan.GANConfig()
    return (
        Param("model", "ae", choices=tuple(MODELS)),
        Param("latent", d.latent, bounds=LIMITS["latent"]),
        Param("hidden", "64"),
        Param("act", d.activation, choices=ACTIVATIONS),
        Param("lr", d.lr, bounds=(LEARNING_RATES[0], LEARNING_RATES[-1])),
        Param("epochs", d.epochs, bounds=LIMITS["epochs"]),
        Param("every", d.snapshot_every, bounds=LIMITS["snapshot_every"]),
        Param("batch", d.batch_size, bounds=LIMITS["batch_size"]),
        Param("aenoise", 0.0, bounds=LIMITS["noise"]),
        Param("pca", False),  # compare with a linear autoencoder and PCA
        Param("vhidden", ",".join(map(str, v.hidden))),
        Param("vact", v.activation, choices=ACTIVATIONS),
        Param("beta", v.beta, bounds=vae.LIMITS["beta"]),
        Param("vlr", v.lr, bounds=(LEARNING_RATES[0], LEARNING_RATES[-1])),
        Param("vepochs", v.epochs, bounds=vae.LIMITS["epochs"]),
        Param("vevery", v.snapshot_every, bounds=vae.LIMITS["snapshot_every"]),
        Param("vbatch", v.batch_size, bounds=vae.LIMITS["batch_size"]),
        Param("vgrid", v.grid, bounds=vae.LIMITS["grid"]),
        Param("z1", 0.0, bounds=(-100.0, 100.0)),  # the latent point decoded on its own
        Param("z2", 0.0, bounds=(-100.0, 100.0)),
        Param("ifrom", 0, bounds=(0, 100_000)),  # interpolation: positions among the recorded rows
        Param("ito", 1, bounds=(0, 100_000)),
        Param("cdim", c.dim, bounds=contrastive.LIMITS["dim"]),
        Param("chidden", ",".join(map(str, c.hidden))),
        Param("temp", c.temperature, bounds=(TEMPERATURES[0], TEMPERATURES[-1])),
        Param("aug", c.augment),
        Param("shift", c.shift, bounds=contrastive.LIMITS["shift"]),
        Param("cnoise", c.noise, bounds=contrastive.LIMITS["noise"]),
        Param("drop", c.dropout, bounds=contrastive.LIMITS["dropout"]),
        Param("clr", c.lr, bounds=(LEARNING_RATES[0], LEARNING_RATES[-1])),
        Param("cepochs", c.epochs, bounds=contrastive.LIMITS["epochs"]),
        Param("cevery", c.snapshot_every, bounds=contrastive.LIMITS["snapshot_every"]),
        Param("cbatch", c.batch_size, bounds=contrastive.LIMITS["batch_size"]),
        Param("ghidden", ",".join(map(str, g.hidden))),
        Param("gact", g.activation, choices=ACTIVATIONS),
        Param("glr", g.lr_g, bounds=(GAN_RATES[0], GAN_RATES[-1])),
        Param("dlr", g.lr_d, bounds=(GAN_RATES[0], GAN_RATES[-1])),
        Param("gsteps", g.steps, bounds=gan.LIMITS["steps"]),
        Param("gevery", g.snapshot_every, bounds=gan.LIMITS["snapshot_every"]),
        Param("gbatch", g.batch_size, bounds=gan.LIMITS["batch_size"]),
        Param("dsteps", g.d_steps, bounds=gan.LIMITS["d_steps"]),
    )


def model_choice(prefix: str) -> str:
    """The model radio: "ae" or "vae"."""
    return st.sidebar.radio("Model", tuple(MODELS), format_func=MODELS.get, horizontal=True, key=f"{prefix}_model",
                            help="An autoencoder squeezes the data through 2 or 3 units; a VAE learns a "
                            "2-D latent whose every point decodes to something (the prior N(0, I)); a "
                            "GAN's generator learns to map a noise plane onto the data against a discriminator; "
                            "a contrastive encoder learns, without labels, to place two altered views of a row "
                            "together on a circle or sphere.")  # fmt: skip


def vae_controls(prefix: str, seed: int, device: str) -> vae.VAEConfig:
    """The VAE's shape and training. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    for key, options in (("vlr", LEARNING_RATES), ("beta", BETAS)):
        snap_to_options(p + key, options, options[0])
    st.sidebar.markdown("**VAE** (2-D latent)")
    hidden = st.sidebar.text_input("Hidden widths (encoder; the decoder mirrors them)", key=f"{p}vhidden",
                                   help=f"{VAE_HIDDEN_HELP}, e.g. 128 or 256, 64")  # fmt: skip
    beta = st.sidebar.select_slider("KL weight β", BETAS, key=f"{p}beta",
                                    help="loss = reconstruction + β · KL(q(z|x) ‖ N(0, I)). 1 is the ELBO; "
                                    "large β pulls every posterior onto the prior (collapse); 0 leaves the "
                                    "latent free, like an autoencoder with noisy codes.")  # fmt: skip
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}vact")
    lr = st.sidebar.select_slider("Learning rate (Adam)", LEARNING_RATES, key=f"{p}vlr")
    epochs = st.sidebar.slider("Epochs", *vae.LIMITS["epochs"], key=f"{p}vepochs")
    with st.sidebar.expander("More training settings"):
        every = st.slider("Snapshot every k epochs", *vae.LIMITS["snapshot_every"], key=f"{p}vevery")
        batch = st.number_input("Batch size", *vae.LIMITS["batch_size"], key=f"{p}vbatch")
        grid = st.slider("Decoded grid (images per side)", *vae.LIMITS["grid"], key=f"{p}vgrid")
    return vae.VAEConfig(
        hidden=parse_widths(hidden, "Hidden widths", vae.LIMITS["width"], vae.LIMITS["layers"], VAE_HIDDEN_HELP),
        activation=act, beta=float(beta), lr=float(lr), epochs=int(epochs), snapshot_every=int(every),
        batch_size=int(batch), grid=int(grid), seed=seed, device=device,
    )  # fmt: skip


def train_controls(prefix: str, seed: int, device: str) -> AEConfig:
    """Autoencoder shape and training settings. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    for key, options in (("lr", LEARNING_RATES), ("aenoise", NOISE)):
        snap_to_options(p + key, options, options[0])
    st.sidebar.markdown("**Autoencoder**")
    latent = st.sidebar.radio("Bottleneck units", (2, 3), horizontal=True, key=f"{p}latent")
    hidden = st.sidebar.text_input("Hidden widths (encoder; the decoder mirrors them)", key=f"{p}hidden",
                                   help=f"{HIDDEN_HELP}, e.g. 64 or 128, 32")  # fmt: skip
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}act")
    lr = st.sidebar.select_slider("Learning rate (Adam)", LEARNING_RATES, key=f"{p}lr")
    epochs = st.sidebar.slider("Epochs", *LIMITS["epochs"], key=f"{p}epochs")
    with st.sidebar.expander("More training settings"):
        every = st.slider("Snapshot every k epochs", *LIMITS["snapshot_every"], key=f"{p}every")
        batch = st.number_input("Batch size", *LIMITS["batch_size"], key=f"{p}batch")
        noise = st.select_slider("Denoising: input noise", NOISE, key=f"{p}aenoise",
                                 help="Gaussian noise of this standard deviation is added to each input while "
                                 "training; the target stays the clean input. 0 = a plain autoencoder.")  # fmt: skip
    return AEConfig(
        latent=int(latent), activation=act, lr=float(lr), epochs=int(epochs), snapshot_every=int(every),
        hidden=parse_widths(hidden, "Hidden widths", LIMITS["width"], LIMITS["layers"], HIDDEN_HELP),
        batch_size=int(batch), noise=float(noise), seed=seed, device=device,
    )  # fmt: skip


def contrastive_controls(prefix: str, seed: int, device: str, images: bool) -> contrastive.ContrastiveConfig:
    """The encoder, its augmentations (shifts and noise for images, noise and feature dropout for
    tables) and training. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    L = contrastive.LIMITS
    for key, options in (
        ("temp", TEMPERATURES),
        ("clr", LEARNING_RATES),
        ("cnoise", VIEW_NOISE),
        ("drop", DROPOUT),
    ):
        snap_to_options(p + key, options, options[0])
    st.sidebar.markdown("**Contrastive encoder** (SimCLR's NT-Xent; labels unseen)")
    dim = st.sidebar.radio("Embedding on", (2, 3), format_func={2: "a circle", 3: "a sphere"}.get, horizontal=True,
                           key=f"{p}cdim")  # fmt: skip
    hidden = st.sidebar.text_input(
        "Hidden widths", key=f"{p}chidden", help=f"{VAE_HIDDEN_HELP}, e.g. 128 or 256, 64"
    )
    temp = st.sidebar.select_slider("Temperature τ", TEMPERATURES, key=f"{p}temp",
                                    help="Similarities are divided by τ: a low τ punishes the nearest other rows "
                                    "hardest, a high one treats all others alike.")  # fmt: skip
    aug = st.sidebar.toggle("Augment the two views", key=f"{p}aug",
                            help="Off: both views are the row itself, so only spreading the rows apart is learned.")  # fmt: skip
    if images:
        shift = st.sidebar.slider("Shift (pixels, a crop of the padded image)", *L["shift"], key=f"{p}shift",
                                  disabled=not aug)  # fmt: skip
    else:
        shift = int(st.session_state.get(f"{p}shift", contrastive.ContrastiveConfig.shift))
    noise = st.sidebar.select_slider("Noise on each view", VIEW_NOISE, key=f"{p}cnoise", disabled=not aug)
    if images:
        dropout = float(st.session_state.get(f"{p}drop", contrastive.ContrastiveConfig.dropout))
    else:
        dropout = st.sidebar.select_slider("Feature dropout", DROPOUT, key=f"{p}drop", disabled=not aug)
    lr = st.sidebar.select_slider("Learning rate (Adam)", LEARNING_RATES, key=f"{p}clr")
    epochs = st.sidebar.slider("Epochs", *L["epochs"], key=f"{p}cepochs")
    with st.sidebar.expander("More training settings"):
        every = st.slider("Snapshot every k epochs", *L["snapshot_every"], key=f"{p}cevery")
        batch = st.number_input("Batch size (rows; twice as many views)", *L["batch_size"], key=f"{p}cbatch")
    return contrastive.ContrastiveConfig(
        dim=int(dim), hidden=parse_widths(hidden, "Hidden widths", L["width"], L["layers"], ENCODER_HELP),
        temperature=float(temp), augment=bool(aug), shift=int(shift), noise=float(noise), dropout=float(dropout),
        lr=float(lr), epochs=int(epochs), snapshot_every=int(every), batch_size=int(batch), seed=seed, device=device,
    )  # fmt: skip


def gan_controls(prefix: str, seed: int, device: str) -> gan.GANConfig:
    """Both networks' shape and their training. Raises ValueError for widths that cannot be used."""
    p = f"{prefix}_"
    L = gan.LIMITS
    for key in ("glr", "dlr"):
        snap_to_options(p + key, GAN_RATES, GAN_RATES[2])
    st.sidebar.markdown("**GAN** (a 2-D noise plane)")
    hidden = st.sidebar.text_input("Hidden widths", key=f"{p}ghidden", help=f"{GAN_HELP}, e.g. 64, 64")
    act = st.sidebar.selectbox("Activation", ACTIVATIONS, key=f"{p}gact")
    lr_g = st.sidebar.select_slider("Generator learning rate (Adam)", GAN_RATES, key=f"{p}glr")
    lr_d = st.sidebar.select_slider("Discriminator learning rate (Adam)", GAN_RATES, key=f"{p}dlr",
                                    help="A generator that learns much faster than its critic tends to collapse "
                                    "onto a few modes.")  # fmt: skip
    steps = st.sidebar.number_input("Steps", *L["steps"], key=f"{p}gsteps")
    with st.sidebar.expander("More training settings"):
        every = st.number_input("Snapshot every k steps", *L["snapshot_every"], key=f"{p}gevery")
        batch = st.number_input("Batch size", *L["batch_size"], key=f"{p}gbatch")
        d_steps = st.slider("Discriminator updates per generator update", *L["d_steps"], key=f"{p}dsteps")
    return gan.GANConfig(
        hidden=parse_widths(hidden, "Hidden widths", L["width"], L["layers"], GAN_HELP), activation=act,
        lr_g=float(lr_g), lr_d=float(lr_d), steps=int(steps), snapshot_every=int(every), batch_size=int(batch),
        d_steps=int(d_steps), seed=seed, device=device,
    )  # fmt: skip
