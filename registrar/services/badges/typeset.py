"""The badge font and the text on a page: the font cut to a document's characters, lines
measured, fitted and wrapped as fpdf2 would draw them.

The PDFs embed WenQuanYi Micro Hei (registrar/static/fonts), which covers Traditional
Chinese and Latin. Handing fpdf2 the whole 5 MB font costs most of a second per document
(it parses every table, then subsets); instead the font is mapped once per process and
HarfBuzz cuts from it, in about a millisecond, just the characters one document uses. That
cut is what the PDF embeds, as it is: fpdf2 would otherwise cut it again with fontTools and
write it out anew, which was a third of a badge's time (see CutFont).
"""

from __future__ import annotations

import contextlib
import functools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import fpdf.output
import uharfbuzz
from fontTools import subset as ftsubset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import TTFFont

# registrar/static/fonts, found from here: nothing imports the package root, which builds the app.
FONT_FILE = Path(__file__).resolve().parents[2] / "static" / "fonts" / "wqy-microhei.ttc"
FONT_NAME = "badge"
# Digits and punctuation are always in the font subset, whatever the names hold.
_ALWAYS = frozenset(range(0x20, 0x7F)) | {ord("…"), ord("–"), ord("·")}
# Tables a PDF viewer never reads (layout, vertical metrics): left out of the cut.
_DROPPED_TABLES = ("GDEF", "GPOS", "GSUB", "vhea", "vmtx")
PT = 25.4 / 72  # millimetres per point


@functools.cache
def _font_face() -> uharfbuzz.Face:
    """The badge font, mapped once per process and never changed (HarfBuzz reads it)."""
    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(FONT_FILE)), 0)


def font_subset(texts: Iterable[str]) -> bytes:
    wanted = uharfbuzz.SubsetInput()
    for codepoint in _ALWAYS | {ord(c) for text in texts for c in text}:
        wanted.unicode_set.add(codepoint)
    for tag in _DROPPED_TABLES:
        wanted.drop_table_tag_set.add(int.from_bytes(tag.encode("ascii"), "big"))
    # Without the screen hinting instructions, which no printer and few PDF viewers use: a
    # third of the font's bytes.
    wanted.flags = uharfbuzz.SubsetFlags.NO_HINTING
    subset = uharfbuzz.subset(_font_face(), wanted)
    if subset is None:
        raise RuntimeError("HarfBuzz could not subset the badge font")
    data: bytes = subset.blob.data
    return data


class CutFont(TTFont):  # type: ignore[misc]
    """The badge font as fpdf2 holds it, once HarfBuzz has cut it to a document's characters.

    fpdf2 cuts every embedded font again, with fontTools, to the glyphs drawn, and writes the
    result anew; for a font cut to the document already that changes nothing a reader sees
    (a few glyphs of digits and punctuation more or less) and was a third of a badge's time.
    Marked with this class, the font is embedded as HarfBuzz made it: the glyph numbers in
    the PDF are this font's own, looked up by fpdf2 in it after its subsetting step.
    """

    cut: bytes

    def save(self, file: Any, reorderTables: bool | None = True) -> None:  # noqa: N803
        file.write(self.cut)


def embed_as_cut(font: TTFFont, cut: bytes) -> None:
    """Have fpdf2 embed `font` (read from `cut`) as it is, without cutting it again."""
    font.ttfont.__class__ = CutFont
    assert isinstance(font.ttfont, CutFont)
    font.ttfont.cut = cut


class _Subsetter(ftsubset.Subsetter):  # type: ignore[misc]
    """fpdf2's subsetter, which leaves a CutFont as it is."""

    def subset(self, font: TTFont) -> None:
        if not isinstance(font, CutFont):
            super().subset(font)


class _SubsetModule:
    """What fpdf2's output step uses of fontTools.subset, with the subsetter above."""

    Options = ftsubset.Options
    Subsetter = _Subsetter


# Once, at import: every badge font is a CutFont; any other font is cut as before.
fpdf.output.ftsubset = _SubsetModule  # type: ignore[attr-defined]


@contextlib.contextmanager
def document(texts: Iterable[str], title: str, **page: Any) -> Iterator[BadgePDF]:
    """A BadgePDF (page options as FPDF's: unit, format, orientation) with the badge font cut
    to these texts and added, no margins, no automatic page breaks. Draw on it and output() it
    inside the block: fpdf2 reads the font file lazily, up to output()."""
    cut = font_subset(texts)
    # A file of its own rather than one in a folder of its own: removing the folder afterwards
    # waited some 2-3 ms a badge for the disk, the file alone a tenth of a millisecond.
    with tempfile.NamedTemporaryFile(prefix="registrar-pdf-", suffix=".ttf") as font_file:
        font_file.write(cut)
        font_file.flush()
        pdf = BadgePDF(**page)
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.c_margin = 0
        pdf.set_creator("registrar")
        pdf.set_title(title)
        pdf.add_font(FONT_NAME, fname=font_file.name)
        # HarfBuzz cut the font already: it goes into the PDF as it is (CutFont).
        font = pdf.fonts[FONT_NAME]
        assert isinstance(font, TTFFont)
        embed_as_cut(font, cut)
        yield pdf


