"""At the counter, the desk asks the citizen how the result should come back where the procedure offers more than
the centre's desk (online, or by public post to an address), for one paper dossier or for each procedure of linked
procedures; the postal fee is billed with the fees, as online."""

import pytest

from dossiers import costs
from dossiers.constants import DeliveryMethod, Status
from dossiers.models import Dossier
from payments.constants import LineKind, RequestStatus
from payments.models import PaymentRequest

from .filing import address
from .test_counter_intake import EN, ready_draft, url
from .test_counter_linked import client_at_desk, desk, filing_url, part, scan_everything, start_group  # noqa: F401
from .test_linked import group_declaration
from .test_linked_papers import BIRTH, RESIDENCE

pytestmark = pytest.mark.django_db

INSURANCE = "1.014137"


def test_the_citizen_at_the_counter_has_the_result_posted_and_the_postal_fee_is_billed(
    client_at_desk,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client = client_at_desk
    dossier, _citizen = ready_draft(client)
    page = client.get(url("review", dossier), **EN).content.decode()
    assert 'id="counter-delivery"' in page and 'name="method" value="post"' in page
    assert "How does the citizen want to receive the result?" in page  # the desk asks; not "How do you want…"
    assert "the citizen pays the fees and the postal fee in cash to the postman" in page  # the desk is not "you"

    refused = client.post(url("review", dossier), {"decision": "delivery", "method": "post"}, **EN)

    assert (
        refused.status_code == 400 and "Enter the address the result should be posted to." in refused.content.decode()
    )
    assert Dossier.objects.get(pk=dossier.pk).delivery_method == DeliveryMethod.OFFICE

    saved = client.post(
        url("review", dossier),
        {"decision": "delivery", "method": "post", **address("address", street="5 Trần Phú"), "phone": "0912 345 678"},
        **EN,
    )

    assert saved.status_code == 302 and saved["Location"] == url("review", dossier)
    dossier.refresh_from_db()
    assert dossier.delivery_method == DeliveryMethod.POST and "5 Trần Phú" in dossier.delivery_address
    assert dossier.delivery_phone == "+84912345678" and dossier.status == Status.DRAFT
    postal = costs.quote(dossier).postal
    shown = client.get(url("review", dossier), **EN).content.decode()
    chosen = shown[shown.index('id="counter-delivery-chosen"') :].split("</div>")[0]
    assert "5 Trần Phú" in chosen and f"{postal:,} VND" in chosen

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("review", dossier), {"decision": "accept"}, **EN).status_code == 302

    bill = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    assert postal > 0 and sum(line.amount for line in bill.lines.filter(kind=LineKind.POSTAL)) == postal
    assert bill.amount == costs.quote(Dossier.objects.get(pk=dossier.pk)).total


def test_a_way_the_procedure_does_not_offer_is_refused(client_at_desk):  # noqa: F811
    dossier, _citizen = ready_draft(client_at_desk)

    response = client_at_desk.post(url("review", dossier), {"decision": "delivery", "method": "drone"}, **EN)

    assert response.status_code == 400
    assert Dossier.objects.get(pk=dossier.pk).delivery_method == DeliveryMethod.OFFICE


def test_each_linked_procedure_gets_its_own_way_with_one_address(
    client_at_desk,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client = client_at_desk
    filing = start_group(client)
    client.post(filing_url(filing, "declaration"), group_declaration(), **EN)
    scan_everything(client, filing)
    birth, residence, insurance = part(filing, BIRTH), part(filing, RESIDENCE), part(filing, INSURANCE)
    page = client.get(filing_url(filing), **EN).content.decode()
    assert f'name="method_{birth.pk}"' in page and f'name="method_{residence.pk}"' not in page  # level 3: the desk

    response = client.post(
        filing_url(filing),
        {
            "decision": "delivery",
            f"method_{birth.pk}": "post",
            f"method_{insurance.pk}": "online",
            **address("address", street="5 Trần Phú"),
            "phone": "0912345678",
        },
        **EN,
    )

    assert response.status_code == 302
    birth, residence, insurance = (Dossier.objects.get(pk=p.pk) for p in (birth, residence, insurance))
    assert birth.delivery_method == DeliveryMethod.POST and "5 Trần Phú" in birth.delivery_address
    assert insurance.delivery_method == DeliveryMethod.ONLINE
    assert residence.delivery_method == DeliveryMethod.OFFICE
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(filing_url(filing), {"decision": "accept"}, **EN).status_code == 302
    bill = PaymentRequest.objects.filter(dossier=birth, status=RequestStatus.OPEN).first()
    postal = costs.quote(Dossier.objects.get(pk=birth.pk)).postal
    assert postal > 0 and bill is not None
    assert sum(line.amount for line in bill.lines.filter(kind=LineKind.POSTAL)) == postal
