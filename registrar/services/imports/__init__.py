"""Guest-list import from CSV: a preview of what every row would do, then all rows or none
(or, when the organizer chooses it, the good rows, with the others given back to correct).

The file is what Excel writes with "Save as CSV UTF-8": UTF-8 (with or without BOM), comma,
semicolon or tab between cells, one header row. Guests are matched by e-mail within the event.
An empty cell leaves the guest's stored value as it is (as the guest's own corrections do), so
a sheet with some cells left blank never erases what the console holds.

The words understood are in vocabulary, what an import says in results, the bytes are read in
reading, the rows checked in checking, the use cases are in use_cases, the uploads kept
between preview and import in uploads, and the rows with errors given back in rejected.
"""

from .checking import MAX_ROWS
from .reading import MAX_BYTES
from .rejected import rows_with_errors_csv
from .results import (
    OUTCOME_LABELS,
    AlreadyImported,
    Change,
    ImportConflict,
    ImportPreview,
    ImportRejected,
    ImportResult,
    ImportRow,
    Issue,
    Note,
    Outcome,
    Problem,
    UploadMissing,
)
from .uploads import (
    UPLOAD_TTL,
    Upload,
    discard_upload,
    find_upload,
    keep_upload,
    mark_imported,
    upload_data,
    uploaded_data,
    uploads_directory,
)
from .use_cases import apply, apply_records, columns, fingerprint, preview, template_csv
from .vocabulary import COLUMN_LENGTHS, FIELD_LABELS, FIELDS, TEXT_FIELDS

__all__ = [
    "COLUMN_LENGTHS",
    "FIELDS",
    "FIELD_LABELS",
    "MAX_BYTES",
    "MAX_ROWS",
    "OUTCOME_LABELS",
    "TEXT_FIELDS",
    "UPLOAD_TTL",
    "AlreadyImported",
    "Change",
    "ImportConflict",
    "ImportPreview",
    "ImportRejected",
    "ImportResult",
    "ImportRow",
    "Issue",
    "Note",
    "Outcome",
    "Problem",
    "Upload",
    "UploadMissing",
    "apply",
    "apply_records",
    "columns",
    "discard_upload",
    "find_upload",
    "fingerprint",
    "keep_upload",
    "mark_imported",
    "preview",
    "rows_with_errors_csv",
    "template_csv",
    "upload_data",
    "uploaded_data",
    "uploads_directory",
]
