"""The import's use cases: preview a file, apply it (all rows or none, or the good rows only
when the organizer chooses so), and the template."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import AuditEntry, Category, Event, Guest, utcnow
from .. import audit, seats
from ..locking import lock_event
from .checking import evaluate, evaluate_records, session_ids, typed
from .results import (
    AlreadyImported,
    ImportConflict,
    ImportPreview,
    ImportRejected,
    ImportResult,
    Outcome,
)
from .vocabulary import FIELDS, SESSIONS


def preview(event: Event, data: bytes) -> ImportPreview:
    """What importing this file into the event would do, row by row. Writes nothing."""
    return evaluate(event, data)[0]


def apply(
    event: Event,
    data: bytes,
    actor: str,
    *,
    filename: str = "",
    expected: str | None = None,
    upload_id: str | None = None,
    skip_errors: bool = False,
) -> ImportResult:
    """Import the file: every new and changed guest, or nobody when any row has an error.

    With `skip_errors` (the organizer's explicit choice) the rows in error are left out and the
    others imported; a problem with the file itself still refuses it all. Either way the rows
    written are written in one transaction: all of them or, on any failure, none.

    Runs in the caller's transaction (flushes, never commits). Guest-list changes are
    serialized by the event lock, so two uploads of one file do not both add its guests.
    `expected` is the fingerprint() of the preview the organizer saw: when the file would now
    do something else (the guest list changed meanwhile), nothing is written. An `upload_id`
    is imported at most once.
    """
    event = lock_event(event.id)
    if upload_id is not None and _imported_before(event, upload_id):
        raise AlreadyImported()
    result, existing = evaluate(event, data)
    if result.issues:
        raise ImportRejected(
            result,
            _l("The file could not be imported: %(reason)s Nothing was saved."),
            reason=str(result.issues[0]),
        )
    if result.error_rows and not skip_errors:
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
    list_details = {
        "filename": filename,
        **({"upload": upload_id} if upload_id is not None else {}),
    }
    return _write(event, result, existing, actor, list_details)


def apply_records(event: Event, records: Sequence[Mapping[str, str]], actor: str) -> ImportResult:
    """Import guests sent as records (the API's bulk list, checking.evaluate_records): all of
    them, or nobody when any record has an error (ImportRejected, its preview saying which).

    Runs in the caller's transaction (flushes, never commits), under the event lock as apply.
    The list's audit entry says `via: api` and the counts; each guest added or changed has its
    own entry, as from a file.
    """
    event = lock_event(event.id)
    result, existing = evaluate_records(event, records)
    if result.issues:
        raise ImportRejected(
            result,
            _l("The guests could not be imported: %(reason)s Nothing was saved."),
            reason=str(result.issues[0]),
        )
    if result.error_rows:
        raise ImportRejected(
            result,
            _l("Guests with errors: %(n)s. Nothing was imported; correct them and send again."),
            n=len(result.error_rows),
        )
    return _write(event, result, existing, actor, {"via": "api"})


def _write(
    event: Event,
    result: ImportPreview,
    existing: dict[str, Guest],
    actor: str,
    list_details: dict[str, str],
) -> ImportResult:
    """Add the new rows' guests and change the updated ones, with their audit entries."""
    via = list_details.get("via", "import")
    new_rows = [row for row in result.rows if row.outcome == Outcome.NEW]
    update_rows = [row for row in result.rows if row.outcome == Outcome.UPDATE]
    counts = result.counts
    skipped = counts[Outcome.ERROR]
    if not new_rows and not update_rows:
        return ImportResult(0, 0, counts[Outcome.UNCHANGED], [], [], result, skipped)

    now = utcnow()
    added = [
        Guest(
            event_id=event.id,
            email=row.email,
            **typed(row.values),
            token_version=1,
            badge_version=1,
            invited_at=now,
            updated_at=now,
        )
        for row in new_rows
    ]
    db.session.add_all(added)
    updated = []
    # {guest: the category it had}, for seats held for that category (seats.category_changed).
    recategorized: dict[Guest, Category] = {}
    for row in update_rows:
        guest = existing[row.email]
        for name, value in typed({c.field: c.new for c in row.changes}).items():
            if name == "category" and value != guest.category:
                recategorized[guest] = guest.category
            setattr(guest, name, value)
        updated.append(guest)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        # Someone added one of these e-mails in the console after the preview was read.
        raise ImportConflict() from exc
    for guest, old in recategorized.items():
        seats.category_changed(event, guest, old, actor)
    for guest, row in zip(updated, update_rows, strict=True):
        if any(change.field == SESSIONS for change in row.changes):
            # A guest who said yes, in other sessions: as an organizer answering for them.
            seats.sessions.choose(event, guest, session_ids(row.values), actor)

    audit.record(
        "guest_list.imported",
        actor=actor,
        event_id=event.id,
        guest_id=None,  # (the entry is the list's; said so that "upload" cannot be read as it)
        **list_details,
        rows=len(result.rows),
        added=len(added),
        updated=len(updated),
        unchanged=counts[Outcome.UNCHANGED],
        **({"skipped": skipped} if skipped else {}),
    )
    for guest in added:
        audit.record("guest.added", actor=actor, event_id=event.id, guest_id=guest.id, via=via)
    for guest, row in zip(updated, update_rows, strict=True):
        audit.record(
            "guest.updated",
            actor=actor,
            event_id=event.id,
            guest_id=guest.id,
            via=via,
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
        skipped=skipped,
    )


def columns(event: Event) -> tuple[str, ...]:
    """The columns the event's file may have: the sessions too where guests choose some."""
    return (*FIELDS, SESSIONS) if seats.sessions.on(event.id) else FIELDS


def template_csv(event: Event | None = None) -> bytes:
    """A file to start from: the header and two made-up guests, one written in Chinese; for
    an event whose guests choose sessions, a sessions column (the first guest in the first
    two, by their numbers in programme order)."""
    rows = [
        list(FIELDS),
        ["Chen Mei-Ling", "陳美玲", "mei-ling.chen@example.org", "Kaohsiung City Government",
         "Director", "speaker", "en", "1"],
        ["", "林志明", "chih-ming.lin@example.org", "高雄市政府環境保護局", "科長", "與會代表",
         "中文", ""],
    ]  # fmt: skip
    if event is not None and SESSIONS in columns(event):
        count = len(seats.sessions.offered_ids(event.id))
        for row, cell in zip(
            rows, (SESSIONS, "; ".join(map(str, range(1, min(count, 2) + 1))), ""), strict=True
        ):
            row.append(cell)
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
