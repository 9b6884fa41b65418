"""The table types of the data layer, as plain frozen values: `TableOptions` (how a table becomes a
dataset), `Table` (a table file as read) and the bounds a user may choose for the options.

A leaf module (dataclasses only, pandas named for type checkers alone), so that `engine.data.clean`
and `engine.data.tables` both import from it without a cycle, and cache keys and script writers can
name these types without importing pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MISSING = ("impute", "drop")  # the missing-value policies of TableOptions.missing
LIMITS = {"max_rows": (100, 1_000_000)}  # the row caps offered (the engine accepts any cap of 2 or more)


@dataclass(frozen=True)
class TableOptions:
    """How to turn a table into a dataset. Frozen, so it is a cache key and URL state at once."""

    label: str | None = None  # class column, or None for unlabelled
    features: tuple[str, ...] | None = None  # None: every usable column except the label
    missing: str = "impute"  # "impute" (median / most frequent) or "drop" (drop rows)
    max_rows: int = 100_000  # above this, a seeded random sample of rows is kept
    seed: int = 0
    max_categories: int = 10  # one-hot encode text columns with at most this many values
    max_classes: int = 50  # a label column with more distinct values is refused


@dataclass(frozen=True)
class Table:
    """A table file as read: every column under a unique, non-empty name, and what reading changed."""

    frame: pd.DataFrame  # (n_rows, n_columns) numeric, boolean or text columns
    name: str  # file stem, for titles
    notes: tuple[str, ...]  # full sentences: encoding, delimiter, renamed columns, skipped rows...
    delimiter: str  # a CSV's: one of , ; \t |  ("" for the binary formats)
    encoding: str  # a CSV's codec, e.g. "utf-8", "cp1252" ("" for the binary formats)
    format: str = "csv"  # what was read (inside an archive): "csv", "parquet", "feather" or "xlsx"
