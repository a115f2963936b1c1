"""The audit log: every state change is written here, in the same transaction."""

from __future__ import annotations

from ..extensions import db
from ..models import AuditEntry, StaffUser

GUEST = "guest"
SYSTEM = "system"


def staff_actor(user: StaffUser) -> str:
    return f"staff:{user.id}"


def record(
    action: str,
    *,
    actor: str,
    event_id: int | None = None,
    guest_id: int | None = None,
    **details,
) -> AuditEntry:
    entry = AuditEntry(
        action=action, actor=actor, event_id=event_id, guest_id=guest_id, details=details
    )
    db.session.add(entry)
    return entry
