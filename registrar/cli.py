"""flask commands: init, demo, staff, event, guest, door, mail, backup, restore.

Each parses, calls a service, commits.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from . import backup as backups
from . import demo, unit_of_work
from .errors import DomainError
from .extensions import db
from .mail import campaigns, delivery
from .models import Event, Guest, MessageStatus, Role, utcnow
from .services import audit, checkin, door, invitations, outbox, seats, staff


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(staff_cli)
    app.cli.add_command(event_cli)
    app.cli.add_command(guest_cli)
    app.cli.add_command(door_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


Result = TypeVar("Result")

NO_SCHEMA = "The database has no tables yet: run `flask --app registrar init` (or `demo`) first."


def _missing_schema(exc: sa.exc.OperationalError | sa.exc.ProgrammingError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _commit_or_fail(work: Callable[[], Result]) -> Result:
    """Run one use case in its own transaction (unit_of_work.run); a domain error, or a
    database without tables, ends the command with its message instead of a traceback."""
    try:
        return unit_of_work.run(work)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        if _missing_schema(exc):
            raise click.ClickException(NO_SCHEMA) from exc
        raise


@click.command("init")
def init_command():
    """Create or upgrade the database schema (and the instance folder's secret key)."""
    upgrade()
    click.echo(f"Database ready: {_safe_uri()}")


@click.command("demo")
def demo_command():
    """Set up the CityCOP forum with sample guests and an organizer; safe to run twice."""
    upgrade()
    result = _commit_or_fail(lambda: demo.seed(date.today()))
    event = result.event
    counts = seats.seat_counts(event)
    base = current_app.config["REGISTRAR_BASE_URL"].rstrip("/")
    tz = ZoneInfo(event.timezone)
    click.echo("")
    click.echo(f"{event.title_en}")
    click.echo(f"{event.title_zh}")
    if result.created:
        click.echo(
            "The forum is set on "
            f"{event.starts_at.astimezone(tz):%A %d %B %Y}, some {demo.DAYS_AHEAD} days from "
            "today (the event page's own date is past), so replies are open until "
            f"{event.rsvp_deadline.astimezone(tz):%d %B %Y %H:%M} ({event.timezone})."
        )
    else:
        click.echo(
            f"Already set up: forum on {event.starts_at.astimezone(tz):%d %B %Y}; nothing added."
        )
    click.echo(
        f"Seats: capacity {counts.capacity} (an assumption: the event page gives none), "
        f"{counts.held} held back, {counts.confirmed} confirmed, {counts.waitlisted} waitlisted."
    )
    click.echo("")
    click.echo("Personal invitation links of a few guests:")
    samples = [g for g in result.guests if g.rsvp is None][:2] + [
        g for g in result.guests if g.rsvp is not None
    ][:2]
    for guest in samples:
        label = " / ".join(n for n in (guest.name_en, guest.name_zh) if n)
        click.echo(f"  {label} ({guest.language.value}): {invitations.invitation_url(guest)}")
    click.echo("  (all links: flask --app registrar guest links)")
    click.echo("")
    click.echo(f"Organizer console: {base}/console/")
    _echo_login(demo.ORGANIZER_EMAIL, demo.ORGANIZER_PASSWORD, result.organizer_created)
    click.echo(f"Door scanner: {base}/door/")
    _echo_login(demo.DOOR_EMAIL, demo.DOOR_PASSWORD, result.door_created)
    click.echo("  (a volunteer's door link without an account: flask --app registrar door link)")
    click.echo("")
    click.echo(f"E-mail to guests: {base}/console/events/{event.id}/mail")
    click.echo(f"  Mail is {_where_mail_goes()} (nothing leaves this machine).")
    click.echo("  Send the invitations there, or: flask --app registrar mail invite --all")
    click.echo("  The mail sender delivers the queue: flask --app registrar mail send [--watch]")


def _echo_login(email: str, password: str, created: bool) -> None:
    if created:
        click.echo(f"  login {email} / password {password}")
    else:
        click.echo(f"  login {email} (password as set before)")


def _safe_uri() -> str:
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )


def _event(slug: str | None) -> Event:
    query = sa.select(Event).order_by(Event.id).limit(1)
    if slug:
        query = sa.select(Event).where(Event.slug == slug)
    try:
        event = db.session.scalar(query)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        db.session.rollback()
        if _missing_schema(exc):
            raise click.ClickException(NO_SCHEMA) from exc
        raise
    if event is None:
        raise click.ClickException("No such event. Run `flask --app registrar demo` first.")
    return event


# -- staff ------------------------------------------------------------------------------------

staff_cli = AppGroup("staff", help="Staff accounts: administrators, organizers and door staff.")


