"""Accompanying persons: the aides, interpreters and security officers who come with a guest.

An accompanying person is a guest row with a principal (`Guest.principal_id`) and a role, so
that badges, door scans, check-in records and exports work for them as for guests. They get no
invitation and give no answer of their own: they are attending from the moment they are named,
on their principal's channel, and have no address (no e-mail reaches them).

The rules, all under the event lock:
- They are named for a guest who said yes (not for one who declined, was revoked or erased, nor
  for an accompanying person), up to the event's limit for the guest's category (none where
  the event names no limit).
- Where the event says they take seats, each takes one through the seat service like any
  guest: a free open seat, else the end of the waitlist (never a seat held for a category or a
  named guest: they are of the delegate category). Their principal's seat is never touched.
- When their principal declines, is revoked, sends a deputy or is erased, they are dismissed:
  their seats go back (to the waitlist), their badges die; each dismissal is audited.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, GuestErased, InvalidAnswer, NotFound
from ..extensions import db
from ..labels import CATEGORY_LABELS
from ..models import (
    NO_ADDRESS_DOMAIN,
    Category,
    ChangeRequest,
    CheckIn,
    CompanionRole,
    Event,
    Guest,
    RequestKind,
    RequestState,
    Rsvp,
    column_length,
    utcnow,
)
from ..text import require_one_line
from . import audit, seats
from .locking import lock_guest_event, require_event_lock


class CompanionRefused(InvalidAnswer):
    status = 409


@dataclass(frozen=True)
class CompanionDetails:
    """An accompanying person as the organizer (or the guest) typed them: a role and a name in
    at least one script."""

    role: CompanionRole = CompanionRole.AIDE
    name_en: str = ""
    name_zh: str = ""


# --- the event's limits ------------------------------------------------------------------------


def parse_limits(text: str) -> dict[Category, int]:
    """The limits written as "vip=2 speaker=1" (commas or spaces between, spaces around "="
    too), checked."""
    limits: dict[Category, int] = {}
    for part in re.sub(r"\s*=\s*", "=", text).replace(",", " ").split():
        code, sep, number = part.partition("=")
        code = code.strip().lower()
        if not sep or code not in {c.value for c in Category}:
            raise InvalidAnswer(
                _l("Unknown category in the accompanying persons' limits: %(part)s"), part=part
            )
        if not number.strip().isdigit() or not 0 <= int(number) <= 20:
            raise InvalidAnswer(
                _l("The limit of accompanying persons per guest must be a number from 0 to 20.")
            )
        limits[Category(code)] = int(number)
    return limits


def format_limits(limits: dict[Category, int]) -> str:
    """The stored form of the limits, in the categories' order; zeros left out."""
    return " ".join(f"{c.value}={limits[c]}" for c in Category if limits.get(c))


def limits_of(event: Event) -> dict[Category, int]:
    try:
        return parse_limits(event.companion_limits)
    except InvalidAnswer:
        # Stored only through parse_limits; a hand-edited value is read as no limits.
        return {}


def limit_for(event: Event, principal: Guest) -> int:
    return limits_of(event).get(principal.category, 0)


# --- reading -----------------------------------------------------------------------------------


def companions_of(principal_id: int, *, active_only: bool = False) -> list[Guest]:
    """The guest's accompanying persons, in the order they were named; the dismissed ones too
    unless `active_only`."""
    query = sa.select(Guest).where(Guest.principal_id == principal_id)
    if active_only:
        query = query.where(Guest.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(Guest.id)))


@dataclass(frozen=True)
class CompanionCounts:
    named: int
    inside: int
    # Came through the door (inside now or not).
    arrived: int = 0


def count_by_principal(event_id: int, principal_ids: list[int]) -> dict[int, CompanionCounts]:
    """Per principal: their accompanying persons still valid, and how many of them are inside."""
    if not principal_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Guest.principal_id,
            sa.func.count(),
            sa.func.count(sa.case((CheckIn.inside.is_(True), 1))),
            sa.func.count(CheckIn.id),
        )
        .select_from(Guest)
        .outerjoin(CheckIn, CheckIn.guest_id == Guest.id)
        .where(
            Guest.event_id == event_id,
            Guest.principal_id.in_(principal_ids),
            Guest.revoked_at.is_(None),
        )
        .group_by(Guest.principal_id)
    ).all()
    return {
        principal: CompanionCounts(named, inside, arrived)
        for principal, named, inside, arrived in rows
        if principal is not None
    }


