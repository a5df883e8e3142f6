"""Linked procedures: each result comes back as its procedure allows (online or by post for a level-4 procedure,
at the receiving centre otherwise), with one postal address for every result sent by post."""

import re

import pytest

from dossiers import costs, linked
from dossiers.constants import DeliveryMethod
from dossiers.models import Dossier, LinkedFiling
from payments.constants import LineKind, RequestStatus
from payments.models import PaymentRequest

from . import test_linked_papers
from .filing import address
from .test_linked_papers import BIRTH, EN, RESIDENCE, complete, part, url

filing = test_linked_papers.filing  # the fixture: a draft filing of the birth group

INSURANCE = "1.014137"

pytestmark = pytest.mark.django_db


def checked(page: str, name: str, value: str) -> bool | None:
    """Whether the radio button ``name``=``value`` is checked; None when the page has no such button."""
    found = re.search(rf'<input type="radio" name="{name}" value="{value}"[^>]*>', page)
    return None if found is None else " checked" in found.group(0)


def test_the_documents_step_leads_to_the_results_step_which_offers_what_each_procedure_allows(client, filing):
    client.force_login(filing.applicant)
    complete(filing)

    documents = client.post(url(filing), {"continue": "1"})
    page = client.get(url(filing, "nhan-ket-qua/"), **EN).content.decode()

    assert documents.url == url(filing, "nhan-ket-qua/")
    birth, residence, insurance = part(filing, BIRTH), part(filing, RESIDENCE), part(filing, INSURANCE)
    for level_4 in (birth, insurance):  # online, by post or at the office
        assert (
            f'name="method_{level_4.pk}" value="post"' in page and f'name="method_{level_4.pk}" value="online"' in page
        )
    assert f'name="method_{residence.pk}"' not in page  # level 3: collected at the centre, said so
    office_only = page[page.index('id="delivery-office-only"') :].split("</div>")[0]
    assert residence.procedure.name in office_only and filing.received_by.name in office_only


def test_results_by_post_share_one_address_and_the_review_shows_each_way(client, filing):
    client.force_login(filing.applicant)
    complete(filing)
    birth, residence, insurance = part(filing, BIRTH), part(filing, RESIDENCE), part(filing, INSURANCE)

    response = client.post(
        url(filing, "nhan-ket-qua/"),
        {
            f"method_{birth.pk}": "post",
            f"method_{insurance.pk}": "online",
            f"method_{residence.pk}": "post",  # not offered for this procedure: ignored
            **address("address", street="5 Trần Phú"),
            "phone": "0912 345 678",
            "pay_on_delivery": "on",
        },
    )

    assert response.status_code == 302 and response.url == url(filing, "kiem-tra/")
    birth, residence, insurance = (Dossier.objects.get(pk=p.pk) for p in (birth, residence, insurance))
    assert birth.delivery_method == DeliveryMethod.POST and "5 Trần Phú" in birth.delivery_address
    assert birth.delivery_phone == "+84912345678" and birth.pay_on_delivery
    assert insurance.delivery_method == DeliveryMethod.ONLINE and not insurance.pay_on_delivery
    assert residence.delivery_method == DeliveryMethod.OFFICE and not residence.delivery_address
    review = client.get(url(filing, "kiem-tra/"), **EN).content.decode()
    shown = review[review.index('id="linked-review-delivery"') :].split("</section>")[0]
    assert "5 Trần Phú" in shown and "paid to the postman on delivery" in shown
    assert f"Collected at {filing.received_by.name}" in shown

    again = client.get(url(filing, "nhan-ket-qua/"), **EN).content.decode()  # the choices come back as saved
    fees = again[again.index('id="postal-fees"') :].split("</ul>")[0]
    postal = costs.quote(birth).postal
    assert postal > 0 and birth.procedure.name in fees and f"{postal:,} VND" in fees  # English figures
    assert insurance.procedure.name not in fees
    assert checked(again, f"method_{birth.pk}", "post") and checked(again, f"method_{insurance.pk}", "online")
    assert 'value="5 Trần Phú"' in again


def test_a_result_by_post_without_an_address_is_refused_and_nothing_is_changed(client, filing):
    client.force_login(filing.applicant)
    birth, insurance = part(filing, BIRTH), part(filing, INSURANCE)

    response = client.post(
        url(filing, "nhan-ket-qua/"), {f"method_{birth.pk}": "post", f"method_{insurance.pk}": "online"}, **EN
    )

    assert response.status_code == 400
    assert "Enter the address the result should be posted to." in response.content.decode()
    assert checked(response.content.decode(), f"method_{insurance.pk}", "online")  # kept as chosen
    assert not Dossier.objects.filter(filing=filing).exclude(delivery_method=DeliveryMethod.OFFICE).exists()


def test_a_way_the_procedure_does_not_offer_is_refused(client, filing):
    client.force_login(filing.applicant)
    birth, insurance = part(filing, BIRTH), part(filing, INSURANCE)

    response = client.post(
        url(filing, "nhan-ket-qua/"), {f"method_{birth.pk}": "pigeon", f"method_{insurance.pk}": "online"}, **EN
    )

    assert response.status_code == 400 and "Select a valid choice." in response.content.decode()
    assert LinkedFiling.objects.get(pk=filing.pk).parts.filter(delivery_method=DeliveryMethod.ONLINE).count() == 0


def test_each_part_is_billed_what_its_own_way_of_receiving_costs(client, filing, django_capture_on_commit_callbacks):
    client.force_login(filing.applicant)
    complete(filing)
    birth, residence, insurance = part(filing, BIRTH), part(filing, RESIDENCE), part(filing, INSURANCE)
    choices = {f"method_{birth.pk}": "post", f"method_{insurance.pk}": "online", "phone": "0912345678"}
    client.post(url(filing, "nhan-ket-qua/"), {**choices, **address("address", street="5 Trần Phú")})
    quoted = {p.pk: costs.quote(Dossier.objects.get(pk=p.pk)) for p in (birth, residence, insurance)}

    with django_capture_on_commit_callbacks(execute=True):
        linked.submit_filing(filing=filing, by=filing.applicant)

    assert quoted[birth.pk].postal > 0 and quoted[insurance.pk].postal == 0 and quoted[residence.pk].postal == 0
    for dossier_id, quote in quoted.items():
        bill = PaymentRequest.objects.filter(dossier_id=dossier_id, status=RequestStatus.OPEN).first()
        assert (bill.amount if bill else 0) == quote.total
        postal = [line.amount for line in bill.lines.filter(kind=LineKind.POSTAL)] if bill else []
        assert sum(postal) == quote.postal
