"""`python -m benchmarks [NAME ...] [--repeat N] [--list]`: one JSON line per benchmark."""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks import load_all, run


def main(argv: list[str] | None = None) -> int:
    registry = load_all()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--repeat", type=int, help="repetitions of each side (default: per benchmark)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and their goals")
    args = parser.parse_args(argv)
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
    for name in args.names or list(registry):
        print(json.dumps(run(registry[name], args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
