"""`mail`: queue invitations and reminders, deliver the outbox, count what was sent."""

from __future__ import annotations

import signal
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from ..mail import campaigns, delivery
from ..models import Event, MessageStatus, utcnow
from ..services import audit
from .common import command_line, commit_or_fail, find_event, find_guest, where_mail_goes

mail_cli = AppGroup(
    "mail",
    help="E-mail to guests: queue invitations and reminders, and deliver the outbox.",
)


@mail_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep running and deliver new messages as they come.")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=30,
    show_default=True,
    help="With --watch: seconds between looks at the outbox.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Deliver at most this many messages (without --watch: in this run).",
)
def mail_send(watch, interval, limit):
    """Deliver due e-mails once (for cron), or keep going (--watch).

    Messages go in batches of ten, each recorded as sent once its batch is through: after a
    crash or a mail server outage the sender carries on where it stopped, losing nothing and
    not sending again what it recorded. Temporary failures (4xx, no connection) are retried
    after 1, 2, 4 ... 60 minutes; permanent ones (5xx) are given up. The console shows both.

    It also drops the passport details given for visa letters once their retention time is
    over (as `passports drop-expired` does): with --watch at most once an hour.
    """
    if not watch:
        delivery.PassportRetention().run_if_due(click.echo)
        report = delivery.deliver_due(limit=limit)
        click.echo(f"Mail {where_mail_goes()}: {report.line()}.")
        if report.stopped:
            raise click.ClickException(
                f"The mail server went away: {report.stopped}. The messages wait for the next run."
            )
        return

    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Mail sender running; mail is {where_mail_goes()}. Ctrl+C stops it.")
    try:
        delivery.watch(
            interval=interval, limit=limit, stopping=lambda: bool(stopping), say=click.echo
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Mail sender stopped.")


@mail_cli.command("invite")
@click.option("--all", "everyone", is_flag=True, help="Every guest not invited yet (the default).")
@click.option(
    "--email",
    "emails",
    multiple=True,
    metavar="E",
    help="Only this guest (repeatable); invited again if invited before.",
)
@click.option("--event", "slug", help="Event slug (default: the first event).")
def mail_invite(everyone, emails, slug):
    """Queue invitation e-mails; `mail send` delivers them."""
    if everyone and emails:
        raise click.UsageError("Give either --all or --email, not both.")
    event = find_event(slug)
    guest_ids = [find_guest(email, slug).id for email in emails] if emails else None
    queued = commit_or_fail(lambda: campaigns.send_invitations(event, audit.SYSTEM, guest_ids))
    click.echo(f"Queued {len(queued)} invitations.")
    click.echo(f"Deliver them with: {command_line('mail', 'send')}")


def _local_moment(text: str | None, event: Event) -> datetime | None:
    if not text:
        return None
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD HH:MM", param_hint="--at") from exc
    return local.replace(tzinfo=ZoneInfo(event.timezone))


@mail_cli.command("remind")
@click.option(
    "--unanswered",
    "audience",
    flag_value="unanswered",
    help="Invited guests who have not answered yet.",
)
@click.option(
    "--confirmed",
    "audience",
    flag_value="confirmed",
    help="Guests with a confirmed seat: venue, doors-open time and badge (once per guest).",
)
@click.option(
    "--at",
    "at",
    metavar="'YYYY-MM-DD HH:MM'",
    help="When to send, in the event's time zone (default: now; for --confirmed the day "
    "before the event at 10:00 is usual).",
)
@click.option("--event", "slug", help="Event slug (default: the first event).")
def mail_remind(audience, at, slug):
    """Queue reminders to --unanswered or --confirmed guests.

    `mail send` delivers them (at --at, if given).
    """
    if audience is None:
        raise click.UsageError("Choose whom to remind: --unanswered or --confirmed.")
    event = find_event(slug)
    send_at = _local_moment(at, event)
    if send_at is not None and send_at <= utcnow():
        send_at = None
    remind = campaigns.remind_unanswered if audience == "unanswered" else campaigns.remind_confirmed
    queued = commit_or_fail(lambda: remind(event, audit.SYSTEM, send_at=send_at))
    when = "now" if send_at is None else f"for {at} ({event.timezone})"
    click.echo(f"Queued {len(queued)} reminders {when}.")


@mail_cli.command("status")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def mail_status(slug):
    """Count the messages by delivery state; list the failed ones."""
    event = find_event(slug)
    counts = campaigns.status_counts(event)
    click.echo(", ".join(f"{status.value} {n}" for status, n in counts.items()))
    click.echo(f"Mail is {where_mail_goes()}.")
    for message in campaigns.recent_messages(event, limit=200):
        if message.status == MessageStatus.FAILED:
            error = message.last_error
            click.echo(f"  failed {message.kind.value} to {message.to_address}: {error}")
