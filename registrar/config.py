"""Settings: defaults here, then instance/config.py, then the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from flask import Flask


class Defaults:
    # SQLALCHEMY_DATABASE_URI defaults to the SQLite file in the instance folder (see load_config).
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Asia/Taipei"
    LANGUAGES = ("en", "zh_Hant")
    WTF_CSRF_TIME_LIMIT = None  # an RSVP form may stay open on a phone for hours
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    # Seconds a staff login lasts: without a request for the first, and at most the second
    # (a working day's pause, and one day in all). Volunteers' door links have their own expiry.
    REGISTRAR_STAFF_IDLE_TIMEOUT = 8 * 3600
    REGISTRAR_STAFF_SESSION_MAX_AGE = 24 * 3600
    # Hours a staff member's e-mailed link to set a password works (an invitation, a reset).
    REGISTRAR_STAFF_LINK_HOURS = 72
    # Days after an event ends that its guests' passport details (given for a visa invitation
    # letter) are kept; then they are dropped (services/travel/passports.py).
    REGISTRAR_PASSPORT_RETENTION_DAYS = 30
    # Seconds a use case waits for the event's lock before it gives up with a clear message.
    REGISTRAR_LOCK_TIMEOUT = 10
    REGISTRAR_BASE_URL = "http://127.0.0.1:5000"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Failed and successful attempts alike, per client address.
    REGISTRAR_LOGIN_LIMIT = "10 per minute; 50 per hour"
    # Invitation pages, badges, calendar files and door links, per client address.
    REGISTRAR_TOKEN_LIMIT = "120 per minute"
    # Scans and check-ins per door (per login or door link); a scanner back online replays
    # its queue in a burst, hence the room.
    REGISTRAR_SCAN_LIMIT = "1200 per minute"
    # Every API request made with one API token, whatever it does (scans count here too).
    REGISTRAR_API_TOKEN_LIMIT = "600 per minute"
    # How many reverse proxies stand in front (their X-Forwarded-* headers are then trusted).
    REGISTRAR_PROXY_COUNT = 0
    # E-mail: "file" writes .eml files into REGISTRAR_MAIL_OUTBOX_DIR (instance/outbox/ when
    # empty) instead of sending them; "smtp" sends them through the server below.
    REGISTRAR_MAIL_BACKEND = "file"
    REGISTRAR_MAIL_FROM = "CityCOP Registrar <registrar@localhost>"
    REGISTRAR_MAIL_REPLY_TO = ""
    REGISTRAR_MAIL_OUTBOX_DIR = ""
    # Attempts before a message that keeps failing temporarily is given up as failed.
    REGISTRAR_MAIL_MAX_ATTEMPTS = 8
    # Webhooks (services/webhooks.py): the hosts deliveries may go to, space- or comma-separated
    # ("hooks.example.org", "*.example.org", "127.0.0.1"); empty: any host whose addresses are
    # all public (never loopback or a private network unless listed here).
    REGISTRAR_WEBHOOK_HOSTS = ""
    # Attempts before a delivery that keeps failing is given up as failed, and each one's limit.
    REGISTRAR_WEBHOOK_MAX_ATTEMPTS = 8
    REGISTRAR_WEBHOOK_TIMEOUT = 5.0
    REGISTRAR_SMTP_HOST = "localhost"
    REGISTRAR_SMTP_PORT = 25
    REGISTRAR_SMTP_SECURITY = "none"  # none | starttls | ssl
    REGISTRAR_SMTP_USER = ""
    REGISTRAR_SMTP_PASSWORD = ""
    REGISTRAR_SMTP_TIMEOUT = 30.0


# Environment variables read on top of the files: REGISTRAR_<KEY> sets <KEY>.
ENV_KEYS = {
    "REGISTRAR_SECRET_KEY": "SECRET_KEY",
    "REGISTRAR_BASE_URL": "REGISTRAR_BASE_URL",
    "REGISTRAR_LOCK_TIMEOUT": "REGISTRAR_LOCK_TIMEOUT",
    "REGISTRAR_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "REGISTRAR_STAFF_IDLE_TIMEOUT": "REGISTRAR_STAFF_IDLE_TIMEOUT",
    "REGISTRAR_STAFF_SESSION_MAX_AGE": "REGISTRAR_STAFF_SESSION_MAX_AGE",
    "REGISTRAR_STAFF_LINK_HOURS": "REGISTRAR_STAFF_LINK_HOURS",
    "REGISTRAR_PASSPORT_RETENTION_DAYS": "REGISTRAR_PASSPORT_RETENTION_DAYS",
    "REGISTRAR_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "REGISTRAR_LOGIN_LIMIT": "REGISTRAR_LOGIN_LIMIT",
    "REGISTRAR_TOKEN_LIMIT": "REGISTRAR_TOKEN_LIMIT",
    "REGISTRAR_SCAN_LIMIT": "REGISTRAR_SCAN_LIMIT",
    "REGISTRAR_API_TOKEN_LIMIT": "REGISTRAR_API_TOKEN_LIMIT",
    "REGISTRAR_RATELIMIT_ENABLED": "RATELIMIT_ENABLED",
    "REGISTRAR_PROXY_COUNT": "REGISTRAR_PROXY_COUNT",
    "REGISTRAR_MAIL_BACKEND": "REGISTRAR_MAIL_BACKEND",
    "REGISTRAR_MAIL_FROM": "REGISTRAR_MAIL_FROM",
    "REGISTRAR_MAIL_REPLY_TO": "REGISTRAR_MAIL_REPLY_TO",
    "REGISTRAR_MAIL_OUTBOX_DIR": "REGISTRAR_MAIL_OUTBOX_DIR",
    "REGISTRAR_MAIL_MAX_ATTEMPTS": "REGISTRAR_MAIL_MAX_ATTEMPTS",
    "REGISTRAR_SMTP_HOST": "REGISTRAR_SMTP_HOST",
    "REGISTRAR_SMTP_PORT": "REGISTRAR_SMTP_PORT",
    "REGISTRAR_SMTP_SECURITY": "REGISTRAR_SMTP_SECURITY",
    "REGISTRAR_SMTP_USER": "REGISTRAR_SMTP_USER",
    "REGISTRAR_SMTP_PASSWORD": "REGISTRAR_SMTP_PASSWORD",
    "REGISTRAR_SMTP_TIMEOUT": "REGISTRAR_SMTP_TIMEOUT",
    "REGISTRAR_WEBHOOK_HOSTS": "REGISTRAR_WEBHOOK_HOSTS",
    "REGISTRAR_WEBHOOK_MAX_ATTEMPTS": "REGISTRAR_WEBHOOK_MAX_ATTEMPTS",
    "REGISTRAR_WEBHOOK_TIMEOUT": "REGISTRAR_WEBHOOK_TIMEOUT",
}

SESSION_LIMITS = (
    "REGISTRAR_STAFF_IDLE_TIMEOUT",
    "REGISTRAR_STAFF_SESSION_MAX_AGE",
    "REGISTRAR_STAFF_LINK_HOURS",
)

# Mail settings that are not strings, and the values allowed for the two choices.
MAIL_ENV_TYPES = {
    "REGISTRAR_MAIL_MAX_ATTEMPTS": int,
    "REGISTRAR_SMTP_PORT": int,
    "REGISTRAR_SMTP_TIMEOUT": float,
    "REGISTRAR_WEBHOOK_MAX_ATTEMPTS": int,
    "REGISTRAR_WEBHOOK_TIMEOUT": float,
}
MAIL_BACKENDS = ("file", "smtp")
SMTP_SECURITY = ("none", "starttls", "ssl")


def normalize_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    if test_config is not None:
        app.config.update(test_config)
    else:
        _from_environment(app)

    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "registrar.sqlite")
    uri = normalize_database_url(uri)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    from .db_setup import engine_options

    options = engine_options(uri, float(app.config["REGISTRAR_LOCK_TIMEOUT"]))
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    _check_mail_settings(app.config)


def _from_environment(app: Flask) -> None:
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    for env, key in ENV_KEYS.items():
        text = os.environ.get(env)
        if text is None:
            continue
        value: str | bool | int | float = text
        if key in ("SESSION_COOKIE_SECURE", "RATELIMIT_ENABLED"):
            value = text.lower() in ("1", "true", "yes")
        elif key in ("REGISTRAR_PROXY_COUNT", "REGISTRAR_PASSPORT_RETENTION_DAYS", *SESSION_LIMITS):
            value = int(text)
        elif key == "REGISTRAR_LOCK_TIMEOUT":
            value = float(text)
        elif key in MAIL_ENV_TYPES:
            try:
                value = MAIL_ENV_TYPES[key](text)
            except ValueError as exc:
                raise RuntimeError(f"{env}={text!r} is not a number") from exc
        app.config[key] = value


def _check_mail_settings(config: MutableMapping[str, Any]) -> None:
    """Refuse to start with a mail setting that would only fail later, in the sender."""
    backend = str(config["REGISTRAR_MAIL_BACKEND"]).strip().lower()
    security = str(config["REGISTRAR_SMTP_SECURITY"]).strip().lower()
    if backend not in MAIL_BACKENDS:
        raise RuntimeError(f"REGISTRAR_MAIL_BACKEND must be one of: {', '.join(MAIL_BACKENDS)}")
    if security not in SMTP_SECURITY:
        raise RuntimeError(f"REGISTRAR_SMTP_SECURITY must be one of: {', '.join(SMTP_SECURITY)}")
    config["REGISTRAR_MAIL_BACKEND"] = backend
    config["REGISTRAR_SMTP_SECURITY"] = security


def _instance_secret(instance: Path) -> str:
    """Read the installation's secret key, creating it once on first start."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # Write a complete file aside, then link it into place: when several workers start at
        # once exactly one key wins and nobody ever reads a half-written file.
        tmp = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it to have a new key generated")
    return key
