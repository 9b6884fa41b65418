"""CSV reading and cleaning: messy real-world files become the right X, y and notes; bad input
raises a ValueError that says what is wrong."""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from engine.data import formats, tables
from engine.data.datasets import list_samples
from engine.data.tables import (
    Table,
    TableOptions,
    column_roles,
    load_sample,
    read_table,
    suggest_label,
    table_to_dataset,
)


def build(data: bytes | str, **options):
    """read_table + table_to_dataset on `data` (str is encoded as UTF-8)."""
    raw = data.encode() if isinstance(data, str) else data
    return table_to_dataset(read_table(raw, "test.csv"), TableOptions(**options))


def has_note(notes: tuple[str, ...], text: str) -> bool:
    return any(text in note for note in notes)


# --- bad input: every case is a ValueError with a sentence that says what to do -----------------

BAD_FILES = {
    "zero bytes": (b"", "empty"),
    "whitespace only": (b"  \n\t\r\n  ", "empty"),
    "BOM only": (b"\xef\xbb\xbf\n", "empty"),
    "header only": (b"a,b,c\n", "no data rows"),
    "header and blank rows": (b"a,b\n,\n,\n", "no data rows"),
    "PNG image": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "not look like a CSV",
    ),
    "gzip cut short": (
        gzip.compress(b"a,b\n" + b"1,2\n" * 500)[:30],
        "gzip-compressed file could not be unpacked",
    ),
    "NUL bytes": (b"a,b\n1,2\x00\x00\x003\n", "not look like a CSV"),
    "control characters": (bytes(range(1, 9)) * 50, "not look like a CSV"),
    "broken UTF-16": (b"\xff\xfea\x00,\x00\x00\xd8", "UTF-16"),
    "unclosed quote": (b'a,b\n1,"2\n3,4\n', "could not be read as CSV"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_raise_a_clear_value_error(case):
    data, phrase = BAD_FILES[case]
    with pytest.raises(ValueError, match=phrase):
        read_table(data)


def test_excel_workbook_is_refused_with_advice():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ValueError, match="Excel .xlsx.*Save as CSV"):
        read_table(buffer.getvalue(), "book.xlsx")


def test_file_over_the_upload_limit_is_refused(monkeypatch):
    data = b"a,b\n1,2\n3,4\n5,6\n"
    monkeypatch.setattr(formats, "MAX_UPLOAD_BYTES", len(data) - 1)
    with pytest.raises(ValueError, match="more than the .* limit"):
        read_table(data)
    monkeypatch.setattr(formats, "MAX_UPLOAD_BYTES", len(data))
    assert len(read_table(data).frame) == 3


def test_a_file_wider_than_the_column_limit_is_refused_before_it_is_parsed(monkeypatch):
    """A single 5 MB image as one row of a million pixel columns is refused before pandas parses it
    (parsing and cleaning it column by column takes minutes); the widest image the view takes reads."""
    wide = ",".join(f"p{i}" for i in range(1_000_000)) + "\n" + ",".join("7" for _ in range(1_000_000)) + "\n"
    parse = tables._parse
    monkeypatch.setattr(tables, "_parse", lambda *a: pytest.fail("the wide file was parsed"))
    with pytest.raises(ValueError, match="about 1,000,000 columns, more than the 20,000"):
        read_table(wide.encode(), "one_image.csv")
    monkeypatch.setattr(tables, "_parse", parse)
    side = 128 * 128
    ok = "label," + ",".join(f"pixel{i}" for i in range(side)) + "\n"
    ok += "".join(f"{k}," + ",".join(str((i * k) % 256) for i in range(side)) + "\n" for k in range(3))
    assert read_table(ok.encode()).frame.shape == (3, side + 1)


def test_upload_limit_is_one_number_in_megabytes():
    assert formats.MAX_UPLOAD_BYTES == formats.MAX_UPLOAD_MB * 2**20


