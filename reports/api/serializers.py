"""The statistics as JSON: the same figures as the page and the CSV, described for the OpenAPI schema."""

from rest_framework import serializers


class LevelSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text="Online service level, 1 to 4")
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Per cent of the published procedures, one decimal")


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="First day of the month")
    online = serializers.IntegerField()
    counter = serializers.IntegerField(help_text="Received in person")
    post = serializers.IntegerField()
    total = serializers.IntegerField()


class ChannelSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=["online", "counter", "post"])
    count = serializers.IntegerField()
    share = serializers.FloatField()


class TimelinessSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Agency code, or field id")
    name = serializers.CharField()
    finished = serializers.IntegerField()
    ahead = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    ahead_share = serializers.FloatField()
    on_time_share = serializers.FloatField()
    late_share = serializers.FloatField()
    in_time_share = serializers.FloatField(help_text="Ahead of time or on time, per cent")


class CentreSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Receiving centre's agency code")
    name = serializers.CharField()
    received = serializers.IntegerField(help_text="Dossiers received at its desk in the period")
    online = serializers.IntegerField()
    counter = serializers.IntegerField(help_text="Received in person")
    post = serializers.IntegerField()
    routed = serializers.IntegerField(help_text="Received for another (competent) agency")
    counter_digitised = serializers.IntegerField(help_text="Counter dossiers digitised at intake")
    digitised_share = serializers.FloatField(help_text="Per cent of its counter dossiers digitised at intake")


class ProcessingSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Competent agency's code")
    name = serializers.CharField()
    received = serializers.IntegerField(help_text="Dossiers it processes received in the period, at any centre")
    routed = serializers.IntegerField(help_text="Of which received by another centre")
    results = serializers.IntegerField(help_text="Results ready in the period")
    electronic_results = serializers.IntegerField(help_text="Of which issued electronically")
    electronic_share = serializers.FloatField()


class DigitisationSerializer(serializers.Serializer):
    counter = serializers.IntegerField(help_text="Dossiers received at the counter in the period")
    counter_digitised = serializers.IntegerField(
        help_text="Of which digitised at intake: at least one document scanned at intake, and every document "
        "either scanned at intake or exempt from digitisation"
    )
    digitised_share = serializers.FloatField(help_text="Per cent, one decimal (Decision 766/QĐ-TTg)")
    results = serializers.IntegerField(help_text="Dossiers whose result was ready in the period")
    electronic_results = serializers.IntegerField(
        help_text="Of which issued electronically: a stored result file, delivered online"
    )
    electronic_share = serializers.FloatField(help_text="Per cent, one decimal (Decision 766/QĐ-TTg)")


class SatisfactionSerializer(serializers.Serializer):
    ratings = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    on_time = serializers.FloatField(allow_null=True)
    attitude = serializers.FloatField(allow_null=True)
    clarity = serializers.FloatField(allow_null=True)
    distribution = serializers.DictField(child=serializers.IntegerField(), help_text="Overall score → ratings")


class SyncSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Competent agency's code")
    name = serializers.CharField()
    received = serializers.IntegerField(help_text="Dossiers it processes received in the period")
    synced = serializers.IntegerField(help_text="Of which the national public service portal holds")
    share = serializers.FloatField(help_text="Per cent, one decimal (Decision 766/QĐ-TTg)")


class StatisticsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    agency_code = serializers.CharField(allow_blank=True)
    agency_name = serializers.CharField(allow_blank=True)
    procedures = serializers.IntegerField()
    levels = LevelSerializer(many=True)
    received = serializers.IntegerField()
    months = MonthSerializer(many=True)
    channels = ChannelSerializer(many=True)
    online_share = serializers.FloatField()
    routed = serializers.IntegerField(help_text="Received by one centre for another agency")
    routed_share = serializers.FloatField()
    centres = CentreSerializer(many=True, help_text="By receiving centre (null centre: the competent agency)")
    processing = ProcessingSerializer(many=True, help_text="By competent (processing) agency")
    digitisation = DigitisationSerializer()
    finished = TimelinessSerializer()
    by_agency = TimelinessSerializer(many=True)
    by_field = TimelinessSerializer(many=True)
    satisfaction = SatisfactionSerializer()
    synced = serializers.IntegerField(help_text="Dossiers received in the period held by the national portal")
    sync_share = serializers.FloatField(help_text="Per cent of the dossiers received in the period")
    sync = SyncSerializer(many=True, help_text="Synchronisation with the national portal, by competent agency")
    computed_at = serializers.DateTimeField()
