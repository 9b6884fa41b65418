"""From uploaded bytes to UTF-8 text for the CSV parser: refuse what is not text (images,
archives, binaries, HTML pages, JSON), pick the encoding (UTF-8 with or without BOM, UTF-16/32,
else UTF-8 with stray Windows-1252 / Latin-1 bytes read one by one), and say what was chosen.

Used by `engine.data.tables.read_table`.
"""

from __future__ import annotations

import re

SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive or an Excel .xlsx workbook",
    b"\x1f\x8b": "a gzip-compressed file",
    b"\xd0\xcf\x11\xe0": "an Excel .xls or other Office file",
}  # Parquet, Feather, gzip, zip and .xlsx files are read before this (engine.data.formats.detect)
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}
_MARKUP = re.compile(rb"\s*<(?:!doctype\s+html|html|\?xml|svg|head|body)\b", re.IGNORECASE)
_JSON = re.compile(rb"\s*(?:\{\s*\"|\[\s*[\[{\"\]])")
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, kept by surrogateescape
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def not_text(why: str) -> ValueError:
    return ValueError(
        f"This does not look like a CSV text file ({why}). Upload a plain-text .csv file (one saved "
        "from a spreadsheet with 'Save as CSV', for example), a gzip- or zip-compressed CSV, or a "
        "Parquet, Feather or Excel .xlsx file."
    )


def decode(data: bytes, sample_bytes: int) -> tuple[bytes, str, list[str]]:
    """The file as UTF-8 bytes for the parser, the codec it was written in, and notes."""
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            raise not_text(f"it looks like {kind}")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _transcode(data, "utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _transcode(data, "utf-16")
    head = data[:4096]
    half = len(head) // 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if half and odd > 0.3 * half and even < 0.05 * half:
        return _transcode(data, "utf-16-le")
    if half and even > 0.3 * half and odd < 0.05 * half:
        return _transcode(data, "utf-16-be")
    if b"\x00" in data[:sample_bytes]:
        raise not_text("it contains binary data")
    encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    _refuse_documents(data[:4096])
    if data.isascii():  # ASCII is UTF-8; a quick check that spares decoding a large file to test it
        return data, encoding, []
    try:
        data.decode("utf-8")
        return data, encoding, []
    except UnicodeDecodeError:
        return _mixed(data)


def _refuse_documents(head: bytes) -> None:
    """Web pages and JSON saved as .csv (a download that returned a login page, an API reply)."""
    if _MARKUP.match(head):
        raise not_text("it looks like an HTML or XML document, perhaps a web page saved instead of the file")
    if _JSON.match(head):
        raise not_text("it looks like JSON; save the data as a table with a header row instead")


def _mixed(data: bytes) -> tuple[bytes, str, list[str]]:
    """UTF-8 where the bytes are valid UTF-8, each other byte read as Windows-1252 (Latin-1 for
    the five bytes Windows-1252 leaves undefined): right for Windows-1252 files and for files that
    mix both, as appending rows from two programs does."""
    text = data.decode("utf-8", errors="surrogateescape")
    utf8 = bool(_NON_ASCII.search(text))
    latin = False

    def single(match: re.Match) -> str:
        nonlocal latin
        byte = bytes([ord(match.group()) - 0xDC00])
        try:
            return byte.decode("cp1252")
        except UnicodeDecodeError:
            latin = True
            return byte.decode("latin-1")

    text = _ESCAPED.sub(single, text)
    encoding = "latin-1" if latin else "cp1252"
    if utf8:
        note = (
            f"The file mixes UTF-8 with {ENCODINGS[encoding]} text (as when rows from two programs are "
            "joined); each part was read in its own encoding."
        )
    else:
        note = f"The file is not valid UTF-8, so it was read as {ENCODINGS[encoding]}."
    return text.encode("utf-8"), encoding, [note]


def _transcode(data: bytes, codec: str) -> tuple[bytes, str, list[str]]:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"The file starts like {ENCODINGS[codec]} text but is not valid {ENCODINGS[codec]}. "
            "Save it again as 'CSV UTF-8' and upload that file."
        ) from exc
    return text.lstrip("\ufeff").encode("utf-8"), codec, []
