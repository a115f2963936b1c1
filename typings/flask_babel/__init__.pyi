# What registrar uses of Flask-Babel 4 (which has some inline hints but no py.typed marker).
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, time, tzinfo
from typing import Any

from babel import Locale
from flask import Flask

from .speaklater import LazyString as LazyString

class Babel:
    def __init__(
        self,
        app: Flask | None = None,
        date_formats: dict[str, str | None] | None = None,
        configure_jinja: bool = True,
    ) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | Locale | None] | None = None,
        timezone_selector: Callable[[], str | tzinfo | None] | None = None,
    ) -> None: ...
    def list_translations(self) -> list[Locale]: ...

def get_locale() -> Locale | None: ...
def get_timezone() -> tzinfo | None: ...
def refresh() -> None: ...
def force_locale(locale: str | Locale) -> AbstractContextManager[None]: ...
def format_datetime(
    datetime: datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_date(
    date: date | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_time(
    time: time | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def lazy_gettext(string: str, **variables: Any) -> LazyString: ...
def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyString: ...
