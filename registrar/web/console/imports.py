"""Console: the guest list from a CSV file, previewed row by row, then imported all at once
(or, by choice, its good rows, with the rows in error given back as a CSV file to correct).

The upload is kept server-side (services.imports.keep_upload) between the preview and the
import, so that the import writes exactly the file the organizer saw previewed.
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ... import labels
from ...errors import DomainError
from ...forms import ImportApplyForm, ImportUploadForm
from ...i18n import bilingual
from ...models import Event
from ...services import audit, imports, seats
from ...services.imports import Outcome
from ..auth import organizer_required
from ..errors import http_error
from ..use_case import perform
from .common import current_event

# New and updated rows listed on the preview; rows in error are all listed.
PREVIEW_ROWS = 200

COLUMN_NOTES = {
    "name_en": _l("Name in Latin letters, e.g. Chen Mei-Ling."),
    "name_zh": _l("Name in Chinese characters, e.g. 陳美玲. A guest needs at least one name."),
    "email": _l("Required. A guest already on the list with this e-mail is updated."),
    "organization": _l("City hall, company, university…"),
    "title": _l("Job title, e.g. Director."),
    "category": _l(
        "speaker, moderator, vip, delegate, press or staff (or 與談人, 主持人, 貴賓, 與會代表, "
        "媒體, 工作人員). Empty: delegate."
    ),
    "language": _l(
        "Language of the guest's e-mails and pages: en or zh_Hant (English or 中文). Empty: "
        "Chinese for a guest named only in Chinese, else English."
    ),
    "precedence": _l(
        "Protocol rank for the VIP lists: a whole number from 1 (first) to 9999. Empty: no "
        "rank for a new guest; a guest's rank stays as it is."
    ),
    "sessions": _l(
        "Only where guests choose sessions: the sessions of a guest who said they attend, by "
        "their numbers in the programme's order (1, 2…) or titles, separated by semicolons. "
        "Empty: as they are. A guest who has not said yes chooses them on the RSVP form."
    ),
}


def _owner() -> str:
    return audit.staff_actor(current_user)


def _upload_page(event: Event, form: ImportUploadForm, issues=(), filename="", status=200):
    return render_template(
        "console/import_upload.html",
        event=event,
        form=form,
        issues=list(issues),
        filename=filename,
        fields=imports.columns(event),
        labels=imports.FIELD_LABELS,
        notes=COLUMN_NOTES,
        max_mb=imports.MAX_BYTES // 1024 // 1024,
        max_rows=imports.MAX_ROWS,
    ), status


@organizer_required
def import_upload(event_id: int):
    """The columns, the template, the upload; a readable upload goes on to its preview."""
    event = current_event(event_id)
    form = ImportUploadForm()
    if request.method == "GET":
        return _upload_page(event, form)
    if not form.validate_on_submit():
        # The form's error summary says what is wrong, at the top of the form.
        return _upload_page(event, form, status=400)
    upload = form.file.data
    data = upload.read()
    result = imports.preview(event, data)
    if result.issues:
        # Nothing kept: the file itself must change.
        return _upload_page(event, form, result.issues, upload.filename or "", status=400)
    kept = imports.keep_upload(event, data, _owner(), upload.filename or "")
    return redirect(url_for(".import_preview", event_id=event.id, upload_id=kept.id))


@organizer_required
def import_template(event_id: int):
    event = current_event(event_id)
    return Response(
        imports.template_csv(event),
        # As content_type: a mimetype gets Flask's own "; charset=utf-8" added a second time.
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="guest-list-template.csv"'},
    )


@organizer_required
def import_preview(event_id: int, upload_id: str):
    """What the import would do, row by row; once imported, what it did."""
    event = current_event(event_id)
    try:
        upload = imports.find_upload(upload_id, event, _owner())
        if upload.imported:
            return render_template(
                "console/import_preview.html",
                event=event,
                upload=upload,
                guest_list=_guest_list_url(event),
            )
        data = imports.upload_data(upload)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_upload", event_id=event.id))
    result = imports.preview(event, data)
    errors = result.error_rows
    changes = [row for row in result.rows if row.outcome in (Outcome.NEW, Outcome.UPDATE)]
    return render_template(
        "console/import_preview.html",
        event=event,
        upload=upload,
        preview=result,
        counts=result.counts,
        errors=errors,
        changes=changes[:PREVIEW_ROWS],
        changes_hidden=max(len(changes) - PREVIEW_ROWS, 0),
        outcome_labels=imports.OUTCOME_LABELS,
        labels=imports.FIELD_LABELS,
        category_labels=labels.CATEGORY_LABELS,
        session_titles={
            str(item.id): bilingual(item, "title") for item in seats.sessions.offered(event.id)
        },
        apply_form=ImportApplyForm(
            formdata=None, upload=upload.id, fingerprint=imports.fingerprint(result)
        ),
        good_rows_form=ImportApplyForm(
            formdata=None,
            upload=upload.id,
            fingerprint=imports.fingerprint(result),
            good_rows_only="1",
        ),
        upload_form=ImportUploadForm(formdata=None),
        guest_list=_guest_list_url(event),
    )


@organizer_required
def import_apply(event_id: int):
    event = current_event(event_id)
    form = ImportApplyForm()
    if not form.validate_on_submit():
        flash(
            _(
                "This import form is incomplete. Nothing was imported; please upload the file "
                "again."
            ),
            "error",
        )
        return redirect(url_for(".import_upload", event_id=event.id))
    try:
        upload = imports.find_upload(form.upload.data or "", event, _owner())
        data = imports.upload_data(upload)
    except imports.AlreadyImported as exc:
        flash(str(exc), "info")
        return redirect(url_for(".import_preview", event_id=event.id, upload_id=form.upload.data))
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_upload", event_id=event.id))

    done = perform(
        lambda: imports.apply(
            event,
            data,
            _owner(),
            filename=upload.filename,
            expected=form.fingerprint.data,
            upload_id=upload.id,
            skip_errors=form.good_rows_only.data == "1",
        )
    )
    if done.ok:
        result = done.result
        imports.mark_imported(upload, result)
        flash(
            _(
                "Guest list imported: %(added)s new, %(updated)s updated, %(unchanged)s unchanged.",
                added=result.added,
                updated=result.updated,
                unchanged=result.unchanged,
            ),
            "success",
        )
        # (The rows left out, and the link to them, are on the page this redirects to.)
    return redirect(url_for(".import_preview", event_id=event.id, upload_id=upload.id))


@organizer_required
def import_errors(event_id: int, upload_id: str):
    """The rows in error of an upload, with their reasons, as a CSV file to correct and upload
    again: before the import, or after an import of the good rows only."""
    event = current_event(event_id)
    try:
        upload = imports.find_upload(upload_id, event, _owner())
        data = imports.uploaded_data(upload)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_upload", event_id=event.id))
    result = imports.preview(event, data)
    if not result.error_rows:
        flash(_("This file has no rows with errors."), "info")
        return redirect(url_for(".import_preview", event_id=event.id, upload_id=upload.id))
    return Response(
        imports.rows_with_errors_csv(result),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="guest-list-rows-with-errors.csv"'},
    )


def _guest_list_url(event: Event) -> str:
    endpoint = (
        "console.guests" if "console.guests" in current_app.view_functions else "console.event"
    )
    return url_for(endpoint, event_id=event.id)


def too_large(exc: RequestEntityTooLarge):
    """A file over the request limit: the import page says so, in the words of the others.

    The limit (MAX_CONTENT_LENGTH) is hit before the view runs (the CSRF check reads the
    form), so this is the blueprint's error handler, not part of the view."""

    view_args = request.view_args
    if request.endpoint != "console.import_upload" or view_args is None:
        return http_error(exc)
    try:
        event = current_event(view_args["event_id"])
    except DomainError:
        return http_error(exc)
    issue = _(
        "The file is larger than %(max)s MB, the most that can be imported at once. Please "
        "split it into smaller files.",
        max=imports.MAX_BYTES // 1024 // 1024,
    )
    return _upload_page(event, ImportUploadForm(formdata=None), [issue], status=413)