@pytest.mark.parametrize(
    ("data", "options", "phrase"),
    [
        ("species\nsetosa\nvirginica\n", {"label": "species"}, "No numeric column"),
        (
            "name,comment\n" + "".join(f"user{i},said thing {i}\n" for i in range(20)),
            {},
            "No numeric column",
        ),
        ("a,b,c\n1,2,3\n", {}, "Only 1 row left"),
        ("a,b\n1,\n,2\n3,\n,5\n", {"missing": "drop"}, "impute missing values"),
        ("a,b\n1,x\n2,\n3,\n", {"label": "b"}, "Only 1 row left"),
        ("a,b\n1,2\n3,4\n", {"label": "c"}, "not in the file"),
        ("a,b\n1,2\n3,4\n", {"features": ("a", "zz")}, "Unknown feature column: zz"),
        ("a,b\n1,2\n3,4\n", {"features": ()}, "No feature columns are chosen"),
        ("a,b\n1,2\n3,4\n", {"features": ("b",), "label": "b"}, "No feature columns are chosen"),
        ("a,b\n1,2\n3,4\n", {"missing": "mean"}, "'impute' or 'drop'"),
        ("a,b\n1,2\n3,4\n", {"max_rows": 1}, "row cap"),
    ],
)
def test_unusable_tables_and_options_raise(data, options, phrase):
    with pytest.raises(ValueError, match=phrase):
        build(data, **options)


def test_label_with_too_many_classes_is_refused():
    data = "x,code\n" + "".join(f"{i},c{i}\n" for i in range(60))
    with pytest.raises(ValueError, match="60 distinct values, more than the 50 classes"):
        build(data, label="code")
    assert build(data, label="code", max_classes=60).n_classes == 60


def test_unknown_sample_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown sample"):
        load_sample("no_such_sample")


# --- encodings ------------------------------------------------------------------------------------


def test_utf8_bom_is_removed_from_the_first_column_name():
    table = read_table(b"\xef\xbb\xbfa,b\n1,2\n3,4\n")
    assert list(table.frame.columns) == ["a", "b"]
    assert table.encoding == "utf-8-sig"


def test_windows_1252_fallback_keeps_accents_and_says_so():
    table = read_table("ville,prix\nSète,1\nBéziers,2\n€uro,3\n".encode("cp1252"))
    assert table.frame["ville"].tolist() == ["Sète", "Béziers", "€uro"]
    assert table.encoding == "cp1252"
    assert has_note(table.notes, "not valid UTF-8")


def test_latin1_fallback_when_windows_1252_cannot_decode():
    table = read_table(b"name,v\ncaf\xe9\x81,1\nx,2\n")  # 0x81 is undefined in Windows-1252
    assert table.encoding == "latin-1"
    assert table.frame["name"][0] == "caf\xe9\x81"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom_is_decoded(codec):
    table = read_table("x\ty\n1,5\t2\n3\t4\n".replace("1,5", "1.5").encode(codec))
    assert table.delimiter == "\t"
    np.testing.assert_array_equal(table.frame["x"], [1.5, 3.0])


# --- delimiters, quoting, numbers ---------------------------------------------------------------


def test_semicolon_file_with_decimal_commas_reads_numbers():
    table = read_table(b"a;b;kind\n1,5;-2,25;x\n 3,0 ;4;y\n0,125;1e3;x\n")
    assert table.delimiter == ";"
    np.testing.assert_array_equal(table.frame["a"], [1.5, 3.0, 0.125])
    np.testing.assert_array_equal(table.frame["b"], [-2.25, 4.0, 1000.0])
    assert has_note(table.notes, "decimal commas")


@pytest.mark.parametrize(("delimiter", "word"), [("\t", "tab"), ("|", "pipe"), (";", "semicolon")])
def test_delimiter_is_sniffed(delimiter, word):
    text = "\n".join(delimiter.join(row) for row in [["a", "b", "c"], ["1", "2.5", "x"]] * 3)
    table = read_table(text.encode())
    assert table.delimiter == delimiter
    assert table.frame.shape == (5, 3)
    assert has_note(table.notes, f"{word}-separated")


