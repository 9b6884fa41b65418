"""`DataSource`: one frozen value per origin of the data, hashable, equal exactly when the data is,
and cheap to import; the table types' leaf module; the data limits."""

import ast
import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from engine.data.datasets import GENERATORS, LIMITS, DatasetConfig
from engine.data.options import LIMITS as TABLE_LIMITS
from engine.data.options import TableOptions
from engine.data.source import DataSource
from tests.sources import tree as source_tree

ROOT = Path(__file__).resolve().parents[3]
OPTS = TableOptions(label="species")


def test_equal_sources_are_equal_and_hash_alike():
    pairs = [
        (DataSource.of_config(DatasetConfig("moons", 300)), DataSource(dataset=DatasetConfig("moons", 300))),
        (
            DataSource.of_sample("iris_flowers", OPTS),
            DataSource.of_sample("iris_flowers", TableOptions("species")),
        ),
        (DataSource.of_upload("a.csv", "ab12", OPTS), DataSource(upload="a.csv", digest="ab12", table=OPTS)),
    ]
    for a, b in pairs:
        assert a == b and hash(a) == hash(b)
        assert {a: 1}[b] == 1, "usable as a dict key, as the result stores use it"
    with pytest.raises(FrozenInstanceError):
        pairs[0][0].sample = "x"  # type: ignore[misc]


def test_sources_differ_when_their_data_can():
    sources = [
        DataSource.of_config(DatasetConfig("moons")),
        DataSource.of_config(DatasetConfig("moons", seed=1)),
        DataSource.of_sample("iris_flowers", OPTS),
        DataSource.of_sample("iris_flowers", TableOptions(label="species", max_rows=100)),
        DataSource.of_upload("data.csv", "0" * 32, OPTS),
        DataSource.of_upload("data.csv", "1" * 32, OPTS),  # another file of the same name
        DataSource.of_upload("other.csv", "0" * 32, OPTS),  # the same bytes, named otherwise
        DataSource.of_upload("iris_flowers.csv", "0" * 32, OPTS),  # not the sample it is named like
    ]
    assert len(set(sources)) == len(sources)
    assert len({(s, "cfg") for s in sources}) == len(sources), "nor in the tuples of cache keys"


def test_a_source_is_exactly_one_origin():
    bad = [
        {},
        {"dataset": DatasetConfig(), "sample": "iris_flowers", "table": OPTS},
        {"dataset": DatasetConfig(), "table": OPTS},
        {"sample": "iris_flowers"},
        {"upload": "a.csv", "table": OPTS},  # an upload without its digest
        {"sample": "iris_flowers", "digest": "ab12", "table": OPTS},
    ]
    for fields in bad:
        with pytest.raises(ValueError, match="source"):
            DataSource(**fields)


def test_name_is_the_datasets_name():
    assert DataSource.of_config(DatasetConfig("spirals")).name == "spirals"
    assert DataSource.of_sample("iris_flowers", OPTS).name == "iris_flowers"
    assert DataSource.of_upload("my data.v2.tsv", "ab12", OPTS).name == "my data.v2"


def test_the_source_and_table_types_import_without_pandas():
    code = (
        "import sys, engine.data.source, engine.data.options, explorer.shared.reproduce; "
        "print(sorted(m for m in ('pandas', 'sklearn', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_options_module_is_a_leaf_that_clean_and_tables_share():
    tree = source_tree(ROOT / "engine/data/options.py")
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m.startswith("engine") for m in modules), modules
    from engine.data import clean, tables

    assert clean.TableOptions is tables.TableOptions is TableOptions
    assert clean.Table is tables.Table


def test_limits_cover_every_generator_and_the_default_row_cap():
    lo, hi = LIMITS["n_classes"]
    ranges = [spec.classes for spec in GENERATORS.values()]
    assert all(lo <= a <= b <= hi for a, b in ranges)
    assert lo in {a for a, _ in ranges} and hi in {b for _, b in ranges}, "the widest range, not wider"
    rlo, rhi = TABLE_LIMITS["max_rows"]
    assert rlo <= TableOptions().max_rows <= rhi
    assert LIMITS["n_samples"][0] <= DatasetConfig().n_samples <= LIMITS["n_samples"][1]
