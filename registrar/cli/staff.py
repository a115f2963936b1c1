"""`staff`: organizers' and door staff's accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..models import Role
from ..services import staff
from .common import commit_or_fail

staff_cli = AppGroup("staff", help="Staff accounts: organizers and door staff.")


@staff_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ORGANIZER.value)
@click.option("--name", default="")
@click.password_option(help="At least 10 characters; asked for when not given.")
def staff_add(email, role, name, password):
    """Create a staff account."""
    user = commit_or_fail(lambda: staff.add(email, password, Role(role), name=name))
    click.echo(f"Added {user.email} ({user.role.value}).")


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
