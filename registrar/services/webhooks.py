"""Webhooks: the URLs an organizer registers per event, and the deliveries queued for them.

A change a webhook wants is written to the delivery queue in the transaction of the change
(`notify`), so it is told exactly when the change is committed; the sender
(`registrar/webhooks/`) signs and POSTs it afterwards, with no transaction open.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from .. import tokens
from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import (
    DeliveryStatus,
    Event,
    Webhook,
    WebhookDelivery,
    WebhookKind,
    utcnow,
)
from . import audit
from .locking import lock_event

MAX_URL = 500
# Deliveries the console lists, newest first.
RECENT = 50


class BadWebhook(DomainError):
    status = 400
    default_message = _l("This webhook cannot be saved.")


class EventRef(Protocol):
    """What notify needs of the event: the row the use case already holds is enough."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def webhook_kinds(self) -> str: ...


class GuestRef(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name_en(self) -> str: ...
    @property
    def name_zh(self) -> str: ...


@dataclass(frozen=True)
class EventRow:
    """An EventRef read by statement (the door's hot path loads no Event object)."""

    id: int
    slug: str
    webhook_kinds: str


# -- what is sent ------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def body_of(
    event: EventRef,
    kind: WebhookKind,
    guest: GuestRef | None,
    data: Mapping[str, Any],
    now: datetime,
) -> str:
    """The JSON body of one notification: the same bytes to every webhook, at every attempt."""
    payload = {
        "id": uuid.uuid4().hex,
        "kind": kind.value,
        "time": _iso(now),
        "event": {"id": event.id, "slug": event.slug},
        "guest": (
            {"id": guest.id, "name_en": guest.name_en, "name_zh": guest.name_zh}
            if guest is not None
            else None
        ),
        "data": dict(data),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def notify(
    event: EventRef,
    kind: WebhookKind,
    guest: GuestRef | None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Queue this change for every active webhook of the event that wants its kind, in the
    caller's transaction.

    With no webhook wanting it (what the event row already says) it costs no statement. A
    wanted one is kept with the session and written just before the transaction commits,
    together with the others of the use case: one INSERT ... SELECT for them all
    (`_write_queued`); a rollback forgets them.
    """
    if kind.value not in event.webhook_kinds.split():
        return
    now = utcnow()
    body = body_of(event, kind, guest, data or {}, now)
    guest_id = guest.id if guest is not None else None
    db.session().info.setdefault(_QUEUED, []).append((event.id, guest_id, kind.value, body, now))


# Where a session keeps the notifications of its transaction until the commit.
_QUEUED = "registrar.webhook_notifications"


def _write_queued(session: Session) -> None:
    """Before a commit: the transaction's notifications, each to every active webhook of its
    event that wants its kind, in the order they were made, in one INSERT ... SELECT."""
    queued = session.info.pop(_QUEUED, None)
    if not queued:
        return
    columns = WebhookDelivery.__table__.c
    made = [
        sa.select(
            sa.literal(position, sa.Integer).label("position"),
            sa.literal(event_id, sa.Integer).label("event_id"),
            sa.literal(guest_id, sa.Integer).label("guest_id"),
            sa.literal(kind, columns.kind.type).label("kind"),
            sa.literal(body, columns.body.type).label("body"),
            sa.literal(at, columns.created_at.type).label("at"),
        )
        for position, (event_id, guest_id, kind, body, at) in enumerate(queued)
    ]
    notes = (made[0] if len(made) == 1 else sa.union_all(*made)).subquery("notes")
    wanted = (
        sa.select(
            Webhook.id,
            notes.c.event_id,
            notes.c.guest_id,
            notes.c.kind,
            notes.c.body,
            sa.literal(DeliveryStatus.PENDING, columns.status.type),
            sa.literal(0, sa.Integer),
            notes.c.at,
            sa.literal("", columns.last_error.type),
            notes.c.at,
        )
        .join(Webhook, Webhook.event_id == notes.c.event_id)
        .where(
            Webhook.active.is_(True),
            (" " + Webhook.kinds + " ").like("% " + notes.c.kind + " %"),
        )
        .order_by(notes.c.position, Webhook.id)
    )
    session.execute(
        sa.insert(WebhookDelivery).from_select(
            [
                "webhook_id",
                "event_id",
                "guest_id",
                "kind",
                "body",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
            ],
            wanted,
        )
    )


def _forget_queued(session: Session, *args: object) -> None:
    session.info.pop(_QUEUED, None)


# Every session (Flask-SQLAlchemy's are Sessions): written with the commit, forgotten with a
# rollback.
sa.event.listen(Session, "before_commit", _write_queued)
sa.event.listen(Session, "after_rollback", _forget_queued)


def answer_changed(event: EventRef, guest: Any, changed: Collection[str]) -> None:
    """The guest answered for the first time, or changed the answer (`changed`: its fields)."""
    if WebhookKind.ANSWER.value not in event.webhook_kinds.split():
        return
    rsvp = guest.rsvp
    answer_given(
        event,
        guest,
        first=rsvp is not None and rsvp.answered_at == rsvp.updated_at,
        changed=changed,
        attending=rsvp.attending if rsvp is not None else None,
        channel=rsvp.channel.value if rsvp is not None and rsvp.channel else None,
    )


def answer_given(
    event: EventRef,
    guest: GuestRef,
    *,
    first: bool,
    changed: Collection[str],
    attending: bool | None,
    channel: str | None,
) -> None:
    """An answer as the caller tells it, without reading the guest's answer back (the first
    yes is written by statements, services/rsvp.py `_first_yes`)."""
    data = {"first": first, "changed": sorted(changed), "attending": attending, "channel": channel}
    notify(event, WebhookKind.ANSWER, guest, data)


def seat_taken(event: EventRef, guest: GuestRef, state: str, queue_number: int | None) -> None:
    """An attending guest was just given a confirmed or a waitlisted seat."""
    kind = WebhookKind.SEAT_CONFIRMED if state == "confirmed" else WebhookKind.SEAT_WAITLISTED
    notify(event, kind, guest, {"seat": str(state), "queue_number": queue_number})


def seat_promoted(event: EventRef, guest: GuestRef) -> None:
    """A waitlisted guest was just given a confirmed seat."""
    notify(event, WebhookKind.SEAT_PROMOTED, guest, {"seat": "confirmed", "was": "waitlisted"})


def checked_in(event: EventRef, guest: GuestRef, gate: str, at: datetime, manual: bool) -> None:
    """The guest's first entry at the door."""
    data = {"gate": gate, "scanned_at": _iso(at), "manual": manual}
    notify(event, WebhookKind.CHECKED_IN, guest, data)


def message_failed(event: EventRef, guest: GuestRef, message: Any) -> None:
    """An e-mail to the guest was given up (mail/delivery.py records why)."""
    data = {
        "message": {
            "id": message.id,
            "kind": str(message.kind),
            "error": message.last_error,
            "reason": message.reason,
        }
    }
    notify(event, WebhookKind.MESSAGE_FAILED, guest, data)


# -- where deliveries may go -------------------------------------------------------------------


def allowed_hosts() -> list[str]:
    text = str(current_app.config.get("REGISTRAR_WEBHOOK_HOSTS") or "")
    return [h.strip().lower().rstrip(".") for h in text.replace(",", " ").split() if h.strip()]


def host_listed(host: str, listed: Collection[str]) -> bool:
    host = host.lower().rstrip(".")
    for entry in listed:
        if entry.startswith("*."):
            if host.endswith(entry[1:]) and host != entry[2:]:
                return True
        elif host == entry:
            return True
    return False


def is_public_address(text: str) -> bool:
    """Whether an IP address is one on the internet (not loopback, private, link-local ...)."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_global


def _ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_url(url: str) -> str:
    """The URL as it will be used, or BadWebhook saying what is wrong with it.

    Only http(s), with a host, no user name or password in it; the host must be one of
    REGISTRAR_WEBHOOK_HOSTS when that is set, and otherwise must not name this machine or a
    private network (the sender checks the addresses the name resolves to as well).
    """
    url = url.strip()
    if not url:
        raise BadWebhook(_l("Enter the URL the deliveries go to."))
    if len(url) > MAX_URL or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise BadWebhook(_l("Enter a URL of at most %(n)s characters, with no spaces."), n=MAX_URL)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadWebhook(_l("This is not a URL.")) from None
    if parts.scheme not in ("http", "https"):
        raise BadWebhook(_l("Only http:// and https:// URLs can receive webhooks."))
    host = (parts.hostname or "").lower()
    if not host:
        raise BadWebhook(_l("The URL has no host name."))
    if parts.username is not None or parts.password is not None:
        raise BadWebhook(
            _l("Put no user name or password in the URL: the signature shows it is us.")
        )
    if port is not None and not 0 < port < 65536:
        raise BadWebhook(_l("This is not a URL."))
    listed = allowed_hosts()
    if listed:
        if not host_listed(host, listed):
            raise BadWebhook(
                _l("Deliveries may only go to these hosts: %(hosts)s."), hosts=", ".join(listed)
            )
    elif (
        host == "localhost"
        or host.endswith(".localhost")
        or (_ip_literal(host) and not is_public_address(host))
    ):
        raise BadWebhook(
            _l("Deliveries do not go to this machine or a private network unless configured.")
        )
    return url


def check_kinds(kinds: Collection[str]) -> list[WebhookKind]:
    chosen = [WebhookKind(k) for k in WebhookKind if k.value in set(kinds)]
    if not chosen or len(chosen) != len(set(kinds)):
        raise BadWebhook(_l("Choose at least one kind of change to be told of."))
    return chosen


# -- the organizer's use cases -----------------------------------------------------------------


def _keep_event_kinds(event: Event) -> None:
    """Write on the event the kinds its active webhooks want (what notify reads)."""
    db.session.flush()
    rows = db.session.scalars(
        sa.select(Webhook.kinds).where(Webhook.event_id == event.id, Webhook.active.is_(True))
    ).all()
    wanted = {kind for row in rows for kind in row.split()}
    event.webhook_kinds = " ".join(k.value for k in WebhookKind if k.value in wanted)


def register(event_id: int, url: str, kinds: Collection[str], actor: str) -> Webhook:
    """A new active webhook with a fresh secret (the event locked, so its kinds stay true)."""
    url = check_url(url)
    chosen = check_kinds(kinds)
    event = lock_event(event_id)
    webhook = Webhook(
        event_id=event.id,
        url=url,
        kinds=" ".join(k.value for k in chosen),
        secret=tokens.new_webhook_secret(),
        active=True,
        created_by=actor,
        created_at=utcnow(),
    )
    db.session.add(webhook)
    db.session.flush()
    _keep_event_kinds(event)
    audit.record(
        "webhook.added",
        actor=actor,
        event_id=event.id,
        webhook_id=webhook.id,
        url=url,
        kinds=webhook.kinds,
    )
    return webhook


def _webhook_of(event_id: int, webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or webhook.event_id != event_id:
        raise NotFound()
    return webhook


def update(event_id: int, webhook_id: int, url: str, kinds: Collection[str], actor: str) -> Webhook:
    url = check_url(url)
    chosen = check_kinds(kinds)
    event = lock_event(event_id)
    webhook = _webhook_of(event_id, webhook_id)
    webhook.url = url
    webhook.kinds = " ".join(k.value for k in chosen)
    _keep_event_kinds(event)
    audit.record(
        "webhook.changed",
        actor=actor,
        event_id=event.id,
        webhook_id=webhook.id,
        url=url,
        kinds=webhook.kinds,
    )
    return webhook


def set_active(event_id: int, webhook_id: int, active: bool, actor: str) -> Webhook:
    """Disable (nothing more is queued for it; what is queued is not sent) or enable again."""
    event = lock_event(event_id)
    webhook = _webhook_of(event_id, webhook_id)
    webhook.active = active
    _keep_event_kinds(event)
    action = "webhook.enabled" if active else "webhook.disabled"
    audit.record(action, actor=actor, event_id=event.id, webhook_id=webhook.id)
    return webhook


def delete(event_id: int, webhook_id: int, actor: str) -> None:
    """Remove the webhook with its deliveries."""
    event = lock_event(event_id)
    webhook = _webhook_of(event_id, webhook_id)
    url = webhook.url
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
    db.session.delete(webhook)
    _keep_event_kinds(event)
    audit.record("webhook.deleted", actor=actor, event_id=event.id, webhook_id=webhook_id, url=url)


def replay(event_id: int, delivery_id: int, actor: str) -> WebhookDelivery:
    """Send a delivery again: a new delivery of the same body, due now.

    The body keeps its `id`, so a receiver can tell the replay of a notification it has
    already handled; the `Registrar-Delivery` header is the new delivery's.
    """
    original = db.session.get(WebhookDelivery, delivery_id)
    if original is None or original.event_id != event_id:
        raise NotFound()
    if not original.webhook.active:
        raise BadWebhook(_l("This webhook is disabled: enable it before replaying a delivery."))
    now = utcnow()
    again = WebhookDelivery(
        webhook_id=original.webhook_id,
        event_id=event_id,
        guest_id=original.guest_id,
        kind=original.kind,
        body=original.body,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        replay_of=original.id,
        created_at=now,
    )
    db.session.add(again)
    db.session.flush()
    audit.record(
        "webhook.replayed",
        actor=actor,
        event_id=event_id,
        webhook_id=original.webhook_id,
        delivery_id=original.id,
        replay_id=again.id,
    )
    return again


# -- what the console shows --------------------------------------------------------------------


def webhooks_of(event_id: int) -> list[Webhook]:
    return list(
        db.session.scalars(
            sa.select(Webhook).where(Webhook.event_id == event_id).order_by(Webhook.id)
        )
    )


def recent_deliveries(event_id: int, limit: int = RECENT) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.event_id == event_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
