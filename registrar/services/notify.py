"""Hooks where a state change should reach the guest by e-mail.

Each hook writes the message to the outbox in the caller's transaction, so that it goes out
if and only if the change is committed; the mail sender (registrar/mail/) delivers it afterwards.
"""

from __future__ import annotations

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


def seat_promoted(guest: Guest, actor: str = "system") -> None:
    """A waitlisted guest has just been given a confirmed seat."""
    outbox.enqueue(guest, MessageKind.PROMOTED, actor=actor)


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
