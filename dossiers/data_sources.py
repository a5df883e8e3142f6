"""Documents replaced by data (Resolution 66.7/2025/NQ-CP): pluggable adapters to the databases the state holds.

A required document marked ``replaced_by_data = "<key>"`` is not asked of the citizen; at intake the desk fetches
the data through the adapter registered under that key (``dossiers.intake_data.fetch_at_intake``) and the fetch
is recorded on the dossier. ``DATA_SOURCES`` maps keys to adapter classes (dotted paths), so a province connects
the real population database by writing an adapter and naming it there:

    class PopulationResidence(DataSource):
        key = "residence"
        label = _("Residence (national population database)")

        def fetch(self, *, id_number: str, dossier) -> dict | None:
            ...  # call the connection's API with its credentials and timeout
            return {"Nơi thường trú": "...", "Chủ hộ": "..."}   # shown to the desk; None: nothing found
            # raise SourceUnavailable("...") when it does not answer

``fetch`` returns the data as labelled values (what the desk sees), ``None`` when the person is not found, and
raises ``SourceUnavailable`` when the source does not answer. The local adapters below serve demo data (dev, tests).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class SourceUnavailable(Exception):
    """The data source did not answer (down, refused, timed out)."""


class DataSource:
    key: str = ""
    label = ""

    def fetch(self, *, id_number: str, dossier) -> dict | None:  # pragma: no cover - the interface
        raise NotImplementedError


# Demo data of the local adapters, by CCCD: the demo citizen and the local identity provider's test citizens.
DEMO_RESIDENCE = {
    "038090001234": {"Nơi thường trú": "12 Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa", "Chủ hộ": "Nguyễn Văn An"},
    "001090000001": {
        "Nơi thường trú": "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        "Chủ hộ": "Nguyễn Văn An",
    },
    "079185000002": {"Nơi thường trú": "45 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh", "Chủ hộ": "Trần Thị Bình"},
}
UNAVAILABLE_ID_NUMBER = "000000000000"  # the local adapters answer as a source that is down (for tests and demos)


class LocalResidence(DataSource):
    """Residence information (as the national population database gives it), from demo data."""

    key = "residence"
    label = _("Residence (population database, demo data)")

    def fetch(self, *, id_number: str, dossier) -> dict | None:
        if id_number == UNAVAILABLE_ID_NUMBER or getattr(settings, "DATA_SOURCES_DOWN", False):
            raise SourceUnavailable("the demo population database is switched off")
        return DEMO_RESIDENCE.get(id_number)


def sources() -> dict[str, DataSource]:
    return {key: import_string(path)() for key, path in settings.DATA_SOURCES.items()}


def source(key: str) -> DataSource | None:
    path = settings.DATA_SOURCES.get(key)
    return import_string(path)() if path else None


def choices() -> list[tuple[str, str]]:
    return [(key, str(adapter.label)) for key, adapter in sources().items()]
