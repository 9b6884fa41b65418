"""What is in a column: numbers written as text, missing-value markers, and the role a column
plays (numeric, categorical, free text, ID, constant, empty), plus a guess at the class column.

`engine.data.tables` uses `coerce_columns` while reading; `engine.data.clean` acts on `column_roles`.
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
_HUGE = 1e150  # beyond this, squares (variances, distances) overflow 64-bit floats
_EXCEL_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#N/A")
_DATE = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"  # 2024-01-31, 31/01/2024
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|[AP]M)?",
    re.IGNORECASE,
)
_CURRENCY = re.compile(r"^([-+]?)\s*[$€£¥₹]\s*")  # $1,234.50  -€3
_UNITS = {
    "currency": "amounts without the currency sign ($1,234.50 = 1234.5)",
    "percent": "numbers without the percent sign (12% = 12)",
}


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
        array = array[np.isfinite(array)]
        if not array.size:
            return "infinite"
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
    if text.iloc[:200].str.fullmatch(_DATE).mean() >= 0.9:
        return "date"
    if distinct == len(text) and text.str.contains(r"\s").mean() < 0.5:
        return "id"
    return "text"


def column_roles(frame: pd.DataFrame, max_categories: int = 10) -> dict[str, str]:
    """Per column: "numeric" (true/false columns too), "categorical" (one-hot encoded), or one of
    "text", "id", "date", "constant", "empty", "infinite", "huge" (dropped), as `table_to_dataset` will
    treat it. Plain number columns are judged together, so a 10,000-column file stays quick."""
    names = [str(c) for c in frame.columns]
    plain = [j for j, t in enumerate(frame.dtypes) if isinstance(t, np.dtype) and t.kind in "iuf"]
    roles = dict.fromkeys(names, "")
    if plain:
        block = frame.iloc[:, plain].to_numpy(dtype=np.float64)  # (n_rows, n_plain)
        finite = np.isfinite(block)
        if finite.all():  # the common case, without the (n_rows, n_plain) temporaries below
            low, high = block.min(axis=0, initial=np.inf), block.max(axis=0, initial=-np.inf)
            empty = np.full(len(plain), not len(block))
        else:
            low = np.where(finite, block, np.inf).min(axis=0, initial=np.inf)
            high = np.where(finite, block, -np.inf).max(axis=0, initial=-np.inf)
            empty = np.isnan(block).all(axis=0)
        for k, j in enumerate(plain):
            name = names[j]
            if empty[k]:
                roles[name] = "empty"
            elif not finite[:, k].any():
                roles[name] = "infinite"
            elif low[k] == high[k]:
                roles[name] = "constant"
            elif max(-low[k], high[k]) > _HUGE:
                roles[name] = "huge"
            elif _id_name(name) and _whole(block[:, k]) and frame.iloc[:, j].dropna().is_unique:
                roles[name] = "id"
            else:
                roles[name] = "numeric"
    for j, name in enumerate(names):
        roles[name] = roles[name] or _role(frame.iloc[:, j], name, max_categories)
    return roles


def _whole(values: np.ndarray) -> bool:
    """Every finite value a whole number."""
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def _label_like(column: pd.Series, most: int, complete: bool) -> bool:
    """2 to `most` distinct values (none missing when `complete`), numbers only when whole and finite."""
    values = column.dropna()
    if (complete and len(values) < len(column)) or not 2 <= values.nunique() <= most:
        return False
    if is_bool_dtype(values) or not is_numeric_dtype(values):
        return True
    array = values.to_numpy(dtype=np.float64)
    return bool(np.all(np.isfinite(array) & (array == np.round(array))))


def suggest_label(frame: pd.DataFrame) -> str | None:
    """A likely class column: one named label, class, target, species, y, ... with 2 to 50 values
    (rows missing it are dropped); else a last column of text or whole numbers with 2 to 20 values,
    no missing or infinite cell, and two usable feature columns beside it; else None. An unnamed
    number column with gaps is a feature more often than a label."""
    if frame.shape[1] < 2:
        return None
    by_name = {str(c).strip().lower(): str(c) for c in frame.columns}
    for key in _LABEL_NAMES:
        if key in by_name and _label_like(frame[by_name[key]], 50, complete=False):
            return by_name[key]
    last = str(frame.columns[-1])
    if not _label_like(frame[last], 20, complete=True):
        return None
    roles = column_roles(frame)
    features = [c for c, role in roles.items() if c != last and role in ("numeric", "categorical")]
    return last if len(features) >= 2 else None


def coerce_columns(frame: pd.DataFrame, decimal: str) -> list[str]:
    """Strip text cells, read missing-value markers and Excel errors as missing, and read numeric
    text (with thousands separators, a currency sign or a percent sign) as numbers."""
    notes = []
    for name in frame.columns:
        column = frame[name]
        if is_numeric_dtype(column) or is_bool_dtype(column):
            continue
        text = column.astype(str).str.strip().mask(column.isna())
        missing = text.isna() | text.str.lower().isin(MISSING_MARKERS)
        errors = ~missing & text.str.upper().isin(_EXCEL_ERRORS)
        if errors.any():
            shown = ", ".join(sorted(set(text[errors].str.upper()))[:3])
            notes.append(
                f"Read {plural(int(errors.sum()), 'Excel error value')} ({shown}) in '{name}' as missing."
            )
            missing |= errors
        number, more = _as_numbers(text[~missing], name, decimal)
        frame[name] = text.mask(missing) if number is None else number.reindex(frame.index)
        notes += more
    return notes


def _as_numbers(values: pd.Series, name: str, decimal: str) -> tuple[pd.Series | None, list[str]]:
    """Stripped, non-missing text cells as numbers (and notes), or None when the column is text."""
    if values.empty:
        return values.astype("float64"), []
    written, notes = values, []
    unit = _unit(values.iloc[:200])
    if unit == "currency":
        values = values.str.replace(_CURRENCY, r"\1", regex=True)
    elif unit == "percent":
        values = values.str.removesuffix("%").str.strip()
    if decimal == ",":
        values = values.str.replace(",", ".")
    head = values.iloc[:200]  # a quick look first, so text columns are not parsed twice
    if pd.to_numeric(head, errors="coerce").isna().mean() > 0.05 and not _thousands(head, decimal):
        return None, []
    notes += [f"Read '{name}' as {_UNITS[unit]}."] if unit else []
    number = pd.to_numeric(values, errors="coerce")
    bad = number.isna()
    if bad.any() and _thousands(values, decimal):
        notes.append(f"Read '{name}' as numbers written with thousands separators (1,234 = 1234).")
        number, bad = pd.to_numeric(values.str.replace(",", "")), bad & False
    if bad.any():
        if bad.sum() > 0.05 * len(values) or len(values) < 20:
            return None, []
        example = written[bad].iloc[0]
        notes.append(
            f"Read {plural(int(bad.sum()), 'cell')} of '{name}' that are not numbers (e.g. {example!r}) as missing."
        )
    overflow = int((np.isinf(number) & ~values.str.lower().str.contains("inf")).sum())
    if overflow:
        notes.append(
            f"Read {plural(overflow, 'number')} in '{name}' too large for 64-bit floats (beyond 1.8e308) as infinite."
        )
    return number, notes


def _unit(head: pd.Series) -> str | None:
    """'currency' or 'percent' when most cells carry that sign, else None."""
    if head.str.match(_CURRENCY).mean() > 0.5:
        return "currency"
    if head.str.endswith("%").mean() > 0.5:
        return "percent"
    return None


def _thousands(values: pd.Series, decimal: str) -> bool:
    return decimal == "." and bool(values.str.fullmatch(_THOUSANDS).all())
