"""Write the catalogue of malformed and hostile CSV files into tests/data/catalogue/.

Run `python tests/data/make_catalogue.py` after changing a case; the files and `manifest.json` are
committed, and tests/pages/test_catalogue.py checks they still match what this script makes. Files over
`MAX_WRITTEN` bytes (the 5-million-character cell) are not written: the tests build them on the fly
with `build(name)`.

Every case says what reading it must give (`MANIFEST[name]`):
- {"outcome": "message", "contains": [...]}: a ValueError whose message holds every phrase;
- {"outcome": "result", "notes": [...], ...}: a Dataset whose notes hold every phrase, and where
  given: "rows", "features", "label" (the suggested label, None for none), "classes".
A case may set "label" under "options" to read the file with that label instead of the suggested one.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE / "catalogue"
MAX_WRITTEN = 1_000_000  # bytes; larger cases are built on the fly by the tests

MAKERS: dict[str, Callable[[], bytes]] = {}
MANIFEST: dict[str, dict] = {}


def case(name: str, **expect) -> Callable[[Callable[[], bytes | str]], Callable[[], bytes | str]]:
    """Register a maker of one file's bytes (a str is encoded as UTF-8) and its expected outcome."""
    if "contains" in expect:
        expect = {"outcome": "message", **expect}
    else:
        expect = {"outcome": "result", "notes": [], **expect}

    def register(fn: Callable[[], bytes | str]) -> Callable[[], bytes | str]:
        assert name not in MAKERS, name
        MAKERS[name] = lambda: (lambda v: v.encode() if isinstance(v, str) else v)(fn())
        MANIFEST[name] = expect
        return fn

    return register


def build(name: str) -> bytes:
    return MAKERS[name]()


def rows(n: int, seed: int = 0) -> list[tuple[float, float, str]]:
    """n rows of two numbers and a two-class label, the same for a given seed."""
    rng = random.Random(seed)
    return [(round(rng.uniform(-5, 5), 3), round(rng.uniform(0, 10), 3), "ab"[i % 2]) for i in range(n)]


def plain(n: int = 30, sep: str = ",", end: str = "\n", seed: int = 0) -> str:
    body = [f"x{sep}y{sep}label"] + [f"{a}{sep}{b}{sep}{c}" for a, b, c in rows(n, seed)]
    return end.join(body) + end


# --- nothing to read ------------------------------------------------------------------------------


@case("empty.csv", contains=["empty"])
def _():
    return b""


@case("whitespace_only.csv", contains=["empty"])
def _():
    return "   \n\t\n\r\n  \n"


@case("newlines_only.csv", contains=["empty"])
def _():
    return "\n" * 500


@case("header_only.csv", contains=["no data rows"])
def _():
    return "a,b,c\n"


@case("header_only_no_newline.csv", contains=["no data rows"])
def _():
    return "sepal_length;sepal_width;species"


@case("only_commas.csv", contains=["no data rows", "empty"])
def _():
    return ",,,\n,,,\n,,,\n,,,\n"


@case("all_missing_markers.csv", contains=["no data rows with values", "missing-value marker"])
def _():
    return "a,b,c\n" + "NA,null,?\n" * 20


@case("one_row.csv", contains=["Only 1 row", "Add more rows"])
def _():
    return "x,y,z\n1,2,3\n"


@case("one_column_text.csv", contains=["No numeric column"])
def _():
    return "name\n" + "".join(f"person {i}\n" for i in range(40))


@case("identical_rows.csv", contains=["No numeric column", "constant"])
def _():
    return "a,b,c\n" + "1,2,3\n" * 50


# --- not a CSV at all -----------------------------------------------------------------------------


@case("binary_png.csv", contains=["does not look like a CSV", "PNG"])
def _():
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(
        random.Random(1).randrange(256) for _ in range(4000)
    )


@case("binary_random.csv", contains=["does not look like a CSV"])
def _():
    return bytes(random.Random(2).randrange(256) for _ in range(20_000))


