"""What every row of a file would do: the header read, each row checked and compared."""

from __future__ import annotations

import csv
import enum
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...extensions import db
from ...models import AgendaItem, Category, Event, Guest, Language, SessionSeat
from ...text import has_control_characters, one_line
from .. import precedence
from ..invitations import normalize_email
from ..seats import sessions as session_seats
from .reading import column_letter, decode, malformed, read_records, sniff_delimiter
from .results import Change, ImportPreview, ImportRow, Issue, Note, Outcome, Problem
from .vocabulary import (
    CATEGORIES,
    COLUMN_LENGTHS,
    COLUMNS,
    FIELDS,
    HEADERS,
    IGNORED_HEADERS,
    LANGUAGES,
    SESSIONS,
    TEXT_FIELDS,
    word_key,
)

MAX_ROWS = 10_000


def evaluate(event: Event, data: bytes) -> tuple[ImportPreview, dict[str, Guest]]:
    """The preview, and the event's guests by e-mail that it compared the rows with."""
    text, issue = decode(bytes(data))
    if issue is not None:
        return ImportPreview(rows=[], issues=[issue], columns=[]), {}
    delimiter = sniff_delimiter(text)
    try:
        records = read_records(text, delimiter)
    except csv.Error as exc:
        return ImportPreview([], [malformed(exc)], [], delimiter), {}

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

    # The sessions guests choose, read only when the file has a sessions column.
    offered = session_seats.offered(event.id) if SESSIONS in columns.values() else []
    rows = [_read_row(number, cells, header, columns, offered) for number, cells in body]
    existing = _compare(event, rows)
    return ImportPreview(rows, issues, found, delimiter, header), existing


def evaluate_records(
    event: Event, records: Sequence[Mapping[str, str]]
) -> tuple[ImportPreview, dict[str, Guest]]:
    """As evaluate(), for guests sent as records whose keys are FIELDS (the API's bulk list):
    each record is checked as a file's row with every column, a key left out as an empty cell
    (the stored value stays), and its row number is its index in the list."""
    header = list(FIELDS)
    columns = dict(enumerate(FIELDS))
    issues = []
    if len(records) > MAX_ROWS:
        issues.append(
            Issue(
                Problem.TOO_MANY_ROWS,
                _l("At most %(max)s guests can be imported at once.", max=format(MAX_ROWS, ",")),
            )
        )
    elif not records:
        issues.append(Issue(Problem.NO_ROWS, _l("There are no guests to import.")))
    if issues:
        return ImportPreview([], issues, header), {}
    rows = [
        _read_row(index, [record.get(name, "") for name in FIELDS], header, columns)
        for index, record in enumerate(records)
    ]
    existing = _compare(event, rows)
    return ImportPreview(rows, [], header, header=header), existing


def _compare(event: Event, rows: list[ImportRow]) -> dict[str, Guest]:
    """Decide every row's outcome against the event's guests; those guests, by e-mail."""
    existing = {
        guest.email: guest
        for guest in db.session.scalars(sa.select(Guest).where(Guest.event_id == event.id))
    }
    _mark_duplicates(rows)
    chosen = _chosen_sessions(event) if any(row.values.get(SESSIONS) for row in rows) else {}
    for row in rows:
        _decide(row, existing.get(row.email), chosen)
    return existing


def _chosen_sessions(event: Event) -> dict[int, frozenset[int]]:
    """The sessions each guest of the event chose, by guest id (one statement)."""
    found: dict[int, set[int]] = {}
    for guest_id, session_id in db.session.execute(
        sa.select(SessionSeat.guest_id, SessionSeat.session_id).where(
            SessionSeat.event_id == event.id
        )
    ):
        found.setdefault(guest_id, set()).add(session_id)
    return {guest_id: frozenset(ids) for guest_id, ids in found.items()}


