"""The console's actions on one guest's invitation that cannot be taken back with a click:
revoke, reinstate, a new link, a new badge (and erasing, in erasure.py). What the confirmation
page says of the guest (standing), and carrying an action out once the organizer confirmed it.

Every confirmation carries the version of the link (or of the badge) the page was shown with; an
action posted with an older one changes nothing: it was done already (a double submit) or
someone changed the guest since (another organizer), and the organizer is told which.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import DomainError, GuestErased
from ...extensions import db
from ...models import Guest, MessageKind, OutboxMessage, Seat, SeatState
from .. import badges, invitations, outbox, rsvp, seats
from ..locking import lock_guest_event
from .erasure import AlreadyErased, erase
from .listing import GuestState, state_of


class GuestAction(enum.StrEnum):
    REVOKE = "revoke"
    REINSTATE = "reinstate"
    ROTATE = "rotate"
    REISSUE_BADGE = "reissue-badge"
    ERASE = "erase"


class NothingChanged(DomainError):
    """A confirmation that no longer fits the guest: done already, or changed by someone."""

    status = 409
    default_message = _l(
        "Nothing was changed: this guest's link or badge changed since the page was opened. "
        "Look at the guest again before you confirm."
    )


# Why a confirmation no longer fits when the action it asks for was done already.
ALREADY = {
    GuestAction.REVOKE: _l("Nothing was changed: the invitation is already revoked."),
    GuestAction.REINSTATE: _l("Nothing was changed: the invitation is already reinstated."),
    GuestAction.ROTATE: _l(
        "Nothing was changed: a new link was issued after this page was opened."
    ),
    GuestAction.REISSUE_BADGE: _l(
        "Nothing was changed: a new badge was issued after this page was opened."
    ),
}


@dataclass(frozen=True)
class Standing:
    """What the confirmation page tells of the guest, read when the page is shown."""

    guest: Guest
    state: GuestState
    # 1 for the next guest to get a seat; None when not waitlisted.
    waitlist_position: int | None
    has_badge: bool
    checked_in: bool
    sent_at: datetime | None
    # Who gets the seat this guest frees: the first on the waitlist (None: nobody waits).
    next_in_line: Guest | None
    # The version the confirmation carries back (see stamp()).
    stamp: int
    queued_messages: int = 0


def stamp(guest: Guest, action: GuestAction) -> int:
    """The version an action changes: the badge's for a new badge, the link's for the rest."""
    return guest.badge_version if action == GuestAction.REISSUE_BADGE else guest.token_version


def next_in_line(event_id: int, but: int | None = None) -> Guest | None:
    query = (
        sa.select(Guest)
        .join(Seat, Seat.guest_id == Guest.id)
        .where(Seat.event_id == event_id, Seat.state == SeatState.WAITLISTED)
        .order_by(Seat.queue_number)
        .limit(1)
    )
    if but is not None:
        query = query.where(Guest.id != but)
    return db.session.scalar(query)


def standing(guest: Guest, action: GuestAction) -> Standing:
    seat = guest.seat
    frees_seat = seat is not None and seat.state == SeatState.CONFIRMED
    return Standing(
        guest=guest,
        state=state_of(guest),
        waitlist_position=seats.waitlist_position(seat) if seat is not None else None,
        has_badge=badges.has_badge(guest),
        checked_in=guest.check_in is not None,
        sent_at=guest.sent_at,
        next_in_line=next_in_line(guest.event_id, but=guest.id) if frees_seat else None,
        stamp=stamp(guest, action),
        queued_messages=_open_messages(guest),
    )


def _open_messages(guest: Guest) -> int:
    """Messages to the guest not sent yet (a revoked guest's are dropped)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxMessage.guest_id == guest.id, OutboxMessage.status.in_(outbox.OPEN)
            )
        )
        or 0
    )


@dataclass
class Outcome:
    guest: Guest
    # Guests who got a seat the action freed, first in line first.
    promoted: list[Guest] = field(default_factory=list)


def carry_out(guest_id: int, action: GuestAction, seen: int, actor: str) -> Outcome:
    """Do the confirmed action, if the guest is still as the confirmation page showed them."""
    event, guest = lock_guest_event(guest_id)
    if guest.is_erased:
        raise GuestErased()
    done_already = guest.is_revoked if action == GuestAction.REVOKE else not guest.is_revoked
    if seen != stamp(guest, action) or (done_already and action in _ONE_WAY):
        raise NothingChanged(ALREADY[action] if done_already else None)
    if action == GuestAction.REVOKE:
        # The seat first, so that who got it is known; revoke() then finds no seat to free.
        promoted = seats.release(event, guest, actor, reason="revoked")
        return Outcome(invitations.revoke(guest_id, actor), promoted)
    if action == GuestAction.REINSTATE:
        return Outcome(invitations.reinstate(guest_id, actor))
    if action == GuestAction.ROTATE:
        return Outcome(invitations.rotate(guest_id, actor))
    if action == GuestAction.REISSUE_BADGE:
        return Outcome(badges.reissue(guest_id, actor))
    raise ValueError(action)  # erasing: erase_confirmed()


# Actions that cannot be done twice in a row: a second revoke (or reinstate) is a double post.
_ONE_WAY = {GuestAction.REVOKE, GuestAction.REINSTATE}


def erase_confirmed(guest_id: int, seen: int, actor: str) -> Outcome:
    """Erase the guest's personal data (erasure.erase), if the guest is as the page showed."""
    _, guest = lock_guest_event(guest_id)
    if guest.is_erased:
        raise AlreadyErased()
    if seen != stamp(guest, GuestAction.ERASE):
        raise NothingChanged()
    erased = erase(guest_id, actor)
    return Outcome(erased.guest, erased.promoted)


@dataclass(frozen=True)
class LinkOffer:
    """Whether the page after a new link can offer to e-mail it, and if not, why.

    `kind` is the message that carries the link: the invitation to a guest who has not
    answered; to one who has, the message about their answer (a guest who answered is never
    asked to answer again).
    """

    can_send: bool
    waiting: bool
    why_not: str = ""
    kind: MessageKind = MessageKind.INVITATION


def link_message(guest: Guest) -> MessageKind:
    """The message that brings a guest their current link, given where their answer stands."""
    if guest.rsvp is None:
        return MessageKind.INVITATION
    if not guest.rsvp.attending or guest.seat is None:
        return MessageKind.DECLINED
    if guest.seat.state == SeatState.WAITLISTED:
        return MessageKind.WAITLISTED
    return MessageKind.CONFIRMATION


def link_offer(guest: Guest) -> LinkOffer:
    """E-mailing the new link goes through a message the mail sender sends (link_message)."""
    kind = link_message(guest)
    if guest.is_revoked:
        return LinkOffer(False, False, str(_l("The invitation is revoked.")), kind)
    if outbox.has_open(guest, kind):
        return LinkOffer(False, True, kind=kind)
    if kind == MessageKind.INVITATION and not rsvp.is_open(guest.event):
        return LinkOffer(
            False,
            False,
            str(_l("Replies are closed, so no invitation can be sent; give the link yourself.")),
            kind,
        )
    return LinkOffer(True, False, kind=kind)
