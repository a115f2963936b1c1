"""JSON API v1: the event's own questions on the RSVP form: list, read, create, change, move,
delete, with the questions editor's rules (services/questions/: once guests answered, nothing
that would make their answers wrong). The answers are read with the guest (`answers`)."""

from __future__ import annotations

from flask import Response, request
from pydantic import BaseModel

from ...extensions import db
from ...models import Event, EventQuestion
from ...numbers import MAX_ID
from ...services import questions
from . import schemas
from .routes import EVENT_ID, _answer, _body, _created_once, _organizer_actor, _organizer_reader, bp

QUESTION_ID = f"<int(max={MAX_ID}):question_id>"


def _event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _question_of(event_id: int, question_id: int) -> EventQuestion:
    return questions.question_of(_event(event_id), question_id)


def _item(question: EventQuestion) -> schemas.QuestionItem:
    return schemas.QuestionItem.of(question, questions.answer_count(question.id))


# One rule per address with its methods (see routes.py).
@bp.route(f"/events/{EVENT_ID}/questions", methods=["GET", "POST"])
def question_collection(event_id: int) -> Response:
    if request.method == "GET":
        return question_list(event_id)
    return question_create(event_id)


@bp.route(f"/events/{EVENT_ID}/questions/{QUESTION_ID}", methods=["GET", "PATCH", "DELETE"])
def question_item(event_id: int, question_id: int) -> Response:
    if request.method == "GET":
        return question_read(event_id, question_id)
    if request.method == "PATCH":
        return question_update(event_id, question_id)
    return question_delete(event_id, question_id)


def question_list(event_id: int) -> Response:
    """Every question in the form's order, on one page, with how many answered each."""
    _organizer_reader(event_id)
    _event(event_id)
    counts = questions.answer_counts(event_id)
    items = [
        schemas.QuestionItem.of(question, counts.get(question.id, 0))
        for question in questions.listed(event_id)
    ]
    return _answer(schemas.QuestionPage, {"items": items, "next": None})


def question_read(event_id: int, question_id: int) -> Response:
    _organizer_reader(event_id)
    return _answer(schemas.QuestionItem, _item(_question_of(event_id, question_id)))


def question_create(event_id: int) -> Response:
    actor = _organizer_actor(event_id)
    body = _body(schemas.QuestionRequest)
    _event(event_id)

    def create() -> BaseModel:
        return _item(questions.add_question(event_id, body.details(), actor))

    return _created_once(actor, create)


def question_update(event_id: int, question_id: int) -> Response:
    """The fields sent, the others as they are."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.QuestionChangeRequest)
    question = _question_of(event_id, question_id)
    questions.update_question(event_id, question_id, body.details(question), actor)
    db.session.commit()
    return question_read(event_id, question_id)


@bp.post(f"/events/{EVENT_ID}/questions/{QUESTION_ID}/move")
def question_move(event_id: int, question_id: int) -> Response:
    actor = _organizer_actor(event_id)
    body = _body(schemas.QuestionMoveRequest)
    # Where the question is now, unless the caller says where they saw it; checked again under
    # the lock by the service (409 if it moved in between).
    from_position = body.from_position or _question_of(event_id, question_id).position
    questions.move_question(
        event_id, question_id, body.position, actor, from_position=from_position
    )
    db.session.commit()
    return question_list(event_id)


def question_delete(event_id: int, question_id: int) -> Response:
    """Take an unanswered question off the form; the answer is the question as it was."""
    actor = _organizer_actor(event_id)
    was = _item(_question_of(event_id, question_id))
    questions.delete_question(event_id, question_id, actor)
    db.session.commit()
    return _answer(schemas.QuestionItem, was)
