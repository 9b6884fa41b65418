"""Manifold regularization: a small network trained on the labelled rows' cross-entropy plus a
graph-Laplacian penalty that asks its class probabilities to change little along the graph's edges,

    loss = cross-entropy(labelled) + γ · ½ Σ_ij w_ij |p_i - p_j|² / n,

and its smoothness, the mean norm of the gradient of its class probabilities with respect to the
input, on the data and over a box around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.geometry.graph import Graph

MARGIN = 0.1  # the smoothness box: the data's bounding box widened by this share of its extent per side
BOX_POINTS = 2000  # uniform points in that box, where smoothness is measured off the data


@dataclass(frozen=True)
class Network:
    pred: np.ndarray  # (n,) int64
    grid_pred: np.ndarray | None  # (g,) int64
    grid_conf: np.ndarray | None  # (g,)
    grad_data: float  # mean |∂p/∂x| (Frobenius, over classes) on the rows
    grad_box: float  # the same over uniform points in the box around them
    loss: np.ndarray  # (epochs,)


def laplacian_penalty(F, W):
    """½ Σ_ij w_ij |F_i - F_j|² = trace(Fᵀ (D - W) F) for a symmetric sparse W (n, n) and F (n, c);
    NumPy arrays or torch tensors (W then a torch sparse tensor)."""
    if isinstance(F, np.ndarray):
        degree = np.asarray(W.sum(axis=1)).ravel()
        return float(np.sum(degree[:, None] * F * F) - np.sum(F * (W @ F)))
    import torch

    degree = torch.sparse.sum(W, dim=1).to_dense()
    return (degree[:, None] * F * F).sum() - (F * torch.sparse.mm(W, F)).sum()


def _sparse(W, torch):
    coo = W.tocoo()
    index = torch.as_tensor(np.vstack([coo.row, coo.col]), dtype=torch.int64)
    return torch.sparse_coo_tensor(
        index, torch.as_tensor(coo.data, dtype=torch.float32), coo.shape, check_invariants=False
    ).coalesce()


def _gradient_norm(model, points, torch) -> float:
    """Mean over points of the Frobenius norm of the Jacobian of softmax(model(x)) at x."""
    x = torch.as_tensor(points, dtype=torch.float32).requires_grad_(True)
    p = torch.softmax(model(x), dim=1)  # (n, c)
    total = torch.zeros(len(x))
    for c in range(p.shape[1]):  # rows are independent, so the gradient of a sum is per row
        (g,) = torch.autograd.grad(p[:, c].sum(), x, retain_graph=True)
        total += (g * g).sum(1)
    return float(total.sqrt().mean())


def box_points(Z: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n uniform points in the bounding box of Z widened by MARGIN."""
    lo, hi = Z.min(axis=0), Z.max(axis=0)
    pad = MARGIN * np.where(hi > lo, hi - lo, 1.0)
    return np.random.default_rng(seed).uniform(lo - pad, hi + pad, size=(n, Z.shape[1]))


def fit_network(Z, y, labelled, graph: Graph, cfg, gamma: float, n_classes: int, grid) -> Network:
    """Train the network on rows Z (n, d) (standardised inside) for cfg.epochs full-batch Adam steps;
    γ = 0 is the plain network, trained on the labelled rows alone."""
    import torch

    from engine.cnn.train import torch_threads
    from engine.latent.autoencoder import mlp

    mean, sd = Z.mean(axis=0), Z.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)

    def scaled(A):
        return torch.as_tensor((A - mean) / sd, dtype=torch.float32)

    with torch_threads(1), torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = mlp([Z.shape[1], *cfg.hidden, n_classes], "tanh")
        X = scaled(Z)
        W = _sparse(graph.adjacency(), torch)
        lab = torch.as_tensor(labelled)
        target = torch.as_tensor(y[labelled], dtype=torch.int64)
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        losses = np.empty(cfg.epochs)
        for epoch in range(cfg.epochs):
            if gamma > 0:
                logits = model(X)
                loss = torch.nn.functional.cross_entropy(logits[lab], target)
                loss = loss + gamma * laplacian_penalty(torch.softmax(logits, 1), W) / len(X)
            else:
                loss = torch.nn.functional.cross_entropy(model(X[lab]), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses[epoch] = float(loss.detach())
        with torch.no_grad():
            pred = model(X).argmax(1).numpy().astype(np.int64)
            grid_pred = grid_conf = None
            if grid is not None:
                p = torch.softmax(model(scaled(grid)), 1)
                grid_conf, grid_pred = (a.numpy() for a in p.max(1))
        m, s = torch.as_tensor(mean, dtype=torch.float32), torch.as_tensor(sd, dtype=torch.float32)

        def raw(x):  # the network as a function of the rows' own coordinates
            return model((x - m) / s)

        on_data = _gradient_norm(raw, Z, torch)
        off = _gradient_norm(raw, box_points(Z, BOX_POINTS, cfg.seed), torch)
    grid_pred = None if grid_pred is None else grid_pred.astype(np.int64)
    return Network(pred, grid_pred, grid_conf, on_data, off, losses)
