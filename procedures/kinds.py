"""Kinds of papers (loại giấy tờ): what makes a required document of one procedure and a result of another the same
paper, so the citizen's store can offer it again ("dùng lại") instead of asking for another upload.

A required document has a ``kind`` and a procedure a ``result_kind``, set in the catalogue; when blank they are
recognised from the official names (the national database's wording), which covers the imported catalogue.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.text import fold


class PaperKind(models.TextChoices):
    ID_DOCUMENT = "id_document", _("Identity card or passport")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    MARITAL_STATUS = "marital_status", _("Certificate of marital status")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("Marriage certificate")
    DEATH_CERTIFICATE = "death_certificate", _("Death certificate")
    CRIMINAL_RECORD = "criminal_record", _("Criminal record certificate")
    HEALTH_CERTIFICATE = "health_certificate", _("Health certificate")
    RESIDENCE_PROOF = "residence_proof", _("Proof of residence")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
    PHOTO = "photo", _("Photograph")


# (pattern on the folded name, kind): the first match wins. Declarations (tờ khai) and applications (đơn) are
# never a reusable paper.
_REQUIRED_RULES = [
    (r"^(to khai|don )", ""),
    (r"uy quyen", PaperKind.POWER_OF_ATTORNEY),
    (r"xac nhan tinh trang hon nhan", PaperKind.MARITAL_STATUS),
    (r"ly lich tu phap", PaperKind.CRIMINAL_RECORD),
    (r"giay kham suc khoe", PaperKind.HEALTH_CERTIFICATE),
    (r"giay khai sinh", PaperKind.BIRTH_CERTIFICATE),
    (r"giay chung nhan ket hon", PaperKind.MARRIAGE_CERTIFICATE),
    (r"(trich luc khai tu|giay bao tu)", PaperKind.DEATH_CERTIFICATE),
    (r"(chung minh .*cu tru|noi cu tru)", PaperKind.RESIDENCE_PROOF),
    (r"(ho chieu|can cuoc)", PaperKind.ID_DOCUMENT),
    (r"\banh (mau|4 ?cm|3 ?x ?4)", PaperKind.PHOTO),
]
# What a procedure issues, from its name.
_RESULT_RULES = [
    (r"xac nhan tinh trang hon nhan", PaperKind.MARITAL_STATUS),
    (r"ly lich tu phap", PaperKind.CRIMINAL_RECORD),
    (r"ban sao giay khai sinh", PaperKind.BIRTH_CERTIFICATE),
    (r"dang ky (lai )?khai sinh", PaperKind.BIRTH_CERTIFICATE),
    (r"dang ky (lai )?ket hon", PaperKind.MARRIAGE_CERTIFICATE),
    (r"dang ky (lai )?khai tu", PaperKind.DEATH_CERTIFICATE),
]


def _match(rules, name: str) -> str:
    folded = fold(name or "")
    for pattern, kind in rules:
        if re.search(pattern, folded):
            return str(kind)
    return ""


def kind_of_document(required_document) -> str:
    """The paper kind of a required document: the catalogue's, or recognised from its name ("" for none)."""
    return required_document.kind or _match(_REQUIRED_RULES, required_document.name)


def result_kind_of(procedure) -> str:
    """The paper kind a procedure's result is: the catalogue's, or recognised from its name ("" for none)."""
    return procedure.result_kind or _match(_RESULT_RULES, procedure.name)
