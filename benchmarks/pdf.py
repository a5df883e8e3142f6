"""Benchmark: how long the portal takes to render the PDFs it issues (WeasyPrint), per document and per page, and
what the agency's seal adds (PAdES with pyHanko: B-T, a timestamped signature, and B-LT, with the validation data).

Renders, for ``--count`` dossiers of the database (``benchmarks/generate.py`` fills one; ``--repeat`` renders each
several times), the submission receipt, the form 01 receipt-and-appointment notice (giấy tiếp nhận và hẹn trả kết
quả) and the process-control slip, in process and one after another, and prints p50/p95 per document and per page;
then seals each rendered document as the worker does (``portal.signing.sign.seal``, the signer configured by
``SIGNATURE_BACKEND``, the DEMO PKI by default) and prints unsigned and signed side by side. Last, the floor: the
very HTML of each receipt given straight to WeasyPrint (same fonts, loaded once), so the ratio shows what the
portal adds to WeasyPrint's own layout (queries, template, QR code). Nothing is stored::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong_bench .venv/bin/python benchmarks/pdf.py --count 40
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40, help="dossiers to render for (default 40)")
    parser.add_argument("--repeat", type=int, default=1, help="renders per dossier (default 1)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    import django

    django.setup()
    from django.utils import timezone
    from pypdf import PdfReader

    from dossiers.constants import NoticeKind, Status
    from dossiers.models import Dossier, DossierNotice
    from dossiers.notices import render_control_slip, render_notice
    from dossiers.receipts import render_receipt
    from portal.pdf import subsets_fonts_with_harfbuzz

    dossiers = list(
        Dossier.objects.filter(status=Status.RETURNED)
        .select_related("procedure", "agency", "applicant", "case")
        .order_by("-pk")[: args.count]
    ) * max(1, args.repeat)
    if not dossiers:
        sys.exit("No returned dossiers here: fill the database with benchmarks/generate.py first.")

    def notice(dossier):
        data = {"due_at": dossier.due_at.isoformat() if dossier.due_at else None}
        return render_notice(
            DossierNotice(dossier=dossier, kind=NoticeKind.ACCEPTANCE, data=data, issued_at=timezone.now())
        )

    kinds = {"receipt (biên nhận)": render_receipt, "notice 01": notice, "control slip": render_control_slip}
    rendered = {name: [] for name in kinds}
    render_receipt(dossiers[0])  # fonts and templates loaded once, as in a running worker
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    subsetting = "HarfBuzz-Subset" if subsets_fonts_with_harfbuzz() else "fontTools (slow: install libharfbuzz-subset0)"
    print(f"{len(dossiers)} dossiers each; WeasyPrint in process, fonts subset by {subsetting}; load average {load}\n")
    print(f"{'document':<22}{'pages':>7}{'p50 ms':>9}{'p95 ms':>9}{'p50 ms/page':>13}{'KiB':>7}")
    for name, render in kinds.items():
        times, pages, sizes = [], [], []
        for dossier in dossiers:
            began = time.perf_counter()
            pdf = render(dossier)
            times.append((time.perf_counter() - began) * 1000)
            rendered[name].append((dossier, pdf, times[-1]))
            pages.append(len(PdfReader(io.BytesIO(pdf)).pages))
            sizes.append(len(pdf) / 1024)
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        per_page = statistics.median(t / p for t, p in zip(times, pages, strict=True))
        print(
            f"{name:<22}{statistics.median(pages):>7.0f}{statistics.median(times):>9.0f}{p95:>9.0f}"
            f"{per_page:>13.0f}{statistics.median(sizes):>7.0f}"
        )
    seal_side_by_side(rendered)
    receipt_vs_raw(dossiers)


def seal_side_by_side(rendered: dict) -> None:
    """Each rendered document sealed by its agency, at B-T and at B-LT: unsigned and signed render times, and what
    the seal adds (the issue's budget: 40 ms per document)."""
    from django.conf import settings

    from portal.signing import sign

    if not sign.enabled():
        print("\nSigning is off (SIGNATURE_BACKEND is empty): nothing to compare.")
        return
    first_dossier, first_pdf, _ms = next(iter(rendered.values()))[0]
    sign.seal(first_pdf, agency_code=first_dossier.agency.code, agency_name=first_dossier.agency.name)  # keys loaded
    print(f"\nThe agency's seal ({settings.SIGNATURE_BACKEND} signer), after rendering, as the worker does\n")
    print(f"{'document':<22}{'level':>6}{'unsigned p50':>14}{'signed p50':>12}{'seal p50':>10}{'seal p95':>10}")
    for level in ("B-T", "B-LT"):
        settings.SIGNATURE_LEVEL = level
        for name, rows in rendered.items():
            unsigned, sealed = [], []
            for dossier, pdf, render_ms in rows:
                began = time.perf_counter()
                sign.seal(
                    pdf, agency_code=dossier.agency.code, agency_name=dossier.agency.name, dossier_code=dossier.code
                )
                sealed.append((time.perf_counter() - began) * 1000)
                unsigned.append(render_ms)
            ordered = sorted(sealed)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            signed = statistics.median(u + s for u, s in zip(unsigned, sealed, strict=True))
            print(
                f"{name:<22}{level:>6}{statistics.median(unsigned):>14.0f}{signed:>12.0f}"
                f"{statistics.median(sealed):>10.1f}{p95:>10.1f}"
            )


def receipt_vs_raw(dossiers) -> None:
    """The receipt against raw WeasyPrint of the same HTML, one after the other for each dossier."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from dossiers import receipts
    from portal import pdf

    captured: list[str] = []
    render = receipts.render_pdf

    def keep(html: str) -> bytes:
        captured.append(html)
        return render(html)

    receipts.render_pdf = keep
    config = FontConfiguration()
    fonts = CSS(string=pdf.FONT_CSS, font_config=config)
    portal_times, raw_times = [], []
    try:
        for dossier in dossiers:
            began = time.perf_counter()
            receipts.render_receipt(dossier)
            portal_times.append(time.perf_counter() - began)
            html = captured.pop()
            began = time.perf_counter()
            HTML(string=html, base_url=str(pdf.FONT_DIR)).write_pdf(stylesheets=[fonts], font_config=config)
            raw_times.append(time.perf_counter() - began)
    finally:
        receipts.render_pdf = render
    portal_ms, raw_ms = statistics.median(portal_times) * 1000, statistics.median(raw_times) * 1000
    print(f"\nreceipt p50 {portal_ms:.0f} ms; raw WeasyPrint of the same HTML p50 {raw_ms:.0f} ms;", end=" ")
    print(f"ratio {portal_ms / raw_ms:.2f}")


if __name__ == "__main__":
    main()
