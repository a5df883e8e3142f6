from rest_framework import serializers

from ..constants import current_level_choices
from ..models import (
    Agency,
    FeeItem,
    Field,
    FormTemplate,
    LegalDocument,
    Procedure,
    ProcedureCase,
    ProcessingOption,
    RequiredDocument,
)


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["id", "code", "name"]


class AgencySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    # Province or commune: the district level is gone since 1 July 2025 and is never offered.
    level = serializers.ChoiceField(choices=current_level_choices(), read_only=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "level", "parent", "address", "phone", "email"]


class FeeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeItem
        fields = ["kind", "code", "amount", "description"]


class ProcessingOptionSerializer(serializers.ModelSerializer):
    fees = FeeItemSerializer(many=True, read_only=True)

    class Meta:
        model = ProcessingOption
        fields = ["channel", "time_value", "time_unit", "description", "fees"]


class FormTemplateSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = FormTemplate
        fields = ["id", "name", "is_stand_in", "url"]

    def get_url(self, obj: FormTemplate) -> str | None:
        if not obj.file or not obj.procedure.offers_templates:
            return None
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class RequiredDocumentSerializer(serializers.ModelSerializer):
    form_template = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = RequiredDocument
        fields = ["code", "name", "originals", "copies", "form_template"]


class ProcedureCaseSerializer(serializers.ModelSerializer):
    documents = RequiredDocumentSerializer(many=True, read_only=True)
    steps = serializers.SlugRelatedField(slug_field="description", many=True, read_only=True)

    class Meta:
        model = ProcedureCase
        fields = ["name", "documents", "steps"]


class LegalDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalDocument
        fields = ["number", "title", "issued_on", "issuer"]


class ProcedureListSerializer(serializers.ModelSerializer):
    field = serializers.StringRelatedField()
    administrative_levels = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "administrative_levels", "service_level", "processing_days"]


class ProcedureDetailSerializer(ProcedureListSerializer):
    agencies = AgencySerializer(many=True, read_only=True)
    options = ProcessingOptionSerializer(many=True, read_only=True)
    cases = ProcedureCaseSerializer(many=True, read_only=True)
    legal_basis = LegalDocumentSerializer(many=True, read_only=True)
    form_templates = FormTemplateSerializer(many=True, read_only=True)

    class Meta(ProcedureListSerializer.Meta):
        fields = [
            *ProcedureListSerializer.Meta.fields,
            "implementing_bodies",
            "agencies",
            "requirements",
            "result",
            "options",
            "cases",
            "legal_basis",
            "form_templates",
            "unverified",
        ]
