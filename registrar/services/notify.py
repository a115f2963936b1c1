"""Hooks where a state change should reach the guest by e-mail.

Each hook writes the message to the outbox in the caller's transaction, so that it goes out
if and only if the change is committed; the mail sender (registrar/mail/) delivers it afterwards.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from ..models import Guest, MessageKind, SeatState
from . import outbox
from .writes import Writes


def seat_taken(guest: Guest, state: SeatState, actor: str) -> None:
    """An attending guest has just been given a confirmed or a waitlisted seat."""
    kind = MessageKind.CONFIRMATION if state == SeatState.CONFIRMED else MessageKind.WAITLISTED
    outbox.enqueue(guest, kind, actor=actor)


def seat_taken_by_statement(
    guest: Guest, state: SeatState, actor: str, now: datetime, writes: Writes
) -> None:
    """seat_taken, in a hot path that writes by statements (seats.take_seat_by_statement)."""
    kind = MessageKind.CONFIRMATION if state == SeatState.CONFIRMED else MessageKind.WAITLISTED
    outbox.enqueue_by_statement(guest, kind, actor=actor, now=now, writes=writes)


def seat_promoted(
    guest: Guest, actor: str = "system", *, sessions: Collection[int] | None = None
) -> None:
    """A waitlisted guest has just been given a confirmed seat (in an event with sessions, in
    the sessions named: the message says which). A promotion not yet sent that named other
    sessions is replaced by one naming them all."""
    details = None
    if sessions:
        given = set(sessions) | _sessions_of_open_promotion(guest)
        details = {"sessions": sorted(given)}
    outbox.enqueue(guest, MessageKind.PROMOTED, actor=actor, details=details)


def _sessions_of_open_promotion(guest: Guest) -> set[int]:
    found: set[int] = set()
    for message in outbox.queued_of(guest, MessageKind.PROMOTED):
        found.update(int(i) for i in message.details.get("sessions", []))
    return found


def badge_changed(guest: Guest, actor: str) -> None:
    """A confirmed guest's badge changed (e.g. another channel): send the new one."""
    outbox.enqueue(guest, MessageKind.CONFIRMATION, actor=actor, details={"updated": True})


def answer_declined(guest: Guest, released: SeatState | None, actor: str) -> None:
    """The guest said no, giving up the seat they held, if any."""
    details = {"released": released.value if released is not None else None}
    outbox.enqueue(guest, MessageKind.DECLINED, actor=actor, details=details)


def invitation_revoked(guest: Guest) -> None:
    """Nothing still queued may reach a guest whose invitation was withdrawn."""
    outbox.cancel(guest, "revoked")
