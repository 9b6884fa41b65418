"""The import rules of DESIGN.md, checked on the sources, and a cheap app start."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.sources import imports

ROOT = Path(__file__).resolve().parents[1]


RULES = [
    ("engine", {"streamlit", "plotly", "explorer", "pages"}),
    ("pages", {"torch", "sklearn", "umap", "scipy"}),
    ("explorer", {"torch", "sklearn", "umap", "pages"}),
]


@pytest.mark.parametrize("folder,forbidden", RULES)
def test_imports_run_one_way(folder, forbidden):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert len(files) > 1
    for f in files:
        bad = imports(f) & forbidden
        assert not bad, f"{f.relative_to(ROOT)} imports {sorted(bad)}"


def test_figure_modules_do_not_import_streamlit():
    files = sorted((ROOT / "explorer").rglob("*figures*.py"))
    assert len(files) >= 5  # the shared builders and every view's own
    for f in files:
        assert "streamlit" not in imports(f), f"{f.relative_to(ROOT)} imports streamlit"


def test_every_folder_is_a_package():
    """Packages are found automatically: a folder of sources without __init__.py would be left out."""
    for top in ("engine", "explorer", "pages"):
        for d in [
            ROOT / top,
            *(p for p in (ROOT / top).rglob("*") if p.is_dir() and p.name != "__pycache__"),
        ]:
            if any(d.glob("*.py")):
                assert (d / "__init__.py").exists(), f"{d.relative_to(ROOT)} has no __init__.py"


def test_app_modules_import_without_heavy_libraries():
    code = (
        "import sys, explorer.shared.widgets, explorer.shared.figures, explorer.shared.export, engine.embed.methods, "
        "engine.data.tables, engine.data.datasets; "
        "print(sorted(m for m in ('torch', 'umap', 'sklearn.manifold', 'numba') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]", out.stdout
