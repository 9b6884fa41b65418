"""Which kind of table file an upload is, the one upload limit, and unpacking compressed CSVs.

`detect` names the format from the file's first bytes (a file's name decides only when its bytes
say nothing, and then a name that promises a binary format its bytes do not have is refused);
`unpack` opens gzip and zip archives within `MAX_UNPACKED_BYTES`. `MAX_UPLOAD_MB` is the upload
limit of the whole app: the server (`explorer.cli`), the sidebar's uploader and `read_table` read it
here. Standard library only, so the command line and the widgets import it cheaply.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import PurePosixPath

MAX_UPLOAD_MB: int = 1024  # per file: a 1,000,000 x 100 table as Parquet or as a CSV of 8-digit numbers
MAX_UPLOAD_BYTES: int = MAX_UPLOAD_MB * 2**20
# a gzip or zip file's content: a 1,000,000 x 100 CSV of full-precision numbers
MAX_UNPACKED_BYTES: int = 2 * MAX_UPLOAD_BYTES

FORMATS = {  # kind -> how notes and messages name it
    "csv": "CSV",
    "gzip": "gzip-compressed",
    "zip": "zip archive",
    "parquet": "Parquet",
    "feather": "Feather",
    "xlsx": "Excel .xlsx",
}
TEXT_EXTENSIONS = ("csv", "tsv", "txt", "dat")
EXTENSIONS = {  # a file name's last extension -> the kind it promises
    **dict.fromkeys(TEXT_EXTENSIONS, "csv"),
    "gz": "gzip",
    "zip": "zip",
    "parquet": "parquet",
    "pq": "parquet",
    "feather": "feather",
    "arrow": "feather",
    "xlsx": "xlsx",
}
_MAGIC = (  # leading bytes -> kind; each is followed by bytes no text file has
    (b"PAR1", "parquet"),
    (b"ARROW1", "feather"),
    (b"FEA1", "feather"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
)
_BINARY = set(range(9)) | set(range(14, 32))  # control bytes that text does not hold


def check_upload_size(n_bytes: int) -> None:
    """Refuse a file (by its declared or actual size) larger than the upload limit, naming it."""
    if n_bytes > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The file is {n_bytes / 2**20:,.0f} MB, more than the {MAX_UPLOAD_MB:,} MB upload limit. "
            "Upload a sample of its rows or fewer columns, or save it as Parquet or as a gzip-compressed "
            "CSV (.csv.gz), which take less space."
        )


def file_stem(filename: str) -> str:
    """'data.csv.gz' -> 'data', 'table.parquet' -> 'table': the name without its extensions."""
    path = PurePosixPath(filename.replace("\\", "/"))
    if path.suffix.lower() in (".gz", ".zip") and path.stem.rsplit(".", 1)[-1].lower() in EXTENSIONS:
        path = PurePosixPath(path.stem)
    return path.stem or "upload"


def detect(data: bytes, filename: str) -> str:
    """The kind of table in `data` (a key of FORMATS), from its first bytes, else from its name (a zip
    archive is a workbook when it holds xl/ or, cut short, when its name ends in .xlsx)."""
    head = data[:64]
    promised = EXTENSIONS.get(PurePosixPath(filename).suffix.lower().lstrip("."), "csv")
    for magic, kind in _MAGIC:
        if head.startswith(magic) and _BINARY & set(head[len(magic) : len(magic) + 16]):
            workbook = kind == "zip" and (promised == "xlsx" or _is_workbook(data))
            return "xlsx" if workbook else kind
    if promised != "csv" and data.strip():
        raise ValueError(
            f"The file is named like a {FORMATS[promised]} file but does not start like one; it may "
            f"be cut short at its start or be of another kind. Save it again as {FORMATS[promised]}, "
            "or as a CSV file, and upload that."
        )
    return "csv"


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.startswith("xl/") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def unpack(data: bytes, kind: str, filename: str) -> tuple[bytes, str, str]:
    """The file inside a gzip or zip archive: its bytes, its name, and how the summary names where
    it came from. Refuses damaged and password-protected archives, and content beyond the limit."""
    if kind == "gzip":
        inner = filename[:-3] if filename.lower().endswith(".gz") else filename
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as file:
                content = file.read(MAX_UNPACKED_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise _damaged("gzip-compressed file", exc) from exc
        _check_unpacked(len(content))
        return content, inner, "gzip-compressed"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member, note = _member(archive)
            _check_unpacked(member.file_size)
            with archive.open(member) as file:
                content = file.read(MAX_UNPACKED_BYTES + 1)
    except RuntimeError as exc:  # zipfile's "File is encrypted, password required"
        raise ValueError(
            "The zip archive is password-protected. Unpack it and upload the table file itself."
        ) from exc
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise _damaged("zip archive", exc) from exc
    _check_unpacked(len(content))
    return content, PurePosixPath(member.filename).name, note


def _member(archive: zipfile.ZipFile) -> tuple[zipfile.ZipInfo, str]:
    """The archive's table file and the summary's words: its only file, or its first table file."""
    files = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not PurePosixPath(info.filename).name.startswith(".")
    ]
    tables = [info for info in files if PurePosixPath(info.filename).suffix.lower().lstrip(".") in EXTENSIONS]
    if len(files) == 1 or tables:
        member = files[0] if len(files) == 1 else tables[0]
        name = PurePosixPath(member.filename).name
        if len(files) == 1:
            return member, f"{name} from a zip archive"
        return member, f"{name}, the first table file of {len(files)} in a zip archive"
    raise ValueError(
        f"The zip archive holds {len(files)} files and none is a table (a .csv, .tsv, .parquet, "
        ".feather or .xlsx file). Upload a zip archive of one table file, or the file itself."
    )


def _check_unpacked(n_bytes: int) -> None:
    if n_bytes > MAX_UNPACKED_BYTES:
        raise ValueError(
            f"The compressed file unpacks to more than {MAX_UNPACKED_BYTES // 2**20:,} MB, the most this "
            "app reads. Upload a sample of its rows or fewer columns, or save it as Parquet."
        )


def _damaged(what: str, exc: BaseException) -> ValueError:
    reason = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
    return ValueError(
        f"The {what} could not be unpacked ({reason}); it may be cut short or damaged. "
        "Upload the whole file again, or the uncompressed table."
    )
