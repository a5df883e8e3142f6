"""Rows that other apps add to the back office's dashboard, below the dossier queues.

Dossiers never import the apps that listen to them (``docs/architecture.md``), yet the dashboard is where an
official sees everything waiting for them: notifications, for one, counts the messages that could not be sent. Each
such app registers a panel when it is ready (``register_panel(panel)`` in its ``AppConfig.ready``); a panel takes
the official and returns its rows, counted within what that official may see (``portal.access``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardRow:
    key: str  # stable: the row's CSS class (``queue-<key>``) and what tests and clients look for
    label: str
    count: int
    url: str  # the list of the same records


Panel = Callable[..., Iterable[DashboardRow]]  # panel(user) -> rows

_panels: list[Panel] = []


def register_panel(panel: Panel) -> Panel:
    """Add ``panel`` to the dashboard (once, however often the app's ``ready`` runs); usable as a decorator."""
    if panel not in _panels:
        _panels.append(panel)
    return panel


def panel_rows(user) -> list[DashboardRow]:
    """Every registered panel's rows for ``user``, in the order the apps registered them."""
    return [row for panel in _panels for row in panel(user)]
