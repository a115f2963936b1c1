"""flask commands: init, demo, staff, event, guest. Each parses, calls a service, commits."""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from .errors import DomainError
from .extensions import db
from .models import Event, Guest, Role
from .services import audit, checkin, demo, door, invitations, seats, staff


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(staff_cli)
    app.cli.add_command(event_cli)
    app.cli.add_command(guest_cli)
    app.cli.add_command(door_cli)


def _commit_or_fail(work):
    """Run one use case and commit it, or roll it back and exit with its message."""
    try:
        result = work()
        db.session.commit()
        return result
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc


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
    tz = demo.TZ
    click.echo("")
    click.echo(f"{event.title_en}")
    click.echo(f"{event.title_zh}")
    if result.created:
        click.echo(
            "The forum is set on "
            f"{event.starts_at.astimezone(tz):%A %d %B %Y}, some {demo.DAYS_AHEAD} days from "
            "today (the event page's own date is past), so replies are open until "
            f"{event.rsvp_deadline.astimezone(tz):%d %B %Y %H:%M} (Asia/Taipei)."
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
    event = db.session.scalar(query)
    if event is None:
        raise click.ClickException("No such event. Run `flask --app registrar demo` first.")
    return event


# -- staff ------------------------------------------------------------------------------------

staff_cli = AppGroup("staff", help="Staff accounts: organizers and door staff.")


@staff_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ORGANIZER.value)
@click.option("--name", default="")
@click.password_option(help="At least 10 characters; asked for when not given.")
def staff_add(email, role, name, password):
    """Create a staff account."""
    user = _commit_or_fail(lambda: staff.add(email, password, Role(role), name=name))
    click.echo(f"Added {user.email} ({user.role.value}).")


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
@click.option("--hours", type=click.IntRange(1, door.MAX_HOURS), default=12, show_default=True)
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
