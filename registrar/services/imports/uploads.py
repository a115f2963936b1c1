"""Uploads kept between the preview and the import, in the instance folder.

The preview and the import must read the same bytes, and the organizer should not have to
choose the file twice, so the upload waits in the instance folder under a random id (never
a name the browser chose) until it is imported or an hour has passed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from ...models import Event, utcnow
from .results import AlreadyImported, ImportResult, UploadMissing

UPLOAD_TTL = timedelta(hours=1)
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{32}")
# The file of an import that left rows in error out, kept for giving those rows back.
_IMPORTED = ".imported.csv"


@dataclass(frozen=True)
class Upload:
    id: str
    event_id: int
    owner: str
    filename: str
    uploaded_at: datetime
    # The counts of the import, once the file has been imported (its bytes are gone then).
    result: dict[str, int] | None = None

    @property
    def imported(self) -> bool:
        return self.result is not None


def uploads_directory() -> Path:
    return Path(current_app.instance_path) / "imports"


def keep_upload(event: Event, data: bytes, owner: str, filename: str = "") -> Upload:
    """Store the file for its preview and import; uploads older than UPLOAD_TTL are removed."""
    folder = uploads_directory()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_expired(folder)
    upload = Upload(
        id=secrets.token_urlsafe(24),
        event_id=event.id,
        owner=owner,
        filename=_plain_filename(filename),
        uploaded_at=utcnow(),
    )
    with open(folder / f"{upload.id}.csv", "xb") as out:
        out.write(data)
    _write_meta(folder, upload)
    return upload


def find_upload(upload_id: str, event: Event, owner: str) -> Upload:
    """The upload of this organizer for this event, unless it expired; else UploadMissing."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        raise UploadMissing()
    folder = uploads_directory()
    try:
        meta = json.loads((folder / f"{upload_id}.json").read_text("utf-8"))
        upload = Upload(
            id=upload_id,
            event_id=int(meta["event_id"]),
            owner=str(meta["owner"]),
            filename=str(meta.get("filename", "")),
            uploaded_at=datetime.fromisoformat(meta["uploaded_at"]),
            result=meta.get("result"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        raise UploadMissing() from None
    if upload.event_id != event.id or not secrets.compare_digest(upload.owner, owner):
        raise UploadMissing()
    if upload.uploaded_at + UPLOAD_TTL < utcnow():
        discard_upload(upload.id)
        raise UploadMissing()
    return upload


def upload_data(upload: Upload) -> bytes:
    try:
        return (uploads_directory() / f"{upload.id}.csv").read_bytes()
    except FileNotFoundError:
        raise (AlreadyImported() if upload.imported else UploadMissing()) from None


def mark_imported(upload: Upload, result: ImportResult) -> Upload:
    """After the commit: keep the counts for the result page, drop the file's bytes (kept aside
    until the upload expires when rows in error were left out: they are given back from it)."""
    done = Upload(
        id=upload.id,
        event_id=upload.event_id,
        owner=upload.owner,
        filename=upload.filename,
        uploaded_at=upload.uploaded_at,
        result={
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rows": len(result.preview.rows),
            "skipped": result.skipped,
        },
    )
    folder = uploads_directory()
    _write_meta(folder, done)
    if result.skipped:
        os.replace(folder / f"{upload.id}.csv", folder / f"{upload.id}{_IMPORTED}")
    else:
        (folder / f"{upload.id}.csv").unlink(missing_ok=True)
    return done


def uploaded_data(upload: Upload) -> bytes:
    """The file's bytes, before its import or, when rows in error were left out, after it."""
    folder = uploads_directory()
    for name in (f"{upload.id}.csv", f"{upload.id}{_IMPORTED}"):
        try:
            return (folder / name).read_bytes()
        except FileNotFoundError:
            continue
    raise UploadMissing()


def discard_upload(upload_id: str) -> None:
    if not _UPLOAD_ID.fullmatch(upload_id):
        return
    folder = uploads_directory()
    for suffix in (".csv", _IMPORTED, ".json"):
        (folder / f"{upload_id}{suffix}").unlink(missing_ok=True)


def _write_meta(folder: Path, upload: Upload) -> None:
    meta = {
        "event_id": upload.event_id,
        "owner": upload.owner,
        "filename": upload.filename,
        "uploaded_at": upload.uploaded_at.isoformat(),
        "result": upload.result,
    }
    # Written aside and renamed, so that a reader never sees half a file.
    temporary = folder / f"{upload.id}.{secrets.token_hex(4)}.tmp"
    temporary.write_text(json.dumps(meta), "utf-8")
    os.replace(temporary, folder / f"{upload.id}.json")


def _remove_expired(folder: Path) -> None:
    oldest = (utcnow() - UPLOAD_TTL - timedelta(minutes=5)).timestamp()
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
        except FileNotFoundError:
            pass


def _plain_filename(filename: str) -> str:
    """The name the browser gave, for the audit log and the page only: no folders, short."""
    name = re.split(r"[\\/]", filename or "")[-1]
    return "".join(c for c in name if c.isprintable())[:200]
