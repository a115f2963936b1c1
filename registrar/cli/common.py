"""What every command shares: its one transaction, the event or guest it names, the messages
for a database without tables, where mail goes, and a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click
import sqlalchemy as sa
from flask import current_app

from .. import unit_of_work
from ..errors import DomainError
from ..extensions import db
from ..models import Event, Guest
from ..services import outbox

Result = TypeVar("Result")

NO_SCHEMA = "The database has no tables yet: run `flask --app registrar init` (or `demo`) first."


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
            raise click.ClickException(NO_SCHEMA) from exc
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
            raise click.ClickException(NO_SCHEMA) from exc
        raise
    if event is None:
        raise click.ClickException("No such event. Run `flask --app registrar demo` first.")
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
