"""The import rules of DESIGN.md, checked on the sources, and a cheap app start."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


RULES = [
    ("engine", {"streamlit", "plotly", "explorer", "pages"}),
    ("pages", {"torch", "sklearn", "umap", "scipy"}),
    ("explorer", {"torch", "sklearn", "umap", "pages"}),
]


@pytest.mark.parametrize("folder,forbidden", RULES)
def test_imports_run_one_way(folder, forbidden):
    files = sorted((ROOT / folder).glob("*.py"))
    assert files
    for f in files:
        bad = _imports(f) & forbidden
        assert not bad, f"{f.relative_to(ROOT)} imports {sorted(bad)}"


def test_figures_do_not_import_streamlit():
    assert "streamlit" not in _imports(ROOT / "explorer" / "figures.py")


def test_app_modules_import_without_heavy_libraries():
    code = (
        "import sys, explorer.widgets, explorer.figures, explorer.export, engine.embedding, "
        "engine.tables, engine.datasets; "
        "print(sorted(m for m in ('torch', 'umap', 'sklearn.manifold', 'numba') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]", out.stdout
