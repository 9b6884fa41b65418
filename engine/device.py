"""Compute-device resolution: the one place that decides between CPU, CUDA and Apple MPS."""

from __future__ import annotations

import os
import sys
from functools import cache

DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")


def _may_have_gpu() -> bool:
    """False when this machine certainly has no GPU torch could use: Linux without an NVIDIA
    driver (no /proc/driver/nvidia, no /dev/nvidia*, no WSL GPU). Then torch need not be imported
    to find out, which saves a second on every first "auto" of a CPU-only machine."""
    if not sys.platform.startswith("linux"):
        return True  # macOS (MPS), Windows: ask torch
    return any(
        os.path.exists(p)
        for p in ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/nvidia0", "/dev/dxg")
    )


@cache
def _available() -> tuple[bool, bool]:
    """(cuda, mps) availability; imports torch on first call only, and not at all when
    `_may_have_gpu()` rules a GPU out."""
    if not _may_have_gpu():
        return False, False
    import torch

    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    return bool(torch.cuda.is_available()), mps


def resolve_device(requested: str = "auto") -> str:
    """Map a user request to a usable torch device name ("cpu", "cuda" or "mps").

    "auto" picks CUDA, then MPS, then CPU. Asking for a device that is absent raises a
    ValueError that says what is available.
    """
    if requested not in DEVICE_CHOICES:
        raise ValueError(f"Unknown device {requested!r}: choose one of {', '.join(DEVICE_CHOICES)}.")
    if requested == "cpu":
        return "cpu"
    cuda, mps = _available()
    if requested == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if requested == "cuda" and not cuda:
        raise ValueError("No CUDA GPU is available on this machine: choose 'auto' or 'cpu'.")
    if requested == "mps" and not mps:
        raise ValueError("Apple MPS is not available on this machine: choose 'auto' or 'cpu'.")
    return requested


def describe_device(device: str) -> str:
    """A short human label for a resolved device, e.g. 'CUDA (NVIDIA H100)'."""
    if device == "cuda":
        import torch

        return f"CUDA ({torch.cuda.get_device_name(0)})"
    return {"cpu": "CPU", "mps": "Apple MPS"}.get(device, device)
