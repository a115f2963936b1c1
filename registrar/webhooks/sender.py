"""The webhook sender: claims due deliveries one at a time, signs, POSTs, records.

It runs as `flask --app registrar webhooks send` outside any web request: it claims a delivery
in one short write transaction, POSTs it with no transaction open, and records the answer in
another short one. Several senders never send one delivery twice at once: the claim is a
conditional update (and SKIP LOCKED on PostgreSQL); a claim whose sender died lapses after
CLAIM_LEASE and the delivery is taken again.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult

from .. import tokens, watching
from ..db_setup import reading
from ..extensions import db
from ..models import DeliveryStatus, Webhook, WebhookDelivery, utcnow
from ..services import webhooks

CLAIM_LEASE = timedelta(minutes=5)
# Back-off after a failed attempt: 30 seconds, doubling, at most an hour (30 s, 1, 2, 4, 8, 16,
# 32 min: with 8 attempts a receiver may be away for about an hour before a delivery fails).
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(hours=1)
USER_AGENT = "registrar-webhooks/1"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed

    def line(self) -> str:
        return f"sent {self.sent}, retrying later {self.retrying}, failed {self.failed}"


def retry_delay(attempts: int) -> timedelta:
    factor: int = 2 ** max(attempts - 1, 0)
    return min(RETRY_FIRST * factor, RETRY_LONGEST)


_OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def claim(now: datetime) -> tuple[int, int] | None:
    """Mark the next due delivery as being sent; its id and the attempt this is (the caller
    commits)."""
    due = sa.and_(WebhookDelivery.status.in_(_OPEN), WebhookDelivery.next_attempt_at <= now)
    query = (
        sa.select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.attempts)
        .where(due)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = db.session.execute(query).first()
    if row is None:
        return None
    # An UPDATE's result is a CursorResult, which counts the rows.
    claimed = cast(
        "CursorResult[Any]",
        db.session.execute(
            sa.update(WebhookDelivery)
            .where(
                WebhookDelivery.id == row.id,
                WebhookDelivery.status == row.status,
                WebhookDelivery.attempts == row.attempts,
            )
            .values(
                status=DeliveryStatus.SENDING,
                attempts=row.attempts + 1,
                next_attempt_at=now + CLAIM_LEASE,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return (row.id, row.attempts + 1) if claimed.rowcount == 1 else None


@dataclass(frozen=True)
class _Outgoing:
    url: str
    secret: str
    body: bytes
    active: bool


def _read(delivery_id: int) -> _Outgoing | None:
    with reading():
        row = db.session.execute(
            sa.select(Webhook.url, Webhook.secret, Webhook.active, WebhookDelivery.body)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.id == delivery_id)
        ).first()
        if row is None:
            return None
        return _Outgoing(row.url, row.secret, row.body.encode("utf-8"), row.active)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere, past the allowed hosts: it counts as a failed attempt.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxies from the environment, no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


class Refused(Exception):
    """The URL may not be delivered to (any more): the delivery fails without retrying."""


def _check_destination(url: str) -> None:
    """The URL's rules again (settings may have changed), and the addresses the host resolves
    to, unless the host is listed in REGISTRAR_WEBHOOK_HOSTS."""
    try:
        webhooks.check_url(url)
    except webhooks.BadWebhook as exc:
        raise Refused(str(exc)) from exc
    parts = urlsplit(url)
    host = parts.hostname or ""
    if webhooks.host_listed(host, webhooks.allowed_hosts()):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ConnectionError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = str(info[4][0])
        if not webhooks.is_public_address(address):
            raise Refused(f"{host} resolves to {address}, which is not a public address")


def post(outgoing: _Outgoing, delivery_id: int, now: int, timeout: float) -> int:
    """POST the signed body; the HTTP status (any status, 2xx or not)."""
    request = urllib.request.Request(
        outgoing.url,
        data=outgoing.body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            tokens.WEBHOOK_SIGNATURE_HEADER: tokens.webhook_signature(
                outgoing.secret, now, outgoing.body
            ),
            tokens.WEBHOOK_DELIVERY_HEADER: str(delivery_id),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(1024)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


def _record(delivery_id: int, attempts: int, change: Callable[[WebhookDelivery], None]) -> bool:
    """Record an outcome in a short write transaction, if the claim is still ours."""
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    ours = (
        delivery is not None
        and delivery.status == DeliveryStatus.SENDING
        and delivery.attempts == attempts
    )
    if ours:
        assert delivery is not None
        change(delivery)
    db.session.commit()
    return ours


def deliver_claimed(delivery_id: int, attempts: int, report: SendReport) -> None:
    outgoing = _read(delivery_id)
    if outgoing is None:
        return  # deleted with its webhook since it was claimed
    now = utcnow()
    status: int | None = None
    error = ""
    give_up = False
    if not outgoing.active:
        error, give_up = "webhook disabled", True
    else:
        try:
            _check_destination(outgoing.url)
            timeout = float(current_app.config["REGISTRAR_WEBHOOK_TIMEOUT"])
            status = post(outgoing, delivery_id, int(time.time()), timeout)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except Refused as exc:
            error, give_up = str(exc), True
        except (OSError, ValueError) as exc:
            # Refused connections, time-outs, resets, TLS errors: the receiver may come back.
            error = f"{type(exc).__name__}: {exc}"
    max_attempts = int(current_app.config["REGISTRAR_WEBHOOK_MAX_ATTEMPTS"])

    def outcome(delivery: WebhookDelivery) -> None:
        delivery.last_status = status
        delivery.last_error = error[:500]
        if not error:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = utcnow()
        elif give_up or delivery.attempts >= max_attempts:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)

    if _record(delivery_id, attempts, outcome):
        if not error:
            report.sent += 1
        elif give_up or attempts >= max_attempts:
            report.failed += 1
        else:
            report.retrying += 1


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> SendReport:
    """Send the deliveries that are due, oldest first, at most `limit`.

    `now` (for tests) is the moment used to decide what is due.
    """
    report = SendReport()
    handled = 0
    # The caller's own rows stay in the session; those read for each delivery go after it.
    kept = set(db.session.identity_map.keys())
    while limit is None or handled < limit:
        claimed = claim(now or utcnow())
        db.session.commit()
        if claimed is None:
            break
        deliver_claimed(*claimed, report)
        handled += 1
        for key in [key for key in db.session.identity_map.keys() if key not in kept]:
            row = db.session.identity_map.get(key)
            if row is not None and row in db.session:
                db.session.expunge(row)
    return report


def watch(
    *,
    interval: float,
    limit: int | None,
    stopping: Callable[[], bool],
    say: Callable[[str], None],
) -> int:
    """Deliver in batches as deliveries come due until `stopping()` or `limit` deliveries."""
    return watching.watch(
        lambda size: deliver_due(limit=size),
        SendReport,
        interval=interval,
        limit=limit,
        stopping=stopping,
        say=say,
    )
