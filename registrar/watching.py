"""The loop of a sender that keeps going (`mail send --watch`, `webhooks send --watch`): the
next batch at once while work is due, a look every `interval` seconds otherwise, and a
database that went away waited for."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

import sqlalchemy as sa

from .extensions import db

# At most this many at a time: the loop looks at `stopping` between batches.
BATCH = 50


class Report(Protocol):
    """What a sender's batch says of itself."""

    @property
    def handled(self) -> int: ...

    def line(self) -> str: ...


Batch = TypeVar("Batch", bound=Report)


def watch(
    deliver_due: Callable[[int], Batch],
    nothing: Callable[[], Batch],
    *,
    interval: float,
    limit: int | None,
    stopping: Callable[[], bool],
    say: Callable[[str], None],
    stopped: Callable[[Batch], str] = lambda batch: "",
) -> int:
    """Deliver batches (`deliver_due(at most)`) until `stopping()` or `limit` are handled.

    Each batch that did something is reported through `say`, with why it stopped short when
    `stopped` says so (the sender then waits `interval` before trying again). `nothing` is the
    report of a batch that could not run. Returns how many were handled.
    """
    delivered = 0
    while not stopping() and (limit is None or delivered < limit):
        size = BATCH if limit is None else min(BATCH, limit - delivered)
        try:
            report = deliver_due(size)
        except sa.exc.SQLAlchemyError as exc:
            # The database may be restarting; the queue is still there when it is back.
            db.session.rollback()
            say(f"{datetime.now():%H:%M:%S} database error, trying again: {exc}")
            report = nothing()
        delivered += report.handled
        why = stopped(report)
        if report.handled or why:
            say(f"{datetime.now():%H:%M:%S} {report.line()}")
        if why:
            say(f"  {why}")
        if report.handled == size and not why:
            continue  # more may be due right now
        deadline = time.monotonic() + interval
        while not stopping() and time.monotonic() < deadline:
            time.sleep(min(0.5, interval))
    return delivered
