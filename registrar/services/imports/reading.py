"""Reading the uploaded bytes: the encoding, the delimiter, and the CSV records."""

from __future__ import annotations

import csv
import io

from flask_babel import lazy_gettext as _l

from .results import Issue, Problem
from .vocabulary import HEADERS, word_key

MAX_BYTES = 2 * 1024 * 1024
# Enough lines for csv.Sniffer to see the delimiter; the whole file would only be slower.
SNIFF_CHARS = 16 * 1024


def decode(data: bytes) -> tuple[str, Issue | None]:
    if len(data) > MAX_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f}"
        return "", Issue(
            Problem.TOO_LARGE,
            _l(
                "The file is %(size)s MB; at most %(max)s MB can be imported. Please split it "
                "into smaller files.",
                size=size,
                max=MAX_BYTES // 1024 // 1024,
            ),
        )
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
        return "", Issue(
            Problem.WORKBOOK,
            _l(
                "This is an Excel workbook, not a CSV file. In Excel choose File, Save As, "
                "and the type “CSV UTF-8 (Comma delimited)”, then upload that file."
            ),
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        return "", _not_utf8("UTF-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("cp950")
        except UnicodeDecodeError:
            return "", _not_utf8(None)
        # Excel on a Traditional Chinese Windows saves "CSV" in this code page.
        return "", _not_utf8("Big5")
    if not text.strip():
        return "", Issue(Problem.EMPTY, _l("The file is empty."))
    return text, None


def _not_utf8(encoding: str | None) -> Issue:
    if encoding is None:
        message = _l(
            "The file is not in UTF-8, so its Chinese names would come out garbled. In Excel "
            "choose File, Save As, and the type “CSV UTF-8 (Comma delimited)”, then upload "
            "that file."
        )
    else:
        message = _l(
            "The file is saved as %(encoding)s, not UTF-8, so its Chinese names would come out "
            "garbled. In Excel choose File, Save As, and the type “CSV UTF-8 (Comma "
            "delimited)”, then upload that file.",
            encoding=encoding,
        )
    return Issue(Problem.NOT_UTF8, message)


def sniff_delimiter(text: str) -> str:
    """The sniffed delimiter, unless another one reads more of the header as our columns."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = ","
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def known_columns(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(1 for cell in cells if word_key(cell) in HEADERS)

    # max() keeps the first of equals: the sniffed one, then the comma.
    return max(dict.fromkeys([sniffed, ",", ";", "\t"]), key=known_columns)


def read_records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(Excel row number, cells) per record; a quoted cell may span lines but is one row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return list(enumerate(reader, start=1))


def malformed(exc: csv.Error) -> Issue:
    return Issue(
        Problem.MALFORMED,
        _l(
            "The file could not be read as CSV (%(error)s). Please save it again from Excel "
            "as “CSV UTF-8 (Comma delimited)”.",
            error=str(exc),
        ),
    )


def column_letter(index: int) -> str:
    """A, B, ..., Z, AA: the column as Excel names it (index from 0)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
