"""One use case, one transaction: committed once when it succeeds, rolled back when it fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa

from . import db_setup
from .extensions import db

Result = TypeVar("Result")


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block wrote, once; on any exception (a domain error, a database error,
    an interrupt) roll it all back and let the exception go on to the edge that shows it.

    The commit is inside: a write the database refuses at commit time rolls back as well.
    In a request that reads before it writes (db_setup.read_before_writing), the block is a
    transaction of its own, the only one that takes the write lock.
    """
    with db_setup.writing():
        try:
            yield
            db.session.commit()
        except BaseException:
            try:
                db.session.rollback()
            except sa.exc.DBAPIError:
                pass  # the connection is gone, and the transaction with it: the first counts
            raise


def run(work: Callable[[], Result]) -> Result:
    """Run one use case (a service call) in its own transaction and return what it returned."""
    with transaction():
        return work()