@case("binary_elf.csv", contains=["does not look like a CSV"])
def _():
    return b"\x7fELF\x02\x01\x01\x00" + bytes(random.Random(3).randrange(256) for _ in range(3000))


@case("excel_xlsx_renamed.csv", contains=["Excel", "Save as CSV"])
def _():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in (("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")):
            archive.writestr(
                zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0)), text
            )  # same bytes each run
    return buffer.getvalue()


@case("nul_bytes.csv", contains=["does not look like a CSV", "binary"])
def _():
    return b"a,b\n1,2\n" + b"\x00" * 40 + b"3,4\n5,6\n"


@case("control_characters.csv", contains=["does not look like a CSV", "control characters"])
def _():
    return "a,b\n" + "".join(f"{i}\x01\x02\x03,\x04\x05{i}\x06\n" for i in range(50))


@case("html_page.csv", contains=["does not look like a CSV", "HTML"])
def _():
    return "<!DOCTYPE html>\n<html><head><title>Not found</title></head>\n<body><p>404</p></body></html>\n"


@case("json_document.csv", contains=["does not look like a CSV", "JSON"])
def _():
    return json.dumps([{"a": i, "b": i * 2} for i in range(20)], indent=2)


# --- encodings ------------------------------------------------------------------------------------


@case("utf16_le_bom.csv", notes=["UTF-16"], rows=30, features=2, label="label")
def _():
    return plain().encode("utf-16")


@case("utf16_be_no_bom.csv", notes=["UTF-16"], rows=30, features=2, label="label")
def _():
    return plain().encode("utf-16-be")


@case("utf32.csv", notes=["UTF-32"], rows=30, features=2, label="label")
def _():
    return plain().encode("utf-32")


@case("utf8_bom_semicolon.csv", notes=["UTF-8 with BOM", "semicolon"], rows=30, features=2, label="label")
def _():
    return "\ufeff" + plain(sep=";")


@case(
    "mixed_encodings.csv",
    notes=["mixes UTF-8 with Windows-1252"],
    rows=24,
    features=2,
    label="city",
    classes=3,
)
def _():
    lines = ["a,b,city"]
    for i in range(24):
        city = ["Zürich", "São Paulo", "Köln"][i % 3]
        codec = "utf-8" if i % 2 else "cp1252"
        lines.append(f"{i},{i * i % 7},{city}")
        lines[-1] = lines[-1].encode(codec).decode("latin-1")
    return "\n".join(lines).encode("latin-1")


@case("latin1.csv", notes=["not valid UTF-8", "Windows-1252"], rows=20, label="label", classes=2)
def _():
    labels = ["crème", "gâteau"]
    body = "x,y,label\n" + "".join(f"{i},{i % 3},{labels[i % 2]}\n" for i in range(20))
    return body.encode("latin-1")


@case("broken_utf16.csv", contains=["UTF-16", "Save it again"])
def _():
    return b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8"


# --- delimiters, decimals, line endings -----------------------------------------------------------


@case("semicolon_decimal_comma.csv", notes=["semicolon", "decimal commas"], rows=30, features=2)
def _():
    return plain(sep=";").replace(".", ",")


@case("tab_decimal_comma.tsv", notes=["tab", "decimal commas"], rows=30, features=2)
def _():
    return plain(sep="\t").replace(".", ",")


@case("pipe_separated.csv", notes=["pipe"], rows=30, features=2, label="label")
def _():
    return plain(sep="|")


@case("windows_line_endings.csv", rows=30, features=2, label="label")
def _():
    return plain(end="\r\n")


@case("old_mac_line_endings.csv", rows=30, features=2, label="label")
def _():
    return plain(end="\r")


@case("trailing_delimiter.csv", notes=["Dropped 1 empty column"], rows=30, features=2, label="label")
def _():
    return "".join(line + ",\n" for line in plain().splitlines())


@case("spaces_around_delimiters.csv", rows=30, features=2, label="label")
def _():
    return plain(sep=" ,  ")


