# A translation looked up each time it is turned into text. It is declared a str because it
# stands in for one wherever text is taken (WTForms labels and messages, templates, "%"
# formatting); at run time it is not one: isinstance(x, str) is False, and json cannot encode it.
from collections.abc import Callable
from typing import Any

class LazyString(str):
    def __init__(self, func: Callable[..., str], *args: Any, **kwargs: Any) -> None: ...
    def __html__(self) -> str: ...
