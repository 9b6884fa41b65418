"""From a read table to a `Dataset`: what each column becomes, the label, missing values, the row
cap and encoding, with every change stated in a note a user can read.

`table_to_dataset` acts on `engine.data.columns.column_roles`; reading the CSV itself is
`engine.data.tables`; the option and table types are in `engine.data.options`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from engine.data.columns import column_roles, listing, plural
from engine.data.datasets import Dataset
from engine.data.options import MISSING, Table, TableOptions

_DROPPED = {  # role -> (one, many, reason); reason formatted with max_categories
    "id": ("ID-like column", "ID-like columns", "every value distinct"),
    "text": ("free-text column", "free-text columns", "more than {} distinct values"),
    "constant": ("constant column", "constant columns", "a single value"),
    "empty": ("empty column", "empty columns", "no values"),
    "date": ("date column", "date columns", "dates are not numbers; add a column such as the day number"),
    "infinite": ("column of infinite values", "columns of infinite values", "no finite value"),
    "huge": (
        "column of huge values",
        "columns of huge values",
        "beyond 1e150, too large to square; rescale it",
    ),
}


def table_to_dataset(table: Table, opts: TableOptions) -> Dataset:
    """Numeric features (and label codes) from `table`, every change stated in the notes."""
    frame = table.frame
    _check_options(frame, opts)
    notes = list(table.notes)
    keep = np.ones(len(frame), dtype=bool)
    if opts.label is not None:
        keep = _labelled_rows(frame[opts.label], opts, notes)
    _check_rows(int(keep.sum()), 0)
    roles = column_roles(frame, opts.max_categories)
    shape = _image_shape(frame, roles, opts)
    if shape is not None:  # pixel columns stay whole, constant ones (an image's empty border) too
        roles = {name: "numeric" if role == "constant" else role for name, role in roles.items()}
        notes.append(f"The {shape[0] * shape[1]} feature columns look like the pixels of {shape[0]} x {shape[1]} "
                     "images (row by row), so constant pixel columns are kept.")  # fmt: skip
    kinds = _feature_kinds(frame, roles, opts, notes)
    work = _feature_frame(frame, kinds, notes)
    dropped = 0
    if opts.missing == "drop":
        complete = work.notna().all(axis=1).to_numpy()
        dropped = int((keep & ~complete).sum())
        keep = keep & complete
        if dropped:
            notes.append(f"Dropped {plural(dropped, 'row')} with missing values.")
    rows = np.flatnonzero(keep)
    _check_rows(len(rows), dropped)
    if len(rows) > opts.max_rows:
        rng = np.random.default_rng(opts.seed)
        notes.append(f"Sampled {opts.max_rows:,} of {len(rows):,} rows (seed {opts.seed}).")
        rows = np.sort(rng.choice(rows, size=opts.max_rows, replace=False))
    work = work.iloc[rows].reset_index(drop=True)
    if opts.missing == "impute":
        work, kinds = _impute(work, kinds, notes)
    X, feature_names = _encode(work, kinds, notes)
    y, class_names = None, ()
    if opts.label is not None:
        y, class_names = _label_codes(frame[opts.label].iloc[rows], opts.label, notes)
    else:
        notes.append("No label column is used, so the points are not coloured or scored by class.")
    return Dataset(
        X=X,
        y=y,
        feature_names=feature_names,
        class_names=class_names,
        name=table.name,
        notes=tuple(notes),
        original=frame.iloc[rows].reset_index(drop=True),
        image_shape=shape,
    )


def _image_shape(frame: pd.DataFrame, roles: dict[str, str], opts: TableOptions) -> tuple[int, int] | None:
    """(side, side) for the "label, pixel0 ... pixelN" layout: a label column is chosen and the
    feature columns are all numbers, a square count of them. A table without a label is a table
    (a wide one's constant columns are dropped as usual), since images are read to be learned."""
    from engine.data.images import image_side

    if opts.label is None:
        return None
    names = [n for n in (opts.features or map(str, frame.columns)) if n != opts.label]
    side = image_side(len(names))
    if side is None:
        return None
    dtypes = dict(zip(map(str, frame.columns), frame.dtypes, strict=True))
    numeric = all(
        roles[n] in ("numeric", "constant") and is_numeric_dtype(dtypes[n]) and not is_bool_dtype(dtypes[n])
        for n in names
    )
    return (side, side) if numeric else None


def _check_options(frame: pd.DataFrame, opts: TableOptions) -> None:
    columns = [str(c) for c in frame.columns]
    if opts.label is not None and opts.label not in columns:
        raise ValueError(
            f"The label column {opts.label!r} is not in the file; choose one of: {listing(columns)}."
        )
    unknown = [f for f in opts.features or () if f not in columns]
    if unknown:
        raise ValueError(
            f"Unknown feature {'column' if len(unknown) == 1 else 'columns'}: {listing(unknown)}. "
            f"Choose from: {listing(columns)}."
        )
    if opts.features is not None and not [f for f in opts.features if f != opts.label]:
        raise ValueError("No feature columns are chosen; pick at least one column besides the label.")
    if opts.missing not in MISSING:
        raise ValueError(f"Missing values can be 'impute' or 'drop'; got {opts.missing!r}.")
    if opts.max_rows < 2 or opts.max_categories < 1 or opts.max_classes < 1:
        raise ValueError("The row cap must be at least 2, and the category and class caps at least 1.")


def _check_rows(n_rows: int, dropped_for_gaps: int) -> None:
    if n_rows >= 2:
        return
    hint = (
        "Choose to impute missing values so rows with gaps are kept."
        if dropped_for_gaps
        else "Add more rows to the file, or choose a label column with fewer gaps."
    )
    raise ValueError(f"Only {plural(n_rows, 'row')} left after cleaning; 2 are needed. {hint}")


def _labelled_rows(label: pd.Series, opts: TableOptions, notes: list[str]) -> np.ndarray:
    """Rows that have a label; refuses a label with more than `max_classes` values."""
    distinct = label.nunique()
    if distinct > opts.max_classes:
        raise ValueError(
            f"The label column {opts.label!r} has {distinct:,} distinct values, more than the "
            f"{opts.max_classes} classes allowed. Choose a column with fewer values as the label, "
            "or no label."
        )
    has = label.notna().to_numpy()
    if not has.all():
        notes.append(f"Dropped {plural(int((~has).sum()), 'row')} with no label.")
    return has


def _feature_kinds(
    frame: pd.DataFrame, roles: dict[str, str], opts: TableOptions, notes: list[str]
) -> dict[str, str]:
    """Feature column -> "numeric" | "boolean" | "categorical"; dropped columns are noted."""
    names = list(opts.features) if opts.features is not None else [str(c) for c in frame.columns]
    if opts.label in names:
        names.remove(opts.label)
        if opts.features is not None:
            notes.append(f"Left the label column '{opts.label}' out of the features.")
    kinds: dict[str, str] = {}
    dropped: dict[str, list[str]] = {}
    dtypes = dict(zip(map(str, frame.columns), frame.dtypes, strict=True))  # one lookup per column
    for name in names:
        role = roles[name]
        if role == "numeric":
            boolean = is_bool_dtype(dtypes[name]) or not is_numeric_dtype(dtypes[name])
            kinds[name] = "boolean" if boolean else "numeric"
        elif role == "categorical":
            kinds[name] = role
        else:
            dropped.setdefault(role, []).append(name)
    for role, columns in dropped.items():
        one, many, reason = _DROPPED[role]
        reason = reason.format(opts.max_categories)
        if len(columns) == 1:
            notes.append(f"Dropped {one} '{columns[0]}' ({reason}).")
        else:
            notes.append(f"Dropped {len(columns)} {many} ({reason}): {listing(columns)}.")
    if not kinds:
        why = [f"{n}: {roles[n]}" for n in names] + ([f"{opts.label}: label"] if opts.label else [])
        raise ValueError(
            f"No numeric column is left to use as a feature ({listing(why)}). Choose a file or "
            "features with at least one column of numbers, or of a few categories."
        )
    return kinds


def _feature_frame(frame: pd.DataFrame, kinds: dict[str, str], notes: list[str]) -> pd.DataFrame:
    """The feature columns as floats (true/false as 1/0) or category strings; infinities missing."""
    numeric = [name for name, kind in kinds.items() if kind == "numeric"]
    block = frame[numeric].to_numpy(dtype=np.float64, na_value=np.nan)  # (n_rows, n_numeric), one copy
    inf = np.isinf(block)
    if inf.any():
        block[inf] = np.nan
        notes.append(f"Replaced {plural(int(inf.sum()), 'infinite value')} with missing values.")
    columns: dict[str, pd.Series | np.ndarray] = {}
    for name, kind in kinds.items():
        column = frame[name] if kind != "numeric" else None
        if kind == "categorical":
            columns[name] = column.astype(str).str.strip().astype(object).where(column.notna())
        elif kind == "boolean" and not is_bool_dtype(column):
            lowered = column.astype(str).str.strip().str.lower()
            columns[name] = lowered.map({"true": 1.0, "false": 0.0}).to_numpy(dtype=np.float64)
        elif kind == "boolean":
            columns[name] = column.to_numpy(dtype=np.float64, na_value=np.nan)
    parts = [pd.DataFrame(block, columns=numeric, index=range(len(frame)))]
    parts += [pd.DataFrame(columns, index=range(len(frame)))] if columns else []
    return pd.concat(parts, axis=1)[list(kinds)] if len(parts) > 1 else parts[0]


def _impute(
    work: pd.DataFrame, kinds: dict[str, str], notes: list[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric gaps take the column median; categorical and true/false gaps the commonest value."""
    gaps = work.isna().sum()
    empty = [name for name in kinds if gaps[name] == len(work)]
    if empty:
        notes.append(
            f"Dropped {plural(len(empty), 'column')} with no values in the kept rows: {listing(empty)}."
        )
        work = work.drop(columns=empty)
        kinds = {name: kind for name, kind in kinds.items() if name not in empty}
    filled = {"median": [0, 0], "mode": [0, 0]}  # how -> [cells, columns]
    for name, kind in kinds.items():
        if not gaps[name]:
            continue
        how = "median" if kind == "numeric" else "mode"
        column = work[name]
        counts = column.value_counts()
        value = column.median() if how == "median" else min(counts.index[counts == counts.max()])
        work[name] = column.fillna(value)
        filled[how][0] += int(gaps[name])
        filled[how][1] += 1
    if filled["median"][0]:
        cells, cols = filled["median"]
        notes.append(
            f"Imputed {plural(cells, 'missing cell')} in {plural(cols, 'column')} with the column median."
        )
    if filled["mode"][0]:
        cells, cols = filled["mode"]
        notes.append(
            f"Imputed {plural(cells, 'missing cell')} in {plural(cols, 'column')} "
            "with the most frequent value."
        )
    return work, kinds


def _encode(
    work: pd.DataFrame, kinds: dict[str, str], notes: list[str]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """X (n_rows, n_features) float64: numeric columns as they are, categories one-hot."""
    numeric = [name for name, kind in kinds.items() if kind != "categorical"]
    block = work[numeric].to_numpy(dtype=np.float64)  # (n_rows, n_numeric)
    where = {name: j for j, name in enumerate(numeric)}
    columns: list[np.ndarray] = []  # each (n_rows,)
    names: list[str] = []
    encoded: list[str] = []
    for name, kind in kinds.items():
        if kind == "categorical":
            column = work[name]
            categories = sorted(column.unique())
            columns += [(column == c).to_numpy(dtype=np.float64) for c in categories]
            names += [f"{name}={c}" for c in categories]
            encoded.append(f"'{name}' ({plural(len(categories), 'category', 'categories')})")
        else:
            columns.append(block[:, where[name]])
            names.append(name)
    if not names:
        raise ValueError(
            "No numeric column is left to use as a feature: the chosen columns have no values in "
            "the kept rows. Choose other features or impute missing values."
        )
    if encoded:
        notes.append(f"One-hot encoded {listing(encoded)}.")
    booleans = [name for name, kind in kinds.items() if kind == "boolean"]
    if booleans:
        notes.append(f"Read true/false as 1/0 in {plural(len(booleans), 'column')}: {listing(booleans)}.")
    X = np.empty((len(work), len(columns)), dtype=np.float64)
    for j, values in enumerate(columns):
        X[:, j] = values
    return X, tuple(names)


def _label_codes(label: pd.Series, name: str, notes: list[str]) -> tuple[np.ndarray, tuple]:
    """Codes 0..k-1 of the label's values in sorted order (numbers by value), and their names."""
    if is_numeric_dtype(label) and not is_bool_dtype(label):
        values = label.to_numpy(dtype=np.float64)
        classes, codes = np.unique(values, return_inverse=True)
        class_names = tuple(str(int(v)) if v.is_integer() else str(v) for v in classes)
    else:
        text = label.astype(str).str.strip().to_numpy(dtype=str)
        classes, codes = np.unique(text, return_inverse=True)
        class_names = tuple(str(c) for c in classes)
    if len(class_names) == 1:
        notes.append(
            f"The label column '{name}' has a single class ({class_names[0]!r}) in the kept rows; "
            "class colours and class-based scores need at least two."
        )
    return codes.astype(np.int64), class_names
