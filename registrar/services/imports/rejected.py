"""The rows with errors given back as a CSV file, each with its reason, to correct and upload.

The file has the uploaded file's own header and cells, untouched and in their order, with a
`reason` column added (or filled in, when the file is such a file corrected and sent back):
the import reads past that column, so the corrected file imports as it is. The reasons are
written in the language of the request, the organizer's.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from .results import ImportPreview, ImportRow
from .vocabulary import IGNORED_HEADERS, REASON_COLUMN, word_key


def rows_with_errors_csv(preview: ImportPreview) -> bytes:
    """The header and every row in error, with its reasons; UTF-8 with a BOM, for Excel."""
    header = list(preview.header)
    reason_at = next(
        (i for i, name in enumerate(header) if word_key(name.lstrip("\ufeff")) in IGNORED_HEADERS),
        None,
    )
    width = len(header)
    if reason_at is None:
        reason_at = width
        header.append(REASON_COLUMN)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=preview.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in preview.error_rows:
        cells = row.cells[:width] + [""] * (width - len(row.cells))
        if reason_at == width:
            cells.append("")
        cells[reason_at] = reason(row)
        # Cells under no heading stay where they were, after the header's columns.
        writer.writerow(cells + row.cells[width:])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def reason(row: ImportRow) -> str:
    """What is wrong with a row, with its number in the uploaded file (the other rows named in
    the reasons are numbered as in that file too)."""
    return _(
        "Row %(row)s: %(reasons)s",
        row=row.row,
        reasons=" ".join(str(issue) for issue in row.issues),
    )