class BadgePDF(FPDF):
    """An FPDF that measures text in the badge font the way fpdf2 does (the glyph widths added
    up: no shaping, no letter spacing), without its per-call text machinery, and keeps each
    text layout for the document: the event's lines are the same on every badge."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._units: dict[str, float] = {}
        self.layouts: dict[tuple[object, ...], object] = {}

    def width(self, text: str, size: float) -> float:
        """The text's width in mm at this size in points."""
        units = self._units.get(text)
        if units is None:
            font = self.fonts[FONT_NAME]
            # Added with add_font from the font file, never one of the PDF core fonts.
            assert isinstance(font, TTFFont)
            units = self._units[text] = sum(font.cw[ord(c)] for c in text)
        return units * size * 0.001 / self.k


_Args = ParamSpec("_Args")
_Layout = TypeVar("_Layout")


def _per_document(
    layout: Callable[Concatenate[BadgePDF, _Args], _Layout],
) -> Callable[Concatenate[BadgePDF, _Args], _Layout]:
    """A layout worked out once per document for the same arguments."""

    @functools.wraps(layout)
    def kept(pdf: BadgePDF, /, *args: _Args.args, **kwargs: _Args.kwargs) -> _Layout:
        key = (layout, *args, *sorted(kwargs.items()))
        if key not in pdf.layouts:
            pdf.layouts[key] = layout(pdf, *args, **kwargs)
        # Stored by this layout under its own key, so it is what the layout returned.
        return cast(_Layout, pdf.layouts[key])

    return kept


def _font(pdf: FPDF, size: float) -> None:
    pdf.set_font(FONT_NAME, size=size)


def draw_text(
    pdf: BadgePDF,
    text: str,
    x: float,
    baseline: float,
    size: float,
    colour: tuple[int, int, int],
    bold: bool = False,
    align: str = "L",
) -> None:
    """One line at a baseline. The font has no bold face: bold is the outline drawn as well."""
    _font(pdf, size)
    if align == "C":
        x -= pdf.width(text, size) / 2
    pdf.set_text_color(*colour)
    if not bold:
        pdf.text(x, baseline, text)
        return
    # text() writes the outline's width in points, not in the document's unit (fpdf2 2.8),
    # so it is given in points here; the local context restores the width afterwards.
    with pdf.local_context(
        text_mode=TextMode.FILL_STROKE, line_width=size * 0.03, draw_color=colour
    ):
        pdf.text(x, baseline, text)


# Lines of one size, colour and weight: (lines, size in pt, colour, bold).
Block = tuple[Sequence[str], float, tuple[int, int, int], bool]


def stack_lines(
    pdf: BadgePDF, blocks: Sequence[Block], centre: float, top: float, bottom: float
) -> None:
    """Centred lines, block after block, the whole stack centred between top and bottom."""
    height = sum(len(lines) * _line_height(size) for lines, size, _colour, _bold in blocks)
    y = top + max((bottom - top - height) / 2, 0)
    for lines, size, colour, bold in blocks:
        step = _line_height(size)
        for line in lines:
            y += step
            # The baseline sits about a fifth of the line height above the line's foot.
            draw_text(pdf, line, centre, y - step * 0.22, size, colour, bold, "C")


def _line_height(size: float) -> float:
    return size * PT * 1.25


@_per_document
def fit_size(pdf: BadgePDF, text: str, width: float, size: float, smallest: float) -> float:
    """The largest size, down to `smallest`, at which the text fits on one line."""
    while size > smallest and pdf.width(text, size) > width:
        size -= 0.5
    return size


# Chinese and Japanese break between any two characters; other scripts between words.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+|\s+")


@_per_document
def wrap_lines(
    pdf: BadgePDF, text: str, width: float, size: float, max_lines: int
) -> tuple[str, ...]:
    """The text in lines that fit the width, as even as they go; what does not fit ends in '…'."""
    lines = _break(pdf, text, width, size)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "…"
    elif len(lines) > 1:
        # Centred lines look best about as long as each other: the narrowest width that
        # needs no more lines.
        narrow, wide = width / len(lines), width
        while wide - narrow > 0.5:
            middle = (narrow + wide) / 2
            if len(_break(pdf, text, middle, size)) > len(lines):
                narrow = middle
            else:
                wide = middle
        lines = _break(pdf, text, wide, size)
    # A single word wider than the line is cut, not let run over the edge.
    return tuple(_cut(pdf, line, width, size) for line in lines)


def _break(pdf: BadgePDF, text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if line and not token.isspace() and pdf.width(line + token, size) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    lines.append(line.strip())
    return [line for line in lines if line] or [""]


def _cut(pdf: BadgePDF, line: str, width: float, size: float) -> str:
    if pdf.width(line, size) <= width:
        return line
    while line and pdf.width(line + "…", size) > width:
        line = line[:-1]
    return line.rstrip() + "…"
