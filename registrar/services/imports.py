"""Guest-list import from CSV: a preview of what every row would do, then all rows or none.

The file is what Excel writes with "Save as CSV UTF-8": UTF-8 (with or without BOM), comma,
semicolon or tab between cells, one header row. Guests are matched by e-mail within the event.
An empty cell leaves the guest's stored value as it is (as the guest's own corrections do), so
a sheet with some cells left blank never erases what the console holds.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import json
import os
import re
import secrets
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, InvalidAnswer
from ..extensions import db
from ..models import AuditEntry, Category, Event, Guest, Language, utcnow
from . import audit
from .invitations import normalize_email
from .locking import lock_event

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
# Enough lines for csv.Sniffer to see the delimiter; the whole file would only be slower.
SNIFF_CHARS = 16 * 1024

# The columns, in the order the template has them. Their names in the template are these keys.
FIELDS = ("name_en", "name_zh", "email", "organization", "title", "category", "language")
TEXT_FIELDS = ("name_en", "name_zh", "organization", "title")

FIELD_LABELS = {
    "name_en": _l("Name in English"),
    "name_zh": _l("Name in Chinese"),
    "email": _l("E-mail"),
    "organization": _l("Organization"),
    "title": _l("Job title"),
    "category": _l("Category"),
    "language": _l("Language"),
}

# Header names accepted besides the keys themselves: English and Chinese, compared by _key().
_HEADER_ALIASES = {
    "name_en": ["english name", "name in english", "name (english)", "name (en)", "英文姓名",
                "英文名", "英文名字", "姓名(英文)", "外文姓名"],
    "name_zh": ["chinese name", "name in chinese", "name (chinese)", "name (zh)", "中文姓名",
                "中文名", "中文名字", "姓名(中文)"],
    "email": ["e-mail", "email address", "e-mail address", "mail", "電子郵件", "電子郵件地址",
              "電子信箱", "電子郵箱", "信箱", "電郵", "email信箱"],
    "organization": ["organisation", "org", "affiliation", "institution", "company", "單位",
                     "服務單位", "所屬單位", "機關", "機關單位", "機構", "組織", "公司"],
    "title": ["job title", "position", "職稱", "職位", "頭銜"],
    "category": ["type", "guest type", "類別", "來賓類別", "身分", "身份", "身分別"],
    "language": ["lang", "preferred language", "語言", "偏好語言", "使用語言"],
}  # fmt: skip

# Category words accepted besides the values: the badge's labels in both languages and the
# words organizers use for them.
_CATEGORY_WORDS = {
    Category.SPEAKER: ["speakers", "panelist", "panellist", "與談人", "講者", "主講人", "演講者"],
    Category.MODERATOR: ["chair", "主持人"],
    Category.VIP: ["貴賓"],
    Category.DELEGATE: ["participant", "attendee", "與會代表", "代表", "與會者", "參加者"],
    Category.PRESS: ["media", "journalist", "媒體", "記者"],
    Category.STAFF: ["工作人員", "職員"],
}

_LANGUAGE_WORDS = {
    Language.EN: ["english", "eng", "en-US", "en-GB", "英文", "英語"],
    Language.ZH_HANT: ["zh", "zh-TW", "zh-Hant-TW", "chinese", "中文", "繁體中文", "繁中", "華語"],
}


def _key(text: str) -> str:
    """How a header or a word is compared: width-folded, case-folded, without spacing marks."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if c not in " \t_-–—.()[]:/*'\"")


def _lookup(words: dict) -> dict[str, object]:
    table = {}
    for target, aliases in words.items():
        for word in [str(target), *aliases]:
            table[_key(word)] = target
    return table


_HEADERS = _lookup({name: _HEADER_ALIASES[name] for name in FIELDS})
_CATEGORIES = _lookup(_CATEGORY_WORDS)
_LANGUAGES = _lookup(_LANGUAGE_WORDS)

_COLUMN_LENGTHS = {name: Guest.__table__.c[name].type.length for name in TEXT_FIELDS}


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
    EXTRA_CELLS = "extra_cells"


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
    # The guest on the list with this e-mail (update and unchanged rows).
    guest_id: int | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    # Problems with the whole file; when the header is unusable there are no rows.
    issues: list[Issue]
    # The columns found, as FIELDS keys, in the file's order.
    columns: list[str]
    delimiter: str = ","

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


class ImportRejected(DomainError):
    """The file has errors; nothing was written. `preview` says which and where."""

    status = 400
    title = _l("The guest list was not imported")

    def __init__(self, preview: ImportPreview, message=None, **params):
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


def preview(event: Event, data: bytes) -> ImportPreview:
    """What importing this file into the event would do, row by row. Writes nothing."""
    return _evaluate(event, data)[0]


def apply(
    event: Event,
    data: bytes,
    actor: str,
    *,
    filename: str = "",
    expected: str | None = None,
    upload_id: str | None = None,
) -> ImportResult:
    """Import the file: every new and changed guest, or nobody when any row has an error.

    Runs in the caller's transaction (flushes, never commits). Guest-list changes are
    serialized by the event lock, so two uploads of one file do not both add its guests.
    `expected` is the fingerprint() of the preview the organizer saw: when the file would now
    do something else (the guest list changed meanwhile), nothing is written. An `upload_id`
    is imported at most once.
    """
    event = lock_event(event.id)
    if upload_id is not None and _imported_before(event, upload_id):
        raise AlreadyImported()
    result, existing = _evaluate(event, data)
    if result.issues:
        raise ImportRejected(
            result,
            _l("The file could not be imported: %(reason)s Nothing was saved."),
            reason=str(result.issues[0]),
        )
    if result.error_rows:
        raise ImportRejected(
            result,
            _l("Rows with errors: %(n)s. Nothing was imported; correct them and upload again."),
            n=len(result.error_rows),
        )
    if expected is not None and fingerprint(result) != expected:
        raise ImportConflict(
            _l(
                "The guest list changed after this file was previewed, so the preview no "
                "longer says what the import would do. Nothing was imported; please check the "
                "new preview and import again."
            )
        )
    new_rows = [row for row in result.rows if row.outcome == Outcome.NEW]
    update_rows = [row for row in result.rows if row.outcome == Outcome.UPDATE]
    counts = result.counts
    if not new_rows and not update_rows:
        return ImportResult(0, 0, counts[Outcome.UNCHANGED], [], [], result)

    now = utcnow()
    added = [
        Guest(
            event_id=event.id,
            email=row.email,
            **_typed(row.values),
            token_version=1,
            badge_version=1,
            invited_at=now,
            updated_at=now,
        )
        for row in new_rows
    ]
    db.session.add_all(added)
    updated = []
    for row in update_rows:
        guest = existing[row.email]
        for name, value in _typed({c.field: c.new for c in row.changes}).items():
            setattr(guest, name, value)
        updated.append(guest)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        # Someone added one of these e-mails in the console after the preview was read.
        raise ImportConflict() from exc

    audit.record(
        "guest_list.imported",
        actor=actor,
        event_id=event.id,
        filename=filename,
        rows=len(result.rows),
        added=len(added),
        updated=len(updated),
        unchanged=counts[Outcome.UNCHANGED],
        **({"upload": upload_id} if upload_id is not None else {}),
    )
    for guest in added:
        audit.record("guest.added", actor=actor, event_id=event.id, guest_id=guest.id, via="import")
    for guest, row in zip(updated, update_rows, strict=True):
        audit.record(
            "guest.updated",
            actor=actor,
            event_id=event.id,
            guest_id=guest.id,
            via="import",
            changes={c.field: [c.old, c.new] for c in row.changes},
        )
    db.session.flush()
    return ImportResult(
        added=len(added),
        updated=len(updated),
        unchanged=counts[Outcome.UNCHANGED],
        added_ids=[g.id for g in added],
        updated_ids=[g.id for g in updated],
        preview=result,
    )


def template_csv() -> bytes:
    """A file to start from: the header and two made-up guests, one written in Chinese."""
    rows = [
        list(FIELDS),
        ["Chen Mei-Ling", "陳美玲", "mei-ling.chen@example.org", "Kaohsiung City Government",
         "Director", "speaker", "en"],
        ["", "林志明", "chih-ming.lin@example.org", "高雄市政府環境保護局", "科長", "與會代表",
         "中文"],
    ]  # fmt: skip
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def fingerprint(result: ImportPreview) -> str:
    """A digest of what applying would do, row by row: equal digests, equal imports."""
    digest = hashlib.sha256()
    for issue in result.issues:
        digest.update(f"!{issue.problem}\n".encode())
    for row in result.rows:
        changes = [[c.field, c.old, c.new] for c in row.changes]
        problems = sorted(str(issue.problem) for issue in row.issues)
        line = [row.row, str(row.outcome), row.email, row.guest_id, changes, problems]
        digest.update(json.dumps(line, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _imported_before(event: Event, upload_id: str) -> bool:
    imported = db.session.scalars(
        sa.select(AuditEntry.details).where(
            AuditEntry.event_id == event.id, AuditEntry.action == "guest_list.imported"
        )
    )
    return any((details or {}).get("upload") == upload_id for details in imported)


# --- uploads kept between the preview and the import ------------------------------------
# The preview and the import must read the same bytes, and the organizer should not have to
# choose the file twice, so the upload waits in the instance folder under a random id (never
# a name the browser chose) until it is imported or an hour has passed.

UPLOAD_TTL = timedelta(hours=1)
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Upload:
    id: str
    event_id: int
    owner: str
    filename: str
    uploaded_at: datetime
    # The counts of the import, once the file has been imported (its bytes are gone then).
    result: dict | None = None

    @property
    def imported(self) -> bool:
        return self.result is not None


def uploads_directory() -> Path:
    return Path(current_app.instance_path) / "imports"


def keep_upload(event: Event, data: bytes, owner: str, filename: str = "") -> Upload:
    """Store the file for its preview and import; uploads older than UPLOAD_TTL are removed."""
    folder = uploads_directory()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_expired(folder)
    upload = Upload(
        id=secrets.token_urlsafe(24),
        event_id=event.id,
        owner=owner,
        filename=_plain_filename(filename),
        uploaded_at=utcnow(),
    )
    with open(folder / f"{upload.id}.csv", "xb") as out:
        out.write(data)
    _write_meta(folder, upload)
    return upload


def find_upload(upload_id: str, event: Event, owner: str) -> Upload:
    """The upload of this organizer for this event, unless it expired; else UploadMissing."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        raise UploadMissing()
    folder = uploads_directory()
    try:
        meta = json.loads((folder / f"{upload_id}.json").read_text("utf-8"))
        upload = Upload(
            id=upload_id,
            event_id=int(meta["event_id"]),
            owner=str(meta["owner"]),
            filename=str(meta.get("filename", "")),
            uploaded_at=datetime.fromisoformat(meta["uploaded_at"]),
            result=meta.get("result"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise UploadMissing() from None
    if upload.event_id != event.id or not secrets.compare_digest(upload.owner, owner):
        raise UploadMissing()
    if upload.uploaded_at + UPLOAD_TTL < utcnow():
        discard_upload(upload.id)
        raise UploadMissing()
    return upload


def upload_data(upload: Upload) -> bytes:
    try:
        return (uploads_directory() / f"{upload.id}.csv").read_bytes()
    except FileNotFoundError:
        raise (AlreadyImported() if upload.imported else UploadMissing()) from None


def mark_imported(upload: Upload, result: ImportResult) -> Upload:
    """After the commit: keep the counts for the result page, drop the file's bytes."""
    done = Upload(
        id=upload.id,
        event_id=upload.event_id,
        owner=upload.owner,
        filename=upload.filename,
        uploaded_at=upload.uploaded_at,
        result={
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rows": len(result.preview.rows),
        },
    )
    folder = uploads_directory()
    _write_meta(folder, done)
    (folder / f"{upload.id}.csv").unlink(missing_ok=True)
    return done


def discard_upload(upload_id: str) -> None:
    if not _UPLOAD_ID.fullmatch(upload_id):
        return
    folder = uploads_directory()
    for suffix in (".csv", ".json"):
        (folder / f"{upload_id}{suffix}").unlink(missing_ok=True)


def _write_meta(folder: Path, upload: Upload) -> None:
    meta = {
        "event_id": upload.event_id,
        "owner": upload.owner,
        "filename": upload.filename,
        "uploaded_at": upload.uploaded_at.isoformat(),
        "result": upload.result,
    }
    # Written aside and renamed, so that a reader never sees half a file.
    temporary = folder / f"{upload.id}.{secrets.token_hex(4)}.tmp"
    temporary.write_text(json.dumps(meta), "utf-8")
    os.replace(temporary, folder / f"{upload.id}.json")


def _remove_expired(folder: Path) -> None:
    oldest = (utcnow() - UPLOAD_TTL - timedelta(minutes=5)).timestamp()
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
        except FileNotFoundError:
            pass


def _plain_filename(filename: str) -> str:
    """The name the browser gave, for the audit log and the page only: no folders, short."""
    name = re.split(r"[\\/]", filename or "")[-1]
    return "".join(c for c in name if c.isprintable())[:200]


# --- reading the file -------------------------------------------------------------------


def _evaluate(event: Event, data: bytes) -> tuple[ImportPreview, dict[str, Guest]]:
    """The preview, and the event's guests by e-mail that it compared the rows with."""
    text, issue = _decode(bytes(data))
    if issue is not None:
        return ImportPreview(rows=[], issues=[issue], columns=[]), {}
    delimiter = _delimiter(text)
    try:
        records = _records(text, delimiter)
    except csv.Error as exc:
        return ImportPreview([], [_malformed(exc)], [], delimiter), {}

    # Blank lines above the header are skipped; blank rows below it too (Excel leaves some).
    records = [(number, cells) for number, cells in records if any(c.strip() for c in cells)]
    if not records:
        return ImportPreview([], [Issue(Problem.EMPTY, _l("The file is empty."))], []), {}
    _, header = records[0]
    body = records[1:]
    columns, issues, usable = _read_header(header)
    found = list(columns.values())
    if len(body) > MAX_ROWS:
        found_rows, max_rows = format(len(body), ","), format(MAX_ROWS, ",")
        issues.append(
            Issue(
                Problem.TOO_MANY_ROWS,
                _l(
                    "The file has %(n)s guests; at most %(max)s can be imported at once. "
                    "Please split it into smaller files.",
                    n=found_rows,
                    max=max_rows,
                ),
            )
        )
        usable = False
    elif not body:
        issues.append(Issue(Problem.NO_ROWS, _l("The file has no guests below the header row.")))
    if not usable:
        return ImportPreview([], issues, found, delimiter), {}

    existing = {
        guest.email: guest
        for guest in db.session.scalars(sa.select(Guest).where(Guest.event_id == event.id))
    }
    rows = [_read_row(number, cells, header, columns) for number, cells in body]
    _mark_duplicates(rows)
    for row in rows:
        _decide(row, existing.get(row.email))
    return ImportPreview(rows, issues, found, delimiter), existing


def _decode(data: bytes) -> tuple[str, Issue | None]:
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


def _delimiter(text: str) -> str:
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
        return sum(1 for cell in cells if _key(cell) in _HEADERS)

    # max() keeps the first of equals: the sniffed one, then the comma.
    return max(dict.fromkeys([sniffed, ",", ";", "\t"]), key=known_columns)


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(Excel row number, cells) per record; a quoted cell may span lines but is one row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return list(enumerate(reader, start=1))


def _malformed(exc: csv.Error) -> Issue:
    return Issue(
        Problem.MALFORMED,
        _l(
            "The file could not be read as CSV (%(error)s). Please save it again from Excel "
            "as “CSV UTF-8 (Comma delimited)”.",
            error=str(exc),
        ),
    )


def _column_letter(index: int) -> str:
    """A, B, ..., Z, AA: the column as Excel names it (index from 0)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _read_header(header: list[str]) -> tuple[dict[int, str], list[Issue], bool]:
    """Columns by position, the file-level issues, and whether the rows can be read at all."""
    columns: dict[int, str] = {}
    issues = []
    for index, cell in enumerate(header):
        name = cell.strip().lstrip("\ufeff")
        if not name:
            continue
        found = _HEADERS.get(_key(name))
        if found is None:
            issues.append(
                Issue(
                    Problem.UNKNOWN_COLUMN,
                    _l(
                        "Unknown column “%(name)s” (column %(letter)s). The columns are: "
                        "%(columns)s.",
                        name=name,
                        letter=_column_letter(index),
                        columns=", ".join(FIELDS),
                    ),
                )
            )
        elif found in columns.values():
            issues.append(
                Issue(
                    Problem.DUPLICATE_COLUMN,
                    _l(
                        "The column “%(name)s” (column %(letter)s) appears twice.",
                        name=name,
                        letter=_column_letter(index),
                    ),
                    column=found,
                )
            )
        else:
            columns[index] = found
    usable = True
    if "email" not in columns.values():
        issues.append(
            Issue(
                Problem.MISSING_COLUMN,
                _l("The file has no e-mail column: add one headed “email”."),
                column="email",
            )
        )
        usable = False
    if not {"name_en", "name_zh"} & set(columns.values()):
        issues.append(
            Issue(
                Problem.MISSING_COLUMN,
                _l("The file has no name column: add “name_en”, “name_zh”, or both."),
            )
        )
        usable = False
    return columns, issues, usable


# --- one row ----------------------------------------------------------------------------


def _read_row(number: int, cells: list[str], header: list[str], columns: dict) -> ImportRow:
    """One row checked on its own (duplicates across rows are _mark_duplicates's)."""
    values = {
        name: cells[index].strip() if index < len(cells) else "" for index, name in columns.items()
    }
    row = ImportRow(row=number, outcome=Outcome.ERROR, email=values.get("email", ""), values=values)

    # Cells under no heading; those under an unknown heading are reported once, for the file.
    unheaded = [
        index
        for index, cell in enumerate(cells)
        if cell.strip() and (index >= len(header) or not header[index].strip())
    ]
    if unheaded:
        stray = [_column_letter(index) for index in unheaded]
        row.issues.append(
            Issue(
                Problem.EXTRA_CELLS,
                _l(
                    "Column %(letters)s has a value but no heading. Is there a comma or a "
                    "semicolon inside a cell that is not in quotes?",
                    letters=", ".join(stray),
                ),
            )
        )

    if not row.email:
        row.issues.append(Issue(Problem.MISSING_EMAIL, _l("The e-mail is missing."), "email"))
    else:
        try:
            row.email = normalize_email(row.email)
        except InvalidAnswer:
            row.issues.append(
                Issue(
                    Problem.INVALID_EMAIL,
                    _l("Not a valid e-mail address: %(email)s", email=row.email),
                    "email",
                )
            )
        else:
            values["email"] = row.email

    if not (values.get("name_en") or values.get("name_zh")):
        row.issues.append(
            Issue(Problem.NO_NAME, _l("A guest needs a name in at least one script."))
        )
    # The e-mail's length is the validator's (254, as the column).
    for index, name in columns.items():
        limit = _COLUMN_LENGTHS.get(name)
        if limit is not None and len(values[name]) > limit:
            row.issues.append(
                Issue(
                    Problem.TOO_LONG,
                    _l(
                        "%(column)s is longer than %(limit)s characters (it has %(length)s).",
                        column=header[index].strip(),
                        limit=limit,
                        length=len(values[name]),
                    ),
                    name,
                )
            )

    if values.get("category"):
        category = _CATEGORIES.get(_key(values["category"]))
        if category is None:
            row.issues.append(
                Issue(
                    Problem.UNKNOWN_CATEGORY,
                    _l(
                        "Unknown category “%(value)s”. Use one of: %(choices)s.",
                        value=values["category"],
                        choices="speaker, moderator, vip, delegate, press, staff "
                        "(與談人, 主持人, 貴賓, 與會代表, 媒體, 工作人員)",
                    ),
                    "category",
                )
            )
        else:
            values["category"] = category.value
    if values.get("language"):
        language = _LANGUAGES.get(_key(values["language"]))
        if language is None:
            row.issues.append(
                Issue(
                    Problem.UNKNOWN_LANGUAGE,
                    _l(
                        "Unknown language “%(value)s”. Use en or zh_Hant (English or 中文).",
                        value=values["language"],
                    ),
                    "language",
                )
            )
        else:
            values["language"] = language.value
    return row


def _mark_duplicates(rows: list[ImportRow]) -> None:
    """Every row of an e-mail that appears more than once is in error: which one is right?"""
    by_email: dict[str, list[ImportRow]] = defaultdict(list)
    for row in rows:
        if row.email and not any(i.problem == Problem.INVALID_EMAIL for i in row.issues):
            by_email[row.email].append(row)
    for email, same in by_email.items():
        if len(same) < 2:
            continue
        for row in same:
            others = ", ".join(str(other.row) for other in same if other is not row)
            row.issues.append(
                Issue(
                    Problem.DUPLICATE_EMAIL,
                    _l(
                        "The e-mail %(email)s is also on row %(rows)s of the file.",
                        email=email,
                        rows=others,
                    ),
                    "email",
                )
            )


def _decide(row: ImportRow, guest: Guest | None) -> None:
    if row.issues:
        row.outcome = Outcome.ERROR
        return
    values = row.values
    if guest is None:
        row.outcome = Outcome.NEW
        for name in TEXT_FIELDS:
            values.setdefault(name, "")
        values["category"] = values.get("category") or Category.DELEGATE.value
        if not values.get("language"):
            # A guest known only by a Chinese name most likely reads Chinese.
            only_chinese = values["name_zh"] and not values["name_en"]
            values["language"] = (Language.ZH_HANT if only_chinese else Language.EN).value
        return
    row.guest_id = guest.id
    for name in (*TEXT_FIELDS, "category", "language"):
        new = values.get(name, "")
        old = getattr(guest, name)
        old = old.value if isinstance(old, enum.Enum) else (old or "")
        if new and new != old:
            row.changes.append(Change(field=name, old=old, new=new))
    row.outcome = Outcome.UPDATE if row.changes else Outcome.UNCHANGED


def _typed(values: dict[str, str]) -> dict:
    """Row values as Guest attributes: the enums as enums, the e-mail left out."""
    typed = {name: values[name] for name in TEXT_FIELDS if name in values}
    if "category" in values:
        typed["category"] = Category(values["category"])
    if "language" in values:
        typed["language"] = Language(values["language"])
    return typed
