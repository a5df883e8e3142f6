"""Working time for deadlines: 8 hours a day (07:00–11:30, 13:30–17:00 by default), Monday to Friday, without
public holidays and days off, with the make-up working days the government announces.

All arithmetic is in the portal's time zone (Asia/Ho_Chi_Minh). A dossier received after closing time counts
from the next working morning; one received during the lunch break counts from the afternoon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import CalendarDay

MAX_DAYS_AHEAD = 3 * 366


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date]
    working_days: frozenset[date]  # make-up days that fall on a weekend
    periods: tuple[tuple[time, time], ...]

    @classmethod
    def load(cls, *, start: date | None = None, end: date | None = None) -> WorkingCalendar:
        rows = CalendarDay.objects.all()
        if start:
            rows = rows.filter(date__gte=start)
        if end:
            rows = rows.filter(date__lte=end)
        off, work = set(), set()
        for day, kind in rows.values_list("date", "kind"):
            (off if kind == CalendarDay.Kind.DAY_OFF else work).add(day)
        periods = tuple((_parse(a), _parse(b)) for a, b in settings.WORKING_PERIODS)
        return cls(frozenset(off), frozenset(work), periods)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    @property
    def hours_per_day(self) -> Decimal:
        minutes = sum((b.hour * 60 + b.minute) - (a.hour * 60 + a.minute) for a, b in self.periods)
        return Decimal(minutes) / 60

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def is_working_time(self, moment: datetime) -> bool:
        """``moment`` falls on a working day, within one of its working periods (a result can be handed over)."""
        local = moment.astimezone(self.tz)
        if not self.is_working_day(local.date()):
            return False
        return any(opens <= local.time() <= closes for opens, closes in self.periods)

    def next_working_day(self, day: date) -> date:
        for _ in range(MAX_DAYS_AHEAD):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within three years")

    def add_working_hours(self, start: datetime, hours: Decimal | float | int) -> datetime:
        """The moment ``hours`` of working time after ``start`` (an aware datetime)."""
        remaining = timedelta(hours=float(hours))
        current = start.astimezone(self.tz)
        day = current.date()
        if not self.is_working_day(day):
            day, current = self.next_working_day(day), None
        while True:
            for opens, closes in self.periods:
                period_start = datetime.combine(day, opens, self.tz)
                period_end = datetime.combine(day, closes, self.tz)
                begin = period_start if current is None else max(current, period_start)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day, current = self.next_working_day(day), None

    def add_working_days(self, start: datetime, days: Decimal | float | int) -> datetime:
        return self.add_working_hours(start, Decimal(str(days)) * self.hours_per_day)

    def working_hours_between(self, start: datetime, end: datetime) -> Decimal:
        """Working hours from ``start`` to ``end`` (0 if ``end`` is not later)."""
        if end <= start:
            return Decimal(0)
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta()
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for opens, closes in self.periods:
                    begin = max(start, datetime.combine(day, opens, self.tz))
                    finish = min(end, datetime.combine(day, closes, self.tz))
                    if finish > begin:
                        total += finish - begin
            day += timedelta(days=1)
        return Decimal(total.total_seconds()) / 3600


MAKE_UP_DAY = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")


def seed_calendar(years: list[int]) -> int:
    """Vietnamese public holidays and days off for ``years`` from the ``holidays`` package, plus the make-up
    working days it names ("thay cho ngày 22/08/2026"). Existing rows (admin edits) are left alone."""
    import holidays

    created = 0
    for day, name in sorted(holidays.country_holidays("VN", years=years, language="vi").items()):
        _, was_created = CalendarDay.objects.get_or_create(
            date=day, defaults={"kind": CalendarDay.Kind.DAY_OFF, "name": name[:200]}
        )
        created += was_created
        if match := MAKE_UP_DAY.search(name):
            make_up = date(int(match[3]), int(match[2]), int(match[1]))
            _, was_created = CalendarDay.objects.get_or_create(
                date=make_up,
                defaults={"kind": CalendarDay.Kind.WORKING_DAY, "name": f"Làm bù cho ngày {day:%d/%m/%Y}"},
            )
            created += was_created
    return created
