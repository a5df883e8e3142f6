from django.core.management.base import BaseCommand
from django.utils import timezone

from procedures.calendar import seed_calendar


class Command(BaseCommand):
    help = "Add Vietnamese public holidays and days off (lunar Tết included) to the working calendar."

    def add_arguments(self, parser):
        this_year = timezone.localdate().year
        parser.add_argument("years", nargs="*", type=int, default=[this_year - 1, this_year, this_year + 1])

    def handle(self, *args, years: list[int], **options):
        self.stdout.write(f"Calendar days added: {seed_calendar(years)} ({', '.join(map(str, years))})")
