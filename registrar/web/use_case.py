"""A view's use case: run in one transaction (registrar.unit_of_work), its domain error flashed."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from flask import flash

from .. import unit_of_work
from ..errors import DomainError

Result = TypeVar("Result")


@dataclass(frozen=True)
class Done(Generic[Result]):
    """The use case was committed; `result` is what it returned."""

    result: Result
    error: None = None

    @property
    def ok(self) -> Literal[True]:
        return True

    def __iter__(self) -> Iterator[object]:
        return iter((True, self.result))


@dataclass(frozen=True)
class Failed:
    """A domain error rolled the use case back; its message was flashed."""

    error: DomainError
    result: None = None

    @property
    def ok(self) -> Literal[False]:
        return False

    def __iter__(self) -> Iterator[object]:
        return iter((False, None))


# What came of a use case. `if done.ok:` tells the two apart, for the type checker too: after
# it, `done.result` is the use case's result; otherwise `done.error` is the domain error. Also
# unpacks as ``ok, result = perform(...)``.
Performed = Done[Result] | Failed


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
        return Failed(exc)
    if success:
        flash(str(success), "success")
    return Done(result)
