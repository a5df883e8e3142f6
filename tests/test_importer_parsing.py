"""Reading records of the national package into plain values, with no database (no ``django_db`` mark: any
query would fail these tests)."""

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from portal import demo
from procedures.constants import AdministrativeLevel, Channel, FeeKind, ServiceLevel
from procedures.importers import ParsedCase, ParsedDocument, ParsedFee, ParsedLaw, RecordError, parse_record

SAMPLE = {record["MaTTHC"]: record for record in json.loads(demo.CATALOGUE_FILE.read_text(encoding="utf-8"))}
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh: commune level, one case for everyone, fees per copy
SCHOOL_TRANSFER = "2.002481"  # Chuyển trường đối với học sinh trung học cơ sở: district level, two cases

COPY_FEE = "Phí cấp bản sao (trích lục/giấy tờ hộ tịch) nếu có yêu cầu: 8.000 đồng/bản"


def sample(code: str) -> dict:
    return copy.deepcopy(SAMPLE[code])


def test_the_birth_registration_reads_identity_levels_and_body():
    parsed = parse_record(sample(BIRTH))

    assert (parsed.code, parsed.name) == (BIRTH, "Thủ tục đăng ký khai sinh")
    assert parsed.levels == {AdministrativeLevel.COMMUNE}
    assert (parsed.at_province, parsed.at_district, parsed.at_commune) == (False, False, True)
    assert (parsed.field_name, parsed.field_code) == ("Hộ tịch", "")
    assert parsed.bodies == [("", "Ủy ban nhân dân cấp xã")]
    assert parsed.service_level == ServiceLevel.FULL
    assert parsed.result == "Giấy khai sinh"
    assert parsed.unverified == []


def test_the_birth_registration_charges_copies_per_copy_and_only_on_request_on_every_channel():
    parsed = parse_record(sample(BIRTH))

    assert [option.channel for option in parsed.options] == [Channel.IN_PERSON, Channel.ONLINE, Channel.POST]
    for option in parsed.options:
        assert (option.time_value, option.time_unit) == (Decimal("1.0"), "Ngày")
        assert option.fees == [
            ParsedFee(
                kind=FeeKind.CHARGE,
                code="",
                amount=0,
                description="Miễn lệ phí đăng ký khai sinh đúng hạn",
                per_unit=False,
                on_request=False,
            ),
            ParsedFee(kind=FeeKind.FEE, code="", amount=8000, description=COPY_FEE, per_unit=True, on_request=True),
        ]


def test_the_birth_registration_flags_the_declaration_and_the_conditional_documents():
    parsed = parse_record(sample(BIRTH))

    [case] = parsed.cases
    assert case.name == ""
    # (start of the name, required online, replaced by the e-form online)
    assert [(d.name[:40], d.is_required, d.eform_replaces) for d in case.documents] == [
        ("Tờ khai đăng ký khai sinh theo mẫu (nộp ", True, True),
        ("Giấy chứng sinh; trường hợp không có thì", True, False),
        ("Biên bản về việc trẻ bị bỏ rơi do cơ qua", False, False),
        ("Văn bản xác nhận của cơ sở y tế đã thực ", False, False),
        ("Văn bản ủy quyền trong trường hợp ủy quy", False, False),
        ("Xuất trình: Hộ chiếu/Thẻ căn cước công d", False, False),
        ("Xuất trình: Giấy tờ chứng minh thông tin", False, False),
    ]
    declaration = case.documents[0]
    assert (declaration.originals, declaration.copies, declaration.template_name) == (
        1,
        0,
        "Tờ khai đăng ký khai sinh",
    )
    assert len(case.steps) == 5 and case.steps[0].startswith("Bước 1: Người yêu cầu nộp hồ sơ")


def test_the_birth_registration_reads_its_legal_basis_with_dates():
    parsed = parse_record(sample(BIRTH))

    assert len(parsed.laws) == 14
    assert parsed.laws[0] == ParsedLaw(
        number="60/2014/QH13", title="Luật Hộ tịch", issued_on=date(2014, 11, 20), issuer="Quốc hội"
    )


