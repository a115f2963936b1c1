"""`passports`: the passport details guests give for visa invitation letters."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..services.travel import passports
from .common import commit_or_fail

passports_cli = AppGroup(
    "passports",
    help="Passport details given for visa invitation letters, kept under the tightest rules.",
)


@passports_cli.command("drop-expired")
def drop_expired():
    """Delete the passport details (and the issued letters' copies of them) of every event
    that ended more than REGISTRAR_PASSPORT_RETENTION_DAYS days ago.

    The mail sender (`mail send`, with or without --watch) does the same by itself, at most
    once an hour; this command is for a cron job or a check by hand. Letters whose details
    are gone no longer verify.
    """
    dropped = commit_or_fail(passports.drop_expired)
    days = passports.retention_days()
    click.echo(
        f"Dropped the passport details of {dropped} guests (kept {days} days after an event)."
    )
