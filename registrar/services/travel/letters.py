"""Visa invitation letters: issued by an organizer (never by the guest) from the passport
details the guest gave, on the event's letterhead, and checked by a consulate through the
verification code printed on the letter.

Only a guest's latest letter is valid: issuing again supersedes the earlier one. A letter keeps
the facts it printed (`VisaLetter.facts`), so that it downloads again as it was and the
verification page shows what the consulate holds; that copy goes with the passport details
(withdrawn, erased, or their retention time over), and the letter no longer verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import tokens
from ...errors import InvalidAnswer
from ...extensions import db
from ...models import Event, Guest, GuestPassport, VisaLetter, utcnow
from .. import audit
from ..locking import lock_guest_event
from . import offered_to
from .passports import is_expired, passport_of

# The letterhead fields of the event a letter needs, each named as the event editor labels it.
LETTERHEAD = (
    "letter_organizer_en",
    "letter_organizer_zh",
    "letter_address_en",
    "letter_address_zh",
    "letter_signatory",
    "letter_signatory_title_en",
    "letter_signatory_title_zh",
)
# How much of the passport number the verification page shows.
SHOWN_DIGITS = 3


class LetterRefused(InvalidAnswer):
    status = 409


def letterhead_complete(event: Event) -> bool:
    return all(getattr(event, name).strip() for name in LETTERHEAD)


def current_letter(guest: Guest, now: datetime | None = None) -> VisaLetter | None:
    """The guest's valid letter, if one was issued and still stands."""
    if guest.is_erased or is_expired(guest.event, now):
        return None
    letter = db.session.scalar(
        sa.select(VisaLetter)
        .where(VisaLetter.guest_id == guest.id)
        .order_by(VisaLetter.serial.desc())
        .limit(1)
    )
    return letter if letter is not None and letter.is_current else None


@dataclass(frozen=True)
class LetterRequest:
    """A guest who asked for a visa letter, and the letter that stands for them, if any."""

    guest: Guest
    asked_at: datetime
    letter: VisaLetter | None


def requests(event: Event, now: datetime | None = None) -> list[LetterRequest]:
    """The event's guests who asked for a letter (none once passport data is past its
    retention), those still waiting for one first, each group by when they asked; no passport
    content is read for it."""
    if is_expired(event, now):
        return []
    asked = db.session.execute(
        sa.select(Guest, GuestPassport.requested_at)
        .join(GuestPassport, GuestPassport.guest_id == Guest.id)
        .where(Guest.event_id == event.id, ~Guest.is_erased)
        .order_by(GuestPassport.requested_at, Guest.id)
    ).all()
    standing = {
        letter.guest_id: letter
        for letter in db.session.scalars(
            sa.select(VisaLetter).where(
                VisaLetter.event_id == event.id,
                VisaLetter.superseded_at.is_(None),
                VisaLetter.revoked_at.is_(None),
            )
        )
        if letter.is_current
    }
    found = [
        LetterRequest(guest, requested_at, standing.get(guest.id))
        for guest, requested_at in asked
        if offered_to(guest)
    ]
    return sorted(found, key=lambda r: r.letter is not None)


def letters_issued(guest: Guest) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(VisaLetter)
            .where(VisaLetter.guest_id == guest.id)
        )
        or 0
    )


