"""In-place array operations of the training kernel, written once for NumPy (CPU) and torch (GPU).

A tiny backend, the activations with their derivatives, and the optimizer steps. The code calls
NumPy-named functions on `backend.xp` with `out=` buffers:
matmul, tanh, exp, log, sqrt, add, subtract, multiply, divide, maximum, greater, greater_equal,
amax and sum (with `axis=`), plus in-place operators and slicing. torch accepts these same names
and keywords, so `xp` is the `numpy` or the `torch` module itself; the few calls that differ
(allocation, transfer, gathers, clamping) are the methods below. torch is imported only when a torch
backend is made.

On the CPU NumPy is the faster of the two: the kernel runs dozens of small operations per epoch,
and each costs about 1 microsecond in NumPy and about 5 in torch, while the large ones cost the
same in both.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

LEAK = 0.01  # slope of leaky ReLU below zero
GELU_C, GELU_K = math.sqrt(2 / math.pi), 0.044715  # GELU, tanh approximation (as torch's approximate="tanh")
BETAS, EPS = (0.9, 0.999), 1e-8  # Adam, as torch.optim.Adam's defaults
Array = Any  # np.ndarray or torch.Tensor, depending on the backend


class NumpyBackend:
    """NumPy arrays on the CPU."""

    library = "numpy"

    def __init__(self, dtype: str = "float32") -> None:
        self.xp: ModuleType = np
        self.device = "cpu"
        self.dtype = np.dtype(dtype)

    def zeros(self, shape: tuple[int, ...] | int) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def asarray(self, a: np.ndarray) -> np.ndarray:
        return np.array(a, dtype=self.dtype)  # always a copy the kernel may write into

    def index(self, a: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=np.int64)

    def to_numpy(self, a: np.ndarray) -> np.ndarray:
        return a

    def take(self, a: np.ndarray, index: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Elements of `a` at flat positions `index`."""
        return np.take(a, index, out=out)

    def take_columns(self, a: np.ndarray, index: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.take(a, index, axis=1, out=out)

    def to_rows(self, a: np.ndarray, index: np.ndarray | None, out: np.ndarray) -> None:
        """out[i] = a[:, index[i]] (all columns in order without index), into a host array."""
        if index is None:
            out[...] = a.T
        elif a.dtype == out.dtype:
            np.take(a.T, index, axis=0, out=out)
        else:
            out[...] = a.T[index]

    def clamp_min(self, a: np.ndarray, low: float) -> None:
        np.maximum(a, low, out=a)

    def positions(self, a: np.ndarray) -> np.ndarray:
        """An index array for gather and scatter_add (the platform's integer)."""
        return np.asarray(a, dtype=np.intp)

    def gather(self, a: np.ndarray, index: np.ndarray, out: np.ndarray) -> np.ndarray:
        """out = a[index] for a one-dimensional `a`."""
        return np.take(a, index, out=out, mode="clip")  # "raise" would buffer `out`; indices are valid

    def scatter_add(self, a: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
        """a[index] += values for a one-dimensional `a`, repeated indices adding up."""
        np.add.at(a, index, values)

    def flatnonzero(self, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask)

    def copy(self, a: np.ndarray) -> np.ndarray:
        return a.copy()


class TorchBackend:
    """torch tensors on a device ("cpu", "cuda" or "mps")."""

    library = "torch"

    def __init__(self, device: str, dtype: str = "float32") -> None:
        import torch

        self.xp: ModuleType = torch
        self.device = device
        self.dtype = getattr(torch, dtype)

    def zeros(self, shape: tuple[int, ...] | int) -> Array:
        return self.xp.zeros(shape, dtype=self.dtype, device=self.device)

    def asarray(self, a: np.ndarray) -> Array:
        return self.xp.tensor(np.asarray(a), dtype=self.dtype, device=self.device)

    def index(self, a: np.ndarray) -> Array:
        return self.xp.tensor(np.asarray(a, dtype=np.int64), device=self.device)

    def to_numpy(self, a: Array) -> np.ndarray:
        return a.detach().cpu().numpy()

    def take(self, a: Array, index: Array, out: Array) -> Array:
        return self.xp.take(a, index, out=out)

    def take_columns(self, a: Array, index: Array, out: Array) -> Array:
        return self.xp.index_select(a, 1, index, out=out)

    def to_rows(self, a: Array, index: Array | None, out: np.ndarray) -> None:
        """out[i] = a[:, index[i]] (all columns in order without index), into a host array."""
        rows = a.T if index is None else self.xp.index_select(a.T, 0, index)
        self.xp.from_numpy(out).copy_(rows)

    def clamp_min(self, a: Array, low: float) -> None:
        a.clamp_(min=low)

    def positions(self, a: np.ndarray) -> Array:
        """An index array for gather and scatter_add: int32, several times faster than int64 there."""
        return self.xp.tensor(np.asarray(a, dtype=np.int32), device=self.device)

    def gather(self, a: Array, index: Array, out: Array) -> Array:
        return self.xp.index_select(a, 0, index, out=out)

    def scatter_add(self, a: Array, index: Array, values: Array) -> None:
        a.index_add_(0, index, values)

    def flatnonzero(self, mask: Array) -> Array:
        return self.xp.nonzero(mask).squeeze(1)

    def copy(self, a: Array) -> Array:
        return a.clone()


Backend = NumpyBackend | TorchBackend


def make_backend(device: str, library: str | None = None, dtype: str = "float32") -> Backend:
    """The backend for a resolved device: NumPy on the CPU unless `library="torch"`, torch elsewhere."""
    if library is None:
        library = "numpy" if device == "cpu" else "torch"
    if library == "numpy":
        if device != "cpu":
            raise ValueError(f"The NumPy backend runs on the CPU only, not on {device!r}.")
        return NumpyBackend(dtype)
    if library == "torch":
        return TorchBackend(device, dtype)
    raise ValueError(f"Unknown array library {library!r}: choose 'numpy' or 'torch'.")


def activate(bk: Backend, name: str, a: Array, pre: Array | None, th: Array | None) -> None:
    """Apply the activation to the pre-activations in `a`, in place."""
    xp = bk.xp
    if name == "tanh":
        xp.tanh(a, out=a)
    elif name == "relu":
        bk.clamp_min(a, 0.0)
    elif name == "leaky_relu":  # max(z, LEAK z), with `pre` as scratch
        xp.multiply(a, LEAK, out=pre)
        xp.maximum(a, pre, out=a)
    elif name == "sigmoid":  # 1 / (1 + exp(-z)) = (1 + tanh(z / 2)) / 2, without overflow
        a *= 0.5
        xp.tanh(a, out=a)
        a *= 0.5
        a += 0.5
    elif name == "gelu":  # z (1 + tanh(c (z + k z^3))) / 2
        pre[...] = a
        xp.multiply(a, a, out=th)
        th *= GELU_K
        th += 1.0
        th *= a
        th *= GELU_C
        xp.tanh(th, out=th)
        xp.add(th, 1.0, out=a)
        a *= pre
        a *= 0.5


def derivative(xp, name: str, dz: Array, a: Array, pre: Array, th: Array, t1: Array, t2: Array) -> None:
    """Multiply dz by the activation's derivative, from its output `a` (GELU: from pre, th)."""
    if name == "tanh":  # 1 - a^2
        xp.multiply(a, a, out=t1)
        t1 *= dz
        dz -= t1
    elif name == "relu":
        xp.greater(a, 0.0, out=t1)
        dz *= t1
    elif name == "leaky_relu":
        xp.greater(a, 0.0, out=t1)
        t1 *= 1.0 - LEAK
        t1 += LEAK
        dz *= t1
    elif name == "sigmoid":  # a (1 - a)
        xp.multiply(a, a, out=t1)
        xp.subtract(a, t1, out=t1)
        dz *= t1
    elif name == "gelu":  # (1 + t) / 2 + z (1 - t^2) c (1 + 3 k z^2) / 2
        xp.multiply(th, th, out=t1)
        t1 -= 1.0
        xp.multiply(pre, pre, out=t2)
        t2 *= 3 * GELU_K
        t2 += 1.0
        t1 *= t2
        t1 *= pre
        t1 *= -GELU_C
        t1 += th
        t1 += 1.0
        t1 *= 0.5
        dz *= t1


class Optimizer:
    """SGD, momentum (torch.optim.SGD's) or Adam (torch.optim.Adam's) on flat vectors."""

    def __init__(self, bk: Backend, n_params: int, name: str, lr: float, momentum: float = 0.9):
        self.xp, self.name, self.lr, self.momentum, self.t = bk.xp, name, lr, momentum, 0
        self.tmp = bk.zeros(n_params)
        self.m = bk.zeros(n_params) if name in ("momentum", "adam") else None
        self.v = bk.zeros(n_params) if name == "adam" else None
        self.tmp2 = bk.zeros(n_params) if name == "adam" else None

    def step(self, P: Array, G: Array) -> None:
        """Update P in place from its gradient G."""
        xp, tmp = self.xp, self.tmp
        self.t += 1
        if self.name == "sgd":
            xp.multiply(G, self.lr, out=tmp)
        elif self.name == "momentum":  # buf = momentum * buf + G; P -= lr * buf
            self.m *= self.momentum
            self.m += G
            xp.multiply(self.m, self.lr, out=tmp)
        else:
            (b1, b2), m, v, t = BETAS, self.m, self.v, self.t
            m *= b1
            xp.multiply(G, 1 - b1, out=tmp)
            m += tmp
            v *= b2
            xp.multiply(G, G, out=tmp)
            tmp *= 1 - b2
            v += tmp
            xp.sqrt(v, out=self.tmp2)
            self.tmp2 *= 1 / math.sqrt(1 - b2**t)
            self.tmp2 += EPS
            xp.divide(m, self.tmp2, out=tmp)
            tmp *= self.lr / (1 - b1**t)
        P -= tmp
