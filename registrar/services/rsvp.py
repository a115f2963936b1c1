"""The guest's answer: attending or not, channel, needs, name corrections, and its seat.

Name corrections go through services/requests/name_changes.py: an organizer approves them,
but for small ones where the event allows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DeadlinePassed, DomainError, InvalidAnswer, InvitationInactive
from ..extensions import db
from ..models import Channel, Event, EventState, Guest, Rsvp, Seat, SeatState, utcnow
from ..text import require_one_line
from . import audit, companions, notify, questions, seats, webhooks
from .locking import lock_guest_event_with
from .requests import name_changes
from .writes import Writes

# Longest accepted text per field; the form says the same to the guest.
MAX_LENGTHS = {
    "name_en": 200,
    "name_zh": 200,
    "organization": 300,
    "dietary": 500,
    "access_needs": 500,
    "note": 1000,
}


@dataclass(frozen=True)
class RsvpAnswer:
    attending: bool
    channel: Channel | None = None
    dietary: str = ""
    access_needs: str = ""
    note: str = ""
    # The guest may correct how their name and organization are spelled: asked of the
    # organizers (services/requests/name_changes.py).
    name_en: str = ""
    name_zh: str = ""
    organization: str = ""
    # Answers to the event's own questions (services/questions/), by question id: the form's
    # values for each (several for several choices). None: the answers stay as they are (an
    # organizer answering yes or no for the guest); given, it answers every question the guest
    # is asked, one left out being answered empty.
    answers: Mapping[int, Sequence[str]] | None = None
    # The sessions the guest will attend, by programme item id, in an event whose guests
    # choose sessions (services/seats/sessions.py). None: as chosen before, or every session
    # when none was (an organizer answering for the guest).
    sessions: frozenset[int] | None = None


@dataclass(frozen=True)
class RsvpState:
    """What the guest's page shows after answering."""

    answered: bool
    attending: bool
    seat: SeatState | None
    waitlist_position: int | None


class RepliesClosed(DomainError):
    status = 409
    default_message = _l("Replies to this event are closed, so answers can no longer be changed.")


class NotOpenYet(DomainError):
    status = 409
    default_message = _l("This event is not open for replies yet.")


def is_open(event: Event, now: datetime | None = None) -> bool:
    """Guests may answer: the organizers opened the event and the deadline has not passed."""
    return event.state == EventState.OPEN and (now or utcnow()) <= event.rsvp_deadline


def why_closed(event: Event) -> DomainError:
    """The refusal a guest's answer gets when replies are not open (is_open is false)."""
    if event.state == EventState.DRAFT:
        return NotOpenYet()
    if event.state == EventState.CANCELLED:
        return RepliesClosed(_l("This event is cancelled, so answers are no longer taken."))
    if event.state != EventState.OPEN:
        return RepliesClosed()
    return DeadlinePassed()


def offered_channels(event: Event) -> list[Channel]:
    """The channels a guest can pick: the interpretation offered, and the floor language."""
    return [c for c in event.offered_channels if c != Channel.FLOOR] + [Channel.FLOOR]


def state_of(guest: Guest) -> RsvpState:
    if guest.rsvp is None:
        return RsvpState(answered=False, attending=False, seat=None, waitlist_position=None)
    seat: Seat | None = guest.seat
    return RsvpState(
        answered=True,
        attending=guest.rsvp.attending,
        seat=seat.state if seat else None,
        waitlist_position=seats.waitlist_position(seat) if seat else None,
    )


def answer(
    guest_id: int,
    token_version: int,
    reply: RsvpAnswer,
    actor: str,
    *,
    on_behalf: bool = False,
    at_the_door: bool = False,
) -> RsvpState:
    """Record the guest's answer and give or take the seat, all under the event lock, with the
    answers to the event's own questions (all refused if one is wrong).

    `on_behalf`: an organizer gives the answer for the guest (e.g. told by phone); the reply
    deadline binds guests, not organizers, and the audit entry says who answered.
    `at_the_door`: the guest, never having answered, is let in at the door (services/checkin/
    unanswered.py); the deadline does not bind it either, and the audit entry says so.
    """
    reply = _cleaned(reply)
    # What needs nothing from the database is checked before the lock is taken.
    _check_text(reply)
    # An attending guest's seat counts are read with the guest, in one statement.
    also = seats.COUNTS_OF_GUESTS_EVENT if reply.attending else ()
    event, guest, found = lock_guest_event_with(guest_id, also)
    # The link may have been revoked or rotated since the page was opened.
    if guest.is_revoked or guest.token_version != token_version:
        raise InvitationInactive(event=event)
    if not is_open(event) and not (on_behalf or at_the_door):
        raise why_closed(event)
    _check_channel(event, reply)
    # Read before anything is written: the writes then reach the database together.
    counts = seats.counts_from(event, found) if reply.attending and guest.seat is None else None
    asks_nothing = counts is not None and not counts.asks_questions and not reply.answers
    replies = (
        None
        if reply.answers is None or asks_nothing
        else questions.checked_replies(guest, reply.attending, reply.answers)
    )
    by_session = counts.by_session if counts is not None else seats.sessions.on(event.id)
    if by_session:
        counts = None  # seats are taken per session (seats.sessions.choose)
    elif reply.attending and reply.sessions:
        # Sessions named for an event whose guests choose none (a program's stale list).
        raise seats.sessions.NotASession()
    flags = {
        **({"on_behalf": True} if on_behalf else {}),
        **({"at_the_door": True} if at_the_door else {}),
    }
    if counts is not None and guest.rsvp is None and not _corrections(guest, reply):
        state = _first_yes(event, guest, reply, actor, counts, flags)
        if replies is not None:
            questions.keep_replies(guest, replies, actor)
        return state

    name_changes.correct(event, guest, _corrections(guest, reply), actor)
    changed = _store_answer(guest, reply)
    if replies is not None:
        questions.keep_replies(guest, replies, actor)
    if changed:
        audit.record(
            "rsvp.answered",
            actor=actor,
            event_id=event.id,
            guest_id=guest.id,
            attending=reply.attending,
            channel=reply.channel.value if reply.channel else None,
            changed=changed,
            **flags,
        )
        webhooks.answer_changed(event, guest, changed)
    if reply.attending and by_session:
        wanted = reply.sessions
        if wanted is None:
            wanted = frozenset(seats.sessions.chosen_ids(guest.id)) or None
        chosen = wanted if wanted is not None else seats.sessions.offered_ids(event.id)
        seats.sessions.choose(event, guest, chosen, actor, badge_changed="channel" in changed)
        companions.follow_sessions(event, guest, chosen, actor)
    elif reply.attending:
        held = guest.seat.state if guest.seat is not None else None
        seat = seats.confirm_or_waitlist(event, guest, actor, counts=counts)
        if held == SeatState.CONFIRMED and seat.state == held and "channel" in changed:
            # The badge shows the channel: the guest needs the new one.
            notify.badge_changed(guest, actor)
    else:
        released = guest.seat.state if guest.seat is not None else None
        seats.release(event, guest, actor, reason="declined")
        companions.dismiss_all(event, guest, actor, "declined")
        if "attending" in changed:
            notify.answer_declined(guest, released, actor)
    db.session.flush()
    return state_of(guest)


