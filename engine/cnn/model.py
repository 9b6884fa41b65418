"""A small convolutional network for square images: its settings, their limits, and the module.

`CNNConfig` names the architecture (conv blocks of conv -> activation -> 2 x 2 max-pool, then
optional dense layers, then a linear head) and its training; `check_config` says what to change
when a setting is out of range; `build_model` makes the `torch.nn.Module`, whose `stages` are the
layers the view draws (each block, each dense layer, the logits); `layer_names` names them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "leaky_relu", "elu", "gelu", "sigmoid")
OPTIMIZERS: tuple[str, ...] = ("adam", "sgd", "momentum")
KERNELS: tuple[int, ...] = (3, 5, 7)
LIMITS = {  # (lowest, highest) of each setting; the page's widgets read these
    "blocks": (1, 3),  # conv -> activation -> pool blocks
    "channels": (1, 32),  # per block
    "dense_layers": (0, 2),
    "width": (4, 256),  # units per dense layer
    "epochs": (1, 30),
    "batch_size": (8, 1024),
    "lr": (0.0001, 1.0),
    "eps": (0.0, 0.5),  # adversarial training's L-infinity budget, in pixel units of [0, 1]
}


@dataclass(frozen=True)
class CNNConfig:
    """How to build and train the network. Frozen, so it is a cache key and URL state at once."""

    channels: tuple[int, ...] = (8, 16)  # per conv block; LIMITS["blocks"] blocks of LIMITS["channels"]
    kernel: int = 5  # odd, one of KERNELS; 'same' padding
    dense: tuple[int, ...] = ()  # widths of the dense layers between the last block and the head
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = 0.003
    epochs: int = 3
    batch_size: int = 128
    adversarial: bool = False  # train on FGSM examples of budget eps (half of each batch) too
    eps: float = 0.1  # the budget of adversarial training and of the robust accuracy
    test_fraction: float = 0.2  # share of each class held out
    seed: int = 0  # split, initial weights and batch order
    device: str = "auto"  # engine.device.resolve_device


def _whole(value, name: str) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number; got {value!r}.")


def _within(value: float, key: str, label: str, hint: str = "") -> None:
    lo, hi = LIMITS[key]
    if not lo <= value <= hi:
        raise ValueError(f"{label} must be between {lo:g} and {hi:g}; got {value!r}.{hint}")


def check_config(cfg: CNNConfig) -> None:
    """Raise ValueError naming the first setting out of range and what it may be."""
    for name in ("kernel", "epochs", "batch_size", "seed"):
        _whole(getattr(cfg, name), name)
    (lo, hi), (clo, chi) = LIMITS["blocks"], LIMITS["channels"]
    if not lo <= len(cfg.channels) <= hi:
        raise ValueError(f"A network has {lo} to {hi} conv blocks; got {len(cfg.channels)}.")
    for i, c in enumerate(cfg.channels, 1):
        if not isinstance(c, int | np.integer) or isinstance(c, bool) or not clo <= c <= chi:
            raise ValueError(f"Each conv block has {clo} to {chi} channels; block {i} has {c!r}.")
    (dlo, dhi), (wlo, whi) = LIMITS["dense_layers"], LIMITS["width"]
    if not dlo <= len(cfg.dense) <= dhi:
        raise ValueError(
            f"Up to {dhi} dense layers fit between the blocks and the head; got {len(cfg.dense)}."
        )
    for i, w in enumerate(cfg.dense, 1):
        if not isinstance(w, int | np.integer) or isinstance(w, bool) or not wlo <= w <= whi:
            raise ValueError(f"Each dense layer has {wlo} to {whi} units; layer {i} has {w!r}.")
    if cfg.kernel not in KERNELS:
        raise ValueError(f"The kernel size is one of {', '.join(map(str, KERNELS))}; got {cfg.kernel}.")
    if cfg.activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {cfg.activation!r}: choose one of {', '.join(ACTIVATIONS)}.")
    if cfg.optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {cfg.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}.")
    _within(cfg.lr, "lr", "The learning rate", " Try 0.003 with Adam or 0.03 with SGD.")
    _within(cfg.epochs, "epochs", "Epochs")
    _within(cfg.batch_size, "batch_size", "The batch size")
    _within(cfg.eps, "eps", "The attack budget ε")
    if not 0 < cfg.test_fraction < 1:
        raise ValueError(f"The test fraction must be between 0 and 1; got {cfg.test_fraction}.")
    if not 0 <= cfg.seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to 2**32 - 1; got {cfg.seed}.")


def block_shapes(cfg: CNNConfig, image: tuple[int, int]) -> list[tuple[int, int, int]]:
    """(channels, height, width) after each block; ValueError if the image is too small for them."""
    h, w = image
    out = []
    for i, c in enumerate(cfg.channels, 1):
        h, w = h // 2, w // 2
        if h < 1 or w < 1:
            raise ValueError(
                f"{image[0]} x {image[1]} images are too small for {len(cfg.channels)} blocks: each block "
                f"halves the image, and block {i} would leave nothing. Use fewer blocks."
            )
        out.append((c, h, w))
    return out


def stage_shapes(cfg: CNNConfig, image: tuple[int, int], n_classes: int) -> list[tuple[int, ...]]:
    """Each drawn stage's output shape: (channels, h, w) for a block, (units,) for the rest."""
    return [*block_shapes(cfg, image), *((w,) for w in cfg.dense), (n_classes,)]


