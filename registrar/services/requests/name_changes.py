"""A guest's corrections of their own name (either script) or organization: a request an
organizer approves, or, where the event allows it and no badge was printed yet, a small one
applied at once.

Small: the same text once case, spaces and punctuation are left aside, or one character
added, removed or replaced beside that ("Lai Ching Ming" -> "Lai Ching-Ming", "賴清明" ->
"賴慶明"). Filling in a script that was empty is never small. Badges count as printed from the
first time an organizer downloads them from the console (the sheet, or one guest's).
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from ...errors import GuestErased
from ...extensions import db
from ...models import ChangeRequest, Event, Guest, RequestKind, RequestState, utcnow
from .. import audit, notify
from . import decided, locked_request, pending_of

# The names a guest may correct, in the order the console shows them.
FIELDS = ("name_en", "name_zh", "organization")


def _plain(text: str) -> str:
    """The text's letters and digits, case left aside."""
    return "".join(
        ch
        for ch in unicodedata.normalize("NFKC", text).casefold()
        if not (ch.isspace() or unicodedata.category(ch).startswith("P"))
    )


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def is_small(old: str, new: str) -> bool:
    """Whether correcting `old` to `new` is small (see the module's docstring)."""
    if not old.strip():
        return False
    return _one_edit_apart(_plain(old), _plain(new))


def applies_at_once(event: Event, corrections: dict[str, list[str]]) -> bool:
    """The event lets small corrections through, no badge was printed, and each one is small."""
    return (
        event.small_corrections
        and event.badges_printed_at is None
        and all(is_small(old, new) for old, new in corrections.values())
    )


def correct(
    event: Event, guest: Guest, corrections: dict[str, list[str]], actor: str
) -> ChangeRequest | None:
    """The guest's corrections ({field: [old, new]}), under the event lock: applied at once
    when the event allows it, else the guest's pending request, opened or brought up to date.
    Returns the pending request (None: applied, or nothing to correct)."""
    if not corrections:
        return None
    if applies_at_once(event, corrections):
        for name, (_old, new) in corrections.items():
            setattr(guest, name, new)
        audit.record(
            "guest.corrected", actor=actor, event_id=event.id, guest_id=guest.id, **corrections
        )
        return None
    wanted = {name: corrections[name][1] if name in corrections else "" for name in FIELDS}
    request = pending_of(guest, RequestKind.NAME_CHANGE)
    if request is not None:
        if all(getattr(request, name) == value for name, value in wanted.items()):
            return request  # the same again: a repeat
        for name, value in wanted.items():
            setattr(request, name, value)
        request.version += 1
    else:
        request = ChangeRequest(
            event_id=event.id,
            guest_id=guest.id,
            kind=RequestKind.NAME_CHANGE,
            requested_by=actor,
            created_at=utcnow(),
            **wanted,
        )
        db.session.add(request)
    request.previous = {name: getattr(guest, name) for name in FIELDS}
    db.session.flush()
    audit.record(
        "request.name_change",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        request=request.id,
        **corrections,
    )
    return request


def approve(request_id: int, version: int | None, actor: str) -> ChangeRequest:
    """Apply the corrections asked for; a guest with a badge is sent the new one."""
    event, request = locked_request(request_id, version, RequestKind.NAME_CHANGE)
    guest = request.guest
    db.session.refresh(guest)
    if guest.is_erased:
        raise GuestErased()
    applied = {}
    for name in FIELDS:
        new = getattr(request, name)
        if new and new != getattr(guest, name):
            applied[name] = [getattr(guest, name), new]
            setattr(guest, name, new)
    decided(request, RequestState.APPROVED, actor)
    audit.record(
        "request.approved",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        request=request.id,
        kind=request.kind.value,
        **applied,
    )
    if applied and guest.seat is not None and not guest.is_revoked:
        notify.badge_changed(guest, actor)
    return request


def note_badges_printed(event_id: int, actor: str) -> None:
    """Remember the first time an organizer downloads badges to print; from then on every
    correction waits for approval. One statement, no lock: only the first one writes."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Event)
        .where(Event.id == event_id, Event.badges_printed_at.is_(None))
        .values(badges_printed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0):
        audit.record("badges.printed", actor=actor, event_id=event_id)
