"""Side-by-side timings of our workloads against their peers (`python -m benchmarks`).

A benchmark is a function decorated with `@benchmark(name, goal)` in any module of this package
(modules whose name starts with "_" hold helpers and are not scanned). It takes the number of
repetitions and returns a dict of figures: "ours_s" and "peer_s" (medians, seconds; peer_s may be
None), "meets" (bool: whether the goal is met) and any extra figures. The runner adds the name,
goal, runs and ratio. Timings are never asserted anywhere: a benchmark is not a test.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project root


@dataclass(frozen=True)
class Benchmark:
    name: str
    goal: str  # in words, e.g. "ours <= 1.5 x bare Streamlit app"
    fn: Callable[[int], dict]  # repeat -> figures
    repeat: int  # default repetitions
    cuda: bool = False  # prints CUDA figures when a CUDA device is present (run by --gpu)


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, goal: str, repeat: int = 5, cuda: bool = False) -> Callable:
    """Register `fn(repeat) -> dict of figures` under `name`; `cuda`: it has CUDA figures too."""

    def register(fn: Callable[[int], dict]) -> Callable[[int], dict]:
        if name in REGISTRY:
            raise ValueError(f"Benchmark {name!r} is registered twice.")
        REGISTRY[name] = Benchmark(name, goal, fn, repeat, cuda)
        return fn

    return register


def load_all() -> dict[str, Benchmark]:
    """Import every benchmark module of this package; the registry, in registration order."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY


def run(bench: Benchmark, repeat: int | None = None) -> dict:
    """Run one benchmark; its figures with name, goal, ratio and runs, in print order."""
    runs = repeat or bench.repeat
    figures = bench.fn(runs)
    ours, peer = figures.pop("ours_s"), figures.pop("peer_s", None)
    head = {"name": bench.name, "ours_s": _round(ours), "peer_s": _round(peer)}
    head["ratio"] = _round(ours / peer) if ours is not None and peer else None
    head |= {"goal": bench.goal, "meets": bool(figures.pop("meets")), "runs": runs}
    return head | {k: _round(v) for k, v in figures.items()}


def _round(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall seconds of `repeat` calls of `fn`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


def vmhwm_mb(pid: int | str = "self") -> float:
    """Peak resident memory (VmHWM in /proc/PID/status) of one process, in MB. Unlike ru_maxrss it
    is that process's own: not carried over from a parent across fork and exec, not mixed with
    children's."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_python(code: str, *args: str, timeout: float = 600) -> dict:
    """Run `code` in a fresh interpreter (cwd the project root); the JSON of its last stdout line."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Benchmark subprocess failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