def test_comma_inside_text_does_not_fool_a_semicolon_sniff():
    table = read_table(b'name;score\n"Smith, J";1.5\nDoe, A;2.5\n')
    assert table.delimiter == ";"
    assert table.frame["name"].tolist() == ["Smith, J", "Doe, A"]


def test_quoted_fields_keep_delimiters_and_newlines():
    data = b'id_code,comment,v\nA1,"one, two",1\nB2,"line\nbreak, and ""quotes""",2\nC3,plain,3\n'
    table = read_table(data)
    assert table.frame.shape == (3, 3)
    assert table.frame["comment"][1] == 'line\nbreak, and "quotes"'
    np.testing.assert_array_equal(table.frame["v"], [1, 2, 3])


def test_spaces_around_numbers_and_text_are_stripped():
    table = read_table(b"a,b,c\n 1.5 , 2 ,  red \n2.5,  3,blue  \n")
    assert pd.api.types.is_numeric_dtype(table.frame["a"])
    assert pd.api.types.is_numeric_dtype(table.frame["b"])
    np.testing.assert_array_equal(table.frame["a"], [1.5, 2.5])
    assert table.frame["c"].tolist() == ["red", "blue"]


def test_thousands_separators_in_quoted_numbers():
    table = read_table(b'city,population\nA,"1,234,567"\nB,"12,000.5"\nC,900\n')
    np.testing.assert_array_equal(table.frame["population"], [1234567, 12000.5, 900])
    assert has_note(table.notes, "thousands separators")


def test_a_few_stray_words_in_a_number_column_become_missing():
    values = [str(i) for i in range(39)] + ["unknown"]
    table = read_table(("v\n" + "\n".join(values) + "\n").encode())
    assert pd.api.types.is_numeric_dtype(table.frame["v"])
    assert table.frame["v"].isna().sum() == 1
    assert has_note(table.notes, "1 cell of 'v' that are not numbers (e.g. 'unknown')")


def test_missing_value_markers_are_missing():
    table = read_table(b"a,b\n1,NA\n2,NaN\n3,null\n4,?\n5,\n6, ? \n7,8\n")
    assert table.frame["b"].isna().sum() == 6
    assert pd.api.types.is_numeric_dtype(table.frame["b"])


def test_first_row_of_numbers_is_data_not_a_header():
    table = read_table(b"1,2,3\n4,5,6\n")
    assert list(table.frame.columns) == ["column_1", "column_2", "column_3"]
    assert len(table.frame) == 2


def test_rows_with_too_many_fields_are_skipped_and_counted():
    table = read_table(b"a,b\n1,2\n3,4,5\n6,7\n8,9,10\n")
    assert table.frame["a"].tolist() == [1, 6]
    assert has_note(table.notes, "Skipped 2 malformed rows with more fields than the header")


# --- column names ------------------------------------------------------------------------------


def test_duplicate_and_empty_names_are_made_unique_and_noted():
    table = read_table(b"a,a,,b,a\n1,2,3,4,5\n6,7,8,9,10\n")
    assert list(table.frame.columns) == ["a", "a_2", "column_3", "b", "a_3"]
    assert has_note(table.notes, "Renamed 2 duplicate column names: a -> a_2, a -> a_3.")
    assert has_note(table.notes, "Named 1 column with no header: column_3.")


def test_trailing_empty_columns_are_dropped():
    table = read_table(b"a,b,,\n1,2,,\n3,4,,\n")
    assert list(table.frame.columns) == ["a", "b"]
    assert has_note(table.notes, "Dropped 2 empty columns with no header.")


def test_blank_and_empty_rows_are_skipped():
    table = read_table(b"a,b\n1,2\n\n,\n3,4\n")
    assert table.frame["a"].tolist() == [1, 3]
    assert has_note(table.notes, "Skipped 1 empty row.")


# --- columns to features -----------------------------------------------------------------------

