import copy
import json

import pytest
from django.core.management import CommandError, call_command

from portal import demo
from procedures.constants import AdministrativeLevel, Channel, FeeKind, ServiceLevel
from procedures.importers import import_package, load_package
from procedures.models import DistrictRule, FeeItem, Field, Procedure, ProcedureCase, RequiredDocument
from procedures.selectors import CatalogueFilters, search_procedures

pytestmark = pytest.mark.django_db

RECORD = {
    "MaTTHC": "1.999001",
    "TENTTHC": "Thủ tục đăng ký kết hôn thử nghiệm",
    "MUCDO": 3,
    "CAPTHUCHIEN": [{"CAPTHUCHIEN": 3, "TENCAP": "Cấp Xã"}],
    "LINHVUCTHUCHIEN": [{"MALINHVUC": "HT", "TENLINHVUC": "Hộ tịch"}],
    "COQUANTHUCHIEN": [{"MADONVI": "", "TENDONVI": "Ủy ban nhân dân cấp xã"}],
    "CACHTHUCTHUCHIEN": [
        {
            "KENH": 2,
            "THOIGIAN": [
                {
                    "THOIGIANGIAIQUYET": 5,
                    "DONVITINH": "Ngày làm việc",
                    "MOTA": "",
                    "PHILEPHI": [
                        {"MAPHILEPHI": "", "SOTIEN": "30.000", "DONVI": "Đồng", "MOTA": "Lệ phí: 30.000 đồng"}
                    ],
                }
            ],
        }
    ],
    "THANHPHANHOSO": [
        {
            "TRUONGHOP": "Trường hợp hai bên cư trú trong nước",
            "GIAYTO": [
                {"TENGIAYTO": "Tờ khai đăng ký kết hôn", "SOBANCHINH": 1, "SOBANSAO": 0, "TENMAUDON": "Tờ khai"},
                {"TENGIAYTO": "Giấy xác nhận tình trạng hôn nhân", "SOBANCHINH": 1, "SOBANSAO": 0},
            ],
        },
        {
            "TRUONGHOP": "Trường hợp có yếu tố nước ngoài",
            "GIAYTO": [{"TENGIAYTO": "Hộ chiếu", "SOBANCHINH": 0, "SOBANSAO": 1}],
        },
    ],
    "TRINHTUTHUCHIEN": [
        {"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": "Nộp hồ sơ"}, {"TENTRINHTU": "Tiếp nhận và giải quyết"}]}
    ],
    "CANCUPHAPLY": [{"SOVANBAN": "60/2014/QH13", "TENVANBAN": "Luật Hộ tịch", "NGAYBANHANH": "20/11/2014"}],
    "KETQUATHUCHIEN": [{"TENKETQUA": "Giấy chứng nhận kết hôn"}],
    "YEUCAU": "Nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi",
}


def test_a_good_record_is_imported_with_everything_a_level_1_page_shows():
    report = import_package([RECORD])

    assert report.ok and report.created == ["1.999001"]
    procedure = Procedure.objects.get(code="1.999001")
    assert procedure.name == "Thủ tục đăng ký kết hôn thử nghiệm"
    assert procedure.service_level == ServiceLevel.PARTIAL
    assert procedure.administrative_levels == [AdministrativeLevel.COMMUNE]
    assert procedure.field.name == "Hộ tịch"
    assert [c.name for c in procedure.cases.order_by("position")] == [
        "Trường hợp hai bên cư trú trong nước",
        "Trường hợp có yếu tố nước ngoài",
    ]
    first = procedure.cases.get(position=0).documents.order_by("position")
    assert [(d.name, d.originals, d.copies) for d in first] == [
        ("Tờ khai đăng ký kết hôn", 1, 0),
        ("Giấy xác nhận tình trạng hôn nhân", 1, 0),
    ]
    assert first[0].form_template.name == "Tờ khai"
    option = procedure.options.get()
    assert option.channel == Channel.ONLINE
    fee = option.fees.get()
    assert (fee.amount, fee.kind) == (30000, FeeKind.CHARGE)
    steps = procedure.cases.get(position=0).steps.order_by("position")
    assert [s.description for s in steps] == ["Nộp hồ sơ", "Tiếp nhận và giải quyết"]
    assert procedure.legal_basis.get().number == "60/2014/QH13"
    assert "Giấy chứng nhận kết hôn" in procedure.result
    assert "đủ 20 tuổi" in procedure.requirements


