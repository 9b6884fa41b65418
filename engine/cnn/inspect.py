"""What a trained CNN does to one digit: every block's feature maps, the learned filters, and
saliency maps (Captum's plain gradient and integrated gradients).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

IG_STEPS = 32  # integrated gradients' Riemann steps from the all-black baseline
SALIENCY = ("gradient", "integrated gradients")


@dataclass(frozen=True)
class DigitView:
    """One digit through the network."""

    image: np.ndarray  # (h, w)
    feature_maps: tuple[
        np.ndarray, ...
    ]  # per conv block: (channels, h_b, w_b) after the activation, before pooling
    filters: tuple[np.ndarray, ...]  # per conv block: (out, in, k, k) weights
    proba: np.ndarray  # (n_classes,)
    target: int  # the class the saliency explains
    saliency: dict[str, np.ndarray]  # name -> (h, w) attribution of the target's logit
    ig_delta: float  # integrated gradients' completeness gap: sum(attr) - (f(x) - f(baseline))


def digit_view(model, image: np.ndarray, target: int | None = None) -> DigitView:
    """Feature maps, filters and saliency for `image` (h, w) in [0, 1]; target None = the predicted class."""
    import torch
    from captum.attr import IntegratedGradients, Saliency

    model.eval()
    x = torch.as_tensor(np.asarray(image, np.float32)[None, None])
    maps, filters = [], []
    with torch.inference_mode():
        h = x
        for stage in model.stages:
            if isinstance(stage[0], torch.nn.Conv2d):
                act = stage[1](stage[0](h))
                maps.append(act[0].numpy().copy())
                filters.append(stage[0].weight.detach().numpy().copy())
            h = stage(h)
        proba = torch.softmax(h, 1)[0].numpy()
    cls = int(proba.argmax()) if target is None else int(target)
    if not 0 <= cls < proba.size:
        raise ValueError(f"The class to explain must be 0 to {proba.size - 1}; got {target}.")
    x = x.clone().requires_grad_(True)
    grad = Saliency(model).attribute(x, target=cls, abs=False)
    ig, delta = IntegratedGradients(model).attribute(
        x, baselines=torch.zeros_like(x), target=cls, n_steps=IG_STEPS, return_convergence_delta=True
    )
    saliency = {"gradient": grad[0, 0].detach().numpy(), "integrated gradients": ig[0, 0].detach().numpy()}
    return DigitView(
        np.asarray(image, np.float32), tuple(maps), tuple(filters), proba, cls, saliency, float(delta)
    )
