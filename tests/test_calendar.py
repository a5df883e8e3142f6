"""Deadlines in working time on real dates: Tết 2026 and 2027, 30/4–1/5, 2/9, lunch breaks, after-hours intake."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from procedures.calendar import WorkingCalendar
from procedures.models import CalendarDay

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def calendar():
    CalendarDay.objects.all().delete()
    call_command("seed_calendar", "2026", "2027")
    return WorkingCalendar.load()


def test_the_calendar_is_seeded_with_tet_and_national_days(calendar):
    assert {date(2026, 2, 17), date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 2)} <= calendar.days_off
    assert date(2027, 2, 6) in calendar.days_off  # Tết Đinh Mùi
    assert date(2026, 8, 22) in calendar.working_days  # a Saturday worked in exchange for 31/8
    assert calendar.hours_per_day == 8


def test_seeding_twice_adds_nothing_and_keeps_admin_edits(calendar):
    CalendarDay.objects.filter(date=date(2026, 11, 24)).update(name="Sửa bởi quản trị")

    call_command("seed_calendar", "2026", "2027")

    assert CalendarDay.objects.get(date=date(2026, 11, 24)).name == "Sửa bởi quản trị"
    assert CalendarDay.objects.filter(date=date(2026, 2, 17)).count() == 1


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (at(2026, 2, 13, 16, 0), 1, at(2026, 2, 23, 16, 0)),  # Friday before Tết 2026: 1 h, then after the break
        (at(2026, 4, 29, 18, 0), 1, at(2026, 5, 4, 17, 0)),  # after closing, then 30/4, 1/5 and the weekend
        (at(2026, 8, 28, 9, 0), 3, at(2026, 9, 7, 9, 0)),  # 31/8 off in exchange, 1/9 and 2/9
        (at(2026, 8, 21, 16, 0), Decimal("0.25"), at(2026, 8, 22, 8, 0)),  # Saturday 22/8 is worked
        (at(2027, 2, 3, 10, 0), 2, at(2027, 2, 12, 10, 0)),  # Tết 2027: 4/2 to 10/2 off
        (at(2026, 11, 21, 9, 0), 1, at(2026, 11, 23, 17, 0)),  # received on a Saturday: from Monday morning
    ],
)
def test_due_dates_skip_nights_weekends_and_holidays(calendar, received, days, due):
    assert calendar.add_working_days(received, days) == due
    assert calendar.working_hours_between(received, due) == Decimal(days) * 8


def test_the_lunch_break_does_not_count(calendar):
    assert calendar.add_working_hours(at(2026, 3, 10, 12, 0), 2) == at(2026, 3, 10, 15, 30)
    assert calendar.add_working_hours(at(2026, 3, 10, 11, 0), 1) == at(2026, 3, 10, 14, 0)
    assert calendar.working_hours_between(at(2026, 3, 10, 11, 0), at(2026, 3, 10, 14, 0)) == 1


def test_working_periods_are_configurable(settings):
    settings.WORKING_PERIODS = [("08:00", "12:00"), ("13:00", "17:00")]
    calendar = WorkingCalendar.load()

    assert calendar.add_working_hours(at(2026, 3, 10, 11, 0), 2) == at(2026, 3, 10, 14, 0)


def test_times_in_other_zones_are_read_in_vietnam_time(calendar):
    utc_morning = datetime(2026, 3, 10, 2, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Hà Nội

    assert calendar.add_working_hours(utc_morning, 1) == at(2026, 3, 10, 10, 0)
