"""What is in a column: numbers written as text, missing-value markers, and the role a column
plays (numeric, categorical, free text, ID, constant, empty), plus a guess at the class column.

`engine.tables` uses `coerce_columns` while reading; `engine.cleaning` acts on `column_roles`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

MISSING_MARKERS = ("", "?", "na", "n/a", "nan", "null", "none", "nil", "missing", "#n/a", "<na>")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
_LABEL_NAMES = ("label", "class", "target", "species", "y", "diagnosis", "digit", "outcome")
_ID_NAMES = {"id", "index", "idx", "uuid", "guid", "key", "row", "rownum", "row_number"}
_ID_SUFFIX = re.compile(r"(?:[\s_.\-][iI][dD]|[a-z0-9](?:ID|Id))$")  # customer_id, CustomerID
_BOOLEAN = {"true", "false"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 row', '2 rows', '1,200 rows'; `many` for irregular plurals."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def listing(names: list[str], limit: int = 10) -> str:
    """'a, b, c', or the first `limit` names and how many more."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _id_name(name: str) -> bool:
    return name.strip().lower() in _ID_NAMES or bool(_ID_SUFFIX.search(name.strip()))


def _is_boolean(text: pd.Series) -> bool:
    return set(text.str.strip().str.lower().unique()) <= _BOOLEAN


def _role(column: pd.Series, name: str, max_categories: int) -> str:
    values = column.dropna()
    if values.empty:
        return "empty"
    if is_bool_dtype(values):
        return "numeric" if values.nunique() > 1 else "constant"
    if is_numeric_dtype(values):
        array = values.to_numpy(dtype=np.float64)
        if array.min() == array.max():
            return "constant"
        whole = bool(np.all(array == np.round(array)))
        return "id" if whole and _id_name(name) and values.is_unique else "numeric"
    text = values.astype(str)
    distinct = text.nunique()
    if distinct == 1:
        return "constant"
    if _is_boolean(text):
        return "numeric"
    if distinct <= max_categories:
        return "categorical"
    if distinct == len(text) and text.str.contains(r"\s").mean() < 0.5:
        return "id"
    return "text"


def column_roles(frame: pd.DataFrame, max_categories: int = 10) -> dict[str, str]:
    """Per column: "numeric" (true/false columns too), "categorical" (one-hot encoded), or one of
    "text", "id", "constant", "empty" (dropped), as `table_to_dataset` will treat it."""
    return {str(name): _role(frame[name], str(name), max_categories) for name in frame.columns}


def _label_like(column: pd.Series, most: int) -> bool:
    values = column.dropna()
    if not 2 <= values.nunique() <= most:
        return False
    if is_bool_dtype(values) or not is_numeric_dtype(values):
        return True
    array = values.to_numpy(dtype=np.float64)
    return bool(np.all(array == np.round(array)))


def suggest_label(frame: pd.DataFrame) -> str | None:
    """A likely class column: one named label, class, target, species, y, ... with 2 to 50 values,
    else a last column of text or whole numbers with 2 to 20 values, else None."""
    if frame.shape[1] < 2:
        return None
    by_name = {str(c).strip().lower(): str(c) for c in frame.columns}
    for key in _LABEL_NAMES:
        if key in by_name and _label_like(frame[by_name[key]], 50):
            return by_name[key]
    last = str(frame.columns[-1])
    return last if _label_like(frame[last], 20) else None


def coerce_columns(frame: pd.DataFrame, decimal: str) -> list[str]:
    """Strip text cells, read missing-value markers as missing, and read numeric text as numbers."""
    notes = []
    for name in frame.columns:
        column = frame[name]
        if is_numeric_dtype(column) or is_bool_dtype(column):
            continue
        text = column.astype(str).str.strip().mask(column.isna())
        missing = text.isna() | text.str.lower().isin(MISSING_MARKERS)
        number, note = _as_numbers(text[~missing], name, decimal)
        frame[name] = text.mask(missing) if number is None else number.reindex(frame.index)
        notes += [note] if note else []
    return notes


def _as_numbers(values: pd.Series, name: str, decimal: str) -> tuple[pd.Series | None, str | None]:
    """Stripped, non-missing text cells as numbers (and a note), or None when the column is text."""
    if values.empty:
        return values.astype("float64"), None
    written = values
    if decimal == ",":
        values = values.str.replace(",", ".")
    head = values.iloc[:200]  # a quick look first, so text columns are not parsed twice
    if pd.to_numeric(head, errors="coerce").isna().mean() > 0.05 and not _thousands(head, decimal):
        return None, None
    number = pd.to_numeric(values, errors="coerce")
    bad = number.isna()
    if not bad.any():
        return number, None
    if _thousands(values, decimal):
        note = f"Read '{name}' as numbers written with thousands separators (1,234 = 1234)."
        return pd.to_numeric(values.str.replace(",", "")), note
    if bad.sum() <= 0.05 * len(values) and len(values) >= 20:
        example = written[bad].iloc[0]
        cells = plural(int(bad.sum()), "cell")
        return (
            number,
            f"Read {cells} of '{name}' that are not numbers (e.g. {example!r}) as missing.",
        )
    return None, None


def _thousands(values: pd.Series, decimal: str) -> bool:
    return decimal == "." and bool(values.str.fullmatch(_THOUSANDS).all())