def test_reimport_updates_in_place_and_never_duplicates():
    import_package([RECORD])
    changed = copy.deepcopy(RECORD)
    changed["TENTTHC"] = "Thủ tục đăng ký kết hôn (sửa đổi)"
    changed["THANHPHANHOSO"] = changed["THANHPHANHOSO"][:1]
    changed["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["PHILEPHI"][0]["SOTIEN"] = 40000

    report = import_package([changed])

    assert report.updated == ["1.999001"] and not report.created
    procedure = Procedure.objects.get(code="1.999001")
    assert procedure.name == "Thủ tục đăng ký kết hôn (sửa đổi)"
    assert ProcedureCase.objects.filter(procedure=procedure).count() == 1
    assert RequiredDocument.objects.filter(case__procedure=procedure).count() == 2
    assert list(FeeItem.objects.filter(option__procedure=procedure).values_list("amount", flat=True)) == [40000]


def test_malformed_records_are_reported_and_the_rest_still_imported():
    no_code = {k: v for k, v in RECORD.items() if k != "MaTTHC"}
    bad_channel = copy.deepcopy(RECORD) | {"MaTTHC": "1.999002"}
    bad_channel["CACHTHUCTHUCHIEN"][0]["KENH"] = 9
    bad_level = copy.deepcopy(RECORD) | {"MaTTHC": "1.999003", "CAPTHUCHIEN": [{"TENCAP": "Cấp thôn"}]}
    good = copy.deepcopy(RECORD) | {"MaTTHC": "1.999004"}

    report = import_package([no_code, "not an object", bad_channel, bad_level, good])

    assert report.created == ["1.999004"]
    errors = {position: (code, reason) for position, code, reason in report.errors}
    assert set(errors) == {1, 2, 3, 4}
    assert "MaTTHC" in errors[1][1]
    assert errors[3][0] == "1.999002" and "KENH" in errors[3][1]
    assert errors[4][0] == "1.999003" and "CAPTHUCHIEN" in errors[4][1]
    assert not Procedure.objects.filter(code__in=["1.999002", "1.999003"]).exists()


def test_a_bad_record_leaves_the_previous_import_of_it_untouched():
    import_package([RECORD])
    broken = copy.deepcopy(RECORD)
    broken["THANHPHANHOSO"][0]["GIAYTO"][1]["TENGIAYTO"] = ""

    report = import_package([broken])

    assert not report.ok
    assert RequiredDocument.objects.filter(case__procedure__code="1.999001").count() == 3


def test_the_management_command_imports_a_file_and_reports_errors(tmp_path, capsys):
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"data": [RECORD, {"MaTTHC": "abc"}]}, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(CommandError, match="1 record"):
        call_command("import_procedures", str(package))

    out = capsys.readouterr()
    assert Procedure.objects.filter(code="1.999001").exists()
    assert "abc" in out.err


def test_the_demo_package_imports_cleanly_and_again_without_duplicates(catalogue):
    before = Procedure.objects.count()
    records = load_package(demo.CATALOGUE_FILE)

    report = import_package(records)

    assert report.ok and not report.created
    assert len(report.updated) == len(records) == before >= 40
    assert Procedure.objects.count() == before
    levels = set(Procedure.objects.values_list("service_level", flat=True))
    assert levels == {1, 2, 3, 4}
    assert Procedure.objects.filter(cases__position=1).exists()  # several cases
    assert Procedure.objects.filter(at_province=True).exists()
    assert Procedure.objects.filter(at_commune=True).exists()
    # The records still published at district level are imported, flagged and listed, at the commune by default.
    flagged = {code for code, _ in report.district}
    assert flagged == {"1.001612", "2.000815", "2.000884", "2.002481"}
    assert set(Procedure.objects.filter(district_legacy=True).values_list("code", flat=True)) == flagged
    assert {level for _, level in report.district} == {AdministrativeLevel.COMMUNE}


# --- Records still published at district level ("Cấp huyện", gone since 1 July 2025) ----------------------------

DISTRICT_RECORD = copy.deepcopy(RECORD) | {
    "MaTTHC": "1.999010",
    "TENTTHC": "Chứng thực thử nghiệm",
    "CAPTHUCHIEN": [{"CAPTHUCHIEN": 2, "TENCAP": "Cấp Huyện"}],
    "LINHVUCTHUCHIEN": [{"MALINHVUC": "", "TENLINHVUC": "Chứng thực thử nghiệm"}],
    "COQUANTHUCHIEN": [{"MADONVI": "", "TENDONVI": "Phòng Tư pháp cấp huyện"}],
}


