from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from dossiers import costs
        from portal import issued

        from . import checks, fees, receivers  # noqa: F401 (checks and listeners register themselves)
        from .receipts import RECEIPT

        costs.register(fees)  # what a dossier costs, for dossiers, tracking and their pages
        issued.register(RECEIPT)
        _register_dossier_sections()


def _register_dossier_sections() -> None:
    """The payments and the cashier's buttons on the dossier's pages (``dossiers.sections``)."""
    from dossiers import sections

    from .templatetags.payments_admin_tags import dossier_money_and_post
    from .templatetags.payments_tags import dossier_payments

    payments = "payments/_dossier_payments.html"
    sections.register_section(
        "citizen", template=payments, context=lambda request, dossier: dossier_payments(dossier, request.user), order=10
    )
    sections.register_section(
        "back_office",
        template=payments,
        context=lambda request, dossier: dossier_payments(dossier, request.user, admin=True),
        order=10,
    )
    sections.register_section(
        "back_office_tools",
        template="admin/payments/_dossier_tools.html",
        context=lambda request, dossier: dossier_money_and_post(dossier, request.user),
        order=10,
    )
