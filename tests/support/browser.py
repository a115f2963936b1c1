"""Headless Chromium for the browser tests: where it is, the skip rule without it, the phone's
screen, and how it is launched (with a fake camera showing a file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import qrcode
from PIL import Image

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


def camera_file(code: str, path: Path) -> Path:
    """A one-frame 640x480 Y4M video of a badge's QR code, for Chromium's fake camera."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=7, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    symbol = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    assert symbol.width < 300, "keep the QR under ~300 px: decoders miss larger ones"
    frame = Image.new("L", (640, 480), 190)
    frame.paste(symbol, ((640 - symbol.width) // 2, (480 - symbol.height) // 2))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    half = (320, 240)
    with path.open("wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        f.write(b"FRAME\n")
        f.write(y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes())
    return path
