"""Email through Django's default mailer (``MAILERS``, built from ``EMAIL_URL``: SMTP in production)."""

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage

from . import PermanentError, TemporaryError


def message_id(reference: str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "dichvucong.local"
    return f"<{reference}@{domain}>"


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600


class EmailBackend:
    """One email per ``send``: through a mail connection of its own, or, given ``mailer`` (a mail backend from
    ``django.core.mail.mailers``), through that one, opened at the first send and kept open until ``close()``:
    one SMTP session (connection, TLS, login) for a batch of emails."""

    def __init__(self, mailer=None):
        self.mailer = mailer
        self._opened = False

    def close(self) -> None:
        if self.mailer is not None and self._opened:
            self._opened = False
            self.mailer.close()

    def send(self, message) -> str:
        # A fixed Message-ID per send: a copy sent again after a lost acknowledgement can be recognised.
        msgid = message_id(message.reference)
        email = EmailMessage(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.recipient],
            headers={"Message-ID": msgid},
        )
        try:
            if self.mailer is None:
                email.send()
            else:
                if not self._opened:
                    self.mailer.open()
                    self._opened = True
                self.mailer.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = f"recipient refused: {exc.recipients}"
            raise (PermanentError if codes and all(map(_is_permanent, codes)) else TemporaryError)(error) from exc
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            raise (PermanentError if _is_permanent(exc.smtp_code) else TemporaryError)(error) from exc
        except (smtplib.SMTPException, OSError) as exc:  # connection refused or lost, timeout
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from exc
        return msgid
