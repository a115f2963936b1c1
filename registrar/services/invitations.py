"""Invitations: the guest list entries and their personal signed links."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import tokens
from ..errors import GuestErased, InvalidAnswer, InvitationInactive, InvitationNotFound
from ..extensions import db
from ..models import Category, Event, Guest, Language, utcnow
from . import audit, companions, notify, seats
from .locking import lock_guest_event


def invitation_token(guest: Guest) -> str:
    return tokens.invitation_token(guest.id, guest.token_version)


def invitation_url(guest: Guest) -> str:
    base = current_app.config["REGISTRAR_BASE_URL"].rstrip("/")
    return f"{base}/i/{invitation_token(guest)}"


_WITH_PAGE = (joinedload(Guest.event), joinedload(Guest.rsvp), joinedload(Guest.seat))


@functools.cache
def _page_statement(also: tuple[Any, ...]) -> sa.Select[Any]:
    return (
        sa.select(Guest, *also)
        .where(Guest.id == sa.bindparam("guest_id", type_=sa.Integer))
        .options(*_WITH_PAGE)
    )


def resolve_invitation(token: str) -> Guest:
    """The guest a link belongs to, if the link is still the guest's current one."""
    guest, _also = resolve_invitation_with(token, ())
    return guest


def resolve_invitation_with(token: str, also: tuple[Any, ...]) -> tuple[Guest, Sequence[Any]]:
    """resolve_invitation, and the values of the columns `also` read with the guest in the same
    statement (columns of a statement whose FROM is guests: whether the guest has a request
    pending, say), for the page to read no more than it needs."""
    try:
        claim = tokens.read_invitation_token(token)
    except tokens.InvalidToken as exc:
        raise InvitationNotFound() from exc
    # With what every link's page reads of the guest, in the same statement.
    values: Sequence[Any] = ()
    if also:
        row = db.session.execute(_page_statement(also), {"guest_id": claim.guest_id}).first()
        guest, values = (row[0], row[1:]) if row is not None else (None, ())
    else:
        guest = db.session.get(Guest, claim.guest_id, options=_WITH_PAGE)
    # An accompanying person has no invitation of their own.
    if guest is None or guest.is_companion:
        raise InvitationNotFound()
    if guest.sent_deputy:
        raise InvitationInactive(
            _l(
                "This invitation passed to the deputy you sent, so this link is no longer "
                "active. Your deputy has a link of their own."
            ),
            event=guest.event,
        )
    if guest.is_revoked or claim.version != guest.token_version:
        raise InvitationInactive(event=guest.event)
    return guest, values


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidAnswer(_l("Not a valid e-mail address: %(email)s"), email=email) from exc


def require_name(name_en: str, name_zh: str) -> None:
    """A guest is known by a name in at least one script (the badge and the door show it)."""
    if not (name_en.strip() or name_zh.strip()):
        raise InvalidAnswer(_l("A guest needs a name in at least one script."))


def add_guest(
    event: Event,
    *,
    email: str,
    name_en: str = "",
    name_zh: str = "",
    organization: str = "",
    title: str = "",
    category: Category = Category.DELEGATE,
    language: Language = Language.EN,
    precedence: int | None = None,
    actor: str,
) -> Guest:
    email = normalize_email(email)
    require_name(name_en, name_zh)
    exists = db.session.scalar(
        sa.select(Guest.id).where(Guest.event_id == event.id, Guest.email == email)
    )
    if exists:
        raise InvalidAnswer(_l("%(email)s is already on the guest list."), email=email)
    guest = Guest(
        event=event,
        email=email,
        name_en=name_en.strip(),
        name_zh=name_zh.strip(),
        organization=organization.strip(),
        title=title.strip(),
        category=category,
        language=language,
        precedence=precedence,
        token_version=1,
        invited_at=utcnow(),
    )
    db.session.add(guest)
    db.session.flush()
    audit.record("guest.added", actor=actor, event_id=event.id, guest_id=guest.id)
    return guest


def revoke(guest_id: int, actor: str) -> Guest:
    """Withdraw the invitation: every link dies and a held seat goes to the waitlist."""
    event, guest = lock_guest_event(guest_id)
    if guest.is_revoked:
        return guest
    guest.token_version += 1
    # The badge dies with the link, printed copies included, even if the guest is reinstated.
    guest.badge_version += 1
    guest.revoked_at = utcnow()
    audit.record("invitation.revoked", actor=actor, event_id=event.id, guest_id=guest.id)
    seats.release(event, guest, actor, reason="revoked")
    companions.dismiss_all(event, guest, actor, "revoked")
    notify.invitation_revoked(guest)
    return guest


def reinstate(guest_id: int, actor: str) -> Guest:
    """Undo a revocation with a new link; the guest answers again from scratch."""
    event, guest = lock_guest_event(guest_id)
    if guest.is_erased:
        raise GuestErased()
    if guest.sent_deputy:
        raise InvalidAnswer(
            _l("This guest sent a deputy, who holds the invitation now; it cannot be reinstated.")
        )
    if not guest.is_revoked:
        return guest
    guest.token_version += 1
    guest.revoked_at = None
    # The answer given before the revocation lost its seat with it; left in place, it would
    # read as "declined" on the guest's page, the console and at the door.
    guest.rsvp = None
    audit.record("invitation.reinstated", actor=actor, event_id=event.id, guest_id=guest.id)
    return guest


def rotate(guest_id: int, actor: str) -> Guest:
    """Issue a new link and kill every earlier one; the guest's answer and seat stay."""
    event, guest = lock_guest_event(guest_id)
    if guest.is_erased:
        raise GuestErased()
    guest.token_version += 1
    audit.record(
        "invitation.rotated",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        version=guest.token_version,
    )
    return guest