@staff_cli.command("add")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Administrator of every event, present and future.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.ORGANIZER.value,
    show_default=True,
    help="The role for each --event.",
)
@click.option(
    "--event", "slugs", multiple=True, metavar="SLUG", help="An event to work on (repeatable)."
)
@click.option("--name", default="")
@click.password_option(help="At least 10 characters; asked for when not given.")
def staff_add(email, admin, role, slugs, name, password):
    """Create a staff account.

    The first account of an installation is always an administrator of every event. Later
    ones need --admin, or --role with one --event per event they work on.
    """
    try:
        first = staff.is_first_account()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        db.session.rollback()
        if _missing_schema(exc):
            raise click.ClickException(NO_SCHEMA) from exc
        raise
    if not (first or admin or slugs):
        raise click.UsageError("Say --admin, or --role with at least one --event SLUG.")
    if admin and slugs:
        raise click.UsageError("An administrator works on every event: leave out --event.")
    # The first account must be able to do everything, or nobody could invite anyone.
    admin = admin or first
    event_ids = [] if admin else [_event(slug).id for slug in slugs]
    user = _commit_or_fail(
        lambda: staff.add(email, password, Role(role), name=name, admin=admin, event_ids=event_ids)
    )
    if admin:
        first_note = " (the first account always is)" if first else ""
        click.echo(f"Added {user.email}, administrator of every event{first_note}.")
    else:
        click.echo(f"Added {user.email}, {role} of {', '.join(slugs)}.")


@staff_cli.command("passwd")
@click.argument("email")
@click.password_option(help="At least 10 characters; asked for when not given.")
def staff_passwd(email, password):
    """Set a staff account's password."""
    _commit_or_fail(lambda: staff.set_password(email, password))
    click.echo(f"Password changed for {email}.")


@staff_cli.command("disable")
@click.argument("email")
def staff_disable(email):
    """Stop an account from logging in."""
    _commit_or_fail(lambda: staff.set_active(email, False))
    click.echo(f"Disabled {email}.")


# -- event ------------------------------------------------------------------------------------

event_cli = AppGroup("event", help="The event's seats.")


@event_cli.command("capacity")
@click.argument("capacity", type=click.IntRange(min=0))
@click.option("--held", type=click.IntRange(min=0), help="Seats held back (default: unchanged).")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def event_capacity(capacity, held, slug):
    """Set the room capacity; freed seats go to the waitlist, in order."""
    event = _event(slug)
    held = event.held_seats if held is None else held
    promoted = _commit_or_fail(lambda: seats.set_capacity(event.id, capacity, held, audit.SYSTEM))
    click.echo(
        f"Capacity {capacity}, {held} held back; {len(promoted)} promoted from the waitlist."
    )


# -- guests -----------------------------------------------------------------------------------

guest_cli = AppGroup("guest", help="Guests and their invitation links.")


def _guest(email: str, slug: str | None) -> Guest:
    event = _event(slug)
    guest = db.session.scalar(
        sa.select(Guest).where(Guest.event_id == event.id, Guest.email == email.strip().lower())
    )
    if guest is None:
        raise click.ClickException(f"No guest with e-mail {email} in {event.slug}.")
    return guest


@guest_cli.command("links")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def guest_links(slug):
    """Print every guest's personal invitation link."""
    event = _event(slug)
    for guest in db.session.scalars(sa.select(Guest).where(Guest.event_id == event.id)):
        link = "(revoked)" if guest.is_revoked else invitations.invitation_url(guest)
        click.echo(f"{guest.email}\t{guest.name_en or guest.name_zh}\t{link}")


@guest_cli.command("revoke")
@click.argument("email")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def guest_revoke(email, slug):
    """Withdraw an invitation: its links die and a held seat goes to the waitlist."""
    guest = _guest(email, slug)
    _commit_or_fail(lambda: invitations.revoke(guest.id, audit.SYSTEM))
    click.echo(f"Revoked {email}.")


@guest_cli.command("rotate")
@click.argument("email")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def guest_rotate(email, slug):
    """Issue a new link and kill the earlier ones; the answer and seat stay."""
    guest = _guest(email, slug)
    guest = _commit_or_fail(lambda: invitations.rotate(guest.id, audit.SYSTEM))
    click.echo(invitations.invitation_url(guest))


# -- door -------------------------------------------------------------------------------------

door_cli = AppGroup("door", help="The door: volunteers' scanner links, receivers, occupancy.")


@door_cli.command("link")
@click.option("--label", default="", help="Door or volunteer, shown on the scanner.")
@click.option(
    "--hours",
    type=click.IntRange(1, door.MAX_HOURS),
    default=None,
    help="Hours the link works (default: until the event ends).",
)
@click.option("--event", "slug", help="Event slug (default: the first event).")
def door_link(label, hours, slug):
    """Create a signed, expiring link that opens only this event's scanner."""
    event = _event(slug)
    link = _commit_or_fail(lambda: door.create_link(event, label, hours, audit.SYSTEM))
    click.echo(door.link_url(link))


