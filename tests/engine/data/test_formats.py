"""Table files besides plain CSV: Parquet, Feather, Excel .xlsx, gzip- and zip-compressed CSV give the
same dataset as the CSV of the same table; nested columns, extra sheets, damaged and oversized files
are dropped, noted or refused with a sentence to act on."""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine.data import binary, formats, tables
from engine.data.formats import EXTENSIONS, FORMATS, detect, file_stem
from engine.data.source import DataSource
from engine.data.tables import TableOptions, read_table, table_to_dataset


def frame(n: int = 60) -> pd.DataFrame:
    """Numbers, whole numbers, gaps, a label, true/false, and amounts written as text."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n).round(3),
            "b": rng.integers(0, 9, n),
            "gaps": [None if i % 7 == 0 else i / 4 for i in range(n)],
            "colour": ["red", "green", "blue"] * (n // 3),
            "flag": [bool(i % 3) for i in range(n)],
            "price": [f"${i},000.50" for i in range(n)],
            "kind": ["xy"[i % 2] for i in range(n)],
        }
    )


def written(df: pd.DataFrame, fmt: str) -> bytes:
    """`df` as the bytes of a file of format `fmt`, as pandas writes it."""
    buffer = io.BytesIO()
    if fmt == "parquet":
        df.to_parquet(buffer, index=False)
    elif fmt == "feather":
        df.to_feather(buffer)
    elif fmt == "xlsx":
        df.to_excel(buffer, index=False)
    else:
        text = df.to_csv(index=False).encode()
        if fmt == "csv.gz":
            return gzip.compress(text)
        if fmt == "zip":
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr("export/table.csv", text)
        else:
            return text
    return buffer.getvalue()


FORMAT_NOTES = {  # the first note (the summary) says how each was read
    "csv": "(UTF-8, comma-separated)",
    "parquet": "(Parquet)",
    "feather": "(Feather)",
    "xlsx": "(Excel .xlsx, sheet 'Sheet1')",
    "csv.gz": "(gzip-compressed, UTF-8, comma-separated)",
    "zip": "(table.csv from a zip archive, UTF-8, comma-separated)",
}


@pytest.mark.parametrize("fmt", list(FORMAT_NOTES))
def test_every_format_gives_the_datasets_the_csv_gives(fmt):
    df = frame()
    opts = TableOptions(label="kind")
    expected = table_to_dataset(read_table(written(df, "csv"), "table.csv"), opts)
    table = read_table(written(df, fmt), f"table.{fmt}")
    data = table_to_dataset(table, opts)
    assert table.name == "table" == DataSource.of_upload(f"table.{fmt}", "ab", opts).name
    np.testing.assert_array_equal(data.X, expected.X)
    np.testing.assert_array_equal(data.y, expected.y)
    assert data.feature_names == expected.feature_names and data.class_names == expected.class_names
    assert data.notes[0] == f"Read 60 rows and 7 columns {FORMAT_NOTES[fmt]}."
    assert data.notes[1:] == expected.notes[1:]  # the same cleaning, said the same way
    assert any("currency sign" in n for n in data.notes) and any("Imputed 9" in n for n in data.notes)


def test_the_uploaders_extensions_are_the_formats_read():
    assert set(EXTENSIONS.values()) == set(FORMATS) and {"parquet", "feather", "xlsx", "gz", "zip"} <= set(
        EXTENSIONS
    )
    assert [file_stem(n) for n in ("a.csv.gz", "b.parquet", "c.tar.gz", "my data.v2.tsv", "d.zip", "")] == [
        "a", "b", "c.tar", "my data.v2", "d", "upload",
    ]  # fmt: skip


def test_a_text_file_that_starts_like_parquet_is_still_a_csv():
    table = read_table(b"PAR1,PAR2\n1,2\n3,4\n", "odd.csv")
    assert list(table.frame.columns) == ["PAR1", "PAR2"] and table.format == "csv"
    assert detect(written(frame(), "parquet"), "renamed.csv") == "parquet"  # the bytes decide, not the name


# --- Parquet and Feather ------------------------------------------------------------------------------


def test_nested_parquet_columns_are_dropped_with_a_note():
    table = pa.table(
        {
            "x": [1.0, 2.0, 3.0, 4.0],
            "y": [4.0, 3.0, 1.0, 0.0],
            "tags": [["a"], ["b", "c"], [], ["d"]],
            "point": [{"u": 1, "v": 2}] * 4,
            "blob": [b"\x00\x01"] * 4,
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    read = read_table(buffer.getvalue(), "nested.parquet")
    assert list(read.frame.columns) == ["x", "y"]
    assert "Dropped 3 columns of lists, structs, maps or binary values" in read.notes[1]
    assert read.notes[1].endswith(": tags, point, blob.")
    only = io.BytesIO()
    pq.write_table(table.select(["tags", "point"]), only)
    with pytest.raises(ValueError, match="Every column of the Parquet file holds lists.*Flatten them"):
        read_table(only.getvalue(), "nested.parquet")


@pytest.mark.parametrize("fmt", ["parquet", "feather"])
@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_a_truncated_file_is_a_clear_message(fmt, keep):
    data = written(frame(), fmt)
    with pytest.raises(ValueError, match=f"The {fmt.title()} file could not be read .*cut short or damaged"):
        read_table(data[: int(len(data) * keep)], f"cut.{fmt}")


def test_a_file_named_parquet_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="named like a Parquet file but does not start like one"):
        read_table(b"a,b\n1,2\n", "table.parquet")


def test_dictionary_decimal_and_index_columns_become_plain_columns():
    import decimal

    df = pd.DataFrame(
        {
            "grade": pd.Categorical(["a", "b", "a", "c"] * 5),
            "amount": [decimal.Decimal("1.25")] * 19 + [None],
        },
        index=pd.Index(range(100, 120), name="id"),
    )
    df["z"] = np.arange(20.0)
    buffer = io.BytesIO()
    df.to_parquet(buffer)  # the named index is stored as a column and restored as the index
    read = read_table(buffer.getvalue(), "shop.parquet")
    assert list(read.frame.columns) == ["id", "grade", "amount", "z"]
    assert read.frame["amount"].dtype == np.float64 and read.frame["amount"].iloc[0] == 1.25
    assert set(read.frame["grade"]) == {"a", "b", "c"}
    data = table_to_dataset(read, TableOptions())
    assert "grade=a" in data.feature_names and any("ID-like column 'id'" in n for n in data.notes)


def test_a_parquet_file_wider_than_the_column_limit_is_refused(monkeypatch):
    monkeypatch.setattr(tables, "MAX_COLUMNS", 5)
    with pytest.raises(ValueError, match="7 columns, more than the 5"):
        read_table(written(frame(), "parquet"), "wide.parquet")


# --- Excel ------------------------------------------------------------------------------------------


def test_a_workbook_of_several_sheets_reads_the_first_and_says_so():
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame().to_excel(writer, sheet_name="Measurements", index=False)
        pd.DataFrame({"note": ["ignore me"]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"q": [1, 2]}).to_excel(writer, sheet_name="Pivot", index=False)
    read = read_table(buffer.getvalue(), "book.xlsx")
    assert read.notes[0] == "Read 60 rows and 7 columns (Excel .xlsx, sheet 'Measurements')."
    assert read.notes[1] == (
        "Read the first of the workbook's 3 sheets, 'Measurements'; 'Notes', 'Pivot' were not read. "
        "Move the table you want to the first sheet to read it instead."
    )
    assert list(read.frame.columns) == list(frame().columns)


def test_an_empty_first_sheet_is_a_clear_message():
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Cover", index=False)
        frame().to_excel(writer, sheet_name="Data", index=False)
    with pytest.raises(ValueError, match="first sheet, 'Cover', is empty. Put the table on the first sheet"):
        read_table(buffer.getvalue(), "book.xlsx")


def test_a_sheet_without_a_header_row_is_named_like_a_headerless_csv():
    buffer = io.BytesIO()
    pd.DataFrame([[1, 2.5], [3, 4.5], [5, 6.5]]).to_excel(buffer, index=False, header=False)
    read = read_table(buffer.getvalue(), "plain.xlsx")
    assert list(read.frame.columns) == ["column_1", "column_2"] and len(read.frame) == 3
    assert read.notes[1] == tables.HEADERLESS
    assert read.frame["column_2"].dtype == np.float64


def test_a_damaged_or_huge_workbook_is_a_clear_message(monkeypatch):
    data = written(frame(), "xlsx")
    with pytest.raises(ValueError, match="Excel .xlsx workbook but could not be read.*Save as CSV"):
        read_table(data[: len(data) // 2], "cut.xlsx")
    monkeypatch.setattr(binary, "MAX_SHEET_CELLS", 100)
    with pytest.raises(ValueError, match="first sheet has 427 cells, more than the 100"):
        read_table(data, "big.xlsx")


# --- compressed CSV -------------------------------------------------------------------------------


def test_a_zip_of_several_files_reads_the_first_table_and_says_so():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.md", "about the data")
        archive.writestr("__MACOSX/._data.csv", "resource fork")
        archive.writestr("data.csv", "a,b\n1,2\n3,4\n")
        archive.writestr("more.csv", "c\n5\n")
    read = read_table(buffer.getvalue(), "bundle.zip")
    assert read.notes[0].startswith("Read 2 rows and 2 columns (data.csv, the first table file of 3 in a zip")
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("a.md", "x")
        archive.writestr("b.png", "y")
    with pytest.raises(ValueError, match="holds 2 files and none is a table"):
        read_table(empty.getvalue(), "bundle.zip")


def test_a_zip_of_a_parquet_file_is_read_as_parquet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("t.parquet", written(frame(), "parquet"))
    read = read_table(buffer.getvalue(), "t.zip")
    assert read.format == "parquet" and read.notes[0].endswith("(t.parquet from a zip archive, Parquet).")


def test_damaged_nested_and_oversized_archives_are_refused(monkeypatch):
    packed = gzip.compress(b"a,b\n" + b"1,2\n" * 10_000)
    with pytest.raises(ValueError, match="gzip-compressed file could not be unpacked.*cut short"):
        read_table(packed[:-20], "t.csv.gz")
    with pytest.raises(ValueError, match="holds another compressed file"):
        read_table(gzip.compress(packed), "t.csv.gz.gz")
    monkeypatch.setattr(formats, "MAX_UNPACKED_BYTES", 1000)  # a small file that unpacks to much more
    with pytest.raises(ValueError, match="unpacks to more than 0 MB"):
        read_table(packed, "bomb.csv.gz")
    zipped = written(frame(), "zip")
    with pytest.raises(ValueError, match="unpacks to more than"):
        read_table(zipped, "bomb.zip")
    with pytest.raises(ValueError, match="zip archive could not be unpacked"):
        read_table(zipped[: len(zipped) - 30], "cut.zip")
