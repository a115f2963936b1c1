"""`staff`: organizers' and door staff's accounts."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from ..models import Role
from ..services import staff
from .common import commit_or_fail, find_event, missing_schema, no_schema

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
        if missing_schema(exc):
            raise click.ClickException(no_schema()) from exc
        raise
    if not (first or admin or slugs):
        raise click.UsageError("Say --admin, or --role with at least one --event SLUG.")
    if admin and slugs:
        raise click.UsageError("An administrator works on every event: leave out --event.")
    # The first account must be able to do everything, or nobody could invite anyone.
    admin = admin or first
    event_ids = [] if admin else [find_event(slug).id for slug in slugs]
    user = commit_or_fail(
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
    commit_or_fail(lambda: staff.set_password(email, password))
    click.echo(f"Password changed for {email}.")


@staff_cli.command("disable")
@click.argument("email")
def staff_disable(email):
    """Stop an account from logging in."""
    commit_or_fail(lambda: staff.set_active(email, False))
    click.echo(f"Disabled {email}.")
