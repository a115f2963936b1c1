"""The badge's QR code: the modules, the PNG, and the dark modules as rectangles to draw."""

from __future__ import annotations

import functools
import io
import itertools
import re
from collections.abc import Sequence

import qrcode
import qrcode.constants
from PIL import Image, ImageOps
from qrcode.image.pil import PilImage

# The QR code of a badge: DESIGN.md wants version <= 3 at error correction M; our codes are
# upper-case alphanumeric and come out at version 2.
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_MAX_VERSION = 3


class _QRCode(qrcode.QRCode[PilImage]):
    """qrcode's QRCode with the same choice of mask, made about ten times faster.

    qrcode picks the mask with the fewest penalty points by drawing the whole symbol eight
    times, module by module, and scoring each in Python: most of a badge sheet's time. The
    eight test symbols differ only where the masks differ on data modules, so here the library
    draws one, the other seven are that one with the difference flipped (bits of a row as an
    int), and util.lost_point's four rules are counted on those rows and columns with integer
    and regular-expression operations. tests/test_badges.py checks both against the library.
    """

    def best_mask_pattern(self) -> int:
        n = self.version * 4 + 17
        self.makeImpl(True, 0)
        first = _row_bits(self.modules)
        points = [
            _lost_point([row ^ flip for row, flip in zip(first, flips, strict=True)], n)
            for flips in _mask_flips(self.version, self.error_correction)
        ]
        return points.index(min(points))  # the first of equals, as qrcode takes it


def _row_bits(modules: Sequence[Sequence[bool | None]]) -> list[int]:
    return [int("".join("1" if dark else "0" for dark in row), 2) for row in modules]


@functools.cache
def _mask_flips(version: int, error_correction: int) -> list[list[int]]:
    """For each mask, the modules in which its test symbol differs from mask 0's, as the
    library draws them (the test symbols leave the format bits light, whatever the mask)."""
    qr = qrcode.QRCode(version=version, error_correction=error_correction)
    qr.add_data("0")
    symbols = []
    for mask in range(8):
        qr.makeImpl(True, mask)
        symbols.append(_row_bits(qr.modules))
    return [[a ^ b for a, b in zip(symbols[0], rows, strict=True)] for rows in symbols]


# Written out, the five modules let the regular-expression engine look for them quickly.
_RUN = re.compile(r"00000+|11111+")
# Neither pattern can overlap itself, so str.count finds every one.
_FINDER_LIKE = ("10111010000", "00001011101")


def _lost_point(rows: list[int], n: int) -> int:
    """qrcode.util.lost_point of the symbol whose rows are these n-bit ints."""
    rows_text = [format(row, f"0{n}b") for row in rows]
    # Every row and column, apart: no run or pattern goes on from one into the next.
    lines = " ".join(rows_text + ["".join(column) for column in zip(*rows_text, strict=True)])
    # Runs of five or more of a colour in a row or column: 3 points, and 1 for each beyond.
    points = sum(len(run) - 2 for run in _RUN.findall(lines))
    # Each 2 x 2 block of one colour: 3 points.
    inner = (1 << (n - 1)) - 1
    for above, below in itertools.pairwise(rows):
        same = ~(above ^ below)
        points += 3 * (same & (same >> 1) & ~(above ^ (above >> 1)) & inner).bit_count()
    # 1:1:3:1:1 with four light modules before or after, like a finder pattern: 40 points.
    points += 40 * sum(lines.count(pattern) for pattern in _FINDER_LIKE)
    # 10 points for every full 5% the dark modules are away from half.
    percent = float(sum(row.bit_count() for row in rows)) / (n**2)
    return points + int(abs(percent * 100 - 50) / 5) * 10


# The QR codes kept worked out in each process (a few hundred bytes each).
KEPT_CODES = 1024


@functools.lru_cache(maxsize=KEPT_CODES)
def _symbol(code: str) -> tuple[tuple[bool, ...], ...]:
    """The code's QR modules, worked out once per code and process: the badge PDF and the
    mail's picture of the same code then share the mask search and the drawing."""
    qr = _QRCode(error_correction=QR_ERROR_CORRECTION)
    qr.add_data(code)
    qr.make(fit=True)
    return tuple(tuple(bool(dark) for dark in row) for row in qr.modules)


def qr_modules(code: str, max_version: int = QR_MAX_VERSION) -> tuple[tuple[bool, ...], ...]:
    """The code's QR code as rows of modules, True for dark, without the quiet zone."""
    modules = _symbol(code)
    version = (len(modules) - 17) // 4
    if version > max_version:
        # A longer code would make a denser QR code that cheap cameras misread.
        raise ValueError(f"the code needs QR version {version} > {max_version}")
    return modules


def qr_png(
    code: str, box_size: int = 10, border: int = 4, max_version: int = QR_MAX_VERSION
) -> bytes:
    """The code as a black-on-white QR code PNG; box_size pixels a module, border modules of
    quiet zone around it (4 is what the standard asks for). A phone's camera, not a door's
    scanner, reads a longer text such as a door link's URL: it may allow a larger version.

    Drawn as one pixel a module and scaled up whole: qrcode's own image draws every module as
    a rectangle of its own, several times as slow."""
    modules = qr_modules(code, max_version)
    symbol = Image.new("1", (len(modules), len(modules)))
    symbol.putdata([0 if dark else 255 for row in modules for dark in row])
    side = (len(modules) + 2 * border) * box_size
    image = ImageOps.expand(symbol, border, fill=255).resize((side, side), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


_DARK_RUN = re.compile("1+")


def dark_rectangles(modules: Sequence[Sequence[bool | None]]) -> list[tuple[int, int, int, int]]:
    """The dark modules as (column, row, width, height) rectangles: each row's runs, and a run
    that the rows below repeat exactly made one taller rectangle (fewer edges to blur)."""
    rectangles: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (first column, width): top row
    for row, line in enumerate([*modules, []]):
        bits = "".join("1" if dark else "0" for dark in line)
        runs = {(run.start(), run.end() - run.start()) for run in _DARK_RUN.finditer(bits)}
        for run in [run for run in open_runs if run not in runs]:
            top = open_runs.pop(run)
            rectangles.append((run[0], top, run[1], row - top))
        for run in runs:
            open_runs.setdefault(run, row)
    return sorted(rectangles, key=lambda r: (r[1], r[0]))
