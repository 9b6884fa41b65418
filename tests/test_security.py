"""What user input can reach: no code execution, no unpickling, a size limit, loopback by default."""

import ast
import tomllib
from pathlib import Path

import pytest

from engine.data.tables import MAX_UPLOAD_BYTES, read_table
from tests.sources import tree

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for d in ("engine", "explorer", "pages") for p in (ROOT / d).glob("*.py"))
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRS = {("pickle", "load"), ("pickle", "loads"), ("marshal", "loads"), ("yaml", "load"),
                   ("dill", "load"), ("joblib", "load"), ("np", "load"), ("numpy", "load")}  # fmt: skip


def _calls(path: Path):
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.AST) -> tuple[str, ...]:
    if isinstance(func, ast.Name):
        return (func.id,)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return (func.value.id, func.attr)
    return ()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_evaluates_or_unpickles(path):
    for call in _calls(path):
        name = _name(call.func)
        assert not (len(name) == 1 and name[0] in FORBIDDEN_CALLS), (
            f"{path.name}:{call.lineno} calls {name[0]}"
        )
        assert name not in FORBIDDEN_ATTRS, f"{path.name}:{call.lineno} calls {'.'.join(name)}"
        if name == ("torch", "load"):
            flags = {k.arg: k.value for k in call.keywords}
            assert isinstance(flags.get("weights_only"), ast.Constant) and flags["weights_only"].value is True
        for kw in call.keywords:
            if kw.arg == "shell":
                assert isinstance(kw.value, ast.Constant) and kw.value.value is False, (
                    f"{path.name}:{call.lineno}"
                )


def test_no_source_writes_temporary_files():
    for path in SOURCES:
        text = path.read_text()
        assert "tempfile" not in text and "mkstemp" not in text, f"{path.name} writes temporary files"


def test_upload_limit_is_the_same_in_the_server_and_the_engine():
    config = tomllib.loads((ROOT / "explorer" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    import engine.data.tables

    monkeypatch.setattr(engine.data.tables, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ValueError, match="MB"):
        read_table(b"a,b\n" + b"1,2\n" * 500, "big.csv")


def test_the_server_listens_on_loopback_unless_told_otherwise():
    from explorer.cli import build_command

    cmd = build_command([])
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"


def test_every_dependency_is_pinned_in_the_constraints():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {line.split("==")[0].strip().lower().replace("_", "-")
              for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}  # fmt: skip
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {
        w.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower().replace("_", "-")
        for w in wanted
    }
    assert names <= pinned, names - pinned
