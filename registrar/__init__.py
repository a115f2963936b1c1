"""registrar: invitations, RSVP, seats and waitlist for invite-only forums."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def _template_folder() -> str:
    # Inside an installed wheel the templates sit in the package; in a checkout (also an
    # editable install) they are the repository's top-level templates/ folder.
    packaged = PACKAGE_DIR / "templates"
    return str(packaged if packaged.is_dir() else PACKAGE_DIR.parent / "templates")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    import os

    app = Flask(
        __name__,
        instance_path=os.environ.get("REGISTRAR_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=_template_folder(),
    )
    from .config import load_config

    load_config(app, test_config)

    from . import cli, db_setup, devserver, i18n, logs, search_index, web
    from .extensions import csrf, db, limiter, login_manager, migrate

    logs.init_app(app)
    devserver.hide_version()
    db.init_app(app)
    db_setup.configure(app)
    migrate.init_app(
        app,
        db,
        directory=str(PACKAGE_DIR / "migrations"),
        render_as_batch=True,
        compare_type=True,
        # The search and name order indexes are made by search_index.py, not from the models.
        include_name=search_index.include_name,
    )
    csrf.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    proxies = int(app.config["REGISTRAR_PROXY_COUNT"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (rate limits), scheme (secure cookies, links) and host as the
        # proxies saw them; trusting more hops than there are proxies would let clients lie.
        # Flask's documented way to put middleware around the application.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )
    return app