@case("blank_lines_between.csv", rows=30, features=2, label="label")
def _():
    return plain().replace("\n", "\n\n", 10)


@case("comment_lines.csv", notes=["comment"], rows=30, features=2, label="label")
def _():
    return "# exported by a sensor\n# units: mm\n" + plain()


@case("thousands_separators.csv", notes=["thousands separators"], rows=25, features=2, label="label")
def _():
    return "income,age,label\n" + "".join(
        f'"{1000 + i * 1234:,}",{20 + i},{"ab"[i % 2]}\n' for i in range(25)
    )


# --- shape: ragged rows, quotes, width, size ------------------------------------------------------


@case("ragged_rows_long.csv", notes=["Skipped 3 malformed rows"], rows=27, label="label")
def _():
    lines = plain().splitlines()
    for i in (3, 9, 20):
        lines[i] += ",99,100"
    return "\n".join(lines) + "\n"


@case("ragged_rows_short.csv", notes=["Dropped 3 rows with no label"], rows=27, label="label")
def _():
    lines = plain().splitlines()
    for i in (2, 5, 8):
        lines[i] = lines[i].split(",")[0]
    return "\n".join(lines) + "\n"


@case("unbalanced_quotes.csv", contains=["could not be read as CSV", "quotes are closed"])
def _():
    lines = plain().splitlines()
    lines[6] = lines[6].replace(",", ',"', 1)
    return "\n".join(lines) + "\n"


@case("quote_inside_field.csv", rows=30, features=2, label="label")
def _():
    lines = ["x,y,screen,label"] + [f'{a},{b},{i} "inch" screen,{c}' for i, (a, b, c) in enumerate(rows(30))]
    return "\n".join(lines) + "\n"


@case("quoted_newlines.csv", rows=20, label="label")
def _():
    return "x,y,comment,label\n" + "".join(
        f'{i},{i % 5},"line one\nline two {i}",{"ab"[i % 2]}\n' for i in range(20)
    )


@case("wide_10000_columns.csv", notes=["10,000 columns", "constant column 'c9999'"], rows=6, features=9_999)
def _():
    rng = random.Random(4)
    header = ",".join(f"c{j}" for j in range(10_000))
    body = ["".join(f"{rng.randrange(10)}," for _ in range(9_999)) + "1" for _ in range(6)]
    return header + "\n" + "\n".join(body) + "\n"


@case("one_row_10000_fields.csv", notes=["Skipped 1 malformed row"], rows=29, label="label")
def _():
    lines = plain().splitlines()
    lines[5] = ",".join(str(j % 10) for j in range(10_000))
    return "\n".join(lines) + "\n"


@case("huge_cell_5m_chars.csv", notes=["Dropped"], rows=30, features=2, label="label")
def _():
    lines = plain().splitlines()
    lines[0] += ",blob"
    for i in range(1, len(lines)):
        lines[i] += f",note {i}"
    lines[7] = lines[7].rsplit(",", 1)[0] + "," + "A" * 5_000_000
    return "\n".join(lines) + "\n"


@case("long_header_names.csv", rows=30, features=2, label="c" * 5000)
def _():
    head = ",".join(["a" * 5000, "b" * 5000, "c" * 5000])
    return head + "\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows(30))


# --- column names ---------------------------------------------------------------------------------


@case("duplicate_column_names.csv", notes=["Renamed", "x -> x_2"], rows=30, features=3, label="label")
def _():
    return "x,y,x,label\n" + "".join(f"{a},{b},{a * 2},{c}\n" for a, b, c in rows(30))


@case("empty_column_names.csv", notes=["no header", "column_2"], rows=30, features=3, label="label")
def _():
    return "x,,y,label\n" + "".join(f"{a},{b + 1},{b},{c}\n" for a, b, c in rows(30))


@case("headerless.csv", notes=["column_1"], rows=31, features=2, label="column_3", classes=3)
def _():
    return "".join(f"{a},{b},{i % 3}\n" for i, (a, b, _) in enumerate(rows(31)))


