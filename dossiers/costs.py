"""What a dossier costs: the one answer every page, PDF, API and the back office show.

The amounts themselves are computed by payments (``payments.fees``): before submission a quote (the procedure's
fee items times the quantities asked for in the declaration, and the postal fee), after submission what was
billed (the payment requests' lines, exemptions, paid and owed). Dossiers never import payments: payments
registers itself here when the app is ready (``register(provider)``), and dossiers, tracking and their
templates ask this module (``cost_of(dossier)``, or ``{% load dossier_costs %}{% cost_of dossier as cost %}``).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from procedures.models import FeeItem, Procedure

    from .models import Dossier


@dataclass(frozen=True)
class CostLine:
    """One line of a cost: ``amount`` is ``unit_amount × quantity``; an exempted line is owed nothing."""

    kind: str  # payments.constants.LineKind: fee, charge, postal, other
    description: str
    unit_amount: int
    quantity: int = 1
    per_unit: bool = False
    exempt: bool = False
    exemption_reason: str = ""
    note: str = ""  # why a line is not charged, for the citizen

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity

    @property
    def due(self) -> int:
        return 0 if self.exempt else self.amount


@dataclass(frozen=True)
class Cost:
    """What a dossier costs. ``billed``: read from its payment requests; otherwise a quote.

    ``lines`` are the charged lines; ``not_charged`` the procedure's items that cost nothing here (asked for
    only on request and not asked for, or collected at the desk), shown so the citizen sees why.
    """

    lines: tuple[CostLine, ...] = ()
    not_charged: tuple[CostLine, ...] = ()
    paid: int = 0
    billed: bool = False
    refunded: int = 0  # of what was paid, paid back (the dossier ended, ...)
    refunding: int = 0  # of what was paid, being paid back (asked of the gateway, or waiting at the counter)

    @property
    def total(self) -> int:
        return sum(line.due for line in self.lines)

    @property
    def owed(self) -> int:
        return max(self.total - self.paid, 0)

    @property
    def postal(self) -> int:
        return sum(line.due for line in self.lines if line.kind == "postal")


@dataclass(frozen=True)
class TariffRow:
    """The postal fee of the result letter to one zone (within the province, to another one)."""

    zone: str
    label: str
    amount: int


class CostProvider(Protocol):
    def quote(self, dossier: "Dossier") -> Cost: ...

    def cost_of(self, dossier: "Dossier") -> Cost: ...

    def online_fee_items(self, procedure: "Procedure") -> list["FeeItem"]: ...

    def postal_tariff(self) -> list[TariffRow]: ...

    def awaited_by_agency(self, dossier: "Dossier") -> int: ...

    def paying_online(self, dossier: "Dossier") -> bool: ...


_provider: CostProvider | None = None


def register(provider: CostProvider) -> None:
    """Called once by the payments app when it is ready."""
    global _provider
    _provider = provider


def _the_provider() -> CostProvider:
    if _provider is None:
        raise RuntimeError("No cost provider is registered: the payments app registers one when it is ready.")
    return _provider


def quote(dossier: "Dossier") -> Cost:
    """What the dossier would cost if submitted now (its declaration and its delivery as saved)."""
    return _the_provider().quote(dossier)


def cost_of(dossier: "Dossier") -> Cost:
    """What the dossier costs: what was billed once submitted, else the quote."""
    return _the_provider().cost_of(dossier)


def online_fee_items(procedure: "Procedure") -> list["FeeItem"]:
    """The fee items of the procedure's online option (else its first), which a dossier filed online is charged."""
    return _the_provider().online_fee_items(procedure)


def postal_tariff() -> list[TariffRow]:
    """The postal fee of the result letter by zone."""
    return _the_provider().postal_tariff()


def awaited_by_agency(dossier: "Dossier") -> int:
    """What the payments the agency asked for while processing (status 6) still await, in đồng."""
    return _the_provider().awaited_by_agency(dossier)


def paying_online(dossier: "Dossier") -> bool:
    """Whether the citizen has started an online payment the gateway has not answered yet."""
    return _the_provider().paying_online(dossier)