MIXED = "customer_id,age,city,member,comment,version,empty,spend\n" + "".join(
    f"{1000 + i},{20 + i},{['Paris', 'Rome', 'Oslo'][i % 3]},{['true', 'false'][i % 2]},"
    f"note number {i} here,2,,{i * 1.5}\n"
    for i in range(12)
)


def test_column_roles_of_a_mixed_table():
    roles = column_roles(read_table(MIXED.encode()).frame)
    assert roles == {
        "customer_id": "id",
        "age": "numeric",
        "city": "categorical",
        "member": "numeric",
        "comment": "text",
        "version": "constant",
        "empty": "empty",
        "spend": "numeric",
    }


def test_mixed_table_becomes_numeric_features_with_notes():
    data = build(MIXED)
    assert data.feature_names == ("age", "city=Oslo", "city=Paris", "city=Rome", "member", "spend")
    assert data.X.dtype == np.float64 and data.X.shape == (12, 6)
    np.testing.assert_array_equal(data.X[:3, 1:4], [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(data.X[:4, 4], [1, 0, 1, 0])  # true/false as 1/0
    assert has_note(data.notes, "Dropped ID-like column 'customer_id' (every value distinct).")
    assert has_note(data.notes, "Dropped free-text column 'comment' (more than 10 distinct")
    assert has_note(data.notes, "Dropped constant column 'version'")
    assert has_note(data.notes, "Dropped empty column 'empty'")
    assert has_note(data.notes, "One-hot encoded 'city' (3 categories).")
    assert has_note(data.notes, "Read true/false as 1/0 in 1 column: member.")


def test_text_ids_are_dropped_but_a_small_category_is_one_hot():
    rows = "".join(f"u{i:03d},{'ab'[i % 2]},{i}\n" for i in range(30))
    data = build("user,group,v\n" + rows)
    assert data.feature_names == ("group=a", "group=b", "v")
    assert has_note(data.notes, "Dropped ID-like column 'user'")


def test_max_categories_decides_one_hot_versus_drop():
    rows = "".join(f"c{i % 5},{i}\n" for i in range(20))
    assert build("kind,v\n" + rows).n_features == 6
    narrow = build("kind,v\n" + rows, max_categories=4)
    assert narrow.feature_names == ("v",)
    assert has_note(narrow.notes, "free-text column 'kind' (more than 4 distinct values)")


MISSING = "a,b,c,kind\n1,10,,x\n2,,5,y\n,30,6,\n4,40,7,x\n5,50,8,x\n"


def test_impute_fills_median_and_most_frequent_with_exact_counts():
    data = build(MISSING)
    assert data.n_samples == 5
    np.testing.assert_array_equal(data.X[:, 0], [1, 2, 3, 4, 5])  # median of 1,2,4,5 is 3
    np.testing.assert_array_equal(data.X[:, 1], [10, 35, 30, 40, 50])
    np.testing.assert_array_equal(data.X[2, 3:], [1, 0])  # kind filled with 'x'
    assert has_note(data.notes, "Imputed 3 missing cells in 3 columns with the column median.")
    assert has_note(data.notes, "Imputed 1 missing cell in 1 column with the most frequent value.")


def test_drop_removes_rows_with_gaps_with_exact_counts():
    data = build(MISSING, missing="drop")
    np.testing.assert_array_equal(data.X[:, 0], [4, 5])
    assert has_note(data.notes, "Dropped 3 rows with missing values.")
    assert data.original["a"].tolist() == [4, 5]


def test_infinities_become_missing_then_imputed():
    data = build("a,b\n1,inf\n2,-inf\n3,4\n4,Infinity\n5,6\n")
    assert np.isfinite(data.X).all()
    np.testing.assert_array_equal(data.X[:, 1], [5, 5, 4, 5, 6])
    assert has_note(data.notes, "Replaced 3 infinite values with missing values.")


def test_features_subset_and_label_left_out_of_features():
    data = build("a,b,c,kind\n1,2,3,x\n4,5,6,y\n", label="kind", features=("c", "kind", "a"))
    assert data.feature_names == ("c", "a")
    assert has_note(data.notes, "Left the label column 'kind' out of the features.")


# --- labels -----------------------------------------------------------------------------------


def test_text_label_codes_follow_sorted_class_names():
    data = build("v,species\n1,setosa\n2,virginica\n3,setosa\n4,versicolor\n", label="species")
    assert data.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(data.y, [0, 2, 0, 1])
    assert data.y.dtype == np.int64
    assert "species" not in data.feature_names


def test_numeric_label_sorts_by_value_and_rows_without_label_are_dropped():
    data = build("v,digit\n1,10\n2,2\n3,\n4,2.0\n5,10\n", label="digit")
    assert data.class_names == ("2", "10")
    np.testing.assert_array_equal(data.y, [1, 0, 0, 1])
    np.testing.assert_array_equal(data.X[:, 0], [1, 2, 4, 5])
    assert has_note(data.notes, "Dropped 1 row with no label.")


def test_single_class_label_is_allowed_with_a_note():
    data = build("v,kind\n1,x\n2,x\n3,x\n", label="kind")
    assert data.class_names == ("x",)
    assert has_note(data.notes, "single class")


def test_unlabelled_dataset_has_no_y_and_says_so():
    data = build("a,b\n1,2\n3,4\n")
    assert data.y is None and data.class_names == ()
    assert has_note(data.notes, "No label column is used")


@pytest.mark.parametrize(
    "text",
    [
        "a,b,c\n1.5,,0\n2.5,,1\n3.5,,0\n4.5,,1\n",
        "a,c\n1.5,0\n2.5,inf\n3.5,1\n4.5,0\n",
        "a,b,c\n1.5,2.5,0\n2.5,0.5,\n3.5,1.5,1\n4.5,1.5,1\n",
    ],
)
def test_small_numeric_tables_embed_in_2d_with_the_suggested_label(text):
    from engine.embed.config import EmbedConfig
    from engine.embed.methods import embed

    table = read_table(text.encode())
    data = table_to_dataset(table, TableOptions(label=suggest_label(table.frame)))
    assert data.n_samples == 4 and data.y is None
    assert embed(data.X, EmbedConfig("pca")).coords.shape == (4, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,Species,b\n1,x,2\n3,y,4\n", "Species"),
        (
            "x,y,z,t,segment\n" + "".join(f"{i}.5,{i}.25,1.{i},{i},{i % 3}\n" for i in range(9)),
            "segment",
        ),
        ("a,b,group\n1,2,u\n3,4,v\n", "group"),
        ("a,b\n1.5,2.5\n3.5,4.5\n", None),
        ("label\nx\ny\n", None),
        ("a,b\n1,7\n2,7\n", None),
        ("a,b,c\n1.5,,0\n2.5,,1\n3.5,,0\n", None),  # one feature would remain beside c
        ("a,c\n1.5,0\n2.5,inf\n3.5,1\n", None),  # an infinite cell, and one feature
        ("a,b,c\n1.5,2.5,0\n2.5,0.5,\n3.5,1.5,1\n4.5,1.5,1\n", None),  # c misses a cell
        ("a,b,c,d\n1.5,2.5,inf,0\n2.5,0.5,1,1\n3.5,1.5,2,1\n", "d"),
        ("a,b,label\n1.5,2.5,u\n2.5,0.5,\n3.5,1.5,v\n", "label"),  # its unlabelled rows are dropped
    ],
)
def test_suggest_label(text, expected):
    assert suggest_label(read_table(text.encode()).frame) == expected


# --- row cap ----------------------------------------------------------------------------------

LONG = "i,v,kind\n" + "".join(f"{i},{i * 0.5},{'abc'[i % 3]}\n" for i in range(200))


def test_row_cap_samples_deterministically_and_says_so():
    state = np.random.get_state()[1].copy()
    first = build(LONG, max_rows=50, seed=3, label="kind")
    again = build(LONG, max_rows=50, seed=3, label="kind")
    other = build(LONG, max_rows=50, seed=4, label="kind")
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG untouched
    assert first.n_samples == 50
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.X, other.X)
    assert has_note(first.notes, "Sampled 50 of 200 rows (seed 3).")
    assert np.all(np.diff(first.X[:, 0]) > 0)  # file order kept


