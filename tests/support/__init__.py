"""What the tests share besides fixtures: makers of data, logins, live servers, browsers.

Tests import it as `support` (pytest puts tests/ on the path, beside conftest.py); the
benchmarks under scripts/bench/ import it as `tests.support`, which is why the modules here
import each other relatively.
"""
