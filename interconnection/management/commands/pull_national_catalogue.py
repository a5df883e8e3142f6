from django.core.management.base import BaseCommand, CommandError

from interconnection import catalogue, client


class Command(BaseCommand):
    help = "Pull the national procedures catalogue (LayDanhSachTTHC, LayThuTuc) through the importer."

    def handle(self, *args, **options):
        if not client.is_configured():
            raise CommandError("NATIONAL_PORTAL_URL is not set: the connection to the national portal is off.")
        try:
            report = catalogue.pull()
        except client.InterconnectionError as exc:
            raise CommandError(f"the national portal did not answer: {exc.message}") from exc
        summary = report.summary()
        self.stdout.write(
            f"{summary['created']} created, {summary['updated']} updated, {summary['rejected']} rejected; "
            f"{summary['fields']} fields, {summary['agencies']} agencies updated"
        )
        for code, reason in report.errors:
            self.stderr.write(self.style.ERROR(f"  {code}: {reason}"))
        if not report.ok:
            raise CommandError(f"{len(report.errors)} procedure(s) rejected; the others were imported.")
