"""The parts of the Convolutional networks page after training: the layers and their scores, one
digit through the network, an adversarial attack on it and how far it leaves the data manifold."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import numpy as np
import streamlit as st

from engine.cnn.attack import ATTACKS, MAX_STEPS
from engine.data.images import Images, rows_dataset
from explorer.cnn import compute
from explorer.cnn import figures as cf
from explorer.cnn.controls import ATTACK_EPS
from explorer.cnn.panels import path_coords, result_panels
from explorer.layers import figures as nf
from explorer.shared import downloads
from explorer.shared import image_figures as imf

P = "cn"
STRIP = 12  # recorded digits shown in the strip to pick from


def first_images(images: Images) -> None:
    """The first images of the set with their labels: what the network will learn from."""
    n = min(STRIP * 2, len(images.y))
    labels = [images.class_names[c] for c in images.y[:n]]
    st.plotly_chart(imf.strip_figure(images.pixels[:n], labels, f"The first {n} of the {len(images.y):,} images"),
                    key=f"{P}_data_strip", config={"displayModeBar": False})  # fmt: skip


def layers(images: Images, result, rkey: tuple) -> list:
    """The layer animation (click a digit in it), the curves and each layer's scores; the projections."""
    data = rows_dataset(images, result.capture_index)
    method = st.session_state.get(f"{P}_proj", "pca")
    epochs = [int(e) for e in result.epochs]
    if st.session_state.get(f"{P}_snap") not in epochs:
        st.session_state[f"{P}_snap"] = epochs[-1]
    if method != "pca":
        st.select_slider("Snapshot (epoch) laid out by " + method.upper(), epochs, key=f"{P}_snap")
    snap = epochs.index(st.session_state[f"{P}_snap"])
    with (
        st.spinner(f"Laying the layers out with {method.upper()}…")
        if method != "pca"
        else contextlib.nullcontext()
    ):
        panels, projections = result_panels(rkey, images, result, method, snap)
    fig = nf.layer_figure(data, panels, result.epochs)
    event = downloads.chart(fig, f"{images.name}_cnn_layers", f"{P}_layers", on_select="rerun",
                            selection_mode="points")  # fmt: skip
    _pick_from(event, data)
    how = (f"Each panel is one PCA over all {len(result.epochs)} snapshots (epoch 0 is the untrained network), "
           "so frames share axes" if method == "pca" else
           f"Layers wider than 3 show {method.upper()} of epoch {epochs[snap]}, the same in every frame")  # fmt: skip
    st.caption(
        f"{how}; {len(result.capture_index):,} held-out digits. Click a digit to look inside the network."
    )
    downloads.chart(nf.curves_figure(result.history), f"{images.name}_cnn_curves", f"{P}_curves")
    sc, names = compute.scores(rkey, result, images)
    depth = {"linear-probe accuracy": sc.probe_acc, "class separation": sc.separation}
    downloads.chart(nf.depth_figure(names, result.epochs, depth), f"{images.name}_cnn_depth", f"{P}_depth")
    blocks = [i for i, n in enumerate(names) if n.startswith("block")]
    last = blocks[-1]
    st.markdown(
        f"Linear probe on the held-out digits (half fitted, half scored; layers reduced to their top 50 "
        f"principal components first): input pixels **{sc.probe_acc[0, 0]:.3f}** · untrained {names[last]} "
        f"**{sc.probe_acc[0, last]:.3f}** (random filters: {sc.probe_acc[0, last] - sc.probe_acc[0, 0]:+.3f}) · "
        f"trained {names[last]} **{sc.probe_acc[-1, last]:.3f}** (training adds "
        f"{sc.probe_acc[-1, last] - sc.probe_acc[0, last]:+.3f}) · chance {sc.chance:.2f}."
    )
    return projections


def _pick_from(event, data) -> None:
    """A click on a digit in the layer figure makes it the inspected digit."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    if not points:
        return
    pt = points[0]
    codes = np.flatnonzero(data.y == _class_of(pt, len(data.class_names)))
    index = int(pt.get("point_index", pt.get("pointIndex", -1)))
    if 0 <= index < codes.size:
        st.session_state[f"{P}_digit"] = int(codes[index])


def _class_of(point: dict, n_classes: int) -> int:
    """The class of a clicked point: its trace is the panel's class trace (one per class, in order)."""
    curve = int(point.get("curve_number", point.get("curveNumber", 0)))
    return curve % n_classes


