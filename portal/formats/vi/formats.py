"""Dates as the portal writes them elsewhere (receipts, timelines, look-up): ``08/12/2026`` and ``07:52 08/12/2026``.
Django's own Vietnamese formats write "07:52 Ngày 08 tháng 12 năm 2026", with a capital letter inside a sentence and
in another style than the rest of the portal, in the back office's lists and fields."""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
