"""Chinese text in Word documents (python-docx): the fonts, and headings, paragraphs and tables.

Word falls back to a Latin font for Chinese unless the East Asian slot names one; 宋体 is on every
Chinese Windows, and LibreOffice substitutes a CJK font elsewhere. The ledgers (fupin.assistance)
and the East-West cooperation report (fupin.cooperation) are written with these.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocumentType
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.run import Run

EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = 10.5  # 五号


def font(run: Run, size: float | None = None, bold: bool = False) -> Run:
    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    if size is not None:
        run.font.size = Pt(size)
    run.bold = bold or None
    return run


def set_default_font(doc: DocumentType) -> None:
    """The fonts of the styles the documents use, so that text without its own run font is right."""
    for name in ("Normal", "Heading 1", "Heading 2", "Title", "Table Grid"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        style.font.name = LATIN_FONT  # type: ignore[union-attr]
        rpr = style.element.get_or_add_rPr()  # type: ignore[union-attr]
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def heading(doc: DocumentType, text: str, size: float = 14) -> None:
    font(doc.add_paragraph().add_run(text), size=size, bold=True)


def para(doc: DocumentType, text: str) -> None:
    font(doc.add_paragraph().add_run(text), size=BODY_SIZE)


def table(doc: DocumentType, header: list[str], rows: list[list[Any]], size: float = 10) -> None:
    """A bordered table: a bold header row, then one row per list (None written as empty)."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        font(cell.paragraphs[0].add_run(text), size=size, bold=True)
    for row in rows:
        for cell, value in zip(t.add_row().cells, row, strict=True):
            font(cell.paragraphs[0].add_run("" if value is None else str(value)), size=size)