def digit(images: Images, result, rkey: tuple) -> tuple[int, int]:
    """The digit picker, its feature maps, the filters and the saliency maps: (row, position)."""
    st.subheader("One digit through the network")
    rows = result.capture_index
    strip = images.pixels[rows[:STRIP]]
    labels = [f"{i}: {images.class_names[images.y[r]]}" for i, r in enumerate(rows[:STRIP])]
    st.plotly_chart(imf.strip_figure(strip, labels, f"The first {STRIP} held-out digits (position: label)"),
                    key=f"{P}_strip", config={"displayModeBar": False})  # fmt: skip
    st.session_state[f"{P}_digit"] = min(int(st.session_state.get(f"{P}_digit", 0)), len(rows) - 1)
    pos = st.number_input(f"Digit (position among the {len(rows):,} held-out digits)", 0, len(rows) - 1,
                          key=f"{P}_digit")  # fmt: skip
    row = int(rows[pos])
    view = compute.digit(rkey, result, images.pixels[row], row, None)
    label = images.class_names[images.y[row]]
    st.markdown(f"True class **{label}** · predicted **{images.class_names[view.target]}** "
                f"({view.proba[view.target]:.1%})")  # fmt: skip
    sal = view.saliency
    fig = imf.side_by_side([view.image, sal["gradient"], sal["integrated gradients"]],
                          ["digit", "gradient", "integrated gradients"], [False, True, True],
                          f"Saliency for class {images.class_names[view.target]} (red raises its score, blue lowers it)")  # fmt: skip
    downloads.chart(fig, f"{images.name}_saliency", f"{P}_saliency")
    st.caption(
        f"Integrated gradients from an all-black image in 32 steps; completeness gap {view.ig_delta:.2g}."
    )
    for i, maps in enumerate(view.feature_maps):
        downloads.chart(imf.grid_figure(maps, f"Block {i + 1}: {len(maps)} feature maps (after the activation)",
                                       cols=min(16, len(maps))), f"{images.name}_maps{i + 1}", f"{P}_maps{i}")  # fmt: skip
    first = view.filters[0][:, 0]
    downloads.chart(imf.grid_figure(first, f"Block 1's {len(first)} learned filters", cols=min(16, len(first)),
                                   signed=True, height=200), f"{images.name}_filters", f"{P}_filters")  # fmt: skip
    return row, pos


def attack(images: Images, result, rkey: tuple, row: int, projections: list) -> None:
    """Step an attack on the digit: images, probabilities, its path in the layers, the distances."""
    st.subheader("Adversarial example")
    c = st.columns(3)
    method = c[0].selectbox("Attack", list(ATTACKS), format_func=ATTACKS.get, key=f"{P}_attack")
    if st.session_state.get(f"_{P}_attack_was") != method:  # a new norm: its own default budget
        st.session_state[f"{P}_aeps"] = ATTACK_EPS[method]
        st.session_state[f"_{P}_attack_was"] = method
    norm = "L2" if method == "pgd_l2" else "L∞"
    eps = c[1].number_input(f"Budget ε ({norm})", 0.001, 10.0, step=0.05, format="%.3f", key=f"{P}_aeps")
    steps = c[2].slider("Steps", 1, MAX_STEPS, key=f"{P}_steps")
    label = int(images.y[row])
    path = compute.attack(rkey, result, images.pixels[row], row, label, method, float(eps), int(steps))
    if path.proba[0].argmax() != label:
        st.info("The network already misclassifies this digit, so the attack only pushes it further from its "
                "class: pick a digit it gets right to watch one flip.")  # fmt: skip
    t = st.slider("Show step" if method != "fgsm" else "Show ε step", 0, steps, steps, key=f"{P}_t_{steps}")
    delta = path.images[t] - path.images[0]
    pred = int(path.proba[t].argmax())
    fig = imf.side_by_side([path.images[0], delta, path.images[t]],
                          ["original", f"perturbation (×{1 / max(np.abs(delta).max(), 1e-9):.0f} to show)",
                           f"result: {images.class_names[pred]} ({path.proba[t, pred]:.0%})"],
                          [False, True, False],
                          f"Step {t}: ‖δ‖₂ = {path.l2[t]:.3f}, ‖δ‖∞ = {path.linf[t]:.3f}")  # fmt: skip
    downloads.chart(fig, f"{images.name}_attack", f"{P}_attack_fig")
    xs = np.linspace(0, eps, steps + 1) if method == "fgsm" else None
    downloads.chart(cf.probability_figure(path.proba, images.class_names, t, "ε" if xs is not None else "step", xs),
                    f"{images.name}_attack_proba", f"{P}_attack_proba")  # fmt: skip
    data = rows_dataset(images, result.capture_index)
    method = st.session_state.get(f"{P}_proj", "pca")
    panels, _ = result_panels(rkey, images, result, method, -1)
    placed = path_coords(rkey, images, result, projections, path.images, path.stages, method)
    paths = [p if panel.coords.shape[2] == 2 else None for p, panel in zip(placed, panels, strict=True)]
    fig = cf.add_paths(nf.layer_figure(data, panels, result.epochs, animate=False), paths, t)
    fig.update_layout(title_text=f"The attack's path in the trained network's layers (step {t})")
    downloads.chart(fig, f"{images.name}_attack_path", f"{P}_attack_path")
    st.caption(
        "The attack's steps placed in each layer's picture of the trained network (the same PCA axes)."
    )
    _distances(images, result, rkey, path, row)


