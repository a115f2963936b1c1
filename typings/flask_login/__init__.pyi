# What registrar uses of Flask-Login 0.6 (untyped). The user object is the application's own
# (registrar.models.StaffUser, or Flask-Login's anonymous user), so it stays Any here.
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from werkzeug.wrappers import Response

_LoaderT = TypeVar("_LoaderT", bound=Callable[[str], Any])

current_user: Any

class LoginManager:
    login_view: str | None
    login_message: Any
    login_message_category: str
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def unauthorized(self) -> Response: ...
    def user_loader(self, callback: _LoaderT) -> _LoaderT: ...

def login_user(
    user: Any, remember: bool = False, duration: Any = None, force: bool = False, fresh: bool = True
) -> bool: ...
def logout_user() -> bool: ...
