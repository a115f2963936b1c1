"""`webhooks`: deliver the signed webhook queue, and show how it stands."""

from __future__ import annotations

import signal

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from ..models import WebhookDelivery
from ..webhooks import sender

webhooks_cli = AppGroup(
    "webhooks",
    help="Webhooks of the organizer API: deliver the queue of signed POSTs.",
)


@webhooks_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running and deliver new ones as they come.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.2),
    default=5,
    show_default=True,
    help="With --watch: seconds between looks at the queue.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Deliver at most this many (without --watch: in this run).",
)
def webhooks_send(watch, interval, limit):
    """Deliver due webhook deliveries once (for cron), or keep going (--watch).

    Each is a POST of its JSON body signed with the webhook's secret (header
    Registrar-Signature: t=<unix seconds>,v1=<HMAC-SHA256 hex>). A 2xx answer is recorded as
    sent; anything else, a time-out or a refused connection is tried again after 30 s, 1, 2,
    4 ... 60 minutes, and given up as failed after REGISTRAR_WEBHOOK_MAX_ATTEMPTS (8). Several
    senders may run at once: none sends a delivery another has claimed.
    """
    if not watch:
        report = sender.deliver_due(limit=limit)
        click.echo(f"Webhooks: {report.line()}.")
        return
    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo("Webhook sender running. Ctrl+C stops it.")
    try:
        sender.watch(
            interval=interval, limit=limit, stopping=lambda: bool(stopping), say=click.echo
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Webhook sender stopped.")


@webhooks_cli.command("status")
def webhooks_status():
    """Count the deliveries by state."""
    rows = db.session.execute(
        sa.select(WebhookDelivery.status, sa.func.count()).group_by(WebhookDelivery.status)
    ).all()
    counts = {str(status): n for status, n in rows}
    click.echo(
        ", ".join(f"{k} {counts.get(k, 0)}" for k in ("pending", "sending", "sent", "failed"))
    )