def layer_names(cfg: CNNConfig) -> list[str]:
    """The drawn stages, in order: each block, each dense layer, the logits."""
    blocks = [f"block {i + 1}" for i in range(len(cfg.channels))]
    return blocks + [f"dense {i + 1}" for i in range(len(cfg.dense))] + ["output"]


def build_model(cfg: CNNConfig, image: tuple[int, int], n_classes: int):
    """The network for `image`-sized inputs of one channel, seeded by `cfg.seed`."""
    import torch
    from torch import nn

    inplace = {
        "relu": nn.ReLU,
        "leaky_relu": nn.LeakyReLU,
        "elu": nn.ELU,
    }  # on the layer's own output: 5 % faster
    plain = {"tanh": nn.Tanh, "gelu": nn.GELU, "sigmoid": nn.Sigmoid}
    act = (
        functools.partial(inplace[cfg.activation], inplace=True)
        if cfg.activation in inplace
        else plain[cfg.activation]
    )
    shapes = block_shapes(cfg, image)
    with torch.random.fork_rng(devices=[]):  # the weights are drawn from the seed, not from global state
        torch.manual_seed(cfg.seed)
        stages, c_in = [], 1
        for c, _, _ in shapes:
            stages.append(
                nn.Sequential(nn.Conv2d(c_in, c, cfg.kernel, padding=cfg.kernel // 2), act(), nn.MaxPool2d(2))
            )
            c_in = c
        width = int(np.prod(shapes[-1]))
        for i, units in enumerate(cfg.dense):
            stages.append(nn.Sequential(*([nn.Flatten()] if i == 0 else []), nn.Linear(width, units), act()))
            width = units
        stages.append(nn.Sequential(*([] if cfg.dense else [nn.Flatten()]), nn.Linear(width, n_classes)))
        return convnet_class()(stages)


@functools.cache
def convnet_class() -> type:
    """The module class (made on first use, so importing this file does not import torch)."""
    from torch import nn

    class ConvNet(nn.Module):
        """Stages applied in turn; `forward_stages` returns every stage's output."""

        def __init__(self, stages) -> None:
            super().__init__()
            self.stages = nn.ModuleList(stages)

        def forward(self, x):  # (n, 1, h, w) -> (n, n_classes) logits
            for stage in self.stages:
                x = stage(x)
            return x

        def forward_stages(self, x) -> list:
            outs = []
            for stage in self.stages:
                x = stage(x)
                outs.append(x)
            return outs

    return ConvNet


def load_model(
    cfg: CNNConfig,
    image: tuple[int, int],
    n_classes: int,
    weights: dict[str, np.ndarray],
    device: str = "cpu",
):
    """The network rebuilt from a NumPy state dict (a `CNNResult`'s weights), in eval mode."""
    import torch

    model = build_model(cfg, image, n_classes)
    model.load_state_dict({key: torch.tensor(np.asarray(v)) for key, v in weights.items()})
    return model.to(device).eval()
