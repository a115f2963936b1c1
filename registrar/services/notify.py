"""Hooks where a state change should reach the guest by e-mail.

The durable e-mail outbox is written here, in the caller's transaction, once it exists;
until then each hook records nothing beyond the audit entry its caller writes.
"""

from __future__ import annotations

from ..models import Guest


def seat_promoted(guest: Guest) -> None:
    """A waitlisted guest has just been given a confirmed seat."""