def event_counts(event_id: int) -> CompanionCounts:
    """The event's accompanying persons still valid, and how many of them are inside."""
    named, inside, arrived = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.case((CheckIn.inside.is_(True), 1))),
            sa.func.count(CheckIn.id),
        )
        .select_from(Guest)
        .outerjoin(CheckIn, CheckIn.guest_id == Guest.id)
        .where(
            Guest.event_id == event_id,
            Guest.principal_id.is_not(None),
            Guest.revoked_at.is_(None),
        )
    ).one()
    return CompanionCounts(named, inside, arrived)


# --- checking ----------------------------------------------------------------------------------


def checked(details: CompanionDetails) -> CompanionDetails:
    """The details trimmed, each within its length and on one line, with a name and a role of
    the list; what needs nothing from the database."""
    if not isinstance(details.role, CompanionRole):
        raise InvalidAnswer(_l("Please choose a role from the list."))
    details = replace(details, name_en=details.name_en.strip(), name_zh=details.name_zh.strip())
    for name in ("name_en", "name_zh"):
        limit = column_length(Guest, name)
        if len(getattr(details, name)) > limit:
            raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=limit)
    require_one_line(details.name_en, details.name_zh)
    if not (details.name_en or details.name_zh):
        raise InvalidAnswer(_l("An accompanying person needs a name in at least one script."))
    return details


def may_bring(principal: Guest) -> bool:
    """Whether the guest may have accompanying persons now (require_may_bring says why not):
    a guest of their own, whose invitation stands, who said they will attend."""
    try:
        require_may_bring(principal.event, principal)
    except DomainError:
        return False
    return True


def require_may_bring(event: Event, principal: Guest) -> None:
    """Refuse a principal who cannot bring anyone (now)."""
    if principal.is_companion:
        raise NotFound()
    if principal.is_erased:
        raise GuestErased()
    if principal.is_revoked:
        raise CompanionRefused(
            _l("This guest's invitation no longer stands: nobody can accompany them.")
        )
    if principal.rsvp is None or not principal.rsvp.attending:
        raise CompanionRefused(
            _l("Accompanying persons are named for a guest who has said they will attend.")
        )


def _locked_companion(companion_id: int) -> tuple[Event, Guest, Guest]:
    event, companion = lock_guest_event(companion_id)
    if companion.principal_id is None:
        raise NotFound()
    principal = db.session.get(Guest, companion.principal_id)
    if principal is None:
        raise NotFound()
    if companion.is_revoked:
        raise CompanionRefused(_l("This accompanying person was removed already."))
    return event, companion, principal


# --- changing ----------------------------------------------------------------------------------


def add(principal_id: int, details: CompanionDetails, actor: str) -> Guest:
    """Name an accompanying person for the guest, within the event's limit for the guest's
    category; where the event seats them, they take a seat (or join the waitlist).

    Runs in the caller's transaction (flushes, never commits).
    """
    details = checked(details)
    event, principal = lock_guest_event(principal_id)
    return add_locked(event, principal, details, actor)


def require_room(
    event: Event, principal: Guest, details: CompanionDetails, *, waiting: int = 0
) -> None:
    """Refuse a person named already, and one past the limit (counting `waiting` more: the
    guest's requests not decided yet)."""
    limit = limit_for(event, principal)
    named_now = companions_of(principal.id, active_only=True)
    if any((c.name_en, c.name_zh) == (details.name_en, details.name_zh) for c in named_now):
        # A second press of the same form, or the same person twice.
        raise CompanionRefused(_l("This person is named already as accompanying this guest."))
    if len(named_now) + waiting >= limit:
        if limit == 0:
            raise CompanionRefused(
                _l("Guests of the category %(category)s may not bring accompanying persons."),
                category=CATEGORY_LABELS[principal.category],
            )
        raise CompanionRefused(
            _l("This guest may bring at most %(limit)s accompanying persons."), limit=limit
        )


