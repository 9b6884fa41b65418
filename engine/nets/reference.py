"""Plain reference computations the tests hold the fast paths to: the kernel's gradient at given weights,
and one weight vector's loss evaluated point by point in float64. Nothing in the app calls these."""

from __future__ import annotations

import numpy as np

from engine.backend import make_backend
from engine.nets.kernel import Network, one_hot
from engine.nets.landscape import layer_matrices
from engine.nets.mlp import forward


def gradients(
    weights: list[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    y: np.ndarray,
    activation: str,
    l2: float = 0.0,
    dtype: str = "float64",
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The kernel's gradient of the loss at `weights` (per layer W (in, out), b (out,)), on the CPU.

    X: (n, n_features); y: (n,) labels in [0, n_classes). Returns (dW, db) per layer.
    """
    bk = make_backend("cpu", dtype=dtype)
    sizes = [weights[0][0].shape[0], *(W.shape[1] for W, _ in weights)]
    net = Network(bk, sizes, activation, [np.c_[W.T, b] for W, b in weights])
    buf = net.buffers(len(X), len(X))
    buf.H[0][:-1] = bk.asarray(np.asarray(X).T)
    with np.errstate(all="ignore"):
        net.forward(buf)
        net.backward(buf, bk.asarray(one_hot(y, sizes[-1])), l2)
    layers = (bk.to_numpy(g) for g in net.gW)
    return tuple((g[:, :-1].T.copy(), g[:, -1].copy()) for g in layers)


def point_loss(
    flat: np.ndarray, sizes: tuple[int, ...], activation: str, X: np.ndarray, y: np.ndarray
) -> float:
    """Mean cross-entropy of one flat weight vector on (X, y): the per-point reference, in float64."""
    weights = [(W[:, :-1].T, W[:, -1]) for W in layer_matrices(np.asarray(flat, dtype=np.float64), sizes)]
    z = forward(weights, X, activation)[-1]  # (n, n_classes)
    m = z.max(axis=1)
    return float(np.mean(np.log(np.exp(z - m[:, None]).sum(axis=1)) + m - z[np.arange(len(y)), y]))
