import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class _NoFetchWarning(logging.Filter):
    """pyHanko warns at every B-LT signature made without fetching revocation data over the network; the portal
    gives it the CRLs it keeps (``SIGNATURE_CRLS``, the DEMO CRL) on purpose, so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


class SigningConfig(AppConfig):
    name = "portal.signing"
    label = "signing"
    verbose_name = _("Digital signatures")

    def ready(self):
        logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchWarning())
