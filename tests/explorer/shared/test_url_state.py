"""URL parameter table: round trips, fallbacks with notes, and fuzzed query strings."""

import random
import string

import pytest

from explorer.boundaries import controls as boundary_widgets
from explorer.inspector.controls import embed_params
from explorer.layers import controls as network_widgets
from explorer.optimizers import controls as optimizer_widgets
from explorer.shared.url_state import Param, parse, serialize
from explorer.shared.widgets import GLOBAL, data_params

TABLE = (
    Param("flag", True),
    Param("n", 100, bounds=(10, 1000)),
    Param("lr", 0.5, bounds=(0.0, 10.0)),
    Param("name", "a", choices=("a", "b")),
    Param("free", ""),
    Param("many", ("x",), choices=("x", "y", "z")),
)
PAGE_TABLES = [
    GLOBAL,
    data_params("moons") + embed_params(),
    data_params("moons") + network_widgets.params(),
    boundary_widgets.params(),
    optimizer_widgets.params(),
]


def test_defaults_serialize_to_nothing_and_parse_back():
    values, notes = parse({}, TABLE)
    assert notes == [] and serialize(values, TABLE) == {}
    assert values == {p.key: p.default for p in TABLE}


def test_round_trip_of_non_defaults():
    values = {"flag": False, "n": 999, "lr": 1e-3, "name": "b", "free": "hello", "many": ("z", "x")}
    query = serialize(values, TABLE)
    assert query == {
        "flag": "0",
        "n": "999",
        "lr": "0.001",
        "name": "b",
        "free": "hello",
        "many": "z,x",
    }
    parsed, notes = parse(query, TABLE)
    assert parsed == values and notes == []


@pytest.mark.parametrize(
    "key,raw",
    [
        ("n", "5"),
        ("n", "abc"),
        ("n", "1e9"),
        ("lr", "nan"),
        ("name", "c"),
        ("flag", "maybe"),
        ("many", "x,w"),
        ("many", ""),
    ],
)
def test_bad_values_fall_back_with_a_note(key, raw):
    values, notes = parse({key: raw}, TABLE)
    default = next(p.default for p in TABLE if p.key == key)
    assert values[key] == default
    assert len(notes) == 1 and key in notes[0] and "default" in notes[0]


def test_unknown_keys_are_ignored():
    values, notes = parse({"zzz": "1", "n": "20"}, TABLE)
    assert values["n"] == 20 and notes == [] and "zzz" not in values


@pytest.mark.parametrize("table", PAGE_TABLES)
def test_page_tables_round_trip(table):
    rng = random.Random(0)
    for _ in range(50):
        values = {}
        for p in table:
            if p.choices and isinstance(p.default, tuple):
                values[p.key] = tuple(rng.sample(p.choices, rng.randint(1, min(3, len(p.choices)))))
            elif p.choices:
                values[p.key] = rng.choice(p.choices)
            elif isinstance(p.default, bool):
                values[p.key] = rng.random() < 0.5
            elif isinstance(p.default, int):
                values[p.key] = rng.randint(int(p.bounds[0]), int(p.bounds[1]))
            elif isinstance(p.default, float):
                values[p.key] = round(rng.uniform(*p.bounds), 3)
            else:
                values[p.key] = "".join(rng.choices(string.ascii_letters, k=5))
        parsed, notes = parse(serialize(values, table), table)
        assert notes == [] and parsed == values


@pytest.mark.parametrize("table", PAGE_TABLES)
def test_fuzzed_queries_never_raise(table):
    rng = random.Random(1)
    alphabet = string.printable + "é∞—\x00"
    for _ in range(500):
        query = {}
        for p in rng.sample(table, rng.randint(0, len(table))):
            raw = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
            query[p.key] = [raw, raw[::-1]] if rng.random() < 0.2 else raw
        values, notes = parse(query, table)
        assert set(values) == {p.key for p in table}
        assert all(isinstance(n, str) for n in notes)
