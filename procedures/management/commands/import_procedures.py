from django.core.management.base import BaseCommand, CommandError

from procedures.importers import RecordError, import_package, load_package


class Command(BaseCommand):
    help = "Import procedure packages in the national database's JSON shape (idempotent; re-import updates)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="JSON files holding a list of procedure records")

    def handle(self, *args, paths: list[str], **options):
        failed = 0
        for path in paths:
            try:
                records = load_package(path)
            except (OSError, ValueError, RecordError) as exc:
                raise CommandError(f"{path}: cannot read the package: {exc}") from exc
            report = import_package(records)
            self.stdout.write(
                f"{path}: {len(report.created)} created, {len(report.updated)} updated, {len(report.errors)} rejected"
            )
            for code, level in report.district:
                self.stdout.write(f"  {code}: published at district level, assigned to {level.label} by its rule")
            for position, code, reason in report.errors:
                self.stderr.write(self.style.ERROR(f"  record {position} ({code}): {reason}"))
            failed += len(report.errors)
        if failed:
            raise CommandError(f"{failed} record(s) rejected; the others were imported.")
