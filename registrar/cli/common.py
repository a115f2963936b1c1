"""What every command shares: its one transaction, the event or guest it names, the messages
for a database without tables, where mail goes, a command to run next, and a progress bar."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
import sqlalchemy as sa
from flask import current_app

from .. import unit_of_work
from ..config import Defaults
from ..errors import DomainError
from ..extensions import db
from ..models import Event, Guest
from ..services import outbox

Result = TypeVar("Result")

# The environment variables that say which installation a command works on (its folder, its
# database, the address its links use, where its mail goes): a command printed for a new shell
# carries those this one was given.
CARRIED_SETTINGS = (
    "REGISTRAR_INSTANCE_PATH",
    "DATABASE_URL",
    "REGISTRAR_BASE_URL",
    "REGISTRAR_MAIL_BACKEND",
    "REGISTRAR_MAIL_OUTBOX_DIR",
)


def flask_executable() -> str:
    """This virtualenv's `flask`, by its absolute path: a new shell need not have the
    virtualenv activated, and may start in another folder."""
    beside = Path(os.path.abspath(sys.executable)).with_name("flask")
    return str(beside) if beside.exists() else "flask"


def command_line(*args: str) -> str:
    """`flask --app registrar ARGS` as it runs when pasted into a new shell, on this
    installation: the settings of the environment that choose it, then this flask by path."""
    settings = []
    for name in CARRIED_SETTINGS:
        value = os.environ.get(name)
        if value and not (name == "REGISTRAR_BASE_URL" and value == Defaults.REGISTRAR_BASE_URL):
            settings.append(f"{name}={shlex.quote(value)}")
    words = [shlex.quote(flask_executable()), "--app", "registrar", *args]
    return " ".join(settings + words)


def no_schema() -> str:
    return f"The database has no tables yet: run `{command_line('init')}` (or `demo`) first."


def missing_schema(exc: sa.exc.OperationalError | sa.exc.ProgrammingError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def commit_or_fail(work: Callable[[], Result]) -> Result:
    """Run one use case in its own transaction (unit_of_work.run); a domain error, or a
    database without tables, ends the command with its message instead of a traceback."""
    try:
        return unit_of_work.run(work)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        if missing_schema(exc):
            raise click.ClickException(no_schema()) from exc
        raise


def find_event(slug: str | None) -> Event:
    """The event an `--event SLUG` option names, or the first event when it names none."""
    query = sa.select(Event).order_by(Event.id).limit(1)
    if slug:
        query = sa.select(Event).where(Event.slug == slug)
    try:
        event = db.session.scalar(query)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        db.session.rollback()
        if missing_schema(exc):
            raise click.ClickException(no_schema()) from exc
        raise
    if event is None:
        raise click.ClickException(f"No such event. Run `{command_line('demo')}` first.")
    return event


def find_guest(email: str, slug: str | None) -> Guest:
    """The guest with this e-mail address in that event."""
    event = find_event(slug)
    guest = db.session.scalar(
        sa.select(Guest).where(Guest.event_id == event.id, Guest.email == email.strip().lower())
    )
    if guest is None:
        raise click.ClickException(f"No guest with e-mail {email} in {event.slug}.")
    return guest


def where_mail_goes() -> str:
    config = current_app.config
    if config["REGISTRAR_MAIL_BACKEND"] == "file":
        return f"written as .eml files into {outbox.outbox_directory()}"
    return (
        f"sent through {config['REGISTRAR_SMTP_HOST']}:{config['REGISTRAR_SMTP_PORT']} "
        f"({config['REGISTRAR_SMTP_SECURITY']})"
    )


def progress_bar(label: str):
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