def issue(
    guest_id: int, actor: str, now: datetime | None = None, *, seen: int | None = None
) -> VisaLetter:
    """The organizer issues the guest's letter, or issues it again (the earlier one then no
    longer verifies). Refused when the guest asked for none, or the letterhead is incomplete.

    `seen`: how many letters the organizer's page showed as issued; when another was issued
    since (a double submit, a second organizer), nothing is issued."""
    now = now or utcnow()
    event, guest = lock_guest_event(guest_id)
    if seen is not None and letters_issued(guest) != seen:
        raise LetterRefused(
            _l("A letter was issued meanwhile, so nothing was issued: see the letter below.")
        )
    passport = passport_of(guest, now)
    if passport is None or not offered_to(guest):
        raise LetterRefused(
            _l("This guest has not asked for a visa letter, so there is no letter to issue.")
        )
    if not letterhead_complete(event):
        raise LetterRefused(
            _l(
                "The event's letterhead is incomplete: give the organizer's name and address in "
                "both languages and the signatory's name and title in the event's details first."
            )
        )
    earlier = db.session.scalars(
        sa.select(VisaLetter).where(VisaLetter.guest_id == guest.id).order_by(VisaLetter.serial)
    ).all()
    for letter in earlier:
        if letter.superseded_at is None:
            letter.superseded_at = now
    zone = ZoneInfo(event.timezone)
    letter = VisaLetter(
        event_id=event.id,
        guest_id=guest.id,
        serial=(earlier[-1].serial + 1) if earlier else 1,
        issued_at=now,
        issued_by=actor,
        facts={
            "name": passport.name,
            "nationality": passport.nationality,
            "number": passport.number,
            "birth_date": passport.birth_date.isoformat(),
            "title_en": event.title_en,
            "title_zh": event.title_zh,
            "venue_en": event.venue_en,
            "venue_zh": event.venue_zh,
            "starts_on": event.starts_at.astimezone(zone).date().isoformat(),
            "ends_on": event.ends_at.astimezone(zone).date().isoformat(),
            "issued_on": now.astimezone(zone).date().isoformat(),
            **{name: getattr(event, name).strip() for name in LETTERHEAD},
        },
    )
    db.session.add(letter)
    db.session.flush()
    audit.record(
        "letter.reissued" if earlier else "letter.issued",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        letter=letter.id,
        serial=letter.serial,
    )
    return letter


def code_of(letter: VisaLetter) -> str:
    return tokens.letter_code(letter.id)


def verification_url(letter: VisaLetter) -> str:
    base = current_app.config["REGISTRAR_BASE_URL"].rstrip("/")
    return f"{base}/letters/{code_of(letter)}"


def filename(event: Event, letter: VisaLetter) -> str:
    return f"visa-letter-{event.slug}-{letter.guest_id}-{letter.serial}.pdf"


@dataclass(frozen=True)
class Verified:
    """What the verification page shows of a genuine letter, and nothing more."""

    name: str
    nationality: str
    passport_number: str  # masked but for its last characters
    title_en: str
    title_zh: str
    starts_on: date
    ends_on: date
    issued_on: date
    organizer_en: str
    organizer_zh: str


def mask(number: str) -> str:
    return "•" * max(len(number) - SHOWN_DIGITS, 0) + number[-SHOWN_DIGITS:]


def verify(code: str, now: datetime | None = None) -> Verified | None:
    """The key facts of the letter a code was printed on, if it is still the valid letter;
    None for a code not ours, unknown, superseded, withdrawn, erased or expired alike, and for
    the letter of a guest whose invitation was revoked or passed to a deputy."""
    try:
        letter_id = tokens.read_letter_code(code)
    except tokens.InvalidToken:
        return None
    letter = db.session.get(VisaLetter, letter_id)
    if letter is None or not letter.is_current:
        return None
    guest = db.session.get_one(Guest, letter.guest_id)
    # A letter invites to attend: not for a guest whose invitation was withdrawn or passed to
    # a deputy (it verifies again if the invitation is reinstated).
    if guest.is_erased or guest.is_revoked or guest.sent_deputy or is_expired(guest.event, now):
        return None
    facts = letter.facts
    return Verified(
        name=facts["name"],
        nationality=facts["nationality"],
        passport_number=mask(facts["number"]),
        title_en=facts["title_en"],
        title_zh=facts["title_zh"],
        starts_on=date.fromisoformat(facts["starts_on"]),
        ends_on=date.fromisoformat(facts["ends_on"]),
        issued_on=date.fromisoformat(facts["issued_on"]),
        organizer_en=facts["letter_organizer_en"],
        organizer_zh=facts["letter_organizer_zh"],
    )
