"""Erasing a guest's personal data on request, wherever the data was written."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import GuestErased
from ...extensions import db
from ...models import (
    ERASED_DOMAIN,
    AuditEntry,
    ChangeRequest,
    Guest,
    GuestTravel,
    OutboxMessage,
    Scan,
    SeatState,
    WebhookDelivery,
    utcnow,
)
from .. import audit, companions, invitations, outbox, questions, seats
from ..locking import lock_guest_event
from ..travel import passports
from .listing import is_erased

# An erased guest keeps its row (the counts stay right) under a name that says so and an
# address in models.ERASED_DOMAIN.
ERASED_MARK = "[erased]"


# Keys under which audit details and door answers hold personal data.
PERSONAL_KEYS = frozenset(
    {"name_en", "name_zh", "email", "organization", "title", "dietary", "access_needs", "note"}
)


class AlreadyErased(GuestErased):
    default_message = _l("This guest's personal data was already erased. Nothing was changed.")


@dataclass
class Erasure:
    guest: Guest
    released: SeatState | None
    promoted: list[Guest] = field(default_factory=list)


def erase(guest_id: int, actor: str) -> Erasure:
    """Remove the guest's personal data on request, keeping an anonymous entry for the counts.

    A confirmed seat is freed for the waitlist, the invitation is revoked (links and badge
    die), and the names, addresses and free text go from the guest, the answer, the outbox,
    the webhook deliveries, the door's answers and the guest's earlier audit entries; the
    answers to the event's own questions are deleted.
    """
    event, guest = lock_guest_event(guest_id)
    if is_erased(guest):
        raise AlreadyErased()
    personal = _personal_values(guest)
    released = guest.seat.state if guest.seat is not None else None
    promoted = seats.release(event, guest, actor, reason="erased")
    if not guest.is_revoked:
        invitations.revoke(guest.id, actor)
    guest = db.session.get_one(Guest, guest_id)

    placeholder = f"erased-{guest.id}@{ERASED_DOMAIN}"
    guest.name_en = f"Erased guest #{guest.id}"
    guest.name_zh = ""
    guest.email = placeholder
    guest.organization = ""
    guest.title = ""
    if guest.rsvp is not None:
        guest.rsvp.dietary = ""
        guest.rsvp.access_needs = ""
        guest.rsvp.note = ""

    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.guest_id == guest.id)
    ).all()
    for message in messages:
        message.to_address = placeholder
        message.last_error = ""
        message.details = _scrubbed(message.details or {}, personal)
    _remove_written_messages(messages)

    # The passport details given for a visa letter, and the letters' copies of them: gone (the
    # letters no longer verify).
    passports.forget(guest.id, utcnow())
    # Answers to the event's own questions may say anything about the guest: gone.
    questions.removed_for(guest.id)
    # What the guest asked (name corrections, deputies) holds names: gone, decided or not.
    db.session.execute(
        sa.delete(ChangeRequest)
        .where(ChangeRequest.guest_id == guest.id)
        .execution_options(synchronize_session=False)
    )
    # Their flights, pickups and hotel (services/travel/): personal, and no count needs them.
    db.session.execute(
        sa.delete(GuestTravel)
        .where(GuestTravel.guest_id == guest.id)
        .execution_options(synchronize_session=False)
    )
    for scan in db.session.scalars(sa.select(Scan).where(Scan.guest_id == guest.id)):
        result = _scrubbed(scan.result or {}, personal)
        if isinstance(result.get("guest"), dict):
            result["guest"]["name_en"] = guest.name_en
        scan.result = result
    for delivery in db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.guest_id == guest.id)
    ):
        # Kept as sent, but for the personal data: one still waiting goes out scrubbed.
        body = json.loads(delivery.body)
        body["data"] = _scrubbed(body.get("data") or {}, personal)
        body["guest"] = {"id": guest.id, "name_en": guest.name_en, "name_zh": ""}
        delivery.body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        delivery.last_error = ""
    for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.guest_id == guest.id)):
        scrubbed = _scrubbed(entry.details or {}, personal)
        if scrubbed != entry.details:
            entry.details = scrubbed

    db.session.flush()
    audit.record(
        "guest.erased",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        released=released.value if released is not None else None,
        promoted=len(promoted),
    )
    # Those who came with the guest go with them (their seats were freed when the guest's
    # invitation ended).
    for companion in companions.companions_of(guest.id):
        if not is_erased(companion):
            promoted += erase(companion.id, actor).promoted
    guest = db.session.get_one(Guest, guest_id)
    return Erasure(guest=guest, released=released, promoted=promoted)


def _personal_values(guest: Guest) -> set[str]:
    """The guest's personal text as it stands and as earlier audit entries recorded it."""
    values = {guest.name_en, guest.name_zh, guest.email, guest.organization, guest.title}
    if guest.rsvp is not None:
        values |= {guest.rsvp.dietary, guest.rsvp.access_needs, guest.rsvp.note}
    for details in db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.guest_id == guest.id)
    ):
        _collect(details, values, inside_personal=False)
    return {value for value in values if value and value.strip()}


def _collect(value: object, found: set[str], inside_personal: bool) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, found, inside_personal or key in PERSONAL_KEYS)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found, inside_personal)
    elif isinstance(value, str) and inside_personal:
        found.add(value)


# A JSON column's dict comes back a dict (Any as the models' JSON columns have it).
@overload
def _scrubbed(value: dict[str, Any], personal: set[str]) -> dict[str, Any]: ...
@overload
def _scrubbed(value: object, personal: set[str]) -> object: ...
def _scrubbed(value: object, personal: set[str]) -> object:
    """A copy of the JSON value with personal data replaced by ERASED_MARK."""
    if isinstance(value, dict):
        return {
            key: ERASED_MARK if key in PERSONAL_KEYS and item else _scrubbed(item, personal)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrubbed(item, personal) for item in value]
    if isinstance(value, str) and _mentions(value, personal):
        return ERASED_MARK
    return value


def _mentions(text: str, personal: set[str]) -> bool:
    folded = text.casefold()
    for value in personal:
        # Short values only when whole: "Li" must not blank every word holding those letters.
        if value == text or (len(value) >= 4 and value.casefold() in folded):
            return True
    return False


def _remove_written_messages(messages: Sequence[OutboxMessage]) -> None:
    """The demo's outbox folder keeps every message as an .eml file: those of this guest go."""
    folder = outbox.outbox_directory()
    if not folder.is_dir():
        return
    for message in messages:
        # The file name mail.render gives: <queued at>-<id>-<kind>-<language>.eml
        for path in folder.glob(f"*-{message.id:06d}-{message.kind.value}-*.eml"):
            path.unlink(missing_ok=True)