def add_locked(event: Event, principal: Guest, details: CompanionDetails, actor: str) -> Guest:
    """add(), under the event lock the caller holds (an approved request of the guest's)."""
    require_event_lock(event.id, "companions.add")
    require_may_bring(event, principal)
    require_room(event, principal, details)
    now = utcnow()
    companion = Guest(
        event=event,
        email=f"companion-{secrets.token_hex(8)}@{NO_ADDRESS_DOMAIN}",
        name_en=details.name_en,
        name_zh=details.name_zh,
        organization=principal.organization,
        category=Category.DELEGATE,
        language=principal.language,
        token_version=1,
        badge_version=1,
        invited_at=now,
        principal_id=principal.id,
        companion_role=details.role,
    )
    assert principal.rsvp is not None
    companion.rsvp = Rsvp(
        attending=True, channel=principal.rsvp.channel, answered_at=now, updated_at=now
    )
    db.session.add(companion)
    db.session.flush()
    audit.record(
        "companion.added",
        actor=actor,
        event_id=event.id,
        guest_id=companion.id,
        principal=principal.id,
        role=details.role.value,
    )
    if event.companions_take_seats and seats.sessions.on(event.id):
        # With the person they accompany, in the sessions that guest chose.
        chosen = seats.sessions.chosen_ids(principal.id) or seats.sessions.offered_ids(event.id)
        seats.sessions.choose(event, companion, chosen, actor)
    elif event.companions_take_seats:
        seats.confirm_or_waitlist(event, companion, actor)
    return companion


def follow_sessions(event: Event, principal: Guest, sessions: Collection[int], actor: str) -> None:
    """The accompanying persons who hold seats go to the sessions their guest now chose (an
    event whose guests choose sessions; under the caller's event lock)."""
    for companion in companions_of(principal.id, active_only=True):
        if companion.seat is not None:
            seats.sessions.choose(event, companion, sessions, actor)


def change(companion_id: int, details: CompanionDetails, actor: str) -> list[str]:
    """Correct an accompanying person's name or role; returns the fields changed."""
    details = checked(details)
    event, companion, principal = _locked_companion(companion_id)
    if principal.is_revoked or principal.is_erased:
        raise CompanionRefused(
            _l("This guest's invitation no longer stands: nobody can accompany them.")
        )
    changed = [
        name
        for name in ("companion_role", "name_en", "name_zh")
        if getattr(companion, name) != getattr(details, name.removeprefix("companion_"))
    ]
    if not changed:
        return []
    companion.companion_role = details.role
    companion.name_en = details.name_en
    companion.name_zh = details.name_zh
    audit.record(
        "companion.changed",
        actor=actor,
        event_id=event.id,
        guest_id=companion.id,
        principal=principal.id,
        changed=changed,
    )
    db.session.flush()
    return changed


def remove(companion_id: int, actor: str) -> list[Guest]:
    """Take an accompanying person off the guest's list: their seat goes back (to the
    waitlist) and their badge dies. Returns the guests who got a seat freed by it."""
    event, companion, principal = _locked_companion(companion_id)
    promoted = _dismiss(event, companion, actor, "removed")
    db.session.flush()
    return promoted


def dismiss_all(event: Event, principal: Guest, actor: str, reason: str) -> list[Guest]:
    """The principal no longer comes (declined, revoked, sent a deputy, erased): each of their
    accompanying persons loses their seat and badge, audited. Under the caller's event lock."""
    require_event_lock(event.id, "companions.dismiss_all")
    promoted: list[Guest] = []
    for companion in companions_of(principal.id, active_only=True):
        promoted += _dismiss(event, companion, actor, reason)
    # Those the guest named through their link and nobody decided yet come no more either.
    db.session.execute(
        sa.update(ChangeRequest)
        .where(
            ChangeRequest.guest_id == principal.id,
            ChangeRequest.kind == RequestKind.COMPANION,
            ChangeRequest.state == RequestState.PENDING,
        )
        .values(state=RequestState.SUPERSEDED, version=ChangeRequest.version + 1)
        .execution_options(synchronize_session=False)
    )
    return promoted


def _dismiss(event: Event, companion: Guest, actor: str, reason: str) -> list[Guest]:
    held = companion.seat.state if companion.seat is not None else None
    promoted = seats.release(event, companion, actor, reason=f"companion_{reason}")
    companion.revoked_at = utcnow()
    companion.token_version += 1
    companion.badge_version += 1
    audit.record(
        "companion.dismissed",
        actor=actor,
        event_id=event.id,
        guest_id=companion.id,
        principal=companion.principal_id,
        reason=reason,
        seat=held.value if held is not None else None,
    )
    return promoted
