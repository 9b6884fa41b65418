"""`python -m benchmarks [NAME ...] [--repeat N] [--list] [--gpu]`: one JSON line per benchmark.

`--gpu` is the one command for a CUDA machine: every `gpu` test (`pytest -m gpu`), then every
benchmark with CUDA figures, then one JSON report line; it exits non-zero when there is no CUDA
device or a test fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from benchmarks import ROOT, load_all, run


def main(argv: list[str] | None = None) -> int:
    registry = load_all()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--repeat", type=int, help="repetitions of each side (default: per benchmark)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and their goals")
    parser.add_argument("--gpu", action="store_true", help="the gpu tests and the CUDA figures, one report")
    args = parser.parse_args(argv)
    if args.gpu:
        return gpu_report(registry, args.repeat)
    if args.list:
        for bench in registry.values():
            print(f"{bench.name}: {bench.goal}")
        return 0
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        print(
            f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(registry)}.",
            file=sys.stderr,
        )
        return 2
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    failed = 0
    for name in args.names or list(registry):
        try:
            line = run(registry[name], args.repeat)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed += 1
            line = {"name": name, "error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"}
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


def gpu_report(registry: dict, repeat: int | None) -> int:
    """Run `pytest -m gpu` and every benchmark with CUDA figures; print their lines and a report."""
    import torch

    if not torch.cuda.is_available():
        print(json.dumps({"report": "gpu", "cuda": False, "note": "no CUDA device: nothing was run"}))
        return 3
    start = time.perf_counter()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-rA", "-p", "no:cacheprovider"],
                           cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    print(tests.stdout[-6000:], flush=True)
    figures = {}
    for bench in (b for b in registry.values() if b.cuda):
        line = run(bench, repeat)
        print(json.dumps(line), flush=True)
        figures[bench.name] = {k: v for k, v in line.items() if k not in ("name", "goal")}
    summary = (tests.stdout.strip().splitlines() or [""])[-1]
    report = {"report": "gpu", "cuda": torch.cuda.get_device_name(0), "tests_rc": tests.returncode,
              "tests": summary, "figures": figures, "seconds": time.perf_counter() - start}  # fmt: skip
    print(json.dumps(report), flush=True)
    return 0 if tests.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