def test_the_school_transfer_is_at_district_level_with_two_cases_each_with_its_own_steps():
    parsed = parse_record(sample(SCHOOL_TRANSFER))

    assert parsed.levels == {AdministrativeLevel.DISTRICT}
    assert (parsed.at_province, parsed.at_district, parsed.at_commune) == (False, True, False)
    assert parsed.service_level == ServiceLevel.INFORMATION
    assert parsed.unverified == ["KETQUATHUCHIEN", "SOTIEN", "LINHVUCTHUCHIEN"]
    assert [(c.name, len(c.documents), len(c.steps)) for c in parsed.cases] == [
        ("Chuyển trường trong cùng tỉnh, thành phố", 3, 2),
        ("Chuyển trường từ tỉnh, thành phố khác đến", 4, 3),
    ]
    assert parsed.cases[1].steps[2] == "Bước 3: Hiệu trưởng nhà trường nơi chuyển đến tiếp nhận học sinh."
    assert parsed.cases[0].documents[0] == ParsedDocument(
        code="",
        name="Đơn xin chuyển trường do cha hoặc mẹ (hoặc người giám hộ) ký",
        originals=1,
        copies=0,
        template_name="",
        is_required=True,
        eform_replaces=False,  # an application form, but the record offers no online e-form in its place
    )
    [option] = parsed.options
    assert (option.channel, option.time_value) == (Channel.IN_PERSON, Decimal("0.0"))
    assert [(fee.amount, fee.per_unit, fee.on_request) for fee in option.fees] == [(0, False, False)]
    assert parsed.laws[0].issued_on == date(2002, 12, 25)


def test_levels_named_in_words_amounts_as_text_and_merged_case_rows():
    record = sample(BIRTH)
    record["CAPTHUCHIEN"] = [{"TENCAP": "Cấp Huyện"}, {"CAPTHUCHIEN": 1, "TENCAP": "Cấp Tỉnh"}]
    record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["PHILEPHI"][1]["SOTIEN"] = "8.000"
    record["THANHPHANHOSO"] = [
        {"TRUONGHOP": "Có yếu tố nước ngoài", "GIAYTO": [{"TENGIAYTO": "Hộ chiếu"}]},
        {"TRUONGHOP": "Có yếu tố nước ngoài", "GIAYTO": [{"TENGIAYTO": "Giấy tờ cư trú"}]},
    ]
    record["TRINHTUTHUCHIEN"] = [
        {"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": "Nộp hồ sơ"}]},
        {"TRUONGHOP": "Chỉ có trong trình tự", "TRINHTU": [{"TENTRINHTU": "Phỏng vấn"}, {"TENTRINHTU": ""}]},
    ]

    parsed = parse_record(record)

    assert parsed.levels == {AdministrativeLevel.PROVINCE, AdministrativeLevel.DISTRICT}
    assert parsed.options[0].fees[1].amount == 8000
    assert [(c.name, [d.name for d in c.documents], c.steps) for c in parsed.cases] == [
        ("Có yếu tố nước ngoài", ["Hộ chiếu", "Giấy tờ cư trú"], ["Nộp hồ sơ"]),
        ("Chỉ có trong trình tự", [], ["Phỏng vấn"]),
    ]


def test_a_record_without_documents_or_steps_has_one_general_case():
    record = sample(BIRTH) | {"THANHPHANHOSO": [], "TRINHTUTHUCHIEN": []}

    assert parse_record(record).cases == [ParsedCase(name="")]


def test_a_record_that_is_not_an_object_is_refused():
    with pytest.raises(RecordError, match="a record must be a JSON object"):
        parse_record(["MaTTHC", BIRTH])


def _set(path: tuple, value):
    """A change to the birth record: ``value`` at ``path`` (keys and list indexes)."""

    def change(record: dict) -> None:
        *parents, last = path
        target = record
        for key in parents:
            target = target[key]
        target[last] = value

    return change


