"""`event` and `guest`: events and their seats, guests and their invitation links.

The commands that read and write files (an event file, a guest list) are in event_files.py.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from ..models import Guest
from ..services import audit, invitations, seats
from . import event_files
from .common import commit_or_fail, find_event, find_guest

# -- event ------------------------------------------------------------------------------------

event_cli = AppGroup("event", help="Events: as files (export, import, copy), list, seats.")
event_cli.add_command(event_files.list_command)
event_cli.add_command(event_files.export_command)
event_cli.add_command(event_files.import_command)
event_cli.add_command(event_files.copy_command)


@event_cli.command("capacity")
@click.argument("capacity", type=click.IntRange(min=0))
@click.option("--held", type=click.IntRange(min=0), help="Seats held back (default: unchanged).")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def event_capacity(capacity, held, slug):
    """Set the room capacity; freed seats go to the waitlist, in order."""
    event = find_event(slug)
    held = event.held_seats if held is None else held
    promoted = commit_or_fail(lambda: seats.set_capacity(event.id, capacity, held, audit.SYSTEM))
    click.echo(
        f"Capacity {capacity}, {held} held back; {len(promoted)} promoted from the waitlist."
    )


# -- guests -----------------------------------------------------------------------------------

guest_cli = AppGroup("guest", help="Guests: import a list, and their invitation links.")
guest_cli.add_command(event_files.guest_import_command)


@guest_cli.command("links")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def guest_links(slug):
    """Print every guest's personal invitation link."""
    event = find_event(slug)
    for guest in db.session.scalars(sa.select(Guest).where(Guest.event_id == event.id)):
        link = "(revoked)" if guest.is_revoked else invitations.invitation_url(guest)
        click.echo(f"{guest.email}\t{guest.name_en or guest.name_zh}\t{link}")


@guest_cli.command("revoke")
@click.argument("email")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def guest_revoke(email, slug):
    """Withdraw an invitation: its links die and a held seat goes to the waitlist."""
    guest = find_guest(email, slug)
    commit_or_fail(lambda: invitations.revoke(guest.id, audit.SYSTEM))
    click.echo(f"Revoked {email}.")


@guest_cli.command("rotate")
@click.argument("email")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def guest_rotate(email, slug):
    """Issue a new link and kill the earlier ones; the answer and seat stay."""
    guest = find_guest(email, slug)
    guest = commit_or_fail(lambda: invitations.rotate(guest.id, audit.SYSTEM))
    click.echo(invitations.invitation_url(guest))
