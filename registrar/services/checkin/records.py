"""What the door recorded, read a page at a time: every scan with its verdict, and every guest's
check-in (first entry, inside or not, receiver). By id: a stable order in which what is recorded
meanwhile comes on a later page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import CheckIn, Scan, Verdict

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: list[Row]
    # More rows follow the last one.
    more: bool


def scans_page(
    event_id: int,
    after: int,
    limit: int,
    *,
    verdict: Verdict | None = None,
    gate: str | None = None,
    since: datetime | None = None,
) -> Page[Scan]:
    """The event's scans by id after `after`: of one verdict, at one gate (its exact name), or
    recorded at or after `since`, when asked."""
    query = sa.select(Scan).where(Scan.event_id == event_id, Scan.id > after)
    if verdict is not None:
        query = query.where(Scan.verdict == verdict)
    if gate is not None:
        query = query.where(Scan.gate == gate)
    if since is not None:
        query = query.where(Scan.recorded_at >= since)
    found = list(db.session.scalars(query.order_by(Scan.id).limit(limit + 1)))
    return Page(found[:limit], len(found) > limit)


def check_ins_page(
    event_id: int,
    after: int,
    limit: int,
    *,
    gate: str | None = None,
    since: datetime | None = None,
) -> Page[CheckIn]:
    """The event's check-ins by id after `after` (one per guest who came in), with the guest:
    first come in at one gate, or changed (in, out, a receiver) at or after `since`, when asked."""
    query = sa.select(CheckIn).where(CheckIn.event_id == event_id, CheckIn.id > after)
    if gate is not None:
        query = query.where(CheckIn.first_gate == gate)
    if since is not None:
        query = query.where(CheckIn.changed_at >= since)
    found = list(
        db.session.scalars(
            query.order_by(CheckIn.id).limit(limit + 1).options(joinedload(CheckIn.guest))
        )
    )
    return Page(found[:limit], len(found) > limit)
