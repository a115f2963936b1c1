"""Guests' answers to the event's questions: which questions a guest is asked, each answer
checked by the question's kind, and the answers kept with the RSVP.

The rules:

- A question is asked of the guests of its categories (none named: every guest).
- A required question must be answered by a guest who attends; a guest who declines may leave
  it empty (nothing of them is needed on the day).
- An answer to a question the guest is not asked (another category, another event, one deleted
  meanwhile) is refused with nothing stored: the form never shows it, so the post is forged or
  stale.
- An empty answer removes the stored one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...extensions import db
from ...i18n import bilingual, is_chinese
from ...models import EventQuestion, Guest, QuestionAnswer, QuestionKind, utcnow
from .. import audit
from .checks import CHOICE_KINDS, NUMBER_LIMIT

# Longest accepted answer per text kind; the form says the same.
TEXT_LENGTHS = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 2000}
YES, NO = "yes", "no"
_WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]{1,10}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class AnswerRefused(InvalidAnswer):
    """An answer that does not fit its question; `question_id` names it (None: the post)."""

    def __init__(
        self, message: str | None = None, *, question_id: int | None = None, **params: object
    ):
        super().__init__(message, **params)
        self.question_id = question_id


def applies_to(question: EventQuestion, guest: Guest) -> bool:
    codes = question.categories.split()
    return not codes or guest.category.value in codes


# Made once: the answers' hot path reads it under the event lock (checked_replies).
_QUESTIONS_OF_EVENT = (
    sa.select(EventQuestion)
    .where(EventQuestion.event_id == sa.bindparam("event_id"))
    .order_by(EventQuestion.position, EventQuestion.id)
)


def asked_of(guest: Guest) -> list[EventQuestion]:
    """The questions the guest's form shows, in their order."""
    questions = db.session.scalars(_QUESTIONS_OF_EVENT, {"event_id": guest.event_id})
    return [question for question in questions if applies_to(question, guest)]


def answers_of(guest_id: int) -> dict[int, str]:
    """The guest's stored answers by question id."""
    rows = db.session.execute(
        sa.select(QuestionAnswer.question_id, QuestionAnswer.value).where(
            QuestionAnswer.guest_id == guest_id
        )
    )
    return {question_id: value for question_id, value in rows}


