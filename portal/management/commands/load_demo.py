from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal import demo
from procedures.calendar import seed_calendar


class Command(BaseCommand):
    help = "Load the demo province: agencies, the procedure catalogue, stand-in form templates, demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--no-templates", action="store_true", help="skip generating stand-in template PDFs")

    def handle(self, *args, **options):
        self.stdout.write(f"Agencies: {demo.load_agencies()}")
        this_year = timezone.localdate().year
        self.stdout.write(f"Calendar days: {seed_calendar([this_year - 1, this_year, this_year + 1])} added")
        report = demo.load_catalogue()
        self.stdout.write(f"Procedures: {len(report.created)} created, {len(report.updated)} updated")
        for code, level in report.district:
            self.stdout.write(f"  {code}: record of before 1 July 2025, assigned to {level.label} by its rule")
        for position, code, reason in report.errors:
            self.stderr.write(self.style.ERROR(f"  record {position} ({code}): {reason}"))
        if not options["no_templates"]:
            self.stdout.write(f"Stand-in form templates generated: {demo.generate_stand_in_templates()}")
        created = demo.create_demo_accounts()
        self.stdout.write(f"Demo accounts created: {', '.join(created) or 'none (already there)'}")
        self.stdout.write(f"Demo dossiers filed: {demo.create_demo_dossiers()}")
        self.stdout.write(f"Demo routed and linked dossiers filed: {demo.create_demo_routed_and_linked()}")
        self.stdout.write(f"Demo dossiers returned with a signed electronic result: {demo.create_demo_signed_result()}")
        if report.errors:
            raise CommandError("Some demo procedures were rejected.")