def _distances(images: Images, result, rkey: tuple, path, row: int) -> None:
    import pandas as pd

    cmp = compute.comparison(rkey, result, images, path, row)
    frame = pd.DataFrame({"L2 from the original": cmp.l2, "to the nearest training digit": cmp.nearest,
                          "off the top 50 principal components": cmp.residual,
                          "probability of the true class": cmp.true_proba, "share misclassified": cmp.flipped},
                         index=list(cmp.rows))  # fmt: skip
    st.markdown(
        "**How far off the data manifold?** (noise: 20 random directions of the same L2 length, medians)"
    )
    st.dataframe(frame.style.format("{:.3f}"), key=f"{P}_dist")
    st.caption("Two stand-ins for distance from the manifold of digits: the nearest training digit, and what "
               "the training digits' top 50 principal components leave unexplained. Either can come out "
               "higher for the attack or for the noise on a given model; the numbers, not a rule, say which.")  # fmt: skip
    if st.button("Measure how small a push flips the class (50 held-out digits)", key=f"{P}_push"):
        st.session_state[f"_{P}_push_for"] = rkey
    if st.session_state.get(f"_{P}_push_for") == rkey:
        study = compute.push(rkey, result, images)
        st.markdown(
            f"Of {study.n} correctly classified digits, an L2 attack flipped **{study.flipped:.0%}**; the median push "
            f"was **{study.norm_share_of_image:.0%}** of the image's norm and **{study.norm_share_of_nearest:.0%}** "
            f"of the distance to its nearest training digit. Noise of each push's size flipped **{study.noise_flipped:.0%}**."
        )


def robustness(images: Images, result, rkey: tuple, data_key) -> None:
    """The robust accuracy of this run, and of the same run with adversarial training flipped when stored."""
    cfg = result.config
    mine = "with" if cfg.adversarial else "without"
    text = (f"Robust accuracy under an L∞ attack of ε = {cfg.eps:g} (10 PGD steps on the held-out digits): "
            f"**{compute.robust(rkey, result, images):.3f}** "
            f"accuracy {mine} adversarial training (clean {result.history['test_acc'][-1]:.3f})")  # fmt: skip
    flipped = replace(cfg, adversarial=not cfg.adversarial)
    other = compute.trained(data_key, flipped)
    if other is not None:
        theirs = "with" if other.config.adversarial else "without"
        okey = compute.training_key(data_key, flipped)
        text += (f"; **{compute.robust(okey, other, images):.3f}** {theirs} "
                 f"(clean {other.history['test_acc'][-1]:.3f})")  # fmt: skip
    else:
        text += ". Flip **Adversarial training** (under More training settings) and train to compare"
    st.markdown(text + ".")
