"""Reading table files: bytes in, a `Table` (every column, unique names, notes) out.

`read_table` checks the size against the one upload limit, tells the format from the first bytes
(`engine.data.formats`: CSV, gzip- or zip-compressed CSV, Parquet, Feather, Excel .xlsx) and unpacks
archives. A CSV's encoding is picked (UTF-8 with or without BOM, UTF-16, then Windows-1252 /
Latin-1), its delimiter and decimal mark sniffed on a sample, and it is parsed with pandas' C engine;
Parquet and Feather are read by pyarrow and Excel by openpyxl (`engine.data.binary`). Every format
then has its columns named and de-duplicated and its numbers written as text read (with spaces,
thousands separators or missing-value markers, `engine.data.columns`), as a CSV's are. Turning a
`Table` into a `Dataset` is `engine.data.clean`; both types are defined in `engine.data.options`. The
public names of all three are re-exported here, so callers import one module.
"""

from __future__ import annotations

import csv
import io
import re
import warnings

import pandas as pd

from engine.data.clean import table_to_dataset
from engine.data.columns import MISSING_MARKERS, coerce_columns, column_roles, plural, suggest_label
from engine.data.datasets import list_samples
from engine.data.decode import ENCODINGS, decode, not_text
from engine.data.formats import FORMATS, check_upload_size, detect, file_stem, unpack
from engine.data.options import Table, TableOptions

__all__ = [
    "Table",
    "TableOptions",
    "column_roles",
    "load_sample",
    "read_table",
    "suggest_label",
    "table_to_dataset",
]

MAX_COLUMNS: int = 20_000  # 128 x 128 pixel columns and a label fit; wider files are refused before parsing

