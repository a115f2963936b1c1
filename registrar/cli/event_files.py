"""Events and guest lists as files: `event export`, `event import`, `event copy`, `event list`
and `guest import` (added to their groups in events.py).

Each reads its file, calls the import an organizer's console calls, and commits once; a file
with any error is named with its line and key (or its row), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar, cast

import click
from flask import current_app

from ..models import Event
from ..services import audit, event_files, events, imports
from ..services.event_details import local
from .common import commit_or_fail, find_event

Result = TypeVar("Result")


class _DryRun(Exception):
    """Ends a dry run's transaction (rolled back) and carries what it would have done."""

    def __init__(self, result: object) -> None:
        super().__init__()
        self.result = result


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{path.name} is not UTF-8 text: save it as UTF-8 and import it again."
        ) from exc


def _file_error(path: Path, exc: event_files.EventFileError) -> click.ClickException:
    lines = [f"{path.name}{', ' if p.line else ': '}{p}" for p in exc.problems]
    return click.ClickException("\n".join([*lines, "Nothing was saved."]))


def _keys(fields: Iterable[str]) -> str:
    """The event's fields named as the file's keys (`starts_at` is `times.starts`)."""
    return ", ".join(event_files.DETAIL_KEYS.get(name, name) for name in fields)


def _day(event: Event) -> date:
    return local(event.starts_at, event.timezone).date()


@click.command("list", short_help="Every event with its state, date and guests.")
def list_command() -> None:
    """Every event: slug, state, date, guests invited and seated, title."""
    for row in events.listing():
        event = row.event
        day = _day(event)
        click.echo(
            f"{event.slug}\t{event.state.value}\t{day:%Y-%m-%d}\t"
            f"{row.invited} invited, {row.confirmed} confirmed, {row.waitlisted} waitlisted\t"
            f"{event.title_en or event.title_zh}"
        )


@click.command("export", short_help="Write an event and its programme as a file.")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the file here (default: standard output).",
)
def export_command(slug: str, output: Path | None) -> None:
    """Write event SLUG and its programme as an event file (TOML, its keys documented atop).

    Edit it and bring it back with `event import`; guests and answers are not in it.
    """
    text = event_files.export_event(find_event(slug))
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, "utf-8")
    click.echo(f"Wrote {slug} to {output}.", err=True)


@click.command("import", short_help="Create or update an event from its file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--notify",
    is_flag=True,
    help="When invited guests know what the file changes (times, venue, room, address): "
    "save and tell them, as the console does once confirmed. Without it such a change is "
    "refused, saying who would be told.",
)
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what it would change; save nothing."
)
def import_command(file: Path, notify: bool, dry_run: bool) -> None:
    """Create the event of FILE (an event file), or update the event with its slug.

    An update makes the event and its whole programme match the file: items not in the file
    are deleted. A new event is a draft until opened in the console. A file with an error is
    named with its line and key, and nothing is saved.
    """
    text = _read_text(file)

    def work() -> event_files.FileImport:
        try:
            parsed = event_files.read_event_file(text)
            return event_files.import_event(parsed, audit.SYSTEM, notify=notify)
        except event_files.EventFileError as exc:
            raise _file_error(file, exc) from exc
        except events.NoticeNotConfirmed as exc:
            who = exc.audience
            raise click.ClickException(
                f"Guests have been invited, and {file.name} changes what they were told: "
                f"{_keys(exc.changes)}. {who.invited} invited guests ({who.confirmed} "
                f"confirmed, {who.waitlisted} waitlisted) would be told. Nothing was saved. "
                "Import again with --notify to save and tell them."
            ) from exc

    if dry_run:
        result = _dry_run(work)
        click.echo(f"Dry run: nothing was saved. {file.name} would do this:")
    else:
        result = commit_or_fail(work)
    _report(result, file)


def _dry_run(work: Callable[[], Result]) -> Result:
    def run_and_undo() -> None:
        raise _DryRun(work())

    try:
        commit_or_fail(run_and_undo)
    except _DryRun as done:
        return cast(Result, done.result)
    raise AssertionError("a dry run always ends in _DryRun")


def _report(result: event_files.FileImport, file: Path) -> None:
    event: Event = result.event
    programme = result.programme
    if result.created:
        base = current_app.config["REGISTRAR_BASE_URL"].rstrip("/")
        click.echo(
            f"Created {event.slug} with {len(event.agenda)} programme items, as a draft: "
            f"guests see nothing of it until it is opened for replies at "
            f"{base}/console/events/{event.id}/edit."
        )
        return
    if not result.changed_anything:
        click.echo(f"{event.slug} already matches {file.name}: nothing changed.")
        return
    if result.changes:
        click.echo(f"Updated {event.slug}: {_keys(result.changes)}.")
    if programme:
        click.echo(
            f"Programme of {event.slug}: {programme.added} items added, {programme.changed} "
            f"changed, {programme.deleted} deleted."
        )
    if result.holds_changed:
        click.echo(f"Held seats of {event.slug} set as the file says.")
    if result.told:
        click.echo(f"Invited guests will be told of the change: {_keys(result.told)}.")


