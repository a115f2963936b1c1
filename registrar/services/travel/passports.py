"""A guest's passport details, given to ask for a visa invitation letter, and the rules that
keep them: the tightest of the product.

- Given only by the guest through their link, and only when travel is offered to them
  (`offered_to`); withdrawing the request deletes them (and empties the letters' copy).
- Never in an export or an API read unless an organizer chooses it (services/exports.py,
  web/api/), never in the audit log, erased with the guest (services/guests/erasure.py).
- Dropped REGISTRAR_PASSPORT_RETENTION_DAYS after the event ends (`drop_expired`, run by
  `registrar travel drop-expired` and by the mail sender's loop); until then any read after that
  moment already treats them as gone (`passport_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer, InvitationInactive
from ...extensions import db
from ...models import Event, Guest, GuestPassport, VisaLetter, column_length, utcnow
from ...text import require_one_line
from .. import audit
from ..locking import lock_guest_event
from . import offered_to

# Letters and digits only, as passports print them (spaces typed between groups are dropped).
PASSPORT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")
# Nobody alive was born before this, and a date of birth is not in the future.
EARLIEST_BIRTH = date(1900, 1, 1)
DEFAULT_RETENTION_DAYS = 30


class PassportRefused(InvalidAnswer):
    status = 409


@dataclass(frozen=True)
class PassportDetails:
    """What the guest gives to ask for a letter: all of it is required."""

    name: str = ""
    nationality: str = ""
    number: str = ""
    birth_date: date | None = None


def checked(details: PassportDetails, today: date) -> PassportDetails:
    """The details trimmed and each within its rules; what needs nothing from the database."""
    name, nationality = details.name.strip(), details.nationality.strip()
    number = "".join(details.number.split()).upper()
    if not (name and nationality and number and details.birth_date):
        raise InvalidAnswer(
            _l(
                "Please give your name as in the passport, your nationality, the passport "
                "number and your date of birth: the letter needs all of them."
            )
        )
    for value, column in ((name, "name"), (nationality, "nationality")):
        limit = column_length(GuestPassport, column)
        if len(value) > limit:
            raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=limit)
    require_one_line(name, nationality)
    if not PASSPORT_NUMBER.match(number):
        raise InvalidAnswer(
            _l("A passport number has 5 to 20 letters and digits; please check it.")
        )
    if details.birth_date > today:
        raise InvalidAnswer(_l("The date of birth cannot be in the future."))
    if details.birth_date < EARLIEST_BIRTH:
        raise InvalidAnswer(_l("Please check the date of birth: the year looks wrong."))
    return replace(details, name=name, nationality=nationality, number=number)


def retention_days() -> int:
    return int(current_app.config.get("REGISTRAR_PASSPORT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def kept_until(event: Event) -> datetime:
    """The moment the event's passport data is gone: the set number of days after its end."""
    return event.ends_at + timedelta(days=retention_days())


def is_expired(event: Event, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= kept_until(event)


def passport_of(guest: Guest, now: datetime | None = None) -> GuestPassport | None:
    """The guest's passport details; None when none were given or their time is over (even
    before `drop_expired` ran)."""
    if guest.is_erased or is_expired(guest.event, now):
        return None
    return db.session.scalar(sa.select(GuestPassport).where(GuestPassport.guest_id == guest.id))


def ask_for_letter(
    guest_id: int, link_version: int, details: PassportDetails, now: datetime | None = None
) -> GuestPassport:
    """The guest, through their link, asks for a letter with these details (or changes them)."""
    now = now or utcnow()
    event, guest = lock_guest_event(guest_id)
    if guest.is_revoked or guest.token_version != link_version:
        raise InvitationInactive(event=event)
    details = checked(details, now.astimezone(ZoneInfo(event.timezone)).date())
    if not offered_to(guest):
        raise PassportRefused(_l("Travel arrangements are not offered with your invitation."))
    if is_expired(event, now):
        raise PassportRefused(_l("The event is over: letters are no longer issued for it."))
    passport = passport_of(guest, now)
    action = "passport.changed"
    if passport is None:
        passport = GuestPassport(guest_id=guest.id, requested_at=now)
        db.session.add(passport)
        action = "passport.given"
    passport.name = details.name
    passport.nationality = details.nationality
    passport.number = details.number
    passport.birth_date = details.birth_date  # type: ignore[assignment]
    passport.updated_at = now
    db.session.flush()
    # The audit log says that it happened, never what the passport says.
    audit.record(action, actor=audit.GUEST, event_id=event.id, guest_id=guest.id)
    return passport


def withdraw(guest_id: int, link_version: int, now: datetime | None = None) -> None:
    """The guest no longer wants a letter: their passport details go, and so do the letters'
    copies of them (a letter issued no longer verifies)."""
    now = now or utcnow()
    event, guest = lock_guest_event(guest_id)
    if guest.is_revoked or guest.token_version != link_version:
        raise InvitationInactive(event=event)
    if passport_of(guest, now) is None:
        raise PassportRefused(_l("You have not asked for a letter. Nothing was changed."))
    forget(guest.id, now)
    audit.record("passport.withdrawn", actor=audit.GUEST, event_id=event.id, guest_id=guest.id)


def forget(guest_id: int, now: datetime) -> None:
    """Delete the guest's passport details and empty (and end) their letters' copies.
    Runs in the caller's transaction (flushes, never commits)."""
    db.session.execute(
        sa.delete(GuestPassport)
        .where(GuestPassport.guest_id == guest_id)
        .execution_options(synchronize_session="fetch")
    )
    for letter in db.session.scalars(sa.select(VisaLetter).where(VisaLetter.guest_id == guest_id)):
        letter.facts = {}
        if letter.revoked_at is None and letter.superseded_at is None:
            letter.revoked_at = now
    db.session.flush()


def drop_expired(now: datetime | None = None) -> int:
    """Delete the passport details (and the letters' copies) of every event whose retention
    time is over; returns how many guests' details went. Runs in the caller's transaction."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days())
    ended = sa.select(Event.id).where(Event.ends_at <= cutoff)
    guests = sa.select(Guest.id).where(Guest.event_id.in_(ended))
    passports = db.session.scalars(
        sa.select(GuestPassport.guest_id).where(GuestPassport.guest_id.in_(guests))
    ).all()
    # (A JSON column has no equality on PostgreSQL: which copies are empty is read here.)
    letters = {
        letter.guest_id
        for letter in db.session.scalars(
            sa.select(VisaLetter).where(VisaLetter.event_id.in_(ended))
        )
        if letter.facts
    }
    dropped = 0
    for guest_id in sorted(set(passports) | letters):
        forget(guest_id, now)
        if guest_id in passports:
            dropped += 1
            event_id = db.session.get_one(Guest, guest_id).event_id
            audit.record(
                "passport.dropped", actor=audit.SYSTEM, event_id=event_id, guest_id=guest_id
            )
    return dropped
