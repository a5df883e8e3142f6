from django.core.management.base import BaseCommand

from procedures.services import apply_district_rules


class Command(BaseCommand):
    help = (
        "Give every procedure still published at district level the level of its district rule "
        "(idempotent; run it after changing rules in bulk)."
    )

    def handle(self, *args, **options):
        changed = apply_district_rules()
        for code, level in changed:
            self.stdout.write(f"{code}: {level.label}")
        self.stdout.write(f"{len(changed)} procedure(s) re-assigned.")
