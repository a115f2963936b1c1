"""The seating plan's forms: the rows editor (one line per row, with blank lines to add rows),
giving a reserved seat to a guest, and freeing it. The service
(services/seating/) checks every rule again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField
from wtforms.validators import InputRequired, Length

from ...forms import WholeNumberField
from ...numbers import parse_whole
from ...services import seating

# Blank lines under the plan's rows, to add rows with one save.
BLANK_ROWS = 3


def _max(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters, please."))


class RowForm(Form):
    label = StringField(_l("Row"), validators=[_max(10)])
    seats = StringField(_l("Seats"), validators=[_max(10)])
    aisles = StringField(_l("Aisles after seats"), validators=[_max(400)])
    reserved = StringField(_l("Reserved seats"), validators=[_max(1000)])
    remove = BooleanField(_l("Remove"))


class PlanForm(FlaskForm):
    version = HiddenField()
    rows = FieldList(FormField(RowForm), min_entries=0, max_entries=seating.MAX_ROWS + BLANK_ROWS)

    def plan_rows(self) -> tuple[list[seating.PlanRow], list[int]]:
        """The rows typed, blank and removed ones left out, and the form's line of each; seat
        numbers read, or seating.PlanInvalid naming the line and field."""
        rows, lines = [], []
        for n, entry in enumerate(self.rows.entries):
            line = entry.form
            texts = [
                (line[name].data or "").strip() for name in ("label", "seats", "aisles", "reserved")
            ]
            if line.remove.data or not any(texts):
                continue
            seats = parse_whole(texts[1])
            if seats is None:
                raise seating.PlanInvalid(
                    _l("Row %(n)s: the number of seats is a whole number from 1 to %(max)s."),
                    row=n,
                    field="seats",
                    n=n + 1,
                    max=seating.MAX_SEATS,
                )
            rows.append(
                seating.PlanRow(
                    label=texts[0],
                    seats=seats,
                    aisles_after=seating.parse_numbers(texts[2], n, "aisles_after"),
                    reserved=seating.parse_numbers(texts[3], n, "reserved"),
                )
            )
            lines.append(n)
        return rows, lines


class AssignForm(FlaskForm):
    seat = StringField(
        _l("Seat"),
        validators=[
            InputRequired(message=_l("Please choose a seat.")),
            _max(12),
        ],
    )
    guest = WholeNumberField(
        _l("Guest"),
        validators=[InputRequired(message=_l("Please choose a guest from the list."))],
    )
