"""The organizer's use cases on an event's questions: add, change, move and delete. Each takes
the event lock first (an RSVP takes it too, so "answered yet?" cannot change meanwhile), checks
the event may still change, and writes an audit entry."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import NotFound
from ...extensions import db
from ...models import Event, EventQuestion, QuestionAnswer
from .. import audit
from ..event_state import require_changeable
from ..locking import lock_event
from .checks import QuestionChanged, QuestionDetails, QuestionError, checked_question


class QuestionGone(NotFound):
    default_message = _l("This question is not there any more; it may have been deleted.")


def listed(event_id: int) -> list[EventQuestion]:
    """The event's questions in their order."""
    return list(
        db.session.scalars(
            sa.select(EventQuestion)
            .where(EventQuestion.event_id == event_id)
            .order_by(EventQuestion.position, EventQuestion.id)
        )
    )


def question_of(event: Event, question_id: int) -> EventQuestion:
    """The event's question; another event's id is as unknown as one never made."""
    question = db.session.get(EventQuestion, question_id)
    if question is None or question.event_id != event.id:
        raise QuestionGone()
    return question


def answer_count(question_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(QuestionAnswer)
            .where(QuestionAnswer.question_id == question_id)
        )
        or 0
    )


def answer_counts(event_id: int) -> dict[int, int]:
    """How many guests answered each question of the event (questions with none left out)."""
    rows = db.session.execute(
        sa.select(QuestionAnswer.question_id, sa.func.count())
        .join(EventQuestion, EventQuestion.id == QuestionAnswer.question_id)
        .where(EventQuestion.event_id == event_id)
        .group_by(QuestionAnswer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def columns(details: QuestionDetails) -> dict[str, Any]:
    """The question's stored values for `details` (checked)."""
    return {
        "kind": details.kind,
        "label_en": details.label_en,
        "label_zh": details.label_zh,
        "help_en": details.help_en,
        "help_zh": details.help_zh,
        "choices": [choice.as_dict() for choice in details.choices],
        "required": details.required,
        "categories": " ".join(c.value for c in details.categories),
        "number_min": details.number_min,
        "number_max": details.number_max,
        "in_guest_list": details.in_guest_list,
    }


def _locked(event_id: int) -> Event:
    event = lock_event(event_id)
    require_changeable(event)
    return event


def _renumber(event_id: int) -> None:
    for n, question in enumerate(listed(event_id), start=1):
        question.position = n


def append_question(event: Event, details: QuestionDetails, actor: str) -> EventQuestion:
    """Put a checked question last on the event's form, audited (the editor and the event
    file share it)."""
    last = db.session.scalar(
        sa.select(sa.func.max(EventQuestion.position)).where(EventQuestion.event_id == event.id)
    )
    question = EventQuestion(event_id=event.id, position=(last or 0) + 1, **columns(details))
    db.session.add(question)
    db.session.flush()
    audit.record(
        "questions.added",
        actor=actor,
        event_id=event.id,
        question_id=question.id,
        kind=details.kind.value,
        label=details.label_en or details.label_zh,
        required=details.required,
    )
    return question


def add_question(event_id: int, details: QuestionDetails, actor: str) -> EventQuestion:
    """Add a question after the event's others. Allowed whatever has been answered: a new
    question invalidates no answer (a required one is missing from earlier answers; the guests
    are asked it when they next answer)."""
    details = checked_question(details)
    event = _locked(event_id)
    # A form sent twice (a double click, a reload) would ask the same question twice.
    for question in listed(event.id):
        if (question.label_en, question.label_zh) == (details.label_en, details.label_zh):
            raise QuestionError(
                _l("This question is on the form already (number %(n)s)."),
                field="label_en",
                n=question.position,
            )
    return append_question(event, details, actor)


def _invalidating(question: EventQuestion, wanted: dict[str, Any]) -> QuestionError | None:
    """Why the change would make stored answers wrong (None: it would not)."""
    if wanted["kind"] != question.kind:
        return QuestionError(
            _l("Guests have answered this question, so its kind can no longer change."),
            field="kind",
        )
    old_keys = {choice["key"] for choice in question.choices}
    new_keys = {choice["key"] for choice in wanted["choices"]}
    if not old_keys <= new_keys:
        return QuestionError(
            _l(
                "Guests have answered this question, so its choices keep their keys: "
                "%(keys)s. You may change their texts and add choices.",
                keys=", ".join(sorted(old_keys - new_keys)),
            ),
            field="choices",
        )
    if wanted["required"] and not question.required:
        return QuestionError(
            _l("Guests have answered this question, so it can no longer become required."),
            field="required",
        )
    old_categories = set(question.categories.split())
    new_categories = set(wanted["categories"].split())
    if new_categories and (not old_categories or not old_categories <= new_categories):
        return QuestionError(
            _l(
                "Guests have answered this question, so it can no longer be shown to fewer "
                "guests; you may show it to more."
            ),
            field="categories",
        )
    low, high = wanted["number_min"], wanted["number_max"]
    if (low is not None and (question.number_min is None or low > question.number_min)) or (
        high is not None and (question.number_max is None or high < question.number_max)
    ):
        return QuestionError(
            _l(
                "Guests have answered this question, so its numbers can no longer be "
                "narrowed; you may widen them."
            ),
            field="number_min",
        )
    return None


def update_question(
    event_id: int, question_id: int, details: QuestionDetails, actor: str
) -> list[str]:
    """Change a question; return the names of the fields changed (none: a repeat).

    Until its first answer, anything may change. Once answered, a change that could make a
    stored answer wrong is refused: the kind, a choice's key (removed or renamed), becoming
    required, being shown to fewer guests, narrower numbers. Texts (labels, help, the choices'
    wording), new choices, becoming optional, wider bounds and the guest list column stay free.
    """
    details = checked_question(details)
    event = _locked(event_id)
    question = question_of(event, question_id)
    wanted = columns(details)
    changed = [name for name, value in wanted.items() if getattr(question, name) != value]
    if not changed:
        return []
    if answer_count(question.id):
        refusal = _invalidating(question, wanted)
        if refusal is not None:
            raise refusal
    before = {name: _plain(getattr(question, name)) for name in changed}
    for name in changed:
        setattr(question, name, wanted[name])
    db.session.flush()
    audit.record(
        "questions.changed",
        actor=actor,
        event_id=event.id,
        question_id=question.id,
        changed=changed,
        before=before,
        after={name: _plain(wanted[name]) for name in changed},
    )
    return changed


def _plain(value: object) -> object:
    return value.value if hasattr(value, "value") else value


def delete_question(event_id: int, question_id: int, actor: str) -> EventQuestion:
    """Take a question off the form; refused once a guest has answered it (their answers would
    go with it)."""
    event = _locked(event_id)
    question = question_of(event, question_id)
    answered = answer_count(question.id)
    if answered:
        raise QuestionError(
            _l(
                "%(n)s guests have answered this question, so it cannot be deleted; you may "
                "make it optional instead.",
                n=answered,
            )
        )
    audit.record(
        "questions.deleted",
        actor=actor,
        event_id=event.id,
        question_id=question.id,
        label=question.label_en or question.label_zh,
    )
    db.session.delete(question)
    db.session.flush()
    _renumber(event.id)
    db.session.flush()
    return question


def move_question(
    event_id: int, question_id: int, to_position: int, actor: str, *, from_position: int
) -> int:
    """Put a question at another place on the form (1 = first); returns the place. The page's
    place (`from_position`) must still hold: a double submit moves nothing."""
    event = _locked(event_id)
    question = question_of(event, question_id)
    order = listed(event.id)
    index = order.index(question)
    if index + 1 != from_position:
        raise QuestionChanged()
    if not 1 <= to_position <= len(order):
        raise QuestionError(
            _l("Choose a position from 1 to %(n)s; nothing was moved."), n=len(order)
        )
    if to_position == from_position:
        return to_position
    order.insert(to_position - 1, order.pop(index))
    for n, other in enumerate(order, start=1):
        other.position = n
    db.session.flush()
    audit.record(
        "questions.moved",
        actor=actor,
        event_id=event.id,
        question_id=question.id,
        from_position=from_position,
        to_position=to_position,
    )
    return to_position