@door_cli.command("status")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def door_status(slug):
    """Occupancy now, and the interpretation receivers not returned yet."""
    event = _event(slug)
    counts = checkin.occupancy(event)
    click.echo(f"Inside: {counts.inside} of {counts.capacity}")
    out = checkin.receivers_out(event)
    click.echo(f"Receivers not returned: {len(out)}")
    for presence in out:
        guest = presence.guest
        name = " / ".join(n for n in (guest.name_en, guest.name_zh) if n)
        click.echo(f"  {presence.receiver}\t{name}\t{guest.email}")


# -- mail -------------------------------------------------------------------------------------

mail_cli = AppGroup(
    "mail",
    help="E-mail to guests: queue invitations and reminders, and deliver the outbox.",
)


def _where_mail_goes() -> str:
    config = current_app.config
    if config["REGISTRAR_MAIL_BACKEND"] == "file":
        return f"written as .eml files into {outbox.outbox_directory()}"
    return (
        f"sent through {config['REGISTRAR_SMTP_HOST']}:{config['REGISTRAR_SMTP_PORT']} "
        f"({config['REGISTRAR_SMTP_SECURITY']})"
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

    Each message is recorded as sent the moment the server accepts it: after a crash or a
    mail server outage the sender carries on where it stopped, losing nothing and not sending
    again what it recorded. Temporary failures (4xx, no connection) are retried after 1, 2,
    4 ... 60 minutes; permanent ones (5xx) are given up. The console shows both.
    """
    if not watch:
        report = delivery.deliver_due(limit=limit)
        click.echo(f"Mail {_where_mail_goes()}: {report.line()}.")
        if report.stopped:
            raise click.ClickException(
                f"The mail server went away: {report.stopped}. The messages wait for the next run."
            )
        return

    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Mail sender running; mail is {_where_mail_goes()}. Ctrl+C stops it.")
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
    event = _event(slug)
    guest_ids = [_guest(email, slug).id for email in emails] if emails else None
    queued = _commit_or_fail(lambda: campaigns.send_invitations(event, audit.SYSTEM, guest_ids))
    click.echo(f"Queued {len(queued)} invitations.")
    click.echo("Deliver them with: flask --app registrar mail send")


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
    event = _event(slug)
    send_at = _local_moment(at, event)
    if send_at is not None and send_at <= utcnow():
        send_at = None
    remind = campaigns.remind_unanswered if audience == "unanswered" else campaigns.remind_confirmed
    queued = _commit_or_fail(lambda: remind(event, audit.SYSTEM, send_at=send_at))
    when = "now" if send_at is None else f"for {at} ({event.timezone})"
    click.echo(f"Queued {len(queued)} reminders {when}.")


@mail_cli.command("status")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def mail_status(slug):
    """Count the messages by delivery state; list the failed ones."""
    event = _event(slug)
    counts = campaigns.status_counts(event)
    click.echo(", ".join(f"{status.value} {n}" for status, n in counts.items()))
    click.echo(f"Mail is {_where_mail_goes()}.")
    for message in campaigns.recent_messages(event, limit=200):
        if message.status == MessageStatus.FAILED:
            error = message.last_error
            click.echo(f"  failed {message.kind.value} to {message.to_address}: {error}")


# -- backups ----------------------------------------------------------------------------------


def _progress_bar(label: str):
    """A click progress bar fed with (pages done, pages in all) by the backup module."""
    state: dict = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return update


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target):
    """Copy the SQLite database to TARGET while the app keeps running.

    TARGET defaults to instance/backups/registrar-<date>-<time>.sqlite. For PostgreSQL, use
    pg_dump (see the README).
    """
    try:
        database = backups.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
        target = target or backups.default_target(database, datetime.now())
        written = backups.backup(database, target, _progress_bar("Copying"))
        guests = backups.check(written)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backup written: {written} ({guests} guests). Restore it with: "
        f"flask --app registrar restore {written}"
    )


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(backup_file, yes):
    """Replace the SQLite database's content with BACKUP_FILE (made by `backup`).

    Everything written since that backup is lost; take a backup of the current state first
    if in doubt. The file is checked before anything is replaced.
    """
    try:
        database = backups.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
        guests = backups.check(backup_file)
        if not yes:
            click.confirm(
                f"Replace everything in {database} with {backup_file} ({guests} guests)?",
                abort=True,
            )
        db.engine.dispose()
        restored = backups.restore(backup_file, database, _progress_bar("Restoring"))
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {backup_file} into {database} ({restored} guests).")
