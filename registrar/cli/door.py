"""`door`: volunteers' scanner links, occupancy and the receivers still out."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services import audit, checkin, door
from .common import commit_or_fail, find_event

door_cli = AppGroup("door", help="The door: volunteers' scanner links, receivers, occupancy.")


@door_cli.command("link")
@click.option("--label", default="", help="Door or volunteer, shown on the scanner.")
@click.option("--hours", type=click.IntRange(1, door.MAX_HOURS), default=12, show_default=True)
@click.option("--event", "slug", help="Event slug (default: the first event).")
def door_link(label, hours, slug):
    """Create a signed, expiring link that opens only this event's scanner."""
    event = find_event(slug)
    link = commit_or_fail(lambda: door.create_link(event, label, hours, audit.SYSTEM))
    click.echo(door.link_url(link))


@door_cli.command("status")
@click.option("--event", "slug", help="Event slug (default: the first event).")
def door_status(slug):
    """Occupancy now, and the interpretation receivers not returned yet."""
    event = find_event(slug)
    counts = checkin.occupancy(event)
    click.echo(f"Inside: {counts.inside} of {counts.capacity}")
    out = checkin.receivers_out(event)
    click.echo(f"Receivers not returned: {len(out)}")
    for presence in out:
        guest = presence.guest
        name = " / ".join(n for n in (guest.name_en, guest.name_zh) if n)
        click.echo(f"  {presence.receiver}\t{name}\t{guest.email}")
