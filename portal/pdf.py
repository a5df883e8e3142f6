"""PDF rendering with WeasyPrint and the Be Vietnam Pro font (embedded, full Vietnamese coverage)."""

import atexit
import threading
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


_local = threading.local()


def _fonts():
    """One font configuration and font stylesheet per thread (a worker renders many PDFs: loading the fonts again
    for each costs about a fifth of a receipt)."""
    if not hasattr(_local, "fonts"):
        # WeasyPrint is slow to import; load it only when a document is rendered.
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()  # @font-face rules only load through a font configuration
        _local.fonts = (config, CSS(string=FONT_CSS, font_config=config))
        atexit.register(_local.__dict__.pop, "fonts", None)  # released while WeasyPrint is still loaded
    return _local.fonts


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    config, stylesheet = _fonts()
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf(stylesheets=[stylesheet], font_config=config)