_INSERT_ANSWER = sa.insert(Rsvp).inline()


def _first_yes(
    event: Event,
    guest: Guest,
    reply: RsvpAnswer,
    actor: str,
    counts: seats.SeatCounts,
    flags: dict[str, bool],
) -> RsvpState:
    """The first answer of a guest, attending, with no name corrected: the storm's answer.

    What `answer` does for it, written by a few statements sent together instead of objects
    and flushes (seats.take_seat_by_statement, services/writes.py): the answer; the seat; the
    two audit entries in one statement; the message. The guest's `rsvp` and `seat` are
    expired, to be read again when used.
    """
    now = utcnow()
    values = _answer_values(reply)
    writes = Writes()
    writes.insert(
        _INSERT_ANSWER, [{"guest_id": guest.id, "answered_at": now, "updated_at": now, **values}]
    )
    answered = audit.row(
        "rsvp.answered",
        now,
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        attending=True,
        channel=reply.channel.value if reply.channel else None,
        changed=sorted(values),
        **flags,
    )
    webhooks.answer_given(
        event,
        guest,
        first=True,
        changed=values,
        attending=True,
        channel=reply.channel.value if reply.channel else None,
    )
    state, _queue_number = seats.take_seat_by_statement(
        event, guest, actor, counts, now, [answered], writes
    )
    writes.send()
    db.session.expire(guest, ["rsvp"])
    return RsvpState(
        answered=True,
        attending=True,
        seat=state,
        # At the end of the queue: after every seat waitlisted when the counts were read.
        waitlist_position=counts.waitlisted + 1 if state == SeatState.WAITLISTED else None,
    )


def _cleaned(reply: RsvpAnswer) -> RsvpAnswer:
    values = {}
    for f in fields(reply):
        value = getattr(reply, f.name)
        plain_text = isinstance(value, str) and not isinstance(value, Channel)
        values[f.name] = value.strip() if plain_text else value
    if not values["attending"]:
        values["channel"] = None
        values["sessions"] = None
    return RsvpAnswer(**values)


def _check_text(reply: RsvpAnswer) -> None:
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(reply, name)) > limit:
            raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=limit)
    require_one_line(reply.name_en, reply.name_zh, reply.organization)


def _check_channel(event: Event, reply: RsvpAnswer) -> None:
    if reply.attending and reply.channel not in offered_channels(event):
        raise InvalidAnswer(_l("Please choose a listening channel offered at this event."))


def _corrections(guest: Guest, reply: RsvpAnswer) -> dict[str, list[str]]:
    """The names the answer corrects: each one's [old, new] value."""
    corrections = {}
    for name in ("name_en", "name_zh", "organization"):
        new = getattr(reply, name)
        # An empty field means "leave as it is", so a guest cannot blank their own name.
        if new and new != getattr(guest, name):
            corrections[name] = [getattr(guest, name), new]
    return corrections


def _store_answer(guest: Guest, reply: RsvpAnswer) -> list[str]:
    """Write the answer; return the names of the fields that changed (empty: a repeat)."""
    values = _answer_values(reply)
    now = utcnow()
    rsvp = guest.rsvp
    if rsvp is None:
        guest.rsvp = Rsvp(answered_at=now, updated_at=now, **values)
        return sorted(values)
    changed = [k for k, v in values.items() if getattr(rsvp, k) != v]
    for k in changed:
        setattr(rsvp, k, values[k])
    if changed:
        rsvp.updated_at = now
    return changed


def _answer_values(reply: RsvpAnswer) -> dict[str, Any]:
    """The answer's columns (those of Rsvp but its guest and times)."""
    return {
        "attending": reply.attending,
        "channel": reply.channel,
        "dietary": reply.dietary,
        "access_needs": reply.access_needs,
        "note": reply.note,
    }
