"""Adversarial examples, a few lines of autograd each, on any classifier of images in [0, 1].

- `fgsm`: one signed-gradient step of size eps (Goodfellow et al.), clipped to [0, 1].
- `attack_path`: the stepped attack the view plays: FGSM at eps * t / steps for t = 0..steps, or
  projected gradient ascent ("pgd_linf" with signed steps in an L-infinity ball, "pgd_l2" with
  normalised steps in an L2 ball) whose every step keeps the higher-loss of the new and the previous
  iterate, so the loss along the path never falls.
- `robust_accuracy`: accuracy under `pgd_linf` of budget eps (batched).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ATTACKS: dict[str, str] = {
    "fgsm": "FGSM (one signed step, ε rising)",
    "pgd_linf": "Iterative L∞ (PGD)",
    "pgd_l2": "Iterative L2 (PGD)",
}
MAX_STEPS = 200


def _loss_grad(model, x, y):
    """Per-example cross-entropy (n,) and its gradient with respect to x."""
    import torch
    import torch.nn.functional as F

    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        loss = F.cross_entropy(model(x), y, reduction="none")
        (grad,) = torch.autograd.grad(loss.sum(), x)
    return loss.detach(), grad


def fgsm(model, x, y, eps: float):
    """x + eps * sign(grad of the loss), clipped to [0, 1]; the model is put in eval mode."""
    model.eval()
    _, grad = _loss_grad(model, x, y)
    return (x + eps * grad.sign()).clamp(0, 1).detach()


def _l2(t):
    return t.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *([1] * (t.dim() - 1)))


def _project(delta, eps: float, norm: str):
    if norm == "linf":
        return delta.clamp(-eps, eps)
    return delta * (eps / _l2(delta)).clamp(max=1.0)


def pgd(model, x, y, eps: float, steps: int, norm: str = "linf", on_step: Callable | None = None):
    """Projected gradient ascent of the loss from x; returns the last iterate (n, 1, h, w).

    Step size 2.5 eps / steps (Madry et al.); each example keeps the higher-loss of its new and
    previous iterate. `on_step(t, x_t, loss_t)` sees every iterate, t = 0 first.
    """
    import torch

    model.eval()
    alpha = 2.5 * eps / max(steps, 1)
    cur, (loss, grad) = x.detach(), _loss_grad(model, x, y)
    if on_step is not None:
        on_step(0, cur, loss)
    for t in range(1, steps + 1):
        step = grad.sign() if norm == "linf" else grad / _l2(grad)
        new = (x + _project(cur + alpha * step - x, eps, norm)).clamp(0, 1)
        new_loss, new_grad = _loss_grad(model, new, y)
        better = (new_loss >= loss).view(-1, *([1] * (x.dim() - 1)))
        cur = torch.where(better, new, cur)
        grad = torch.where(better, new_grad, grad)
        loss = torch.maximum(new_loss, loss)
        if on_step is not None:
            on_step(t, cur, loss)
    return cur


def robust_accuracy(model, X, Y, eps: float, steps: int, batch: int = 500) -> float:
    """Share of (X, Y) still classified right after an L-infinity attack of budget eps."""
    import torch

    if eps <= 0:
        with torch.inference_mode():
            return float((model(X).argmax(1) == Y).float().mean())
    right = 0
    for start in range(0, X.shape[0], batch):
        xa = pgd(model, X[start : start + batch], Y[start : start + batch], eps, steps)
        with torch.inference_mode():
            right += int((model(xa).argmax(1) == Y[start : start + batch]).sum())
    return right / X.shape[0]


@dataclass(frozen=True)
class AttackPath:
    """One digit attacked step by step."""

    method: str
    eps: float
    images: np.ndarray  # (steps + 1, h, w) in [0, 1]; images[0] is the original
    proba: np.ndarray  # (steps + 1, n_classes) softmax at each step
    loss: np.ndarray  # (steps + 1,) cross-entropy of the true label
    l2: np.ndarray  # (steps + 1,) L2 norm of the perturbation
    linf: np.ndarray  # (steps + 1,) L-infinity norm of the perturbation
    stages: tuple[np.ndarray, ...]  # per stage of the network: (steps + 1, width) its output at each step
    label: int


def attack_path(model, image: np.ndarray, label: int, method: str, eps: float, steps: int) -> AttackPath:
    """Attack one image (h, w) of class `label` in `steps` steps, recording each step's every stage."""
    import torch

    if method not in ATTACKS:
        raise ValueError(f"Unknown attack {method!r}: choose one of {', '.join(ATTACKS)}.")
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"An attack takes 1 to {MAX_STEPS} steps; got {steps}.")
    if not eps > 0:
        raise ValueError(f"The attack budget ε must be positive; got {eps}.")
    model.eval()
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(image, np.float32)[None, None], device=device)
    y = torch.tensor([int(label)], device=device)
    if method == "fgsm":
        _, grad = _loss_grad(model, x, y)
        scales = torch.linspace(0, eps, steps + 1, device=device).view(-1, 1, 1, 1)
        batch = (x + scales * grad.sign()).clamp(0, 1)
    else:
        frames = []
        pgd(
            model,
            x,
            y,
            eps,
            steps,
            "linf" if method == "pgd_linf" else "l2",
            lambda t, xt, lt: frames.append(xt),
        )
        batch = torch.cat(frames)
    with torch.inference_mode():
        outs = model.forward_stages(batch)
        logits = outs[-1]
        loss = torch.nn.functional.cross_entropy(logits, y.expand(batch.shape[0]), reduction="none")
    delta = (batch - x).flatten(1)
    return AttackPath(
        method, float(eps), batch[:, 0].cpu().numpy(), torch.softmax(logits, 1).cpu().numpy(),
        loss.cpu().numpy(), delta.norm(dim=1).cpu().numpy(), delta.abs().amax(1).cpu().numpy(),
        tuple(o.flatten(1).float().cpu().numpy() for o in outs), int(label),
    )  # fmt: skip
