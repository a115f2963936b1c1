"""Badges: who has one, its check-in code, the QR code, and the printable PDFs.

A badge carries the signed code of tokens.badge_code; the door accepts it while the guest's
badge_version is the one in the code, so re-issuing a badge (or revoking the invitation)
makes every earlier copy, printed or on a phone, stop working.

One module per seam: holders (who has a badge, its code, re-issuing it), qr (the QR code),
face (what a badge says), typeset (the font and the text on a page) and pdf (the layout of a
badge and of a sheet of them). Callers use the names imported here.
"""

from .face import CATEGORY_COLOURS, BadgeFace, badge_face
from .holders import (
    badge_code_for,
    filename,
    guests_with_badges,
    has_badge,
    reissue,
    require_badge,
)
from .pdf import BADGE_H, BADGE_W, PER_SHEET, badge_pdf, badge_sheet_pdf, sheet_pages
from .qr import QR_ERROR_CORRECTION, QR_MAX_VERSION, qr_modules, qr_png
from .typeset import FONT_FILE

__all__ = [
    "BADGE_H",
    "BADGE_W",
    "CATEGORY_COLOURS",
    "FONT_FILE",
    "PER_SHEET",
    "QR_ERROR_CORRECTION",
    "QR_MAX_VERSION",
    "BadgeFace",
    "badge_code_for",
    "badge_face",
    "badge_pdf",
    "badge_sheet_pdf",
    "filename",
    "guests_with_badges",
    "has_badge",
    "qr_modules",
    "qr_png",
    "reissue",
    "require_badge",
    "sheet_pages",
]
