"""Console: an event's team (organizers and door staff), and every account for administrators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import unit_of_work
from ...errors import DomainError
from ...extensions import db
from ...forms import GuestActionForm, TeamInviteForm, TeamRoleForm
from ...labels import ROLE_LABELS
from ...mail import staff as staff_mail
from ...models import Event, Role
from ...services import audit, staff, team
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors


@organizer_required
def event_team(event_id: int):
    event = current_event(event_id)
    form = TeamInviteForm()
    if form.validate_on_submit():
        actor = audit.staff_actor(current_user)
        try:
            invited = unit_of_work.run(
                lambda: team.invite(
                    event_id,
                    form.email.data or "",
                    form.name.data or "",
                    Role(form.role.data),
                    actor,
                )
            )
        except DomainError as exc:
            # Next to the field it is about: the address (unknown, or already on the team).
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            _tell_invited(invited, event)
            return redirect(url_for("console.event_team", event_id=event_id))
    members = team.team_of(event_id)
    return render_template(
        "console/team.html",
        event=event,
        form=form,
        team=members,
        role_form=TeamRoleForm(),
        action_form=GuestActionForm(),
        role_labels=ROLE_LABELS,
        has_password=staff.has_password,
    ), (400 if form.errors else 200)


def _tell_invited(invited: team.Invited, event: Event) -> None:
    user = invited.user
    if not invited.new_account:
        flash(
            _("%(email)s already has an account and can now open this event.", email=user.email),
            "success",
        )
        return
    problem = staff_mail.send_password_link(user, "invitation", event)
    if problem is None:
        flash(
            _("Invitation sent to %(email)s with a link to set a password.", email=user.email),
            "success",
        )
    else:
        flash(
            _(
                "%(email)s is on the team, but the e-mail could not be sent (%(error)s). "
                "Send a new link from the list below.",
                email=user.email,
                error=problem,
            ),
            "error",
        )


@organizer_required
def member_role(event_id: int, staff_id: int):
    form = TeamRoleForm()
    if form.validate_on_submit():
        perform(
            lambda: team.change_role(event_id, staff_id, Role(form.role.data), current_user),
            _("Role changed; the account was signed out everywhere to use it."),
        )
    else:
        flash_form_errors(form)
    return _back(event_id)


@organizer_required
def member_remove(event_id: int, staff_id: int):
    if GuestActionForm().validate_on_submit():
        perform(
            lambda: team.remove(event_id, staff_id, current_user),
            _("Removed from this event's team."),
        )
    return _back(event_id)


@organizer_required
def member_active(event_id: int, staff_id: int, action: str):
    if GuestActionForm().validate_on_submit():
        active = action == "enable"
        perform(
            lambda: team.set_active(staff_id, active, current_user, event_id=event_id),
            _("Account enabled.") if active else _("Account disabled and signed out everywhere."),
        )
    return _back(event_id)


@organizer_required
def member_link(event_id: int, staff_id: int):
    if GuestActionForm().validate_on_submit():
        done = perform(lambda: team.link_recipient(event_id, staff_id, current_user))
        if done.ok:
            user = done.result
            kind = "reset" if staff.has_password(user) else "invitation"
            problem = staff_mail.send_password_link(user, kind, current_event(event_id))
            if problem is None:
                flash(_("A new link was sent to %(email)s.", email=user.email), "success")
            else:
                flash(_("The e-mail could not be sent: %(error)s", error=problem), "error")
    return _back(event_id)


def _back(event_id: int):
    return redirect(url_for("console.event_team", event_id=event_id, _anchor="members"))


# -- every account: administrators only ------------------------------------------------------


@organizer_required
def accounts():
    if not current_user.is_admin:
        abort(403)
    events = {e.id: e for e in db.session.scalars(sa.select(Event).order_by(Event.id))}
    return render_template(
        "console/staff.html",
        event=None,
        accounts=team.every_account(),
        events=events,
        role_labels=ROLE_LABELS,
        action_form=GuestActionForm(),
        me=current_user.id,
        has_password=staff.has_password,
    )


@organizer_required
def account_active(staff_id: int, action: str):
    if GuestActionForm().validate_on_submit():
        active = action == "enable"
        perform(
            lambda: team.set_active(staff_id, active, current_user),
            _("Account enabled.") if active else _("Account disabled and signed out everywhere."),
        )
    return redirect(url_for("console.accounts"))
