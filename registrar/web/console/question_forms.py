"""The questions editor's form. It checks what a form can (lengths, a number's shape, the
choices' lines); services/questions/ checks every rule again, and the ones about answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# SelectChoice is new in WTForms 3.3; the types-WTForms stubs describe 3.2.
from wtforms import (  # type: ignore[attr-defined]
    BooleanField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from ...forms import WholeNumberField
from ...labels import CATEGORY_LABELS, QUESTION_KIND_LABELS
from ...models import Category, EventQuestion, QuestionKind
from ...services.questions import LENGTHS, Choice, QuestionDetails
from .event_form import ChannelsField


def _max(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters, please."))


def _bound(label) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            Optional(),
            NumberRange(
                min=-1_000_000_000,
                max=1_000_000_000,
                message=_l("Give a bound from -%(n)s to %(n)s.", n=1_000_000_000),
            ),
        ],
    )


class QuestionForm(FlaskForm):
    kind = RadioField(_l("Kind of answer"), default=QuestionKind.SHORT_TEXT.value)
    label_en = StringField(_l("Question in English"), validators=[_max(LENGTHS["label_en"])])
    label_zh = StringField(_l("Question in Chinese"), validators=[_max(LENGTHS["label_zh"])])
    help_en = StringField(_l("Help text in English"), validators=[_max(LENGTHS["help_en"])])
    help_zh = StringField(_l("Help text in Chinese"), validators=[_max(LENGTHS["help_zh"])])
    choices = TextAreaField(
        _l("Choices, one a line: key | English | Chinese"), validators=[_max(20000)]
    )
    number_min = _bound(_l("Least number accepted"))
    number_max = _bound(_l("Greatest number accepted"))
    required = BooleanField(_l("Required of guests who attend"))
    categories = ChannelsField(_l("Asked of (none ticked: every guest)"), validate_choice=False)
    in_guest_list = BooleanField(_l("Shown as a column of the guest list"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            SelectChoice(kind.value, label) for kind, label in QUESTION_KIND_LABELS.items()
        ]
        self.categories.choices = [
            SelectChoice(category.value, CATEGORY_LABELS[category]) for category in Category
        ]

    def validate_categories(self, field) -> None:
        known = {c.value for c in Category}
        if any(code not in known for code in field.data or []):
            raise ValidationError(_l("Choose categories from the list."))

    def validate_choices(self, field) -> None:
        for line in (field.data or "").splitlines():
            if line.strip() and len(line.split("|")) > 3:
                raise ValidationError(
                    _l("Write each choice as: key | English | Chinese (three parts at most).")
                )

    def parsed_choices(self) -> tuple[Choice, ...]:
        found = []
        for line in (self.choices.data or "").splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")] + ["", ""]
            found.append(Choice(parts[0], parts[1], parts[2]))
        return tuple(found)

    def to_details(self) -> QuestionDetails:
        return QuestionDetails(
            kind=QuestionKind(self.kind.data),
            label_en=self.label_en.data or "",
            label_zh=self.label_zh.data or "",
            help_en=self.help_en.data or "",
            help_zh=self.help_zh.data or "",
            choices=self.parsed_choices(),
            required=bool(self.required.data),
            categories=tuple(Category(code) for code in self.categories.data or []),
            number_min=self.number_min.data,
            number_max=self.number_max.data,
            in_guest_list=bool(self.in_guest_list.data),
        )


def question_values(question: EventQuestion) -> dict:
    """A stored question as the form's starting values."""
    return {
        "kind": question.kind.value,
        "label_en": question.label_en,
        "label_zh": question.label_zh,
        "help_en": question.help_en,
        "help_zh": question.help_zh,
        "choices": "\n".join(
            " | ".join((c["key"], c.get("en", ""), c.get("zh", ""))) for c in question.choices
        ),
        "number_min": question.number_min,
        "number_max": question.number_max,
        "required": question.required,
        "categories": question.categories.split(),
        "in_guest_list": question.in_guest_list,
    }
