"""What the registry's API returns and accepts. ID numbers leave the server only masked
(`620102********1234`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Person, Status, StatusEvent
from fupin.registry.selectors import children_summary, region_summary

# --- regions -----------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer[Region]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "zone",
            "is_poor_county",
            "exit_year",
            "is_poor_village",
            "poor_named_year",
            "poor_exit_year",
            "deeply_poor",
        ]


class RegionSummarySerializer(serializers.Serializer[dict[str, Any]]):
    """Counts over the households the user may see in the region (not the region's whole registry)."""

    households = serializers.IntegerField()
    registered_households = serializers.IntegerField()
    poor = serializers.IntegerField(help_text="未脱贫及返贫户数")
    exited = serializers.IntegerField(required=False)
    people = serializers.IntegerField(allow_null=True)
    registered_people = serializers.IntegerField(allow_null=True, required=False)
    poor_people = serializers.IntegerField(allow_null=True)
    incidence = serializers.FloatField(allow_null=True, help_text="登记口径的贫困发生率")


class RegionChildSerializer(RegionSummarySerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)


class RegionDetailSerializer(RegionSerializer):
    summary = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "summary", "children"]

    @extend_schema_field(RegionSummarySerializer)
    def get_summary(self, region: Region) -> dict[str, Any]:
        return dict(
            RegionSummarySerializer(region_summary(self.context["request"].user, region)).data
        )

    @extend_schema_field(RegionChildSerializer(many=True))
    def get_children(self, region: Region) -> list[dict[str, Any]]:
        rows = children_summary(self.context["request"].user, region)
        return [
            dict(
                RegionChildSerializer(
                    {
                        **r,
                        "code": r["region"].code,
                        "name": r["region"].name,
                        "level": r["region"].level,
                    }
                ).data
            )
            for r in rows
        ]


class RegionFilterSerializer(serializers.Serializer[dict[str, Any]]):
    level = serializers.ChoiceField(choices=Level.choices, required=False, help_text="只列出该层级")
    parent = serializers.RegexField(
        r"^[0-9]{12}$", required=False, help_text="只列出该区划（12 位代码）的下一级"
    )


# --- households --------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer[Person]):
    id_number_masked = serializers.CharField(
        source="masked_id",
        read_only=True,
        help_text="脱敏的身份证号（前六位和后四位）；完整号码只能在页面上由县乡扶贫部门查看并留痕",
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number_masked",
            "relation",
            "sex",
            "birth_date",
            "education",
            "school_status",
            "health",
            "disability_grade",
            "labour_ability",
            "months_away",
            "insured",
            "deceased",
        ]


class StatusEventSerializer(serializers.ModelSerializer[StatusEvent]):
    class Meta:
        model = StatusEvent
        fields = ["kind", "date", "year", "reason", "recorded_at"]


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    village = serializers.SlugRelatedField(slug_field="code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Household
        fields = [
            "household_no",
            "village",
            "village_name",
            "registered",
            "status",
            "attribute",
            "standard",
            "identified_year",
            "exited_year",
            "main_cause",
            "size",
            "income_year",
            "income_per_capita",
            "updated_at",
        ]


class HouseholdDetailSerializer(HouseholdSerializer):
    members = PersonSerializer(many=True, read_only=True)
    events = StatusEventSerializer(many=True, read_only=True, help_text="脱贫状态历史")

    class Meta(HouseholdSerializer.Meta):
        fields = [
            *HouseholdSerializer.Meta.fields,
            "other_causes",
            "income_wages",
            "income_business",
            "income_property",
            "income_transfers",
            "income_policy_transfers",
            "income_total",
            "food_ok",
            "clothing_ok",
            "education_ok",
            "medical_ok",
            "housing_ok",
            "water_ok",
            "at_risk_dibao",
            "at_risk_illness",
            "at_risk_housing",
            "members",
            "events",
        ]


class HouseholdFilterSerializer(serializers.Serializer[dict[str, Any]]):
    village = serializers.RegexField(r"^[0-9]{12}$", required=False, help_text="村的 12 位代码")
    region = serializers.RegexField(
        r"^[0-9]{1,12}$",
        required=False,
        help_text="区划：12 位代码（取其下全部村），或代码前缀（如 621126 表示岷县）",
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    registered = serializers.BooleanField(
        required=False, help_text="true：建档立卡户；false：非建档立卡户"
    )
