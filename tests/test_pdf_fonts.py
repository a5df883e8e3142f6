"""PDFs are rendered with the font subsetting WeasyPrint is meant to use, and a deployment without it is told."""

from django.core import checks

from portal.pdf import check_font_subsetting, render_pdf, subsets_fonts_with_harfbuzz


def test_pdfs_are_rendered_here_as_in_production():
    """The test command installs HarfBuzz-Subset, as the image does: the suite renders PDFs the production way."""
    assert subsets_fonts_with_harfbuzz()
    assert render_pdf("<p>Biên nhận hồ sơ — Đăng ký khai sinh</p>").startswith(b"%PDF-")
    assert [message.id for message in checks.run_checks(include_deployment_checks=True)].count("portal.W001") == 0


def test_the_deploy_check_warns_when_harfbuzz_subset_is_missing(monkeypatch):
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    [warning] = check_font_subsetting(None)
    assert warning.level == checks.WARNING and "libharfbuzz-subset0" in warning.hint
    assert "portal.W001" in [message.id for message in checks.run_checks(include_deployment_checks=True)]