def test_original_rows_line_up_with_x_and_keep_every_column():
    data = build(LONG, max_rows=30, seed=0, label="kind")
    assert list(data.original.columns) == ["i", "v", "kind"]
    assert data.original.index.tolist() == list(range(30))
    np.testing.assert_array_equal(data.original["v"], data.X[:, 1])
    names = np.array(data.class_names)[data.y]
    assert data.original["kind"].tolist() == names.tolist()


def test_dataset_takes_the_table_name_and_notes_first():
    table = read_table(b"a,b\n1,2\n3,4\n", "my data.csv")
    data = table_to_dataset(table, TableOptions())
    assert table.name == data.name == "my data"
    assert data.notes[: len(table.notes)] == table.notes
    assert isinstance(table, Table) and table.delimiter == "," and table.encoding == "utf-8"


# --- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(list_samples()))
def test_every_sample_loads_with_its_suggested_label(stem):
    table = load_sample(stem)
    label = suggest_label(table.frame)
    assert label is not None
    data = table_to_dataset(table, TableOptions(label=label))
    assert data.n_samples >= 100 and data.n_features >= 3
    assert np.isfinite(data.X).all()
    assert 2 <= data.n_classes <= 10
    assert set(np.unique(data.y)) == set(range(data.n_classes))


def test_samples_exercise_the_messy_paths():
    assert {"iris_flowers", "wine_cultivars_eu", "breast_cancer_clinic"} <= set(list_samples())
    wine = load_sample("wine_cultivars_eu")
    assert wine.delimiter == ";" and has_note(wine.notes, "decimal commas")
    assert pd.api.types.is_float_dtype(wine.frame["alcohol"])
    clinic = table_to_dataset(load_sample("breast_cancer_clinic"), TableOptions(label="diagnosis"))
    assert has_note(clinic.notes, "Dropped ID-like column 'patient_id'")
    assert has_note(clinic.notes, "with the column median")


