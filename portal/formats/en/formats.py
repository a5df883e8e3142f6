"""Dates in English written day first with the month's name (``8 Dec 2026``, ``8 Dec 2026, 07:52``): readers of a
Vietnamese portal in English read 08/12 both ways, and Django's ``Dec. 8, 2026, 7:52 a.m.`` stood beside the
timeline's 24-hour times."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
