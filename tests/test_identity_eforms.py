"""E-form fields bound to identity claims: verified (read-only, enforced) from the provider, editable otherwise."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from dossiers import services
from dossiers.models import Dossier
from portal.accounts.identity import masked_address, masked_birth_date, prefill_for
from portal.accounts.models import CitizenIdentity, User
from procedures.eforms import EForm, IdentityPrefill, validate_spec
from procedures.models import Agency, Procedure

from .factories import CitizenFactory
from .filing import HAC_THANH, address

pytestmark = pytest.mark.django_db

GUARDIANSHIP_SUPERVISION = "3.000323"  # the default e-form: applicant_name, _birth_date, _id, _phone, _address
CCCD = "001090000001"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def verified_citizen() -> User:
    citizen = CitizenFactory(id_number=CCCD, full_name="Nguyễn Văn An", phone="+84912000001")
    CitizenIdentity.objects.create(
        user=citizen,
        issuer="http://idp.example",
        subject=CCCD,
        full_name="Nguyễn Văn An",
        birth_date=datetime.date(1990, 3, 15),
        sex="male",
        phone="+84912000001",
        address="Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        level_of_assurance="2",
        verified_at=timezone.now(),
    )
    return citizen


def draft_for(citizen: User) -> Dossier:
    procedure = Procedure.objects.get(code=GUARDIANSHIP_SUPERVISION)
    return services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.first()
    )


def declaration(**overrides) -> dict:
    data = {
        "applicant_name": "Nguyễn Văn An",
        "applicant_birth_date": "1990-03-15",
        "applicant_id": CCCD,
        "applicant_phone": "0912000001",
        **address("applicant_address"),
        "request": "Đăng ký giám sát việc giám hộ.",
    }
    data.update(overrides)
    return data


def test_a_verified_identity_fills_the_bound_fields_read_only(catalogue):
    citizen = verified_citizen()
    form = EForm(spec=Procedure.objects.get(code=GUARDIANSHIP_SUPERVISION).eform, identity=prefill_for(citizen))
    assert form.verified_fields == {"applicant_name", "applicant_birth_date", "applicant_id", "applicant_phone"}
    assert form.initial["applicant_name"] == "Nguyễn Văn An"
    assert form.initial["applicant_birth_date"] == datetime.date(1990, 3, 15)
    assert all(form.fields[name].disabled for name in form.verified_fields)
    assert not form.fields["request"].disabled
    html = str(form["applicant_name"])
    assert "disabled" in html and "Nguyễn Văn An" in html


def test_a_record_without_a_verified_identity_prefills_editable_fields(catalogue):
    citizen = CitizenFactory(id_number="038090001299", full_name="Lê Văn Bảo", phone="+84912345678")
    form = EForm(spec=Procedure.objects.get(code=GUARDIANSHIP_SUPERVISION).eform, identity=prefill_for(citizen))
    assert form.verified_fields == set()
    assert form.initial["applicant_name"] == "Lê Văn Bảo"
    assert form.initial["applicant_id"] == "038090001299"
    assert not form.fields["applicant_name"].disabled


def test_what_was_saved_in_the_draft_wins_over_an_unverified_prefill(catalogue):
    prefill = IdentityPrefill(values={"full_name": "Tên Trong Hồ Sơ"}, verified=False)
    form = EForm(
        initial={"applicant_name": "Tên Đã Sửa"},
        spec=Procedure.objects.get(code=GUARDIANSHIP_SUPERVISION).eform,
        identity=prefill,
    )
    assert form.initial["applicant_name"] == "Tên Đã Sửa"


def test_the_citizen_cannot_change_a_verified_field_by_posting_another_value(client, catalogue):
    citizen = verified_citizen()
    client.force_login(citizen)
    dossier = draft_for(citizen)
    page = client.get(reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), **EN)
    assert "Verified by VNeID" in page.content.decode()
    forged = declaration(applicant_name="Người Khác", applicant_id="079185000002", applicant_birth_date="2001-01-01")
    response = client.post(reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), forged)
    assert response.status_code == 302, response.context["form"].errors
    dossier.refresh_from_db()
    assert dossier.form_data["applicant_name"] == "Nguyễn Văn An"
    assert dossier.form_data["applicant_id"] == CCCD
    assert dossier.form_data["applicant_birth_date"] == "1990-03-15"
    assert dossier.form_data["request"] == "Đăng ký giám sát việc giám hộ."


def test_an_unverified_citizen_types_their_own_values(client, catalogue):
    citizen = CitizenFactory(id_number="038090001299", full_name="Lê Văn Bảo")
    client.force_login(citizen)
    dossier = draft_for(citizen)
    data = declaration(applicant_name="Lê Văn Bảo", applicant_id="038090001299")
    response = client.post(reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), data)
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.form_data["applicant_name"] == "Lê Văn Bảo"


def test_the_api_keeps_the_verified_values(client, catalogue):
    from rest_framework.test import APIClient

    citizen = verified_citizen()
    dossier = draft_for(citizen)
    api = APIClient()
    api.force_authenticate(citizen)
    answers = {
        "applicant_name": "Người Khác",
        "applicant_birth_date": "2001-01-01",
        "applicant_id": "079185000002",
        "applicant_phone": "0912000001",
        "applicant_address": {"province_code": 38, "ward": "Hạc Thành", "street": "12 Lê Lợi"},
        "request": "Đăng ký giám sát việc giám hộ.",
    }
    response = api.put(f"/api/v1/drafts/{dossier.public_id}/declaration/", {"answers": answers}, format="json")
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    assert dossier.form_data["applicant_name"] == "Nguyễn Văn An"
    assert dossier.form_data["applicant_id"] == CCCD


def test_the_desk_sees_the_verified_identity_masked_and_fills_the_form_from_it(client, catalogue):
    citizen = verified_citizen()
    client.force_login(User.objects.get(username="tiepnhan"))
    page = client.post(
        reverse("admin:dossiers_dossier_counter"), {"id_number": CCCD, "find": "1"}, **EN
    ).content.decode()
    assert "Identity verified by VNeID (level 2)" in page
    assert "**/**/1990" in page and "15/03/1990" not in page
    assert "***, Phường Hoàn Kiếm, Thành phố Hà Nội" in page and "Hàng Bạc" not in page
    response = client.post(
        reverse("admin:dossiers_dossier_counter_procedure"), {"id_number": CCCD, "procedure": GUARDIANSHIP_SUPERVISION}
    )
    dossier = Dossier.objects.get(applicant=citizen)
    url = reverse("admin:dossiers_dossier_counter_declaration", args=[dossier.pk])
    assert response.status_code == 302 and response["Location"] == url
    form = client.get(url).context["form"]
    assert form.verified_fields >= {"applicant_name", "applicant_id"}
    client.post(url, declaration(applicant_name="Người Khác"))
    dossier.refresh_from_db()
    assert dossier.form_data["applicant_name"] == "Nguyễn Văn An"


def test_the_masks():
    assert masked_birth_date(datetime.date(1990, 3, 15)) == "**/**/1990"
    assert masked_birth_date(None) == ""
    assert masked_address("Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Hà Nội") == "***, Phường Hoàn Kiếm, Hà Nội"
    assert masked_address("Hà Nội") == "***"


def test_a_spec_binding_an_unknown_claim_is_refused():
    with pytest.raises(ValidationError):
        validate_spec([{"name": "x", "type": "text", "label": "X", "claim": "religion"}])
    validate_spec([{"name": "x", "type": "text", "label": "X", "claim": "full_name"}])


def test_a_sex_claim_fills_a_choice_as_the_form_spells_it():
    spec = [{"name": "applicant_sex", "type": "choice", "label": "Giới tính", "choices": ["Nam", "Nữ"]}]
    form = EForm(spec=spec, identity=IdentityPrefill(values={"sex": "female"}, verified=True, source="VNeID"))
    assert form.initial["applicant_sex"] == "Nữ"


@pytest.mark.parametrize(
    "bounds",
    [
        {"type": "number", "max": "20"},  # the citizen's page compared a number with text: 500
        {"type": "number", "min": 1.5},
        {"type": "number", "min": True},
        {"type": "number", "min": 5, "max": 1},
        {"type": "text", "max_length": "x"},  # the page could not be built: 500
        {"type": "text", "max_length": 0},
        {"type": "textarea", "max_length": 10**6},
        {"type": "choice", "choices": [1, 2]},
    ],
)
def test_a_spec_whose_bounds_the_form_cannot_use_is_refused(bounds):
    with pytest.raises(ValidationError):
        validate_spec([{"name": "x", "label": "X", **bounds}])


def test_a_spec_with_whole_bounds_is_kept_and_the_form_enforces_them():
    spec = [
        {"name": "copies", "type": "number", "label": "Số bản sao", "min": 0, "max": 20},
        {"name": "note", "type": "text", "label": "Ghi chú", "max_length": 5, "required": False},
    ]
    validate_spec(spec)

    form = EForm({"copies": "21", "note": "dài quá"}, spec=spec)

    assert not form.is_valid() and set(form.errors) == {"copies", "note"}


def test_a_year_field_takes_years_up_to_this_one_in_vietnam_and_no_later(monkeypatch):
    """A parent's year of birth: the demo's forms said "up to 2030", so a birth in 2029 was accepted in 2026."""
    spec = [{"name": "mother_birth_year", "type": "year", "label": "Năm sinh"}]
    validate_spec(spec)
    # 31 December 2026, 17:30 UTC, is already 2027 in Vietnam (UTC+7): the bound follows the local date.
    new_year_in_hanoi = datetime.datetime(2026, 12, 31, 17, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: new_year_in_hanoi)

    form = EForm(spec=spec)
    assert 'max="2027"' in str(form["mother_birth_year"]) and 'min="1900"' in str(form["mother_birth_year"])
    assert EForm({"mother_birth_year": "2027"}, spec=spec).is_valid()

    for posted, message in (("2028", "Năm không thể là năm trong tương lai."), ("1899", "1900")):
        with translation.override("vi"):
            refused = EForm({"mother_birth_year": posted}, spec=spec)
        assert not refused.is_valid()
        assert message in refused.errors["mother_birth_year"][0]


def test_choices_and_hints_read_in_english_and_answers_are_kept_in_vietnamese():
    """The English declaration offered "Nam/Nữ" and "Cha, Mẹ, ..."; the dossier pages then read "Sex: Nam"."""
    from procedures.eforms import display_answers

    spec = [
        {"name": "child_sex", "type": "choice", "label": "Giới tính", "label_en": "Sex",
         "choices": ["Nam", "Nữ"], "choices_en": ["Male", "Female"]},
        {"name": "father_name", "type": "text", "label": "Họ tên cha", "required": False,
         "help": "Để trống nếu chưa xác định được cha", "help_en": "Leave empty if the father is not established"},
    ]  # fmt: skip
    validate_spec(spec)

    with translation.override("en"):
        form = EForm({"child_sex": "Nữ"}, spec=spec)
        assert list(form.fields["child_sex"].choices) == [("", "—"), ("Nam", "Male"), ("Nữ", "Female")]
        assert form.fields["father_name"].help_text == "Leave empty if the father is not established"
        assert form.is_valid() and form.to_json()["child_sex"] == "Nữ"
        assert display_answers(spec, form.to_json())[0][1][0] == ("Sex", "Female")
    with translation.override("vi"):
        assert display_answers(spec, {"child_sex": "Nữ"})[0][1][0] == ("Giới tính", "Nữ")
        assert EForm(spec=spec).fields["father_name"].help_text == "Để trống nếu chưa xác định được cha"

    with pytest.raises(ValidationError):
        validate_spec([{**spec[0], "choices_en": ["Male"]}])  # one English wording short
