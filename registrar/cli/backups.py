"""`backup` and `restore`: copy the SQLite database while the app runs, and put a copy back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from .. import backup as backups
from ..extensions import db
from .common import command_line, progress_bar


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
        written = backups.backup(database, target, progress_bar("Copying"))
        guests = backups.check(written)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backup written: {written} ({guests} guests). Restore it with: "
        f"{command_line('restore', str(written))}"
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
        restored = backups.restore(backup_file, database, progress_bar("Restoring"))
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {backup_file} into {database} ({restored} guests).")
