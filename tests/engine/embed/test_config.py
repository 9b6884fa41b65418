"""The embedding config module: a leaf every other module takes EmbedConfig and the callback types from."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.embed.config import KERNELS, LLE_METHODS, EmbedConfig
from tests.sources import tree as source_tree

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [p for top in ("engine", "explorer", "pages") for p in sorted((ROOT / top).rglob("*.py"))]


def test_config_imports_nothing_from_the_engine():
    tree = source_tree(ROOT / "engine/embed/config.py")
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in modules if m.split(".")[0] in ("engine", "explorer", "pages")}
    code = "import sys, engine.embed.config; print(sorted(m for m in sys.modules if m.startswith('engine.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "['engine.embed', 'engine.embed.config']"


@pytest.mark.parametrize("alias", ["Layout", "RowsLayout", "Progress"])
def test_each_callback_alias_is_defined_once(alias):
    pattern = re.compile(rf"^{alias}\s*=", re.MULTILINE)
    defined = [p.relative_to(ROOT).as_posix() for p in SOURCES if pattern.search(p.read_text())]
    assert defined == ["engine/embed/config.py"]


def test_embed_config_is_a_hashable_value_with_known_choices():
    cfg = EmbedConfig(method="lle", lle_method="hessian", n_neighbors=12)
    assert cfg == EmbedConfig(method="lle", lle_method="hessian", n_neighbors=12)
    assert len({cfg, EmbedConfig(method="lle", lle_method="hessian", n_neighbors=12), EmbedConfig()}) == 2
    assert EmbedConfig().kernel in KERNELS and EmbedConfig().lle_method in LLE_METHODS
    with pytest.raises(AttributeError):
        cfg.method = "pca"  # type: ignore[misc]
