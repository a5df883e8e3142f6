"""Factories for the catalogue and accounts; values look like the real ones (codes, Vietnamese names)."""

import factory

from portal.accounts.constants import UserKind
from portal.accounts.models import User
from procedures.constants import AdministrativeLevel, Channel, ServiceLevel
from procedures.models import Agency, FeeItem, Field, Procedure, ProcedureCase, ProcessingOption, RequiredDocument


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.{n // 100 % 100:02d}.{n % 100:02d}.T56")
    name = factory.Sequence(lambda n: f"Ủy ban nhân dân xã Thử Nghiệm {n}")
    level = AdministrativeLevel.COMMUNE


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Lĩnh vực thử nghiệm {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm số {n}")
    field = factory.SubFactory(FieldFactory)
    at_commune = True
    service_level = ServiceLevel.PARTIAL
    processing_days = 5
    result = "Giấy xác nhận"

    @factory.post_generation
    def with_details(self, create, extracted, **kwargs):
        """A case with two required documents and an online option with a fee, as real records have."""
        if not create or extracted is False:
            return
        case = ProcedureCase.objects.create(procedure=self, name="", position=0)
        RequiredDocument.objects.create(case=case, position=0, name="Tờ khai theo mẫu", originals=1)
        RequiredDocument.objects.create(case=case, position=1, name="Bản sao giấy khai sinh", copies=1)
        option = ProcessingOption.objects.create(
            procedure=self, channel=Channel.ONLINE, position=0, time_value=5, time_unit="Ngày làm việc"
        )
        FeeItem.objects.create(option=option, position=0, amount=30000, description="Lệ phí: 30.000 đồng/lần")


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"congdan{n}")
    full_name = "Nguyễn Văn An"
    kind = UserKind.CITIZEN
    password = factory.django.Password("MatKhau@2026")