FEE = ("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0, "PHILEPHI", 1)
DOCUMENT = ("THANHPHANHOSO", 0, "GIAYTO", 0)

# (section, change to the birth record, the field the error names)
BAD_RECORDS = [
    ("identity", _set(("MaTTHC",), ""), "MaTTHC"),
    ("identity", _set(("MaTTHC",), "khai-sinh"), "MaTTHC"),
    ("identity", _set(("TENTTHC",), "   "), "TENTTHC"),
    ("levels", _set(("CAPTHUCHIEN",), [{"CAPTHUCHIEN": 7, "TENCAP": "Cấp thôn"}]), "CAPTHUCHIEN"),
    ("levels", _set(("CAPTHUCHIEN",), [{"TENCAP": ["Cấp xã"]}]), "TENCAP"),
    ("field", _set(("LINHVUCTHUCHIEN",), "Hộ tịch"), "LINHVUCTHUCHIEN"),
    ("bodies", _set(("COQUANTHUCHIEN", 0, "TENDONVI"), {"vi": "UBND"}), "TENDONVI"),
    ("channels", _set(("CACHTHUCTHUCHIEN", 1, "KENH"), 9), "KENH"),
    ("channels", _set(("CACHTHUCTHUCHIEN", 0, "THOIGIAN", 0, "THOIGIANGIAIQUYET"), "một ngày"), "THOIGIANGIAIQUYET"),
    ("fees", _set((*FEE, "SOTIEN"), "-8.000"), "SOTIEN"),
    ("fees", _set((*FEE, "MOTA"), ["Phí cấp bản sao"]), "PHILEPHI.MOTA"),
    ("cases", _set(("THANHPHANHOSO",), {"GIAYTO": []}), "THANHPHANHOSO"),
    ("documents", _set((*DOCUMENT, "TENGIAYTO"), ""), "TENGIAYTO"),
    ("documents", _set((*DOCUMENT, "SOBANCHINH"), 1.5), "SOBANCHINH"),
    ("documents", _set((*DOCUMENT, "SOBANSAO"), "hai"), "SOBANSAO"),
    ("steps", _set(("TRINHTUTHUCHIEN", 0, "TRINHTU"), "Bước 1"), "TRINHTU"),
    ("steps", _set(("TRINHTUTHUCHIEN", 0, "TRINHTU", 0, "TENTRINHTU"), ["Bước 1"]), "TENTRINHTU"),
    ("legal basis", _set(("CANCUPHAPLY", 1, "SOVANBAN"), ""), "SOVANBAN"),
    ("legal basis", _set(("CANCUPHAPLY", 1, "NGAYBANHANH"), "2015/15/11"), "NGAYBANHANH"),
    ("result", _set(("KETQUATHUCHIEN", 0, "TENKETQUA"), ["Giấy khai sinh"]), "TENKETQUA"),
    ("service level", _set(("MUCDO",), 5), "MUCDO"),
    ("unverified", _set(("CHUA_XAC_MINH",), "SOTIEN"), "CHUA_XAC_MINH"),
    ("requirements", _set(("YEUCAU",), ["Không"]), "YEUCAU"),
]


@pytest.mark.parametrize(("section", "change", "field_name"), BAD_RECORDS)
def test_a_bad_section_is_refused_naming_the_field(section, change, field_name):
    record = sample(BIRTH)
    change(record)

    with pytest.raises(RecordError) as raised:
        parse_record(record)

    assert field_name in str(raised.value), section


@pytest.mark.parametrize(
    ("written", "amount"),
    [(8000, 8000), ("8.000", 8000), ("8,000", 8000), ("8.000đ", 8000), ("8.000 đồng", 8000), ("8.000 Đồng", 8000)],
)
def test_an_amount_written_as_text_is_read_in_vnd(written, amount):
    record = sample(BIRTH)
    record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["PHILEPHI"][1]["SOTIEN"] = written

    assert parse_record(record).options[0].fees[1].amount == amount


def test_long_fee_and_document_codes_are_cut_to_what_the_catalogue_stores():
    record = sample(BIRTH)
    record["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["PHILEPHI"][0]["MAPHILEPHI"] = "P" * 40
    record["THANHPHANHOSO"][0]["GIAYTO"][0]["MAGIAYTO"] = "G" * 40

    parsed = parse_record(record)

    assert parsed.options[0].fees[0].code == "P" * 32
    assert parsed.cases[0].documents[0].code == "G" * 32
