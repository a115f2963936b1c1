"""Headless Chromium for the browser tests: where it is, the skip rule without it, the phone's
screen, and how it is launched (with a fake camera showing a file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("REGISTRAR_TEST_CHROMIUM", "/usr/bin/chromium"))
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium not found at {CHROMIUM}: scripts/test installs it (apt-get install chromium)",
)
# A browser test module sets `pytestmark = in_browser`: skipped without Chromium, and on SQLite
# only with CSRF on (tests/conftest.py).
in_browser = [needs_chromium, pytest.mark.in_browser]

PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


def launch_chromium(runner, camera: Path | None = None):
    """Headless Chromium from a Playwright runner, its fake camera showing the given file."""
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
    ]
    if camera is not None:
        args.append(f"--use-file-for-fake-video-capture={camera}")
    return runner.chromium.launch(executable_path=str(CHROMIUM), args=args)
