"""Console: a guest's accompanying persons (aides, interpreters, security), named, changed and
removed by an organizer on the guest's own page."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import labels
from ...forms import CompanionForm, GuestActionForm
from ...i18n import bilingual
from ...models import Guest
from ...services import audit, companions
from ..auth import organizer_required
from ..use_case import perform
from .common import flash_form_errors, get_or_404


def _principal(guest_id: int) -> Guest:
    guest = get_or_404(Guest, guest_id)
    if guest.is_companion:
        abort(404)
    return guest


def _companion(guest_id: int) -> Guest:
    guest = get_or_404(Guest, guest_id)
    if not guest.is_companion:
        abort(404)
    return guest


def _page(guest_id: int) -> str:
    return url_for(".guest_companions", guest_id=guest_id)


@organizer_required
def guest_companions(guest_id: int):
    """The guest's accompanying persons, and the form that names one more."""
    guest = _principal(guest_id)
    form = CompanionForm()
    if form.validate_on_submit():
        details, actor = form.to_details(), audit.staff_actor(current_user)
        done = perform(
            lambda: companions.add(guest_id, details, actor),
            _("Accompanying person added: their badge is ready."),
        )
        if done.ok:
            return redirect(_page(guest_id))
    event = guest.event
    named = companions.companions_of(guest.id)
    return render_template(
        "console/guest_companions.html",
        event=event,
        guest=guest,
        form=form,
        named=named,
        edit_forms={
            c.id: CompanionForm(formdata=None, obj=_Values(c), prefix=_prefix(c.id)) for c in named
        },
        remove_form=GuestActionForm(),
        limit=companions.limit_for(event, guest),
        active=sum(1 for c in named if not c.is_revoked),
        role_labels=labels.COMPANION_ROLE_LABELS,
        seat_labels=labels.SEAT_STATE_LABELS,
    ), (400 if form.errors else 200)


class _Values:
    def __init__(self, companion: Guest) -> None:
        self.role = companion.companion_role.value if companion.companion_role else ""
        self.name_en = companion.name_en
        self.name_zh = companion.name_zh


def _prefix(companion_id: int) -> str:
    """Each accompanying person's form on the page has fields of its own."""
    return f"c{companion_id}"


@organizer_required
def companion_edit(guest_id: int):
    companion = _companion(guest_id)
    form = CompanionForm(prefix=_prefix(guest_id))
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        details, actor = form.to_details(), audit.staff_actor(current_user)
        perform(lambda: companions.change(guest_id, details, actor), _("Saved."))
    assert companion.principal_id is not None
    return redirect(_page(companion.principal_id))


@organizer_required
def companion_remove(guest_id: int):
    companion = _companion(guest_id)
    principal_id = companion.principal_id
    assert principal_id is not None
    name = bilingual(companion, "name")
    form = GuestActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        actor = audit.staff_actor(current_user)
        perform(
            lambda: companions.remove(guest_id, actor),
            _("%(name)s removed: their seat is free and their badge no longer valid.", name=name),
        )
    return redirect(_page(principal_id))
