"""PDF rendering with WeasyPrint and the Be Vietnam Pro font (embedded, full Vietnamese coverage)."""

import atexit
import threading
from pathlib import Path

import fontpkg_be_vietnam_pro
from django.core import checks

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


def subsets_fonts_with_harfbuzz() -> bool:
    """Whether WeasyPrint cuts the embedded fonts down with HarfBuzz (Debian package ``libharfbuzz-subset0``, in the
    image and installed by the test command). Without it WeasyPrint falls back to fontTools, and a receipt took
    about three times as long (600 ms against 205 ms on a loaded two-core machine)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def check_font_subsetting(app_configs, **kwargs):
    """``check --deploy``: PDFs are rendered with the font subsetting WeasyPrint is meant to use."""
    if subsets_fonts_with_harfbuzz():
        return []
    return [
        checks.Warning(
            "WeasyPrint cannot load HarfBuzz-Subset (>= 4.1): receipts and notices render about three times slower.",
            hint="Install the system package libharfbuzz-subset0 (Debian, Ubuntu).",
            id="portal.W001",
        )
    ]


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    config, stylesheet = _fonts()
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf(stylesheets=[stylesheet], font_config=config)
