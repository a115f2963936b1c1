"""Reading the uploaded bytes: the encoding, the delimiter, and the CSV records."""

from __future__ import annotations

import csv
import io

from flask_babel import lazy_gettext as _l

from .results import Issue, Problem
from .vocabulary import HEADERS, word_key

MAX_BYTES = 2 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
# What csv.Sniffer is shown when the header does not decide: enough lines to see the
# delimiter, short enough that its worst case costs milliseconds (see sniff_delimiter).
SNIFF_LINES = 20
SNIFF_CHARS = 2 * 1024


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
    """The delimiter that reads most of the header as our columns; between equals, the one
    csv.Sniffer finds in the first lines, else the first of DELIMITERS.

    The header decides nearly every file at the cost of reading one line. csv.Sniffer is
    only asked when it does not, and only about a few lines: its regular expressions take time
    that grows with the square of a line's length (a 16 KB line of quotes and commas took
    seconds), and a preview is read again at every view.
    """
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def known_columns(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(1 for cell in cells if word_key(cell) in HEADERS)

    known = {delimiter: known_columns(delimiter) for delimiter in DELIMITERS}
    best = max(known.values())
    equals = [delimiter for delimiter in DELIMITERS if known[delimiter] == best]
    if len(equals) == 1:
        return equals[0]
    try:
        sniffed = csv.Sniffer().sniff(sniff_sample(text), delimiters="".join(equals)).delimiter
    except csv.Error:
        return equals[0]
    return sniffed if sniffed in equals else equals[0]


def sniff_sample(text: str) -> str:
    """The first SNIFF_LINES lines, within SNIFF_CHARS, without half a line at the end when
    there is a whole one (half a line looks like another number of cells)."""
    end = 0
    for _ in range(SNIFF_LINES):
        newline = text.find("\n", end, SNIFF_CHARS)
        if newline < 0:
            break
        end = newline + 1
    else:
        return text[:end]
    if len(text) <= SNIFF_CHARS:
        return text
    return text[:end] if end else text[:SNIFF_CHARS]


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
