"""The event's own questions as form fields (`question-<id>`), on the guest's RSVP form and on
the console's page that answers for a guest: what a post gave, and what the fields show
(templates/public/_questions.html)."""

from __future__ import annotations

from typing import Any

from flask import request

from ..models import Guest
from ..services import questions

FIELD = "question-"


def posted() -> dict[int, tuple[str, ...]]:
    """The answers the form posted to the event's questions (`question-<id>` fields), by
    question id; a field whose id is not a number is question 0, which no guest is asked."""
    answers: dict[int, tuple[str, ...]] = {}
    for name in request.form:
        if name.startswith(FIELD):
            code = name.removeprefix(FIELD)
            question_id = int(code) if code.isdigit() and len(code) < 10 else 0
            answers[question_id] = tuple(request.form.getlist(name))
    return answers


def refusal(error: Exception | None) -> dict[int, str]:
    """The refusal of an answer, by the question it is about (shown next to its field)."""
    if isinstance(error, questions.AnswerRefused) and error.question_id:
        return {error.question_id: str(error)}
    return {}


def context(
    guest: Guest,
    values: dict[int, tuple[str, ...]] | None = None,
    errors: dict[int, str] | None = None,
) -> dict[str, Any]:
    """What the question fields show: the questions the guest is asked, with the answers just
    posted (or those stored), and the refusal next to the one at fault."""
    return {
        "asked": questions.asked_of(guest),
        "question_values": questions.form_values(guest.id) if values is None else values,
        "question_error": errors or {},
        "text_lengths": questions.TEXT_LENGTHS,
        "choice_text": questions.choice_text,
    }
