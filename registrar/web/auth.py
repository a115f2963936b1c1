"""Staff login and logout, and the role checks the console and the door use."""

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
from ..services import audit, staff
from . import sessions

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open that page.")
login_manager.login_message_category = "info"


def roles_required(*roles: Role):
    """Anonymous users go to the login page; logged-in users of another role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


organizer_required = roles_required(Role.ORGANIZER)


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
            sessions.begin(user)
            landing = "console.index" if user.role == Role.ORGANIZER else "door.index"
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
