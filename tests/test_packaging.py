"""The wheel carries what an installed app needs: templates, translations, static, migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_templates_and_catalogue(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("registrar-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.html")}
    assert templates
    assert {f"registrar/{t}" for t in templates} <= names
    assert "registrar/translations/zh_Hant/LC_MESSAGES/messages.mo" in names
    assert "registrar/static/style.css" in names
    # The badge PDFs embed this font; it ships with its licence.
    assert "registrar/static/fonts/wqy-microhei.ttc" in names
    assert "registrar/static/fonts/LICENSE-wqy-microhei.txt" in names
    assert any(n.startswith("registrar/migrations/versions/") for n in names)
    # The demo command reads its forum, guests and answers from these.
    demo_data = {"citycop.toml", "guests.csv", "answers.toml"}
    assert {f"registrar/demo/data/{name}" for name in demo_data} <= names
