"""The project's Python sources as ASTs, parsed in a fresh interpreter.

Python 3.11's `ast.parse` fails with "AST constructor recursion depth mismatch" when another thread
of the process builds an AST at the same moment (a page run left from an earlier test, importing a
module); a new process has no other thread. The trees come back pickled.
"""

from __future__ import annotations

import ast
import base64
import functools
import pickle
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_PARSE = """
import ast, base64, pickle, sys
trees = {p: ast.parse(open(p, encoding="utf-8").read(), p) for p in sys.argv[1:]}
sys.stdout.write(base64.b64encode(pickle.dumps(trees)).decode())
"""


@functools.cache
def _trees() -> dict[str, ast.Module]:
    files = [str(f) for d in ("engine", "explorer", "pages") for f in sorted((ROOT / d).rglob("*.py"))]
    done = subprocess.run([sys.executable, "-c", _PARSE, *files], capture_output=True, text=True, check=True)
    return pickle.loads(base64.b64decode(done.stdout))  # our own child's output


def tree(path: Path) -> ast.Module:
    """The AST of one source file under engine/, explorer/ or pages/."""
    return _trees()[str(Path(path).resolve())]


def imports(path: Path) -> set[str]:
    """Top-level package names `path` imports (relative imports left out)."""
    names = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names
