"""The PDF a cycle's report is written into: fpdf2 with the house's few text styles.

fpdf2 is pure Python (pip wheels only: no Pango, Cairo or browser), and embeds a
subset of the TrueType font it is given. The font is DejaVu Sans as matplotlib
ships it (analytics.images.font_path): Spanish accents, "→", "≥", "●", "▲" and
the other signs the report writes all have glyphs there, so nothing is vendored.

Sections (analytics.report) write through the methods here and never touch fpdf2
themselves, so the look stays one and a section is a few lines of content.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .images import font_path

FONT = "DejaVu"
INK, MUTED, ACCENT, DANGER = (17, 17, 17), (85, 85, 85), (59, 76, 192), (215, 48, 39)
LINE = 5.2  # mm per line of body text


class ReportDocument(FPDF):
    """An A4 document whose every page ends with `footer_text` and its page number."""

    def __init__(self, *, title: str, footer_text: str, language: str, created_at: dt.datetime):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FONT, "", font_path())
        self.add_font(FONT, "B", font_path(bold=True))
        self.add_font(FONT, "I", font_path(italic=True))
        self.set_title(title)
        self.set_lang(language)
        self.set_creator("Momento")
        self.set_creation_date(created_at)
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(left=16, top=16, right=16)
        self.alias_nb_pages()
        self.add_page()
        self._style(10)

    def footer(self) -> None:
        self.set_y(-11)
        self._style(7.5, color=MUTED)
        self.cell(0, 4, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="R")

    def _style(self, size: float, *, style: str = "", color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*color)

    def _lines(self, text: str, *, height: float = LINE, indent: float = 0) -> None:
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    # --- What sections write --------------------------------------------------------

    def title_block(self, title: str, subtitle: str) -> None:
        self._style(20, style="B")
        self._lines(title, height=9)
        self._style(11, color=MUTED)
        self._lines(subtitle, height=6)
        self.ln(3)

    def heading(self, text: str, *, keep_with: float = 0) -> None:
        """A section's title, a bookmark of the PDF. It starts on a new page when fewer
        than ~4 lines, or `keep_with` mm more (a chart below it), are left."""
        if self.will_page_break(24 + keep_with):
            self.add_page()
        else:
            self.ln(4)
        self.start_section(text[:120], level=0, strict=False)
        self._style(14, style="B", color=ACCENT)
        self._lines(text, height=7)
        self.ln(1)

    def subheading(self, text: str) -> None:
        if self.will_page_break(18):
            self.add_page()
        else:
            self.ln(2)
        self._style(11, style="B")
        self._lines(text, height=6)

    def paragraph(self, text: str, *, muted: bool = False, italic: bool = False, indent: float = 0) -> None:
        self._style(9.5, style="I" if italic else "", color=MUTED if muted else INK)
        self._lines(text, indent=indent)

    def label_value(self, label: str, value: str, *, indent: float = 0) -> None:
        """ "Label: value" with the label in bold, wrapped as one paragraph."""
        self.set_x(self.l_margin + indent)
        self._style(9.5, style="B")
        self.write(LINE, f"{label}: ")
        self._style(9.5)
        self.write(LINE, value)
        self.ln(LINE)

    def bullet(self, text: str, *, indent: float = 4, muted: bool = False) -> None:
        self._style(9.5, color=MUTED if muted else INK)
        self.set_x(self.l_margin + indent)
        self.cell(4, LINE, "•")
        self.multi_cell(self.epw - indent - 4, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    def quote(self, text: str, source: str) -> None:
        """A customer's words, in quotes, with where they come from below."""
        if self.will_page_break(14):
            self.add_page()
        self._style(9.5, style="I")
        self._lines(f"“{text}”", indent=6)
        self._style(8, color=MUTED)
        self._lines(source, indent=6, height=4.5)
        self.ln(1)

    def warning(self, text: str) -> None:
        self._style(10, style="B", color=DANGER)
        self._lines(text, height=6)

    def chart_size(self, png: bytes) -> tuple[float, float]:
        """(width, height) in mm a chart takes: as wide as the text, never taller than a page."""
        from PIL import Image

        with Image.open(io.BytesIO(png)) as picture:
            width_px, height_px = picture.size
        width = self.epw
        height = width * height_px / width_px
        limit = self.eph - 30
        if height > limit:
            width, height = width * limit / height, limit
        return width, height

    def chart(self, png: bytes, *, alt_text: str) -> None:
        """A chart (`chart_size`), on the next page if it does not fit on this one.
        `alt_text` is what a screen reader says for it."""
        width, height = self.chart_size(png)
        if self.will_page_break(height):
            self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin, w=width, h=height, alt_text=alt_text)
        self.set_y(self.get_y() + 2)

    def svg_chart(self, svg: str, *, width: float, alt_text: str) -> None:
        """A square SVG drawing (the service-cycle wheel) as vectors, `width` mm wide. Its texts are
        set in the document's font, whatever family the SVG names: fpdf2 would fall back
        to a core font, which has no "→" or "≥"."""
        svg = re.sub(r'font-family="[^"]*"', f'font-family="{FONT}"', svg)
        svg = re.sub(r"font-family:[^;\"]*", f"font-family:{FONT}", svg)
        if self.will_page_break(width):
            self.add_page()
        self.image(io.BytesIO(svg.encode("utf-8")), x=self.l_margin, w=width, alt_text=alt_text)
        self.set_y(self.get_y() + 2)

    def pdf_bytes(self) -> bytes:
        return bytes(self.output())
