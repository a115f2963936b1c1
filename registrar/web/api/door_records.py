"""The organizer API's reading of what the door recorded: the scans with their verdicts, and the
guests' check-ins, a page at a time (services/checkin/records.py). The door's own operations
are in routes.py."""

from __future__ import annotations

from flask import Response, request

from ...extensions import db
from ...models import Event, Verdict
from ...services.checkin import records
from . import schemas
from .routes import EVENT_ID, _answer, _organizer_reader, bp


@bp.get(f"/events/{EVENT_ID}/scan-log")
def scan_log(event_id: int) -> Response:
    """Every scan of the event, refused ones too, by id; filters by verdict, gate and time."""
    _organizer_reader(event_id)
    query = schemas.door_record_query(request.args, verdicts=True)
    db.get_or_404(Event, event_id)
    found = records.scans_page(
        event_id,
        query.page.after,
        query.page.limit,
        verdict=Verdict(query.verdict) if query.verdict else None,
        gate=query.gate,
        since=query.since,
    )
    items = [
        {
            "id": scan.id,
            "guest_id": scan.guest_id,
            "verdict": scan.verdict.value,
            "direction": scan.direction.value,
            "gate": scan.gate,
            "scanned_at": scan.scanned_at,
            "recorded_at": scan.recorded_at,
            "offline": scan.offline,
            "manual": scan.manual,
            "override": scan.override,
            "duplicate": scan.duplicate,
        }
        for scan in found.rows
    ]
    after = str(found.rows[-1].id) if found.more else None
    return _answer(schemas.ScanPage, {"items": items, "next": after})


@bp.get(f"/events/{EVENT_ID}/check-ins")
def check_ins(event_id: int) -> Response:
    """Every guest who came in, in the order they first did; filters by gate and time."""
    _organizer_reader(event_id)
    query = schemas.door_record_query(request.args, verdicts=False)
    db.get_or_404(Event, event_id)
    found = records.check_ins_page(
        event_id, query.page.after, query.page.limit, gate=query.gate, since=query.since
    )
    items = [
        {
            "guest_id": presence.guest_id,
            "name_en": presence.guest.name_en,
            "name_zh": presence.guest.name_zh,
            "first_scan_at": presence.first_scan_at,
            "first_gate": presence.first_gate,
            "inside": presence.inside,
            "changed_at": presence.changed_at,
            "receiver": presence.receiver,
            "receiver_returned": presence.receiver_returned_at is not None,
        }
        for presence in found.rows
    ]
    after = str(found.rows[-1].id) if found.more else None
    return _answer(schemas.CheckInPage, {"items": items, "next": after})
