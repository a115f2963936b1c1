"""An event file's `[[questions]]`: the event's own questions on the RSVP form (not the answers),
read into the editor's details, written back, and made the event's on import.

On import the file's questions become the event's, in the file's order: the n-th question of
the file changes the n-th of the event (with the editor's rules: once answered, nothing that
would make the answers wrong), further ones are added, and the event's questions past the
file's are deleted (refused once answered). A file without `[[questions]]` leaves them as they
are.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ...errors import DomainError
from ...models import Category, Event, EventQuestion, QuestionKind
from .. import questions as service
from ..questions import Choice, QuestionDetails, QuestionError
from .layout import EventFileError, KeyLines

# A question's form fields (services/questions/) as keys within `[[questions]]`.
QUESTION_KEYS = {
    "kind": "kind",
    "label_en": "label.en",
    "label_zh": "label.zh",
    "help_en": "help.en",
    "help_zh": "help.zh",
    "choices": "choices",
    "required": "required",
    "categories": "categories",
    "number_min": "min",
    "number_max": "max",
    "in_guest_list": "guest_list",
}

HEADER_LINES = """\
# [[questions]]             the event's own questions on the RSVP form, in order (not the answers):
#   kind                    "short_text" "long_text" "one_choice" "several_choices" "yes_no"
#                           "number" or "date"
#   label.en, label.zh      the question, in at least one language
#   help.en, help.zh        a line of help under it
#   required                true: guests who attend must answer it (false when left out)
#   categories              the categories asked, e.g. ["speaker", "vip"] (every guest: [])
#   min, max                for a number: the least and greatest accepted
#   guest_list              true: a column of the console's guest list
#   [[questions.choices]]   for one choice and several choices, in order:
#     key                   what answers store: small letters, digits, - and _, e.g. "veg"
#     en, zh                the choice's text
"""


def read_questions(data: dict[str, Any], lines: KeyLines) -> tuple[QuestionDetails, ...] | None:
    """The file's questions, each checked as the editor checks it; None: the file has none."""
    if "questions" not in data:
        return None
    found = []
    for n, table in enumerate(data["questions"]):
        where = f"questions[{n}]"
        kinds = [kind.value for kind in QuestionKind]
        if table["kind"] not in kinds:
            raise _problem(lines, f"{where}.kind", _not_one_of(table["kind"], kinds))
        categories = []
        for c, code in enumerate(table.get("categories", [])):
            known = [category.value for category in Category]
            if code not in known:
                raise _problem(lines, f"{where}.categories[{c}]", _not_one_of(code, known))
            categories.append(Category(code))
        label, help_ = table["label"], table.get("help", {})
        details = QuestionDetails(
            kind=QuestionKind(table["kind"]),
            label_en=label.get("en", ""),
            label_zh=label.get("zh", ""),
            help_en=help_.get("en", ""),
            help_zh=help_.get("zh", ""),
            choices=tuple(
                Choice(choice["key"], choice.get("en", ""), choice.get("zh", ""))
                for choice in table.get("choices", [])
            ),
            required=table.get("required", False),
            categories=tuple(categories),
            number_min=table.get("min"),
            number_max=table.get("max"),
            in_guest_list=table.get("guest_list", False),
        )
        try:
            found.append(service.checked_question(details))
        except QuestionError as exc:
            raise _problem(lines, _key(where, exc), exc) from None
    return tuple(found)


def replace_questions(
    event: Event, wanted: tuple[QuestionDetails, ...], actor: str, lines: KeyLines
) -> bool:
    """Make the file's questions the event's (see the module); whether anything changed. In
    the caller's transaction, the event locked."""
    there = service.listed(event.id)
    changed = False
    try:
        for n, (question, details) in enumerate(zip(there, wanted, strict=False)):
            where = f"questions[{n}]"
            try:
                changed |= bool(service.update_question(event.id, question.id, details, actor))
            except QuestionError as exc:
                raise _problem(lines, _key(where, exc), exc) from None
        for details in wanted[len(there) :]:
            service.append_question(event, details, actor)
            changed = True
        for question in there[len(wanted) :]:
            service.delete_question(event.id, question.id, actor)
            changed = True
    except DomainError as exc:
        raise _problem(lines, "questions", exc) from None
    return changed


def write_questions(out: Any, questions: list[EventQuestion]) -> None:
    """The `[[questions]]` tables, in the form's order (`out` is writing's line writer)."""
    for question in questions:
        out.table("questions", array=True)
        out.key("kind", question.kind.value)
        out.texts("label", question, "label", always=True, blank=False)
        out.texts("help", question, "help", blank=False)
        out.key("required", question.required, skip=False)
        out.key("categories", question.categories.split(), skip=[])
        out.key("min", question.number_min, skip=None)
        out.key("max", question.number_max, skip=None)
        out.key("guest_list", question.in_guest_list, skip=False)
        for choice in question.choices:
            out.table("questions.choices", array=True)
            out.key("key", choice["key"])
            out.key("en", choice.get("en", ""))
            out.key("zh", choice.get("zh", ""))


def _key(where: str, exc: QuestionError) -> str:
    return f"{where}.{QUESTION_KEYS.get(exc.field, exc.field)}" if exc.field else where


def _problem(lines: KeyLines, key: str, message: object) -> EventFileError:
    return EventFileError([lines.problem(key, message)])


def _not_one_of(value: object, choices: list[str]) -> str:
    return str(_l("%(value)s is not one of: %(choices)s")) % {
        "value": repr(value),
        "choices": ", ".join(choices),
    }
