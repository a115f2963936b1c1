"""What a question may be: its kind, labels, help texts, choices, bounds and categories."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l

from ...errors import DomainError
from ...models import Category, QuestionKind
from ...text import has_control_characters

# Longest accepted text per field of a question; the forms say the same.
LENGTHS = {"label_en": 300, "label_zh": 300, "help_en": 500, "help_zh": 500}
CHOICE_TEXT_LENGTH = 200
MOST_CHOICES = 50
# A choice's key: what an answer stores, what the exports and the API show.
CHOICE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CHOICE_KINDS = (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES)
# The numbers a number question takes at all, bounds or not.
NUMBER_LIMIT = 1_000_000_000


class QuestionError(DomainError):
    """A question that cannot be saved as given; `field` names the form field it is about."""

    status = 400

    def __init__(self, message: str | None = None, *, field: str | None = None, **params: object):
        super().__init__(message, **params)
        self.field = field


class QuestionChanged(DomainError):
    status = 409
    default_message = _l("The questions were changed meanwhile; please look again and retry.")


@dataclass(frozen=True)
class Choice:
    key: str
    en: str = ""
    zh: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "en": self.en, "zh": self.zh}


@dataclass(frozen=True)
class QuestionDetails:
    kind: QuestionKind
    label_en: str = ""
    label_zh: str = ""
    help_en: str = ""
    help_zh: str = ""
    choices: tuple[Choice, ...] = ()
    required: bool = False
    categories: tuple[Category, ...] = ()
    number_min: int | None = None
    number_max: int | None = None
    in_guest_list: bool = False


def checked_question(details: QuestionDetails) -> QuestionDetails:
    """The details with their texts trimmed, or a QuestionError naming the field at fault."""
    texts = {name: getattr(details, name).strip() for name in LENGTHS}
    for name, value in texts.items():
        if len(value) > LENGTHS[name]:
            raise QuestionError(
                _l("At most %(max)d characters, please."), field=name, max=LENGTHS[name]
            )
        if has_control_characters(value):
            raise QuestionError(_l("Please write this on one line."), field=name)
    if not texts["label_en"] and not texts["label_zh"]:
        raise QuestionError(_l("Give the question in at least one language."), field="label_en")
    choices = tuple(
        Choice(choice.key.strip(), choice.en.strip(), choice.zh.strip())
        for choice in details.choices
    )
    if details.kind in CHOICE_KINDS:
        _check_choices(choices)
    else:
        choices = ()
    low, high = details.number_min, details.number_max
    if details.kind == QuestionKind.NUMBER:
        for name, bound in (("number_min", low), ("number_max", high)):
            if bound is not None and abs(bound) > NUMBER_LIMIT:
                raise QuestionError(
                    _l("Give a bound from -%(n)s to %(n)s.", n=NUMBER_LIMIT), field=name
                )
        if low is not None and high is not None and low > high:
            raise QuestionError(
                _l("The least number is greater than the greatest."), field="number_min"
            )
    else:
        low = high = None
    categories = tuple(sorted(set(details.categories), key=list(Category).index))
    return replace(
        details, **texts, choices=choices, number_min=low, number_max=high, categories=categories
    )


def _check_choices(choices: tuple[Choice, ...]) -> None:
    if len(choices) < 2:
        raise QuestionError(_l("Give at least two choices."), field="choices")
    if len(choices) > MOST_CHOICES:
        raise QuestionError(_l("At most %(n)s choices, please.", n=MOST_CHOICES), field="choices")
    keys = [choice.key for choice in choices]
    for choice in choices:
        if not CHOICE_KEY.match(choice.key):
            raise QuestionError(
                _l(
                    "“%(key)s” is not a choice key: use small letters, digits, - and _ "
                    "(at most 40), starting with a letter or a digit.",
                    key=choice.key[:40],
                ),
                field="choices",
            )
        if keys.count(choice.key) > 1:
            raise QuestionError(
                _l("The choice key “%(key)s” is given twice.", key=choice.key), field="choices"
            )
        if not choice.en and not choice.zh:
            raise QuestionError(
                _l("Give the choice “%(key)s” a text in at least one language.", key=choice.key),
                field="choices",
            )
        for text in (choice.en, choice.zh):
            if len(text) > CHOICE_TEXT_LENGTH:
                raise QuestionError(
                    _l("A choice's text is at most %(max)d characters.", max=CHOICE_TEXT_LENGTH),
                    field="choices",
                )
            if has_control_characters(text):
                raise QuestionError(_l("Please write each choice on one line."), field="choices")
