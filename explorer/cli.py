"""The `manifold-explorer` command: launch the app (bound to 127.0.0.1 unless told otherwise), with the
server settings of `explorer/config.toml` and the upload limit (`engine.data.formats.MAX_UPLOAD_MB`)
passed as options, so they hold wherever the app is installed."""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path

from engine.data.formats import MAX_UPLOAD_MB  # standard library only: cheap to import here

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "explorer" / "app.py"
CONFIG = ROOT / "explorer" / "config.toml"  # Streamlit settings: theme, session-state checks


def build_command(argv: list[str] | None = None) -> list[str]:
    """The `streamlit run` command line for the given options."""
    parser = argparse.ArgumentParser(
        prog="manifold-explorer",
        description="See what machine-learning models do to data, in your browser.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (0.0.0.0 serves a classroom network)",
    )
    parser.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535, got {args.port}")
    chosen = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", args.host,
        "--server.port", str(args.port),
        "--server.headless", "true" if args.no_browser else "false",
        "--browser.serverAddress", "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host,
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    return chosen + [part for name, value in config_options() if name not in chosen for part in (name, value)]


def config_options() -> list[tuple[str, str]]:
    """Every setting of CONFIG, and the engine's upload limit, as `streamlit run` options and values."""
    options = [("--server.maxUploadSize", str(MAX_UPLOAD_MB))]
    for section, table in tomllib.loads(CONFIG.read_text()).items():
        for key, value in table.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            options.append((f"--{section}.{key}", text))
    return options


def main(argv: list[str] | None = None) -> None:
    """Replace this process with the Streamlit server, run from the folder that holds the packages."""
    cmd = build_command(argv)
    os.chdir(ROOT)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    os.execve(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
