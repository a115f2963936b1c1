"""URL rules whose builders are compiled when a URL is first built from them, for the tests'
apps: one app per test would otherwise compile all of them, most of the setup of a test."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule


class LazilyBuiltRule(Rule):
    """A rule that matches as werkzeug's does and builds URLs with werkzeug's own builders,
    compiled at the rule's first url_for instead of when the app adds the rule (two small
    functions per rule, compiled from source: about 50 ms for every app made)."""

    def _compile_builder(self, append_unknown: bool = True):
        compile_now = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build(rule: Rule, /, **values: Any) -> tuple[str, str]:
            built = compile_now(append_unknown).__get__(rule, None)
            setattr(rule, attribute, built)
            return built(**values)

        return build
