from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.storage_sweep import sweep_storage


class Command(BaseCommand):
    help = "Remove stored files that no row refers to (left by rolled-back transactions or killed processes)."

    def add_arguments(self, parser):
        parser.add_argument("--prefix", default="", help="only files whose name starts with this (e.g. dossiers/)")
        parser.add_argument(
            "--hours", type=float, default=24, help="only files last modified this many hours ago or earlier"
        )
        parser.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")

    def handle(self, *args, **options):
        report = sweep_storage(
            prefix=options["prefix"],
            older_than=timezone.now() - timedelta(hours=options["hours"]),
            dry_run=options["dry_run"],
        )
        verb = "would remove" if options["dry_run"] else "removed"
        for name in report.removed:
            self.stdout.write(f"{verb} {name}")
        self.stdout.write(f"{report.seen} files seen, {report.kept} kept, {len(report.removed)} {verb}")
