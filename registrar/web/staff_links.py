"""A staff member's own way to a password: "forgot your password?" and the e-mailed link.

The link is the key (as a guest's invitation link is): the pages are open to anyone who has
one, rate-limited as the login is, and a link that is expired, used or tampered with gets a
clear page and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import unit_of_work
from ..errors import DomainError
from ..extensions import limiter
from ..forms import ForgotPasswordForm, SetPasswordForm
from ..mail import staff as staff_mail
from ..services import staff

bp = Blueprint("staff_links", __name__)


def _login_limit() -> str:
    return current_app.config["REGISTRAR_LOGIN_LIMIT"]


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = staff.reset_recipient(form.email.data or "")
        # The same answer whether the address has an account or not, as soon: the link is sent
        # after the answer has gone out.
        flash(
            _(
                "If %(email)s has an account, a link to set a new password is on its way. "
                "It works for %(hours)s hours.",
                email=(form.email.data or "").strip(),
                hours=current_app.config["REGISTRAR_STAFF_LINK_HOURS"],
            ),
            "info",
        )
        response = redirect(url_for("auth.login"))
        if user is not None:
            staff_mail.send_after_answering(response, user, "reset")
        return response
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/staff/password/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str):
    # A dead link raises StaffLinkInactive: the app's error page (410) says why, in the
    # visitor's language, before any form is shown or read.
    user = staff.account_for_link(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            unit_of_work.run(lambda: staff.set_password_from_link(token, form.password.data or ""))
        except staff.StaffLinkInactive:
            raise
        except DomainError as exc:
            form.password.errors = [*form.password.errors, str(exc)]
        else:
            flash(
                _("Your password is set. Log in with your e-mail and the new password."), "success"
            )
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/set_password.html", form=form, user=user), status
