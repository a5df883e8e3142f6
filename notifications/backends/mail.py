"""Local mailers that keep messages readable: the console and file backends with text parts written as 8bit UTF-8.

Django's own console and file backends write the message as it would go over SMTP, where long lines of text are
quoted-printable with soft line breaks (``=`` at the end of a line): a link in a notification is then cut in two
and ``=`` becomes ``=3D``. These backends rewrite the text parts (not attachments) as plain 8bit UTF-8 before
writing, so a link can be copied or clicked straight from the terminal or the ``.log`` file.
"""

from django.core.mail.backends.console import EmailBackend as DjangoConsoleEmailBackend
from django.core.mail.backends.filebased import EmailBackend as DjangoFileEmailBackend


def readable(email):
    """The MIME message of ``email`` with each inline text part as 8bit UTF-8 (attachments keep their encoding)."""
    msg = email.message()
    for part in msg.walk():
        if part.get_content_maintype() != "text" or part.is_attachment():
            continue
        text, subtype = part.get_content(), part.get_content_subtype()
        del part["Content-Type"]
        del part["Content-Transfer-Encoding"]
        part.set_content(text, subtype=subtype, charset="utf-8", cte="8bit")
    return msg


class ConsoleEmailBackend(DjangoConsoleEmailBackend):
    def write_message(self, message):
        self.stream.write(readable(message).as_bytes().decode("utf-8", "replace") + "\n")
        self.stream.write("-" * 79 + "\n")


class FileEmailBackend(DjangoFileEmailBackend):
    def write_message(self, message):
        self.stream.write(readable(message).as_bytes() + b"\n")
        self.stream.write(b"-" * 79 + b"\n")