@case("formula_header.csv", rows=30, features=2, label="label")
def _():
    return '"=HYPERLINK(""http://x"")",@a,label\n' + "".join(f"{a},{b},{c}\n" for a, b, c in rows(30))


# --- odd values -----------------------------------------------------------------------------------


@case("all_nan_column.csv", notes=["Dropped empty column 'empty'"], rows=30, features=2, label="label")
def _():
    return "x,empty,y,label\n" + "".join(f"{a},,{b},{c}\n" for a, b, c in rows(30))


@case(
    "all_infinite_column.csv",
    notes=["Dropped column of infinite values 'big'"],
    rows=30,
    features=2,
    label="label",
)
def _():
    signs = ["inf", "-inf", "Infinity", "-Infinity"]
    return "x,big,y,label\n" + "".join(
        f"{a},{signs[i % 4]},{b},{c}\n" for i, (a, b, c) in enumerate(rows(30))
    )


@case("nan_and_inf_strings.csv", notes=["infinite", "Imputed"], rows=30, features=2, label="label")
def _():
    lines = ["x,y,label"]
    for i, (a, b, c) in enumerate(rows(30)):
        lines.append(f"{'nan' if i % 7 == 0 else 'inf' if i % 11 == 0 else a},{b},{c}")
    return "\n".join(lines) + "\n"


@case(
    "huge_integers.csv",
    notes=["Dropped column of huge values 'big_float'"],
    rows=30,
    features=2,
    label="label",
)
def _():
    return "small,huge,big_float,label\n" + "".join(
        f"{i},{10**30 + i * 10**25},{(i + 1) * 1e300},{'ab'[i % 2]}\n" for i in range(30)
    )


@case(
    "beyond_float_range.csv",
    notes=["too large for 64-bit", "infinite values 'overflow'"],
    rows=30,
    features=1,
    label="label",
)
def _():
    return "x,overflow,label\n" + "".join(f"{i},{str(i % 9 + 1) * 400},{'ab'[i % 2]}\n" for i in range(30))


@case("dates.csv", notes=["Dropped date column 'date'"], rows=30, features=2, label="label")
def _():
    return "date,x,y,label\n" + "".join(
        f"2024-01-{i + 1:02d}{' 08:30' if i % 2 else ''},{a},{b},{c}\n"
        for i, (a, b, c) in enumerate(rows(30))
    )


@case("booleans.csv", notes=["true/false as 1/0"], rows=30, features=3, label="label")
def _():
    words = ["TRUE", "false", "True", "FALSE"]
    return "x,flag,y,label\n" + "".join(
        f"{a},{words[i % 4]},{b},{c}\n" for i, (a, b, c) in enumerate(rows(30))
    )


@case("whitespace_cells.csv", notes=["Imputed"], rows=30, features=2, label="label")
def _():
    lines = ["x,y,label"]
    for i, (a, b, c) in enumerate(rows(30)):
        lines.append(f"{'   ' if i % 6 == 0 else a},{b if i % 5 else chr(9)},{c}")
    return "\n".join(lines) + "\n"


@case("mixed_numbers_and_text.csv", notes=["One-hot encoded"], rows=30, label="label")
def _():
    values = ["1", "2", "three", "4", "five"]
    return "x,mixed,label\n" + "".join(f"{a},{values[i % 5]},{c}\n" for i, (a, _, c) in enumerate(rows(30)))


@case("excel_error_values.csv", notes=["Excel error"], rows=30, features=2, label="label")
def _():
    errors = ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!"]
    lines = ["x,ratio,label"]
    for i, (a, b, c) in enumerate(rows(30)):
        lines.append(f"{a},{errors[i % 6] if i % 3 == 0 else b},{c}")
    return "\n".join(lines) + "\n"


@case("currency_and_percent.csv", notes=["currency", "percent"], rows=30, features=3, label="label")
def _():
    return "price,share,x,label\n" + "".join(
        f'"${1000 + i * 37:,}.50",{i * 3 % 100}%,{a},{c}\n' for i, (a, _, c) in enumerate(rows(30))
    )


