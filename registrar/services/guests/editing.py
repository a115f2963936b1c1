"""Putting guests on the list and changing them in the console, and answering for a guest."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import DomainError, GuestErased, InvalidAnswer
from ...extensions import db
from ...models import Category, Guest, Language, MessageStatus, OutboxMessage, column_length
from ...text import require_one_line
from .. import audit, invitations, outbox, precedence, rsvp, seats
from ..locking import lock_event, lock_guest_event
from .listing import is_erased

# The longest value per text field: the columns' own sizes (the CSV import checks the same).
FIELD_LENGTHS = {
    name: column_length(Guest, name)
    for name in ("name_en", "name_zh", "email", "organization", "title")
}


@dataclass(frozen=True)
class GuestDetails:
    """What the organizer types about a guest."""

    email: str
    name_en: str = ""
    name_zh: str = ""
    organization: str = ""
    title: str = ""
    category: Category = Category.DELEGATE
    language: Language = Language.EN
    # The protocol rank (services/precedence.py): 1 first; None for none.
    precedence: int | None = None
    # Travel offered whatever the guest's category (services/travel/).
    travel_offered: bool = False


class DuplicateEmail(InvalidAnswer):
    status = 409


def _checked(details: GuestDetails) -> GuestDetails:
    """The details cleaned and checked by the rules every way onto the guest list shares."""
    values = {name: (getattr(details, name) or "").strip() for name in FIELD_LENGTHS}
    for name, limit in FIELD_LENGTHS.items():
        if len(values[name]) > limit:
            raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=limit)
    invitations.require_name(values["name_en"], values["name_zh"])
    require_one_line(values["name_en"], values["name_zh"], values["organization"], values["title"])
    values["email"] = invitations.normalize_email(values["email"])
    try:
        category, language = Category(details.category), Language(details.language)
    except ValueError as exc:
        raise InvalidAnswer(_l("Please choose a category and a language from the lists.")) from exc
    return GuestDetails(
        **values,
        category=category,
        language=language,
        precedence=precedence.checked(details.precedence),
        travel_offered=bool(details.travel_offered),
    )


def _email_taken(event_id: int, email: str, but: int | None = None) -> bool:
    query = sa.select(Guest.id).where(Guest.event_id == event_id, Guest.email == email)
    if but is not None:
        query = query.where(Guest.id != but)
    return db.session.scalar(query) is not None


def _duplicate(email: str) -> DuplicateEmail:
    return DuplicateEmail(
        _l("%(email)s is already on the guest list. Nothing was saved."), email=email
    )


def add(event_id: int, details: GuestDetails, actor: str) -> Guest:
    """Put a guest on the list. A second submit of the same form finds the e-mail taken."""
    details = _checked(details)
    # Guest-list changes are serialized by the event lock (as the CSV import's are).
    event = lock_event(event_id)
    if _email_taken(event.id, details.email):
        raise _duplicate(details.email)
    try:
        added = invitations.add_guest(
            event,
            email=details.email,
            name_en=details.name_en,
            name_zh=details.name_zh,
            organization=details.organization,
            title=details.title,
            category=details.category,
            language=details.language,
            precedence=details.precedence,
            actor=actor,
        )
        added.travel_offered = details.travel_offered
        db.session.flush()
        return added
    except sa.exc.IntegrityError as exc:
        # Added meanwhile by a way that does not take the lock (the command line).
        raise _duplicate(details.email) from exc


def update(guest_id: int, details: GuestDetails, actor: str) -> list[str]:
    """Change the guest's details; return the names of the fields changed (none: a repeat).

    The audit entry names the fields, not their values, so that it holds no personal data.
    """
    details = _checked(details)
    event, guest = lock_guest_event(guest_id)
    if is_erased(guest):
        raise GuestErased()
    if details.email != guest.email and _email_taken(event.id, details.email, but=guest.id):
        raise _duplicate(details.email)
    changed = [
        f.name for f in fields(details) if getattr(guest, f.name) != getattr(details, f.name)
    ]
    if not changed:
        return []
    before = {name: getattr(guest, name) for name in changed}
    for name in changed:
        setattr(guest, name, getattr(details, name))
    readdressed = 0
    if "email" in changed:
        # Messages still waiting go to the corrected address.
        queued = db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.guest_id == guest.id,
                OutboxMessage.status == MessageStatus.QUEUED,
                outbox.TO_GUESTS,  # a test goes to the organizer who sent it
            )
        ).all()
        for message in queued:
            message.to_address = guest.email
        readdressed = len(queued)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise _duplicate(details.email) from exc
    if "category" in changed:
        seats.category_changed(event, guest, before["category"], actor)
    enums = {
        name: [before[name].value, getattr(guest, name).value]
        for name in ("category", "language")
        if name in changed
    }
    audit.record(
        "guest.updated",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        via="console",
        fields=changed,
        **enums,
        **({"readdressed": readdressed} if readdressed else {}),
    )
    return changed


# -- answering for the guest -----------------------------------------------------------------


class GuestRevoked(DomainError):
    status = 409
    default_message = _l(
        "The invitation of this guest is revoked, so nobody can answer for them. Reinstate "
        "the invitation first; nothing was saved."
    )


def answer_for(guest_id: int, reply: rsvp.RsvpAnswer, actor: str) -> rsvp.RsvpState:
    """An organizer records the guest's answer (given by phone, say), after the deadline too.

    The RSVP service gives or takes the seat and queues the e-mail, as for the guest's own
    answer. The guest's names are not touched.
    """
    event, guest = lock_guest_event(guest_id)
    if is_erased(guest):
        raise GuestErased()
    if guest.is_revoked:
        raise GuestRevoked()
    reply = replace(reply, name_en="", name_zh="", organization="")
    return rsvp.answer(guest.id, guest.token_version, reply, actor, on_behalf=True)
