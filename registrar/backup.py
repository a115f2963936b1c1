"""Backups of the embedded SQLite database, taken and restored while the app may be running.

SQLite's online backup API copies a consistent snapshot page by page, so a backup can run
beside live requests. PostgreSQL installations back up with pg_dump instead (see README).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

# Tables every registrar database has; a file without them is not one of our backups.
REQUIRED_TABLES = frozenset({"alembic_version", "events", "guests", "rsvps", "seats"})

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why. Nothing was changed."""


def sqlite_path(uri: str) -> Path:
    """The database file of a SQLite URL, or BackupError for any other database."""
    url = sa.engine.make_url(uri)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with pg_dump "
            "(see README, Backups)."
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("The database lives in memory; there is no file to back up.")
    return Path(url.database)


def default_target(database: Path, now: datetime) -> Path:
    return database.parent / "backups" / f"{database.stem}-{now:%Y%m%d-%H%M%S}.sqlite"


def backup(database: Path, target: Path, progress: Progress | None = None) -> Path:
    """Copy the live database to `target` (a new file), consistent as of one moment."""
    if not database.exists():
        raise BackupError(f"There is no database at {database}.")
    if target.exists():
        raise BackupError(f"{target} exists already; choose another file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        with closing(_open(database)) as source, closing(_open(partial)) as copy:
            source.backup(copy, pages=256, progress=_pages(progress))
        check(partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def check(path: Path) -> int:
    """Refuse anything but an intact registrar database; return its number of guests."""
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    try:
        with closing(_open(path, read_only=True)) as conn:
            (verdict,) = conn.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"{path} is damaged: {verdict}")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            missing = REQUIRED_TABLES - tables
            if missing:
                raise BackupError(
                    f"{path} is not a registrar database (no {', '.join(sorted(missing))} table)."
                )
            guests: int
            (guests,) = conn.execute("SELECT count(*) FROM guests").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc}).") from None
    return guests


def restore(backup_file: Path, database: Path, progress: Progress | None = None) -> int:
    """Replace the live database's content with the backup's, in one step for its readers.

    The backup API takes the database's write lock for the copy, so requests running at the
    time wait and then see either the old or the restored data, never a mix.
    Returns the number of guests restored.
    """
    guests = check(backup_file)
    with closing(_open(backup_file, read_only=True)) as source, closing(_open(database)) as live:
        source.backup(live, pages=-1, progress=_pages(progress))
    return guests


def _open(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def _pages(progress: Progress | None) -> Callable[[int, int, int], None] | None:
    if progress is None:
        return None
    return lambda _status, remaining, total: progress(total - remaining, total)