def answers_of_guests(guest_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Stored answers of many guests: guest id -> question id -> value, in one query per
    thousand guests."""
    ids = list(guest_ids)
    found: dict[int, dict[int, str]] = {}
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            sa.select(
                QuestionAnswer.guest_id, QuestionAnswer.question_id, QuestionAnswer.value
            ).where(QuestionAnswer.guest_id.in_(ids[start : start + 1000]))
        )
        for guest_id, question_id, value in rows:
            found.setdefault(guest_id, {})[question_id] = value
    return found


def _label(question: EventQuestion) -> str:
    return bilingual(question, "label")


def checked_answer(question: EventQuestion, given: Sequence[str]) -> str:
    """The value to store for what the form gave (its values for the question: several for
    several choices); "" for no answer. Refuses what does not fit the kind."""
    values = [value.strip() for value in given if value.strip()]
    kind = question.kind

    def refuse(message: str, **params: object) -> AnswerRefused:
        return AnswerRefused(message, question_id=question.id, question=_label(question), **params)

    if kind == QuestionKind.SEVERAL_CHOICES:
        keys = [choice["key"] for choice in question.choices]
        if any(value not in keys for value in values):
            raise refuse(_l("“%(question)s”: please choose from the choices listed."))
        return " ".join(key for key in keys if key in values)
    if len(values) > 1:
        raise refuse(_l("“%(question)s”: please give one answer."))
    value = values[0] if values else ""
    if not value:
        return ""
    if kind in TEXT_LENGTHS:
        if len(value) > TEXT_LENGTHS[kind]:
            raise refuse(
                _l("“%(question)s”: at most %(max)d characters, please."), max=TEXT_LENGTHS[kind]
            )
        return value
    if kind == QuestionKind.ONE_CHOICE:
        if value not in {choice["key"] for choice in question.choices}:
            raise refuse(_l("“%(question)s”: please choose from the choices listed."))
        return value
    if kind == QuestionKind.YES_NO:
        if value not in (YES, NO):
            raise refuse(_l("“%(question)s”: please answer yes or no."))
        return value
    if kind == QuestionKind.NUMBER:
        if not _WHOLE_NUMBER.match(value) or abs(int(value)) > NUMBER_LIMIT:
            raise refuse(_l("“%(question)s”: please enter a whole number, e.g. 2."))
        number = int(value)
        low, high = question.number_min, question.number_max
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                raise refuse(
                    _l("“%(question)s”: please enter a number from %(low)s to %(high)s."),
                    low=low,
                    high=high,
                )
            if low is not None:
                raise refuse(_l("“%(question)s”: please enter %(low)s or more."), low=low)
            raise refuse(_l("“%(question)s”: please enter %(high)s or less."), high=high)
        return str(number)
    # QuestionKind.DATE
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise refuse(
            _l("“%(question)s”: please enter a date as YYYY-MM-DD, e.g. 2030-03-21.")
        ) from None


@dataclass(frozen=True)
class Replies:
    """The checked answers of one post: question id -> value ("" removes the answer)."""

    values: dict[int, str]


def checked_replies(guest: Guest, attending: bool, given: Mapping[int, Sequence[str]]) -> Replies:
    """Every question the guest is asked, answered from `given` (a question left out is
    answered empty); refused when `given` names a question not asked of the guest, when a
    value does not fit, or when a required question is left empty by a guest who attends.
    Read under the event lock, so the questions cannot change meanwhile."""
    asked = asked_of(guest)
    known = {question.id for question in asked}
    if any(question_id not in known for question_id in given):
        raise AnswerRefused(
            _l("The form's questions have changed; please reload the page and answer again.")
        )
    values = {}
    for question in asked:
        value = checked_answer(question, given.get(question.id, ()))
        if question.required and attending and not value:
            raise AnswerRefused(
                _l("“%(question)s”: please answer this question."),
                question_id=question.id,
                question=_label(question),
            )
        values[question.id] = value
    return Replies(values)


def keep_replies(guest: Guest, replies: Replies, actor: str) -> list[int]:
    """Store the checked answers in the caller's transaction; return the ids of the questions
    whose answer changed (audited with them)."""
    if not replies.values:
        # The event asks the guest nothing: nothing to read or write (the storm's path).
        return []
    stored = {
        answer.question_id: answer
        for answer in db.session.scalars(
            sa.select(QuestionAnswer).where(QuestionAnswer.guest_id == guest.id)
        )
    }
    changed = []
    now = utcnow()
    for question_id, value in replies.values.items():
        answer = stored.get(question_id)
        if answer is None and value:
            db.session.add(
                QuestionAnswer(
                    question_id=question_id, guest_id=guest.id, value=value, answered_at=now
                )
            )
        elif answer is not None and not value:
            db.session.delete(answer)
        elif answer is not None and answer.value != value:
            answer.value, answer.answered_at = value, now
        else:
            continue
        changed.append(question_id)
    if changed:
        db.session.flush()
        audit.record(
            "questions.answered",
            actor=actor,
            event_id=guest.event_id,
            guest_id=guest.id,
            questions=changed,
        )
    return changed


def shown(question: EventQuestion, value: str) -> str:
    """An answer as people read it, in the current language (a choice's text, yes/no)."""
    if not value:
        return ""
    if question.kind in CHOICE_KINDS:
        texts = {choice["key"]: choice_text(choice) for choice in question.choices}
        return ", ".join(texts.get(key, key) for key in value.split())
    if question.kind == QuestionKind.YES_NO:
        return str(_l("Yes") if value == YES else _l("No"))
    return value


def choice_text(choice: Mapping[str, str]) -> str:
    first, second = ("zh", "en") if is_chinese() else ("en", "zh")
    return choice.get(first) or choice.get(second) or choice["key"]


def removed_for(guest_id: int) -> int:
    """Remove every answer of the guest (erasure); return how many there were."""
    result = db.session.execute(
        sa.delete(QuestionAnswer)
        .where(QuestionAnswer.guest_id == guest_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def form_values(guest_id: int) -> dict[int, tuple[str, ...]]:
    """The guest's stored answers as the RSVP form gives them back: a value per field, a key
    per ticked box for several choices."""
    rows = db.session.execute(
        sa.select(QuestionAnswer.question_id, QuestionAnswer.value, EventQuestion.kind)
        .join(EventQuestion, EventQuestion.id == QuestionAnswer.question_id)
        .where(QuestionAnswer.guest_id == guest_id)
    )
    return {
        question_id: tuple(value.split()) if kind == QuestionKind.SEVERAL_CHOICES else (value,)
        for question_id, value, kind in rows
    }
