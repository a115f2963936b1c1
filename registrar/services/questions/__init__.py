"""Questions of the event's own on the guests' RSVP form, and the guests' answers.

What a question may be (checks), the organizer's use cases on them under the event lock
(editing: what may change once guests have answered), and the answers, checked by kind and
kept with the RSVP in its transaction (answers).
"""

from .answers import (
    TEXT_LENGTHS,
    AnswerRefused,
    Replies,
    answers_of,
    answers_of_guests,
    applies_to,
    asked_of,
    checked_answer,
    checked_replies,
    choice_text,
    form_values,
    keep_replies,
    removed_for,
    shown,
)
from .checks import (
    CHOICE_KINDS,
    CHOICE_TEXT_LENGTH,
    LENGTHS,
    MOST_CHOICES,
    Choice,
    QuestionChanged,
    QuestionDetails,
    QuestionError,
    checked_question,
)
from .editing import (
    QuestionGone,
    add_question,
    answer_count,
    answer_counts,
    append_question,
    delete_question,
    listed,
    move_question,
    question_of,
    update_question,
)

__all__ = [
    "CHOICE_KINDS",
    "CHOICE_TEXT_LENGTH",
    "LENGTHS",
    "MOST_CHOICES",
    "TEXT_LENGTHS",
    "AnswerRefused",
    "Choice",
    "QuestionChanged",
    "QuestionDetails",
    "QuestionError",
    "QuestionGone",
    "Replies",
    "add_question",
    "answer_count",
    "answer_counts",
    "answers_of",
    "answers_of_guests",
    "append_question",
    "applies_to",
    "asked_of",
    "checked_answer",
    "checked_question",
    "checked_replies",
    "form_values",
    "choice_text",
    "delete_question",
    "keep_replies",
    "listed",
    "move_question",
    "question_of",
    "removed_for",
    "shown",
    "update_question",
]