def _read_header(header: list[str]) -> tuple[dict[int, str], list[Issue], bool]:
    """Columns by position, the file-level issues, and whether the rows can be read at all."""
    columns: dict[int, str] = {}
    issues = []
    for index, cell in enumerate(header):
        name = cell.strip().lstrip("\ufeff")
        if not name:
            continue
        if word_key(name) in IGNORED_HEADERS:
            continue  # the reason column of a rows-with-errors file, corrected and sent back
        found = HEADERS.get(word_key(name))
        if found is None:
            issues.append(
                Issue(
                    Problem.UNKNOWN_COLUMN,
                    _l(
                        "Unknown column “%(name)s” (column %(letter)s). The columns are: "
                        "%(columns)s.",
                        name=name,
                        letter=column_letter(index),
                        columns=", ".join(COLUMNS),
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
                        letter=column_letter(index),
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


def _read_row(
    number: int,
    cells: list[str],
    header: list[str],
    columns: dict[int, str],
    offered: Sequence[AgendaItem] = (),
) -> ImportRow:
    """One row checked on its own (duplicates across rows are _mark_duplicates's)."""
    values = {
        name: cells[index].strip() if index < len(cells) else "" for index, name in columns.items()
    }
    row = ImportRow(
        row=number, outcome=Outcome.ERROR, email=values.get("email", ""), values=values, cells=cells
    )
    for index, name in columns.items():
        if name in TEXT_FIELDS and has_control_characters(values[name]):
            _one_line(row, name, header[index].strip())

    # Cells under no heading; those under an unknown heading are reported once, for the file.
    unheaded = [
        index
        for index, cell in enumerate(cells)
        if cell.strip() and (index >= len(header) or not header[index].strip())
    ]
    if unheaded:
        stray = [column_letter(index) for index in unheaded]
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
        limit = COLUMN_LENGTHS.get(name)
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
        category = CATEGORIES.get(word_key(values["category"]))
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
        language = LANGUAGES.get(word_key(values["language"]))
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
    if values.get("precedence"):
        try:
            rank = precedence.checked(values["precedence"])
        except InvalidAnswer:
            row.issues.append(
                Issue(
                    Problem.BAD_PRECEDENCE,
                    _l(
                        "Precedence “%(value)s” is not a whole number from %(lowest)s to "
                        "%(highest)s. Leave the cell empty for none.",
                        value=values["precedence"],
                        lowest=precedence.LOWEST,
                        highest=precedence.HIGHEST,
                    ),
                    "precedence",
                )
            )
        else:
            values["precedence"] = str(rank)
    if values.get(SESSIONS):
        _read_sessions_cell(row, offered, header, columns)
    return row


# Between the sessions of a cell: "1; 2", "1、2", "1|2", a line break; or commas, when every
# part between them names a session (a title may hold a comma).
_SESSION_SEPARATORS = re.compile(r"[;；、|\r\n]+")
_COMMAS = re.compile(r"[,，]")


def read_sessions(text: str, offered: Sequence[AgendaItem]) -> tuple[list[int], str | None]:
    """The ids of the sessions a cell names, in programme order, and the first part naming none
    (None when all do). A session is named by its number among the sessions guests choose, in
    programme order (1 for the first, as the RSVP form lists them), or by its title in English
    or Chinese (spacing, case and width aside)."""
    by_name: dict[str, int] = {}
    for number, item in enumerate(offered, start=1):
        by_name[str(number)] = item.id
        for title in (item.title_en, item.title_zh):
            if title:
                by_name.setdefault(word_key(title), item.id)

    def one(part: str) -> int | None:
        return by_name.get(word_key(part) if not part.strip().isdigit() else str(int(part)))

    wanted: set[int] = set()
    for part in (p for p in _SESSION_SEPARATORS.split(text) if p.strip()):
        found = one(part)
        if found is not None:
            wanted.add(found)
            continue
        pieces = [p for p in _COMMAS.split(part) if p.strip()]
        named = [one(piece) for piece in pieces]
        if len(pieces) < 2 or None in named:
            missing = next((p for p, n in zip(pieces, named, strict=True) if n is None), part)
            return [], missing.strip()
        wanted.update(n for n in named if n is not None)
    return [item.id for item in offered if item.id in wanted], None


def _read_sessions_cell(
    row: ImportRow, offered: Sequence[AgendaItem], header: list[str], columns: dict[int, str]
) -> None:
    """The sessions cell as the ids it names (kept in the row's values, space-separated), or
    the row's issue naming the value and the column."""
    index = next(i for i, name in columns.items() if name == SESSIONS)
    column = f"{header[index].strip()} ({column_letter(index)})"
    value = row.values[SESSIONS]
    if not offered:
        row.issues.append(
            Issue(
                Problem.UNKNOWN_SESSION,
                _l(
                    "%(column)s: this event's guests choose no sessions; leave the cell empty "
                    "(it has “%(value)s”).",
                    column=column,
                    value=value,
                ),
                SESSIONS,
            )
        )
        return
    ids, missing = read_sessions(value, offered)
    if missing is not None:
        choices = "; ".join(
            f"{number} {item.title_en or item.title_zh}"
            for number, item in enumerate(offered, start=1)
        )
        row.issues.append(
            Issue(
                Problem.UNKNOWN_SESSION,
                _l(
                    "%(column)s: “%(value)s” is not a session guests choose. Use their numbers "
                    "or titles, separated by semicolons: %(choices)s.",
                    column=column,
                    value=missing,
                    choices=choices,
                ),
                SESSIONS,
            )
        )
        return
    row.values[SESSIONS] = " ".join(str(n) for n in ids)


def session_ids(values: Mapping[str, str]) -> frozenset[int]:
    """The session ids a checked row names (empty: none named)."""
    return frozenset(int(n) for n in values.get(SESSIONS, "").split())


# A line break typed in a cell (Alt+Enter in Excel) or a tab: a typing accident, read as a space.
_TYPED_BREAKS = re.compile(r"[\r\n\t]")


def _one_line(row: ImportRow, name: str, column: str) -> None:
    """A name, an organization or a title holds one line: line breaks and tabs are read as one
    space and the row says so; any other control character (NUL, a bell) refuses the row."""
    value = row.values[name]
    row.values[name] = one_line(value)
    if has_control_characters(_TYPED_BREAKS.sub(" ", value)):
        row.issues.append(
            Issue(
                Problem.CONTROL_CHARACTERS,
                _l(
                    "%(column)s contains a control character (such as NUL or a bell), which a "
                    "name, an organization or a title may not hold. Remove it in the file and "
                    "upload it again.",
                    column=column,
                ),
                name,
            )
        )
    else:
        row.notes.append(
            Note(
                name,
                _l(
                    "%(column)s had a line break (Alt+Enter in Excel) or a tab in the cell; it "
                    "is imported as one line.",
                    column=column,
                ),
            )
        )


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


def _decide(
    row: ImportRow, guest: Guest | None, chosen: Mapping[int, frozenset[int]] | None = None
) -> None:
    if row.issues:
        row.outcome = Outcome.ERROR
        return
    values = row.values
    wanted = session_ids(values)
    held = (chosen or {}).get(guest.id, frozenset()) if guest is not None else frozenset()
    if wanted and not held:
        # The import takes no answers: the sessions are those of a guest who said yes.
        row.notes.append(
            Note(
                SESSIONS,
                _l(
                    "Sessions are changed only for a guest who said they attend; this guest "
                    "chooses them on the RSVP form."
                ),
            )
        )
        values.pop(SESSIONS, None)
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
    for name in (*TEXT_FIELDS, "category", "language", "precedence"):
        new = values.get(name, "")
        old = getattr(guest, name)
        old = old.value if isinstance(old, enum.Enum) else ("" if old is None else str(old))
        if new and new != old:
            row.changes.append(Change(field=name, old=old, new=new))
    if held and wanted and wanted != held:
        row.changes.append(Change(field=SESSIONS, old=_ids_text(held), new=_ids_text(wanted)))
    elif SESSIONS in values:
        values.pop(SESSIONS)  # the guest's sessions as they are
    row.outcome = Outcome.UPDATE if row.changes else Outcome.UNCHANGED


def _ids_text(ids: frozenset[int]) -> str:
    return " ".join(str(n) for n in sorted(ids))


def typed(values: dict[str, str]) -> dict[str, str | int | None | Category | Language]:
    """Row values as Guest attributes: the enums as enums, the rank as a number (an empty cell:
    none for a new guest; a guest's stored rank is kept, as every empty cell keeps its value),
    the e-mail left out."""
    typed: dict[str, str | int | None | Category | Language] = {
        name: values[name] for name in TEXT_FIELDS if name in values
    }
    if "category" in values:
        typed["category"] = Category(values["category"])
    if "language" in values:
        typed["language"] = Language(values["language"])
    if "precedence" in values:
        typed["precedence"] = precedence.checked(values["precedence"])
    return typed
