"""`init` and `demo`: the database schema, and the CityCOP demo on top of it."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade

from .. import demo
from ..services import invitations, seats
from .common import command_line, commit_or_fail, where_mail_goes


@click.command("init")
def init_command():
    """Create or upgrade the database schema (and the instance folder's secret key)."""
    upgrade()
    click.echo(f"Database ready: {_safe_uri()}")


@click.command("demo")
def demo_command():
    """Set up the CityCOP forum with sample guests and an organizer; safe to run twice."""
    upgrade()
    result = commit_or_fail(lambda: demo.seed(date.today()))
    event = result.event
    counts = seats.sessions.room_counts(event)
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
    capacity = command_line("event", "capacity", str(counts.capacity), "--held", str(counts.held))
    click.echo(f"  Change it in the console, or: {capacity}")
    click.echo("")
    click.echo("Personal invitation links of a few guests:")
    samples = [g for g in result.guests if g.rsvp is None][:2] + [
        g for g in result.guests if g.rsvp is not None
    ][:2]
    for guest in samples:
        label = " / ".join(n for n in (guest.name_en, guest.name_zh) if n)
        click.echo(f"  {label} ({guest.language.value}): {invitations.invitation_url(guest)}")
    click.echo(f"  (all links: {command_line('guest', 'links')})")
    click.echo("")
    click.echo(f"Organizer console: {base}/console/")
    _echo_login(demo.ORGANIZER_EMAIL, demo.ORGANIZER_PASSWORD, result.organizer_created)
    click.echo(f"Door scanner: {base}/door/")
    _echo_login(demo.DOOR_EMAIL, demo.DOOR_PASSWORD, result.door_created)
    click.echo("  A door lead, who may also let in a guest the door refused:")
    _echo_login(demo.LEAD_EMAIL, demo.LEAD_PASSWORD, result.lead_created)
    click.echo(f"  (a volunteer's door link without an account: {command_line('door', 'link')})")
    click.echo("")
    click.echo(f"E-mail to guests: {base}/console/events/{event.id}/mail")
    click.echo(f"  Mail is {where_mail_goes()} (nothing leaves this machine).")
    click.echo(f"  Send the invitations there, or: {command_line('mail', 'invite', '--all')}")
    click.echo(f"  The mail sender delivers the queue: {command_line('mail', 'send')} [--watch]")


def _echo_login(email: str, password: str, created: bool) -> None:
    if created:
        click.echo(f"  login {email} / password {password}")
    else:
        click.echo(f"  login {email} (password as set before)")


def _safe_uri() -> str:
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(
        hide_password=True
    )
