"""Staff login and logout, and the check that an account may open the console at all."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import unit_of_work
from ..extensions import limiter, login_manager
from ..forms import LoginForm
from ..models import Role
from ..services import audit, staff, team
from . import sessions

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open that page.")
login_manager.login_message_category = "info"


def organizer_required(view):
    """Anonymous users go to the login page; an account that organizes no event gets 403.

    Which event it organizes is the console's gate (access.console_gate) for every view.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not team.organizes_any(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _login_limit() -> str:
    return current_app.config["REGISTRAR_LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = staff.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            unit_of_work.run(lambda: staff.record_login(user.id))
            sessions.begin(user)
            organizes = user.is_admin or any(m.role == Role.ORGANIZER for m in user.memberships)
            landing = "console.index" if organizes else "door.index"
            return redirect(_safe_next(request.args.get("next")) or url_for(landing))
        flash(_("E-mail or password is wrong."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    # Every session of the account, on every device: a copy of this cookie ends here too.
    if current_user.is_authenticated:
        actor = audit.staff_actor(current_user)
        unit_of_work.run(lambda: staff.end_sessions(current_user.id, actor))
    sessions.forget()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site; never an address elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash, so "/\\evil.example" is "//evil.example" to them.
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target