_SAMPLE_BYTES = 64 * 1024  # sniffing reads this much of the file
_SAMPLE_ROWS = 200
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_NA_VALUES = sorted({v for m in MISSING_MARKERS if m for v in (m, m.upper(), m.title())})
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_COMMA_DECIMAL = re.compile(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?")
_DOT_DECIMAL = re.compile(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_COMMENTS = re.compile(rb"(?:[ \t]*#[^\r\n]*(?:\r\n|\r|\n))+")  # lines starting with # at the top
HEADERLESS = (
    "The first row holds only numbers, so it was read as data and the columns were "
    "named column_1, column_2 and so on."
)


def read_table(data: bytes, filename: str = "upload.csv") -> Table:
    """Read a table file's bytes into a `Table`; raise `ValueError` saying what is wrong and what to do."""
    data = bytes(data)
    check_upload_size(len(data))
    kind, source = detect(data, filename), ""
    if kind in ("gzip", "zip"):
        data, filename, source = unpack(data, kind, filename)
        kind = detect(data, filename)
        if kind in ("gzip", "zip"):
            raise ValueError(
                f"The {FORMATS[kind]} file holds another compressed file. Unpack it and upload the table itself."
            )
    delimiter, encoding = "", ""
    if kind == "csv":
        frame, header, notes, where, delimiter, encoding, decimal = _read_csv(data)
    elif kind == "xlsx":
        from engine.data.binary import read_xlsx

        cells, sheet, notes = read_xlsx(data)
        frame, header, decimal, where = *_header_row(cells, notes), ".", f"Excel .xlsx, sheet '{sheet}'"
    else:
        from engine.data.binary import read_arrow

        frame, notes = read_arrow(data, kind, MAX_COLUMNS)
        header, decimal, where = [str(c) for c in frame.columns], ".", FORMATS[kind]
    frame, name_notes = _name_columns(frame, header)
    notes += name_notes
    if not len(frame):
        raise ValueError("The file has a header row but no data rows. Add rows of values below it.")
    empty_rows = frame.isna().all(axis=1).to_numpy()
    if empty_rows.all():
        raise ValueError(
            "The file has no data rows with values: every cell below the header is empty or a "
            "missing-value marker such as NA, null or ?. Fill in values, or choose another file."
        )
    if empty_rows.any():
        frame = frame.loc[~empty_rows].reset_index(drop=True)
        notes.append(f"Skipped {plural(int(empty_rows.sum()), 'empty row')}.")
    notes += coerce_columns(frame, decimal)
    where = ", ".join(filter(None, [source, where]))
    summary = f"Read {plural(len(frame), 'row')} and {plural(frame.shape[1], 'column')} ({where})."
    return Table(frame, file_stem(filename), (summary, *notes), delimiter, encoding, kind)


def _read_csv(data: bytes) -> tuple[pd.DataFrame, list[str] | None, list[str], str, str, str, str]:
    """A CSV's frame, its header row (None when it has none), notes, how the summary describes it,
    its delimiter, encoding and decimal mark."""
    raw, encoding, notes = decode(data, _SAMPLE_BYTES)
    if not raw or raw.isspace():
        raise ValueError("The file is empty. Choose a CSV file with a header row and rows of values.")
    raw, comment_notes = _skip_comments(raw)
    sample = raw[:_SAMPLE_BYTES].decode("utf-8", errors="ignore")
    if len(_CONTROL.findall(sample)) > max(4, 0.01 * len(sample)):
        raise not_text("it contains many control characters")
    delimiter, rows = _sniff(sample, truncated=len(raw) > _SAMPLE_BYTES)
    end = raw.find(b"\n")
    columns = raw[: end if end >= 0 else len(raw)].count(delimiter.encode()) + 1  # quoted ones too: at most
    if columns > MAX_COLUMNS:
        raise ValueError(
            f"The file's first row has about {columns:,} columns, more than the {MAX_COLUMNS:,} this app reads "
            "(a 128 x 128 image as pixel columns fits). Upload fewer columns, or images of fewer pixels."
        )
    decimal = _decimal_mark(rows[1:], delimiter)
    has_header = not all(_NUMBER.fullmatch(c.strip().replace(decimal, ".")) for c in rows[0])
    frame, parse_notes = _parse(raw, delimiter, decimal, has_header)
    if not has_header:
        parse_notes.insert(0, HEADERLESS)
    where = f"{ENCODINGS[encoding]}, {_DELIMITERS[delimiter]}-separated"
    where += ", decimal commas" if decimal == "," else ""
    header = rows[0] if has_header else None
    return frame, header, notes + comment_notes + parse_notes, where, delimiter, encoding, decimal


def _header_row(cells: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, list[str] | None]:
    """A sheet read without a header: its first row as the header unless it holds only numbers."""
    first = [] if cells.empty else list(cells.iloc[0])
    if first and all(_is_number(v) for v in first if not pd.isna(v)) and not all(map(pd.isna, first)):
        notes.insert(0, HEADERLESS)
        return cells.infer_objects(), None
    header = [
        "" if pd.isna(v) else str(int(v) if isinstance(v, float) and v.is_integer() else v) for v in first
    ]
    return cells.iloc[1:].reset_index(drop=True).infer_objects(), header


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or bool(_NUMBER.fullmatch(str(value).strip()))


def load_sample(stem: str) -> Table:
    """Read `sample_data/<stem>.csv` through `read_table`."""
    samples = list_samples()
    if stem not in samples:
        raise ValueError(f"Unknown sample {stem!r}: choose one of {', '.join(samples)}.")
    path = samples[stem]
    return read_table(path.read_bytes(), path.name)


def _skip_comments(raw: bytes) -> tuple[bytes, list[str]]:
    """The file without comment lines (starting with #) above the header, and a note."""
    match = _COMMENTS.match(raw)
    if not match or not raw[match.end() :].strip():
        return raw, []
    lines = len(re.findall(rb"\r\n|\r|\n", match.group()))
    return raw[match.end() :], [
        f"Skipped {plural(lines, 'comment line')} (starting with #) above the header."
    ]


def _split(sample: str, delimiter: str, truncated: bool) -> list[list[str]]:
    """The sample's first rows split with `delimiter` (quotes honoured), blank lines left out."""
    reader = csv.reader(io.StringIO(sample, newline=None), delimiter=delimiter, skipinitialspace=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) > _SAMPLE_ROWS:
                return rows
    except csv.Error:
        return rows
    return rows[:-1] if truncated and len(rows) > 1 else rows  # the last row may be cut short


def _sniff(sample: str, truncated: bool) -> tuple[str, list[list[str]]]:
    """The delimiter that splits the most rows into as many fields as the header, and the rows."""
    best: tuple[tuple[float, int], str, list[list[str]]] | None = None
    for delimiter in _DELIMITERS:
        rows = _split(sample, delimiter, truncated)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        key = (round(sum(len(row) == width for row in rows) / len(rows), 2), width)
        if best is None or key > best[0]:
            best = (key, delimiter, rows)
    if best is None:  # one column, whatever the delimiter
        return ",", _split(sample, ",", truncated) or [[""]]
    return best[1], best[2]


def _decimal_mark(rows: list[list[str]], delimiter: str) -> str:
    """',' when the cells of a non-comma file write decimals as 1,5 more often than as 1.5."""
    if delimiter == ",":
        return "."
    cells = [cell.strip() for row in rows for cell in row]
    commas = sum(1 for cell in cells if _COMMA_DECIMAL.fullmatch(cell))
    dots = sum(1 for cell in cells if _DOT_DECIMAL.fullmatch(cell))
    return "," if commas > dots else "."


def _parse(raw: bytes, delimiter: str, decimal: str, has_header: bool) -> tuple[pd.DataFrame, list]:
    """Parse with pandas' C engine; rows with more fields than the header are skipped and noted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                io.BytesIO(raw),
                sep=delimiter,
                decimal=decimal,
                header=0 if has_header else None,
                index_col=False,
                skipinitialspace=True,
                na_values=_NA_VALUES,
                on_bad_lines="warn",
                encoding="utf-8",
                engine="c",
                low_memory=False,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
            reason = " ".join(str(exc).replace("Error tokenizing data. C error: ", "").split())
            raise ValueError(
                f"The file could not be read as CSV ({reason.rstrip('.')}). Check that every row "
                "has the same number of fields and that quotes are closed."
            ) from exc
    skipped = [int(n) for w in caught for n in re.findall(r"Skipping line (\d+)", str(w.message))]
    notes = []
    if skipped:
        lines = ", ".join(map(str, skipped[:5])) + (", ..." if len(skipped) > 5 else "")
        notes.append(
            f"Skipped {plural(len(skipped), 'malformed row')} with more fields than the header "
            f"({'line' if len(skipped) == 1 else 'lines'} {lines})."
        )
    return frame, notes


def _name_columns(frame: pd.DataFrame, header: list[str] | None) -> tuple[pd.DataFrame, list]:
    """Unique, non-empty column names; empty columns without a header are dropped."""
    if header is None:
        names = [""] * frame.shape[1]
    elif len(header) == frame.shape[1]:
        names = [h.strip() for h in header]
    else:
        names = ["" if str(c).startswith("Unnamed: ") else str(c).strip() for c in frame.columns]
    empty = frame.isna().all(axis=0).to_numpy()
    keep = [i for i, name in enumerate(names) if name or not empty[i]]
    notes = []
    if len(keep) < len(names):
        gone = len(names) - len(keep)
        notes.append(f"Dropped {plural(gone, 'empty column')} with no header.")
    used: set[str] = set()
    unique, unnamed, renamed = [], [], []
    for i in keep:
        name = names[i] or f"column_{i + 1}"
        if not names[i] and header is not None:
            unnamed.append(name)
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        if name != base:
            renamed.append(f"{base} -> {name}")
        used.add(name)
        unique.append(name)
    frame = frame.iloc[:, keep].set_axis(unique, axis=1)
    if unnamed:
        notes.append(f"Named {plural(len(unnamed), 'column')} with no header: {', '.join(unnamed)}.")
    if renamed:
        which = plural(len(renamed), "duplicate column name")
        notes.append(f"Renamed {which}: {', '.join(renamed)}.")
    return frame, notes
