"""PDF rendering with WeasyPrint and the Be Vietnam Pro font (embedded, full Vietnamese coverage)."""

from pathlib import Path

import fontpkg_be_vietnam_pro

FONT_DIR = Path(fontpkg_be_vietnam_pro.ROOT) / "files"

FONT_CSS = "\n".join(
    f"@font-face {{ font-family: 'Be Vietnam Pro'; font-weight: {weight}; font-style: {style};"
    f" src: url('{(FONT_DIR / f'BeVietnamPro-{name}.ttf').as_uri()}'); }}"
    for name, weight, style in [
        ("Regular", 400, "normal"),
        ("Italic", 400, "italic"),
        ("SemiBold", 600, "normal"),
        ("Bold", 700, "normal"),
    ]
)


def render_pdf(html: str) -> bytes:
    # WeasyPrint is slow to import; load it only when a document is rendered.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()  # @font-face rules only load through a font configuration
    stylesheet = CSS(string=FONT_CSS, font_config=fonts)
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf(stylesheets=[stylesheet], font_config=fonts)
