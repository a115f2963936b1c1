"""One use case, one transaction: committed once on success, rolled back on any failure; the
web shows a domain error as a flashed message, the CLI as the command's error."""

from __future__ import annotations

import click
import pytest
import sqlalchemy as sa
from flask import get_flashed_messages

from registrar import unit_of_work
from registrar.cli.common import commit_or_fail
from registrar.errors import DomainError, NotFound
from registrar.extensions import db
from registrar.models import AuditEntry
from registrar.services import audit
from registrar.web.use_case import perform


def entries() -> int:
    db.session.rollback()  # what another transaction sees: committed rows only
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def write(then: BaseException | None = None):
    """A use case that writes an audit entry, then fails with `then` when given."""

    def work() -> str:
        audit.record("test.written", actor=audit.SYSTEM)
        db.session.flush()
        if then is not None:
            raise then
        return "done"

    return work


def test_a_use_case_that_succeeds_is_committed_and_its_result_returned(app):
    before = entries()
    assert unit_of_work.run(write()) == "done"
    assert entries() == before + 1


@pytest.mark.parametrize("error", [DomainError("no"), RuntimeError("bug"), KeyboardInterrupt()])
def test_any_failure_rolls_everything_back_and_goes_on(app, error):
    before = entries()
    with pytest.raises(type(error)):
        unit_of_work.run(write(then=error))
    assert entries() == before


def test_the_web_flashes_a_domain_error_and_answers_not_ok(app):
    before = entries()
    with app.test_request_context():
        ok, result = perform(write(then=DomainError("Not now.")))
        assert (ok, result) == (False, None)
        assert get_flashed_messages(with_categories=True) == [("error", "Not now.")]
    assert entries() == before


def test_the_web_flashes_success_after_the_commit_and_gives_the_result(app):
    with app.test_request_context():
        done = perform(write(), "Saved.")
        assert done.ok and done.result == "done" and done.error is None
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]


def test_the_web_raises_a_dead_link_on_to_its_error_page(app):
    before = entries()
    with app.test_request_context():
        with pytest.raises(NotFound):
            perform(write(then=NotFound()), "Saved.", error_pages=(404, 410))
        assert get_flashed_messages() == []
    assert entries() == before


def test_the_cli_ends_with_the_domain_errors_message(app):
    before = entries()
    with pytest.raises(click.ClickException, match="Not now."):
        commit_or_fail(write(then=DomainError("Not now.")))
    assert entries() == before
