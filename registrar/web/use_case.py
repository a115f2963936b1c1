"""A view's use case: run in one transaction (registrar.unit_of_work), its domain error flashed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Generic, Literal, ParamSpec, TypeVar

from flask import flash

from .. import db_setup, unit_of_work
from ..errors import DomainError

Result = TypeVar("Result")
Params = ParamSpec("Params")


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


def reads_first(view: Callable[Params, Result]) -> Callable[Params, Result]:
    """For a view that reads (its page, the link, the form and its CSRF token) before its one
    use case writes: those reads take no lock, and the use case (`perform`) runs in a
    transaction of its own that holds the lock from its start to its commit only
    (db_setup.read_before_writing). A refused form or a dead link never waits for the lock.
    """

    @functools.wraps(view)
    def reading_first(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        db_setup.read_before_writing()
        return view(*args, **kwargs)

    return reading_first