def test_roles_of_infinite_huge_and_date_columns():
    frame = pd.DataFrame(
        {
            "inf": [np.inf, -np.inf, np.inf, np.nan],
            "huge": [1e200, 2e200, 3e200, 4e200],
            "partly_inf": [1.0, np.inf, 2.0, 3.0],
            "when": ["2024-01-01", "2024-02-01 10:30", "31/12/2023", "2024-03-01T08:00:00Z"],
            "nullable": pd.array([1, 2, None, 4], dtype="Int64"),
        }
    )
    roles = column_roles(frame, max_categories=2)
    assert roles == {
        "inf": "infinite",
        "huge": "huge",
        "partly_inf": "numeric",
        "when": "date",
        "nullable": "numeric",
    }


def test_mixed_utf8_and_windows_1252_rows_are_each_decoded():
    raw = "city,n\nZürich,1\n".encode() + "Zürich,2\nKöln,3\n".encode("cp1252")
    table = read_table(raw)
    assert table.frame["city"].tolist() == ["Zürich", "Zürich", "Köln"]
    assert has_note(table.notes, "mixes UTF-8 with Windows-1252")


def test_excel_errors_and_comment_lines_are_read_and_noted():
    text = "# exported 2024\nx,y\n" + "".join(
        f"{i},{'#DIV/0!' if i % 4 == 0 else i * 2}\n" for i in range(12)
    )
    table = read_table(text.encode())
    assert table.frame["y"].isna().sum() == 3 and table.frame["y"].dtype == np.float64
    assert has_note(table.notes, "Skipped 1 comment line")
    assert has_note(table.notes, "Read 3 Excel error values (#DIV/0!) in 'y' as missing.")