def at_level(level: AdministrativeLevel) -> set[str]:
    return set(search_procedures(CatalogueFilters(administrative_level=level)).values_list("code", flat=True))


def test_a_district_record_is_imported_flagged_at_the_commune_by_default_and_listed_in_the_report():
    report = import_package([RECORD, DISTRICT_RECORD])

    assert report.ok and report.created == ["1.999001", "1.999010"]
    assert report.district == [("1.999010", AdministrativeLevel.COMMUNE)]
    procedure = Procedure.objects.get(code="1.999010")
    assert procedure.district_legacy and procedure.at_district  # what the record said, kept for history
    assert procedure.administrative_levels == [AdministrativeLevel.COMMUNE]
    assert "1.999010" in at_level(AdministrativeLevel.COMMUNE)
    assert "1.999010" not in at_level(AdministrativeLevel.PROVINCE)
    assert not Procedure.objects.get(code="1.999001").district_legacy


def test_a_district_record_goes_where_the_rule_of_its_field_says():
    field = Field.objects.create(name="Chứng thực thử nghiệm")
    DistrictRule.objects.create(field=field, level=AdministrativeLevel.PROVINCE)
    DistrictRule.objects.create(field=None, level=AdministrativeLevel.COMMUNE)
    other_field = copy.deepcopy(DISTRICT_RECORD) | {
        "MaTTHC": "1.999011",
        "LINHVUCTHUCHIEN": [{"MALINHVUC": "", "TENLINHVUC": "Giáo dục thử nghiệm"}],
    }

    report = import_package([DISTRICT_RECORD, other_field])

    assert report.district == [("1.999010", AdministrativeLevel.PROVINCE), ("1.999011", AdministrativeLevel.COMMUNE)]
    assert Procedure.objects.get(code="1.999010").administrative_levels == [AdministrativeLevel.PROVINCE]
    assert Procedure.objects.get(code="1.999011").administrative_levels == [AdministrativeLevel.COMMUNE]


def test_the_rule_for_every_other_field_replaces_the_commune_default():
    DistrictRule.objects.create(field=None, level=AdministrativeLevel.PROVINCE)

    report = import_package([DISTRICT_RECORD])

    assert report.district == [("1.999010", AdministrativeLevel.PROVINCE)]
    assert "1.999010" in at_level(AdministrativeLevel.PROVINCE)


def test_applying_a_changed_rule_reassigns_the_flagged_procedures_once(capsys):
    import_package([RECORD, DISTRICT_RECORD])
    DistrictRule.objects.create(
        field=Field.objects.get(name="Chứng thực thử nghiệm"), level=AdministrativeLevel.PROVINCE
    )

    call_command("apply_district_rules")

    assert "1.999010" in capsys.readouterr().out
    procedure = Procedure.objects.get(code="1.999010")
    assert procedure.administrative_levels == [AdministrativeLevel.PROVINCE] and procedure.district_legacy
    assert Procedure.objects.get(code="1.999001").administrative_levels == [AdministrativeLevel.COMMUNE]
    call_command("apply_district_rules")
    assert "0 procedure(s) re-assigned" in capsys.readouterr().out  # idempotent


def test_a_record_republished_without_the_district_level_is_no_longer_flagged():
    import_package([DISTRICT_RECORD])
    republished = copy.deepcopy(DISTRICT_RECORD) | {"CAPTHUCHIEN": [{"CAPTHUCHIEN": 1, "TENCAP": "Cấp Tỉnh"}]}

    report = import_package([republished])

    assert not report.district
    procedure = Procedure.objects.get(code="1.999010")
    assert not procedure.district_legacy and not procedure.at_district
    assert procedure.administrative_levels == [AdministrativeLevel.PROVINCE]


def test_the_import_command_lists_the_district_records(tmp_path, capsys):
    package = tmp_path / "package.json"
    package.write_text(json.dumps([DISTRICT_RECORD], ensure_ascii=False), encoding="utf-8")

    call_command("import_procedures", str(package))

    assert "1.999010" in capsys.readouterr().out


def test_applying_the_rules_also_flags_a_district_procedure_imported_before_the_flag_existed():
    import_package([DISTRICT_RECORD])
    Procedure.objects.filter(code="1.999010").update(
        district_legacy=False, at_commune=False
    )  # as an older import left it

    call_command("apply_district_rules")

    procedure = Procedure.objects.get(code="1.999010")
    assert procedure.district_legacy and procedure.administrative_levels == [AdministrativeLevel.COMMUNE]
