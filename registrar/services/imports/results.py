"""What an import says: the outcome of every row, the problems found, and its errors."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ...errors import DomainError


class Outcome(enum.StrEnum):
    """What applying the file would do with one row."""

    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


OUTCOME_LABELS = {
    Outcome.NEW: _l("New guest"),
    Outcome.UPDATE: _l("Update"),
    Outcome.UNCHANGED: _l("Unchanged"),
    Outcome.ERROR: _l("Error"),
}


class Problem(enum.StrEnum):
    """Why a file or a row cannot be imported. The first group is about the whole file."""

    TOO_LARGE = "too_large"
    EMPTY = "empty"
    NOT_UTF8 = "not_utf8"
    WORKBOOK = "workbook"
    MALFORMED = "malformed"
    TOO_MANY_ROWS = "too_many_rows"
    NO_ROWS = "no_rows"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    DUPLICATE_COLUMN = "duplicate_column"

    MISSING_EMAIL = "missing_email"
    INVALID_EMAIL = "invalid_email"
    DUPLICATE_EMAIL = "duplicate_email"
    NO_NAME = "no_name"
    TOO_LONG = "too_long"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_LANGUAGE = "unknown_language"
    BAD_PRECEDENCE = "bad_precedence"
    EXTRA_CELLS = "extra_cells"
    CONTROL_CHARACTERS = "control_characters"
    UNKNOWN_SESSION = "unknown_session"


@dataclass(frozen=True)
class Issue:
    """One reason a file or a row cannot be imported, with the sentence to show."""

    problem: Problem
    message: LazyString
    # The column concerned (a FIELDS key), when there is one: the console can mark the cell.
    column: str | None = None

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Change:
    """One field of an existing guest that the row changes (enum fields by their value)."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Note:
    """Something the import corrected in a cell as it read it: shown with the row, not an error."""

    column: str
    message: LazyString

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class ImportRow:
    # The row number Excel shows: the header is row 1.
    row: int
    outcome: Outcome
    # Normalized when valid, else as written.
    email: str
    # The row's cells by column, stripped; category and language as their stored values
    # ("speaker", "zh_Hant") once understood. For a new guest, the defaults filled in too.
    values: dict[str, str]
    changes: list[Change] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # The guest on the list with this e-mail (update and unchanged rows).
    guest_id: int | None = None
    # The row's cells exactly as the file has them: what the rows-with-errors file gives back.
    cells: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    # Problems with the whole file; when the header is unusable there are no rows.
    issues: list[Issue]
    # The columns found, as FIELDS keys, in the file's order.
    columns: list[str]
    delimiter: str = ","
    # The header row exactly as the file has it.
    header: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[Outcome, int]:
        found = Counter(row.outcome for row in self.rows)
        return {outcome: found.get(outcome, 0) for outcome in Outcome}

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.outcome == Outcome.ERROR]

    @property
    def ok(self) -> bool:
        """True when applying would write every row: no file problem, no row in error."""
        return not self.issues and not self.error_rows

    @property
    def has_changes(self) -> bool:
        return any(row.outcome in (Outcome.NEW, Outcome.UPDATE) for row in self.rows)


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int
    # Ids of the guests added and of those updated, in the file's order.
    added_ids: list[int]
    updated_ids: list[int]
    preview: ImportPreview
    # Rows in error left out when the organizer chose to import the good rows only.
    skipped: int = 0


class ImportRejected(DomainError):
    """The file has errors; nothing was written. `preview` says which and where."""

    status = 400
    title = _l("The guest list was not imported")

    def __init__(
        self, preview: ImportPreview, message: str | None = None, **params: object
    ) -> None:
        self.preview = preview
        super().__init__(message, **params)


class ImportConflict(DomainError):
    status = 409
    default_message = _l(
        "The guest list changed while the file was being imported. Nothing was imported; "
        "please upload the file again."
    )


class UploadMissing(DomainError):
    status = 404
    title = _l("This upload is not available")
    default_message = _l(
        "This upload is not available any more: an uploaded file is kept for an hour, for the "
        "organizer who uploaded it. Nothing was imported; please upload the file again."
    )


class AlreadyImported(DomainError):
    status = 409
    default_message = _l("This file has already been imported. Nothing was imported twice.")
