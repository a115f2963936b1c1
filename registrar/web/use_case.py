"""A view's use case: run in one transaction (registrar.unit_of_work), its domain error flashed."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash

from .. import unit_of_work
from ..errors import DomainError

Result = TypeVar("Result")


@dataclass(frozen=True)
class Performed(Generic[Result]):
    """What came of a use case: its result, or the domain error that rolled it back.

    Unpacks as ``ok, result = perform(...)``; a view that answers with the error's status
    reads ``.error``.
    """

    result: Result | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def __iter__(self) -> Iterator[object]:
        return iter((self.ok, self.result))


def perform(
    work: Callable[[], Result],
    success: str | None = None,
    *,
    error_pages: Collection[int] = (),
) -> Performed[Result]:
    """Run one use case and commit it, or roll it back and flash the domain error's message.

    ``success`` is flashed after the commit when given. A domain error whose status is in
    ``error_pages`` (a dead link: 404, 410) is raised on to the app's error page instead of
    being flashed on a page that can no longer be shown. Any other exception is rolled back
    and raised on.
    """
    try:
        result = unit_of_work.run(work)
    except DomainError as exc:
        if exc.status in error_pages:
            raise
        flash(str(exc), "error")
        return Performed(error=exc)
    if success:
        flash(str(success), "success")
    return Performed(result=result)
