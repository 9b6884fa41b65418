"""A wheel built from the sources and installed in a fresh virtual environment serves every page."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from explorer.nav import PAGES
from tests.conftest import ROOT, launched_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _wheel(folder: Path) -> Path:
    """A wheel built from a copy of the sources, so no earlier build's leftovers can slip into it."""
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"))  # fmt: skip
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
                   check=True, cwd=folder, timeout=600)  # fmt: skip
    return next(folder.glob("manifold_explorer-*.whl"))


def _venv(folder: Path, wheel: Path) -> tuple[Path, dict]:
    """A virtual environment holding the wheel, whose dependencies are borrowed from this one (through
    a path file, which adds this environment's packages but not this checkout)."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)  # fmt: skip
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    (Path(site) / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return python, env


def test_an_installed_wheel_serves_every_page(tmp_path, browser):
    wheel = _wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("explorer/config.toml", "explorer/app.py", "pages/home.py", "sample_data/iris_flowers.csv",
                    "engine/embed/umap.py", "explorer/inspector/compute.py"):  # fmt: skip
        assert shipped in names, f"the wheel lacks {shipped}"
    python, env = _venv(tmp_path / "venv", wheel)
    where = subprocess.run([python, "-c", "import engine, explorer; print(engine.__file__, explorer.__file__)"],
                           cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert str(ROOT) not in where and str(tmp_path / "venv") in where, where
    log = tmp_path / "server.log"
    command = [str(tmp_path / "venv" / "bin" / "manifold-explorer")]
    with launched_app(log, command, cwd=tmp_path, env=env) as (url, _):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(90_000)
        try:
            for path, (_, title, _) in PAGES.items():
                page.goto(f"{url}/{'' if path == 'home' else path}")
                heading = "Manifold Explorer" if path == "home" else title
                page.get_by_role("heading", name=heading).first.wait_for()
                assert page.locator('[data-testid="stException"]').count() == 0, (
                    path,
                    log.read_text()[-3000:],
                )
            page.goto(f"{url}/inspector?data=sample:iris_flowers&methods=pca")
            page.get_by_text("iris_flowers").first.wait_for()  # a shipped sample, read from the wheel
            assert page.locator('[data-testid="stException"]').count() == 0, log.read_text()[-3000:]
        finally:
            context.close()
