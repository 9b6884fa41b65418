"""The "reproduce in Python" scripts of the deep-learning views (Convolutional networks, Latent
manifolds), written with the helpers of `explorer.shared.reproduce`."""

from __future__ import annotations

from typing import Any

from engine.data.source import DataSource
from explorer.shared.reproduce import SHOW, literal, load_lines, script_text

RECORDED = [  # the rows a latent model recorded, as a Dataset to colour them by label
    "rows = result.rows",
    "y = None if data.y is None else data.y[rows]",
    "shown = Dataset(data.X[rows], y, data.feature_names, data.class_names if y is not None else (), data.name)",
]


def cnn_script(source: DataSource, train: Any) -> str:
    """Convolutional networks: train the CNN `train` (CNNConfig) and animate every layer."""
    imports, body, name = load_lines(source)
    imports += [
        "import numpy as np",
        "from engine.cnn.train import robust_accuracy_of, train",
        "from engine.cnn.model import CNNConfig",
        "from engine.data.images import as_images, rows_dataset",
        "from engine.nets.analysis import project_layer",
        "from explorer.layers.figures import Panel, layer_figure",
    ]
    body += [
        "images = as_images(data)  # pixels scaled to 0-1, as (n, height, width)",
        f"TRAIN = {literal(train)}",
        "result = train(images, TRAIN)  # every layer on the held-out digits, after every epoch",
        "",
        "rows = result.capture_index",
        "pixels = images.pixels[rows].reshape(1, len(rows), -1)",
        "n = len(result.epochs)",
        'names = ["input", *result.layer_names]',
        "panels = []",
        "for title, acts in zip(names, [np.broadcast_to(pixels, (n, *pixels.shape[1:])), *result.layers], strict=True):",
        "    proj = project_layer(acts)  # one PCA over every snapshot, so frames share axes",
        '    panels.append(Panel(f"{title} ({acts.shape[2]} values)", proj.coords))',
        "fig = layer_figure(rows_dataset(images, rows), panels, result.epochs)",
        f'fig.write_html("{name}_cnn_layers.html")',
        SHOW,
        "",
        "h = result.history",
        'print(json.dumps({"test_accuracy": float(h["test_acc"][-1]), "robust_accuracy": robust_accuracy_of(result, images),',
        '                  "train_loss": float(h["train_loss"][-1]), "epochs": int(result.epochs[-1])}))',
    ]
    return script_text(
        f"Convolutional networks: a CNN trained on {name}.",
        f"Writes {name}_cnn_layers.html (press play to watch the layers) and prints the accuracies as JSON.",
        imports,
        body,
    )


def latent_script(source: DataSource, train: Any) -> str:
    """Latent manifolds: train the autoencoder, VAE, GAN or contrastive encoder `train` (AEConfig,
    VAEConfig, GANConfig or ContrastiveConfig) and animate its latent."""
    if type(train).__name__ == "VAEConfig":
        return _vae_script(source, train)
    if type(train).__name__ == "ContrastiveConfig":
        return _contrastive_script(source, train)
    if type(train).__name__ == "GANConfig":
        return _gan_script(source, train)
    imports, body, name = load_lines(source)
    imports += [
        "from engine.data.datasets import Dataset",
        "from engine.latent.autoencoder import AEConfig, train_autoencoder",
        "from explorer.layers.figures import Panel, layer_figure",
    ]
    body += [
        f"TRAIN = {literal(train)}",
        "result = train_autoencoder(data, TRAIN)  # the latent of the recorded rows at every snapshot",
        "",
        *RECORDED,
        'fig = layer_figure(shown, [Panel("latent", result.latents)], result.epochs)',
        f'fig.write_html("{name}_latent.html")',
        SHOW,
        "",
        'print(json.dumps({"reconstruction_error": float(result.error[-1]), "epochs": int(result.epochs[-1])}))',
    ]
    return script_text(
        f"Latent manifolds: an autoencoder trained on {name}.",
        f"Writes {name}_latent.html (press play to watch the latent) and prints the error as JSON.",
        imports,
        body,
    )


def _vae_script(source: DataSource, train: Any) -> str:
    imports, body, name = load_lines(source)
    imports += [
        "from engine.data.datasets import Dataset",
        "from engine.latent.vae import VAEConfig, train_vae",
        "from explorer.latent.figures import plane_figure",
    ]
    body += [
        f"TRAIN = {literal(train)}",
        "result = train_vae(data, TRAIN)  # posteriors and the decoded grid at every snapshot",
        "",
        *RECORDED,
        "fig = plane_figure(shown, TRAIN, result.epochs, result.means, result.stds, result.grids, result.extents,",
        "                   result.image_shape, result.inputs)",
        f'fig.write_html("{name}_vae.html")',
        SHOW,
        "",
        'print(json.dumps({"kl_nats": float(result.kl[-1]), "reconstruction_nats": float(result.reconstruction[-1]),',
        '                  "collapsed": result.collapsed, "epochs": int(result.epochs[-1])}))',
    ]
    return script_text(
        f"Latent manifolds: a VAE trained on {name}.",
        f"Writes {name}_vae.html (the encoded plane beside the decoded grid; press play) and prints KL and "
        "reconstruction as JSON.",
        imports,
        body,
    )


def _contrastive_script(source: DataSource, train: Any) -> str:
    imports, body, name = load_lines(source)
    imports += [
        "from engine.data.datasets import Dataset",
        "from engine.latent.contrastive import ContrastiveConfig, train_contrastive",
        "from explorer.layers.figures import Panel, layer_figure",
    ]
    body += [
        f"TRAIN = {literal(train)}",
        "result = train_contrastive(data, TRAIN)  # the embedding of the recorded rows at every snapshot",
        "",
        *RECORDED,
        'fig = layer_figure(shown, [Panel("embedding", result.embeddings)], result.epochs)',
        f'fig.write_html("{name}_contrastive.html")',
        SHOW,
        "",
        "knn = None if result.knn_accuracy is None else float(result.knn_accuracy[-1])",
        'print(json.dumps({"knn_accuracy": knn, "alignment": float(result.alignment[-1]),',
        '                  "uniformity": float(result.uniformity[-1]), "epochs": int(result.epochs[-1])}))',
    ]
    return script_text(
        f"Latent manifolds: a contrastive encoder trained on {name} without its labels.",
        f"Writes {name}_contrastive.html (press play to watch the embedding) and prints its scores as JSON.",
        imports,
        body,
    )


def _gan_script(source: DataSource, train: Any) -> str:
    imports, body, name = load_lines(source)
    imports += [
        "from engine.latent.gan import GANConfig, train_gan",
        "from explorer.latent.figures import gan_figure, gan_mosaic_figure",
    ]
    body += [
        f"TRAIN = {literal(train)}",
        "result = train_gan(data, TRAIN)  # the generator's image of the noise plane at every snapshot",
        "",
        "if result.image_shape is not None:",
        "    fig = gan_mosaic_figure(result.image_shape, result.steps, result.grids)",
        "else:",
        "    fig = gan_figure(data, result.inputs, TRAIN, result.steps, result.grids, result.samples, result.heats)",
        f'fig.write_html("{name}_gan.html")',
        SHOW,
        "",
        'print(json.dumps({"d_loss": float(result.d_loss[-1]), "g_loss": float(result.g_loss[-1]),',
        '                  "steps": int(result.steps[-1])}))',
    ]
    return script_text(
        f"Latent manifolds: a GAN trained on {name}.",
        f"Writes {name}_gan.html (the noise plane and its image over the data; press play) and prints the last "
        "step's losses as JSON.",
        imports,
        body,
    )
