"""What user input can reach: no code execution, no unpickling, a size limit, loopback by default."""

import ast
import tomllib
from pathlib import Path

import pytest

from engine.data.formats import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, check_upload_size
from engine.data.tables import read_table
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
    """One limit: the server gets the engine's from the command line, and nothing else sets it."""
    from explorer.cli import build_command

    cmd = build_command([])
    assert cmd.count("--server.maxUploadSize") == 1
    assert int(cmd[cmd.index("--server.maxUploadSize") + 1]) * 2**20 == MAX_UPLOAD_BYTES
    config = tomllib.loads((ROOT / "explorer" / "config.toml").read_text())
    assert "maxUploadSize" not in config["server"], "the limit lives in engine.data.formats alone"
    assert 1_000_000 * 100 * 9 < MAX_UPLOAD_BYTES < 2 * 2**30, "a 1M x 100 table fits; 2 GB does not"


def test_a_2_gb_upload_is_refused_with_the_limit_named():
    """The check the sidebar makes on the size the browser declares (a 2 GB file is not built)."""
    with pytest.raises(ValueError, match=f"2,048 MB, more than the {MAX_UPLOAD_MB:,} MB upload limit"):
        check_upload_size(2 * 2**30)
    check_upload_size(MAX_UPLOAD_BYTES)  # at the limit: accepted


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    import engine.data.formats
    import engine.data.tables

    monkeypatch.setattr(engine.data.formats, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr(engine.data.tables, "_read_csv", lambda *a: pytest.fail("the file was parsed"))
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