@click.command("copy", short_help="Copy an event to another day, with its programme.")
@click.argument("slug")
@click.argument("new_slug")
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The new event's day; every time moves by the same number of days.",
)
def copy_command(slug: str, new_slug: str, day: datetime) -> None:
    """Copy event SLUG to a new draft NEW_SLUG on another day, with its programme (no guests).

    Times keep their hour on the event's clocks, across a change to summer time too.
    """
    source = find_event(slug)

    def work() -> Event:
        try:
            return events.copy(source.id, new_slug, day.date(), audit.SYSTEM)
        except events.EventInvalid as exc:
            problems = [f"{_keys([f])}: {m}" for f, m in exc.errors.items()]
            raise click.ClickException("\n".join([*problems, "Nothing was saved."])) from exc

    copied = commit_or_fail(work)
    click.echo(
        f"Copied {slug} to {copied.slug}, a draft on {_day(copied):%Y-%m-%d} "
        f"with {len(copied.agenda)} programme items."
    )


@click.command("import", short_help="Preview a guest list (CSV); import it with --yes.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "slug", required=True, help="The slug of the event the guests are for.")
@click.option("--yes", is_flag=True, help="Import. Without it, only the preview is shown.")
@click.option(
    "--good-rows-only",
    is_flag=True,
    help="With --yes: import the rows without errors, leave out the others.",
)
@click.option(
    "--rejected",
    "rejected_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the rows with errors there (CSV, with a reason column), to correct and import.",
)
def guest_import_command(
    file: Path, slug: str, yes: bool, good_rows_only: bool, rejected_path: Path | None
) -> None:
    """Preview a guest list (CSV, the console's columns), and import it with --yes.

    Guests are matched by e-mail: new ones are added, known ones updated (an empty cell keeps
    what is stored). All rows or none: a file with any error imports nothing, and the command
    fails, naming each error's row; unless --good-rows-only is given, which imports the other
    rows and leaves those out (a problem with the file itself still refuses it all). --rejected
    FILE writes the rows with errors, as the file had them plus a reason column, to correct and
    import once more.
    """
    if good_rows_only and not yes:
        raise click.UsageError("--good-rows-only imports: give --yes with it.")
    event = find_event(slug)
    data = file.read_bytes()
    preview = imports.preview(event, data)
    _echo_preview(preview, file, event)
    errors = sum(1 for row in preview.rows if row.outcome == imports.Outcome.ERROR)
    if rejected_path is not None and errors:
        rejected_path.write_bytes(imports.rows_with_errors_csv(preview))
        click.echo(f"Rows with errors: {errors}, written with their reasons to {rejected_path}.")
    if preview.issues or (errors and not good_rows_only):
        hint = "" if preview.issues else " (or import the others with --good-rows-only --yes)"
        raise click.ClickException(f"Nothing was imported: correct the file and run again{hint}.")
    if not yes:
        click.echo("Nothing was imported yet: run again with --yes to import these guests.")
        return
    result = commit_or_fail(
        lambda: imports.apply(
            event,
            data,
            audit.SYSTEM,
            filename=file.name,
            expected=imports.fingerprint(preview),
            skip_errors=good_rows_only,
        )
    )
    left_out = f"; left out, with errors: {errors}" if errors else ""
    click.echo(
        f"Imported into {event.slug}: {result.added} new, {result.updated} updated, "
        f"{result.unchanged} unchanged{left_out}."
    )


def _echo_preview(preview: imports.ImportPreview, file: Path, event: Event) -> None:
    counts = preview.counts
    click.echo(
        f"{file.name} for {event.slug}: {counts[imports.Outcome.NEW]} new, "
        f"{counts[imports.Outcome.UPDATE]} updated, {counts[imports.Outcome.UNCHANGED]} "
        f"unchanged, {counts[imports.Outcome.ERROR]} with errors."
    )
    for issue in preview.issues:
        click.echo(f"  {issue}")
    for row in preview.rows:
        if row.outcome == imports.Outcome.ERROR:
            for issue in row.issues:
                column = f", {issue.column}" if issue.column else ""
                click.echo(f"  row {row.row}{column}: {issue}")
        elif row.outcome == imports.Outcome.NEW:
            click.echo(f"  row {row.row}: new guest {row.email}")
        elif row.outcome == imports.Outcome.UPDATE:
            changes = "; ".join(f"{c.field} {c.old!r} -> {c.new!r}" for c in row.changes)
            click.echo(f"  row {row.row}: update {row.email}: {changes}")
        for note in row.notes:
            click.echo(f"  row {row.row}, {note.column}: {note}")
