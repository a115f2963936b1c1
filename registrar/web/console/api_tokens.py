"""Console: an organizer's API tokens: listed, made (the token shown once), revoked; and the
API's reference, its OpenAPI document rendered."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (  # type: ignore[attr-defined]
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import AnyOf, InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...errors import InvalidAnswer
from ...i18n import bilingual
from ...models import ApiRole, utcnow
from ...services import api_tokens, audit
from ..auth import organizer_required
from ..use_case import perform

# The OpenAPI viewer of the API reference page, under static/ (its README says where from).
VIEWER = "vendor/swagger-ui"

ROLE_HINTS = {
    ApiRole.READ: _l("reads the events' lists, nothing else"),
    ApiRole.DOOR: _l("the door's operations: scans, check-in by name, receivers, walk-ins"),
    ApiRole.ORGANIZER: _l("everything the API offers for these events"),
}


class EventBoxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name (what the token is for, e.g. “CRM sync”)"),
        validators=[InputRequired(message=_l("Give the token a name."))],
    )
    role = RadioField(_l("Role"), default=ApiRole.READ.value, validate_choice=False)
    events = EventBoxes(_l("Events the token may touch"), coerce=int, validate_choice=False)
    expires = DateField(
        _l("Last day it works (UTC; empty: until revoked)"), validators=[Optional()]
    )

    def __init__(self, offered, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [
            SelectChoice(
                r.value,
                _("%(role)s: %(hint)s", role=api_tokens.ROLE_LABELS[r], hint=ROLE_HINTS[r]),
            )
            for r in ApiRole
        ]
        self.events.choices = [
            SelectChoice(e.id, f"{bilingual(e, 'title')} ({e.slug})") for e in offered
        ]


class RevokeForm(FlaskForm):
    confirm = HiddenField(
        validators=[
            AnyOf(
                ["1"],
                message=_l("Nothing was changed: confirm with the button on this page first."),
            )
        ]
    )


@organizer_required
def api_tokens_page():
    offered = api_tokens.events_offered(current_user)
    form = ApiTokenForm(offered)
    if form.validate_on_submit():
        try:
            role = api_tokens.parse_role(form.role.data or "")
        except InvalidAnswer as exc:
            form.role.errors = [str(exc)]
        else:
            done = perform(
                lambda: api_tokens.create(
                    form.name.data or "",
                    role,
                    form.events.data or [],
                    api_tokens.account(current_user.id),
                    form.expires.data,
                    audit.staff_actor(current_user),
                )
            )
            if done.ok:
                response = render_template(
                    "console/api_token_created.html",
                    token=done.result.token,
                    secret=done.result.secret,
                    last_day=api_tokens.last_day,
                    role_labels=api_tokens.ROLE_LABELS,
                )
                return response, 200, {"Cache-Control": "no-store"}
    tokens = api_tokens.listed(current_user.id)
    return render_template(
        "console/api_tokens.html",
        form=form,
        tokens=tokens,
        slugs=api_tokens.event_slugs(tokens),
        now=utcnow(),
        state_of=api_tokens.state_of,
        last_day=api_tokens.last_day,
        role_labels=api_tokens.ROLE_LABELS,
    )


@organizer_required
def api_token_revoke(token_id: int):
    """The confirmation page of revoking a token, and its post."""
    token = api_tokens.own(token_id, current_user)
    form = RevokeForm()
    if form.validate_on_submit():
        name = token.name
        done = perform(lambda: api_tokens.revoke(token, audit.staff_actor(current_user)))
        if done.ok:
            flash(
                _("Token “%(name)s” revoked: requests with it are refused from now on.", name=name),
                "success",
            )
            return redirect(url_for("console.api_tokens_page"))
    return render_template(
        "console/api_token_revoke.html",
        token=token,
        form=form,
        slugs=api_tokens.event_slugs([token]),
        role_labels=api_tokens.ROLE_LABELS,
    )


@cache
def _viewer_version(static_folder: str) -> str:
    """The vendored Swagger UI's version, as its VERSION file says (`swagger-ui-dist 5.x`)."""
    first = (Path(static_folder) / VIEWER / "VERSION").read_text(encoding="utf-8").split()
    return first[-1]


@organizer_required
def api_reference():
    """The API's OpenAPI document, rendered in the page by the vendored Swagger UI."""
    return render_template(
        "console/api_reference.html",
        document_url=url_for("api.openapi_document"),
        viewer_version=_viewer_version(current_app.static_folder or ""),
    )