@case("scientific_notation.csv", rows=30, features=2, label="label")
def _():
    return "x,y,label\n" + "".join(f"{a:.3e},{b * 1e-9:E},{c}\n" for a, b, c in rows(30))


@case("negative_zero.csv", notes=["constant column 'z'"], rows=30, features=1, label="label")
def _():
    zeros = ["-0", "0", "-0.0", "+0.0", "0e0"]
    return "x,z,label\n" + "".join(f"{a},{zeros[i % 5]},{c}\n" for i, (a, _, c) in enumerate(rows(30)))


@case("formula_cells.csv", notes=["One-hot encoded"], rows=32, label="label")
def _():
    formulas = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3"]
    lines = ["x,y,cell,label"]
    for i, (a, b, c) in enumerate(rows(32)):
        lines.append(f'{a},{b},"{formulas[i % 4]}",{c}')
    return "\n".join(lines) + "\n"


@case("formula_label.csv", rows=32, features=2, label="label", classes=4)
def _():
    formulas = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", '=HYPERLINK("http://evil","x")']
    return "x,y,label\n" + "".join(f'{a},{b},"{formulas[i % 4].replace(chr(34), chr(34) * 2)}"\n'
                                   for i, (a, b, _) in enumerate(rows(32)))  # fmt: skip


# --- labels ---------------------------------------------------------------------------------------


@case("label_one_class.csv", notes=["constant column 'label'"], rows=30, features=2, label=None)
def _():
    return "x,y,label\n" + "".join(f"{a},{b},same\n" for a, b, _ in rows(30))


@case("label_one_class_chosen.csv", notes=["single class"], rows=30, features=2, options={"label": "label"})
def _():
    return "x,y,label\n" + "".join(f"{a},{b},same\n" for a, b, _ in rows(30))


@case("label_distinct_per_row.csv", notes=["Dropped ID-like column 'class'"], rows=60, features=2, label=None)
def _():
    return "x,y,class\n" + "".join(f"{a},{b},item{i}\n" for i, (a, b, _) in enumerate(rows(60)))


@case(
    "label_distinct_per_row_chosen.csv",
    contains=["60 distinct values", "fewer values"],
    options={"label": "class"},
)
def _():
    return "x,y,class\n" + "".join(f"{a},{b},item{i}\n" for i, (a, b, _) in enumerate(rows(60)))


@case("label_with_gaps.csv", notes=["Dropped 5 rows with no label"], rows=25, label="label")
def _():
    return "x,y,label\n" + "".join(
        f"{a},{b},{'' if i % 6 == 0 else c}\n" for i, (a, b, c) in enumerate(rows(30))
    )


@case("boolean_label.csv", rows=30, features=2, label="label", classes=2)
def _():
    return "x,y,label\n" + "".join(f"{a},{b},{'true' if c == 'a' else 'false'}\n" for a, b, c in rows(30))


@case("one_column_numbers.csv", rows=30, features=1, label=None)
def _():
    return "x\n" + "".join(f"{a}\n" for a, _, _ in rows(30))


@case("two_rows.csv", rows=2, features=1, label="y", classes=2)
def _():
    return "x,y\n1,2\n3,5\n"


def write_catalogue(dest: Path = CATALOGUE) -> list[str]:
    """Write every case up to `MAX_WRITTEN` bytes and manifest.json; return the names written."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.iterdir():
        old.unlink()
    written = []
    for name in MAKERS:
        data = build(name)
        if len(data) <= MAX_WRITTEN:
            (dest / name).write_bytes(data)
            written.append(name)
    manifest = {name: {**MANIFEST[name], "on_disk": name in written} for name in MAKERS}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return written


if __name__ == "__main__":
    names = write_catalogue()
    print(f"wrote {len(names)} of {len(MAKERS)} files to {CATALOGUE}", file=sys.stderr)
