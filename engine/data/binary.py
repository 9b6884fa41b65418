"""Reading the binary table formats into a pandas frame: Parquet and Feather through pyarrow,
Excel .xlsx (its first sheet) through openpyxl, with a note for what was left out.

Nested columns (lists, structs, maps) and raw binary columns are dropped with a note: they are not
single numbers or categories. Dictionary columns become their values, decimals and half floats
64-bit floats. A damaged or truncated file is a `ValueError` that says so. `engine.data.tables`
names, cleans and notes the frame as it does a CSV's; pyarrow and openpyxl load on first use.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from engine.data.columns import listing, plural

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MAX_SHEET_CELLS = 5_000_000  # openpyxl reads about 200,000 cells a second here; Parquet has no such cap


def read_arrow(data: bytes, kind: str, max_columns: int) -> tuple[pd.DataFrame, list[str]]:
    """A Parquet or Feather file's columns (at most `max_columns`) as a frame, and notes."""
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    name = "Parquet" if kind == "parquet" else "Feather"
    try:
        if kind == "parquet":
            file = pq.ParquetFile(pa.BufferReader(data))
            schema = file.schema_arrow
            _check_width(len(schema), max_columns)
            keep = [f.name for f in schema if not _unusable(f.type)]  # nested columns are never read
            unique = len(set(keep)) == len(keep)
            table = file.read(columns=keep if unique else None, use_pandas_metadata=True)
        else:
            table = feather.read_table(pa.BufferReader(data))
            schema = table.schema
            _check_width(table.num_columns, max_columns)
    except (pa.ArrowException, OSError, IndexError, KeyError) as exc:
        reason = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
        raise ValueError(
            f"The {name} file could not be read ({reason}); it may be cut short or damaged. "
            f"Upload the whole file again, or save it again as {name} or CSV."
        ) from exc
    table, notes = _usable_columns(table, schema, name)
    frame = table.to_pandas(split_blocks=True, self_destruct=True)  # column by column, freeing as it goes
    del table
    named = any(frame.index.names)  # an index pandas wrote under a name (e.g. "id") is a column again
    return frame.reset_index(drop=not named), notes


def _check_width(columns: int, most: int) -> None:
    if columns > most:
        raise ValueError(
            f"The file has {columns:,} columns, more than the {most:,} this app reads "
            "(a 128 x 128 image as pixel columns fits). Upload fewer columns, or images of fewer pixels."
        )


def _unusable(kind: pa.DataType) -> bool:
    import pyarrow as pa

    t = pa.types
    if t.is_dictionary(kind):
        kind = kind.value_type
    binary = t.is_binary(kind) or t.is_large_binary(kind) or t.is_fixed_size_binary(kind)
    return t.is_nested(kind) or binary or t.is_binary_view(kind)


def _usable_columns(table: pa.Table, schema: pa.Schema, name: str) -> tuple[pa.Table, list[str]]:
    """The table without nested or binary columns (those of the file's `schema` are noted), its
    dictionaries, decimals and half floats cast."""
    import pyarrow as pa

    dropped = [f.name for f in schema if _unusable(f.type)]
    notes = []
    if dropped:
        if len(dropped) == len(schema):
            raise ValueError(
                f"Every column of the {name} file holds lists, structs, maps or binary values, which "
                "are not numbers this app can draw. Flatten them into columns of single numbers "
                "(one column per value) and upload that file."
            )
        table = table.select([i for i, f in enumerate(table.schema) if not _unusable(f.type)])
        notes.append(
            f"Dropped {plural(len(dropped), 'column')} of lists, structs, maps or binary values, "
            f"which are not single numbers or categories: {listing(dropped)}."
        )
    for i, field in enumerate(table.schema):
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if pa.types.is_decimal(kind) or pa.types.is_float16(kind):
            kind = pa.float64()
        if kind != field.type:
            table = table.set_column(i, field.name, table.column(i).cast(kind))
    return table, notes


def read_xlsx(data: bytes) -> tuple[pd.DataFrame, str, list[str]]:
    """The first sheet of an Excel workbook, every cell as written (no header row taken), its name,
    and a note when the workbook has other sheets."""
    import pandas as pd

    try:
        with pd.ExcelFile(io.BytesIO(data), engine="openpyxl") as book:
            sheets = book.sheet_names
            first = book.book[sheets[0]]  # IndexError for a workbook without sheets
            cells = (first.max_row or 0) * (first.max_column or 0)  # as the sheet declares them
            frame = None if cells > MAX_SHEET_CELLS else pd.read_excel(book, sheet_name=0, header=None)
    except Exception as exc:  # openpyxl raises many kinds (XML, zip, KeyError) on a damaged workbook
        reason = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
        raise ValueError(
            f"The file looks like an Excel .xlsx workbook but could not be read ({reason}). Open it "
            "in a spreadsheet program and save it again, or use 'Save as CSV' and upload the CSV."
        ) from exc
    if frame is None:
        raise ValueError(
            f"The workbook's first sheet has {cells:,} cells, more than the {MAX_SHEET_CELLS:,} this app "
            "reads from Excel, which is slow to read. Save the sheet as CSV or Parquet and upload that."
        )
    if frame.dropna(how="all").empty:
        raise ValueError(
            f"The workbook's first sheet, '{sheets[0]}', is empty. Put the table on the first sheet, "
            "or save it as CSV, and upload that."
        )
    notes = []
    if len(sheets) > 1:
        others = [f"'{s}'" for s in sheets[1:]]
        notes.append(
            f"Read the first of the workbook's {len(sheets)} sheets, '{sheets[0]}'; "
            f"{listing(others)} {'was' if len(others) == 1 else 'were'} not read. "
            "Move the table you want to the first sheet to read it instead."
        )
    return frame, sheets[0], notes
