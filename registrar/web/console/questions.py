"""Console: the event's own questions on the guests' RSVP form. Add, edit, move and delete;
the rules (what may change once guests answered) are in services/questions/.

Every URL names the event and the question by id; an id that is not of that event answers 404
before anything is read from the form, and the service checks it again under the event's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import labels
from ...i18n import bilingual
from ...models import Event
from ...services import audit
from ...services import questions as service
from ..auth import organizer_required
from .common import current_event, flash_form_errors, save_on_form
from .programme_forms import ActionForm, MoveForm
from .question_forms import QuestionForm, question_values

Result = TypeVar("Result")


def _save(form, work: Callable[[], Result]) -> tuple[bool, Result | None]:
    return save_on_form(form, work, service.QuestionError)


def _actor() -> str:
    return audit.staff_actor(current_user)


def _page(template: str, event: Event, **context):
    g.timezone = event.timezone
    return render_template(
        template,
        event=event,
        nav_active="console.questions",
        kind_labels=labels.QUESTION_KIND_LABELS,
        category_labels=labels.CATEGORY_LABELS,
        choice_text=service.choice_text,
        **context,
    )


def _overview(event: Event, question_id: int | None = None):
    anchor = f"question-{question_id}" if question_id else None
    return redirect(url_for(".questions", event_id=event.id, _anchor=anchor))


@organizer_required
def questions(event_id: int):
    event = current_event(event_id)
    return _page(
        "console/questions.html",
        event,
        questions=service.listed(event.id),
        answered=service.answer_counts(event.id),
    )


@organizer_required
def question_new(event_id: int):
    event = current_event(event_id)
    form = QuestionForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            ok, question = _save(
                form, lambda: service.add_question(event.id, form.to_details(), _actor())
            )
            if ok and question is not None:
                flash(
                    _("“%(label)s” is on the RSVP form.", label=bilingual(question, "label")),
                    "success",
                )
                return _overview(event, question.id)
        status = 400
    return _page("console/question_form.html", event, question=None, form=form, answers=0), status


@organizer_required
def question_edit(event_id: int, question_id: int):
    event = current_event(event_id)
    question = service.question_of(event, question_id)
    form = QuestionForm(data=None if request.method == "POST" else question_values(question))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            ok, changed = _save(
                form,
                lambda: service.update_question(event.id, question.id, form.to_details(), _actor()),
            )
            if ok:
                if changed:
                    flash(_("“%(label)s” is saved.", label=bilingual(question, "label")), "success")
                else:
                    flash(_("Nothing was changed."), "info")
                return _overview(event, question.id)
        status = 400
    return _page(
        "console/question_form.html",
        event,
        question=question,
        form=form,
        answers=service.answer_count(question.id),
    ), status


@organizer_required
def question_delete(event_id: int, question_id: int):
    event = current_event(event_id)
    question = service.question_of(event, question_id)
    label = bilingual(question, "label")
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".question_edit", event_id=event.id, question_id=question.id))
    ok, _deleted = _save(form, lambda: service.delete_question(event.id, question.id, _actor()))
    if ok:
        flash(_("“%(label)s” is off the RSVP form.", label=label), "success")
        return _overview(event)
    return redirect(url_for(".question_edit", event_id=event.id, question_id=question.id))


@organizer_required
def question_move(event_id: int, question_id: int):
    event = current_event(event_id)
    question = service.question_of(event, question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _overview(event)
    shown, wanted = form.moves()
    ok, position = _save(
        form,
        lambda: service.move_question(event.id, question.id, wanted, _actor(), from_position=shown),
    )
    if ok:
        flash(
            _("“%(label)s” is now number %(n)s.", label=bilingual(question, "label"), n=position),
            "success",
        )
        return _overview(event, question.id)
    return _overview(event)
