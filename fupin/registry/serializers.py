"""What the registry's API returns and accepts. ID numbers leave the server only masked
(`620102********1234`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fupin.policy.contact import mask_phone
from fupin.regions.models import Level, Region
from fupin.registry.editing import JOINING_CHOICES, LEAVING_CHOICES, EventChoice
from fupin.registry.models import (
    Attribute,
    Cause,
    Education,
    Health,
    Household,
    IdentificationCase,
    IdentificationStep,
    LabourAbility,
    Person,
    Relation,
    SchoolStatus,
    Status,
    StatusEvent,
)
from fupin.registry.selectors import can_view_full_id, children_summary, region_summary
from fupin.registry.standards import own_standard
from fupin.registry.workflows import AppraisalResult, IdentificationStatus

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
            "person_no",
            "name",
            "id_number_masked",
            "relation",
            "ethnicity",
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
    own_standard = serializers.SerializerMethodField(
        help_text="识别时的标准（省定相对标准按份额计算的收入线）及按它的判断"
    )
    phone = serializers.SerializerMethodField(
        help_text="联系电话；只有能查看完整身份证号的县乡扶贫部门看到完整号码，其余为脱敏号码"
    )

    def get_phone(self, household: Household) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and can_view_full_id(user, household):
            return household.phone
        return mask_phone(household.phone)

    class Meta(HouseholdSerializer.Meta):
        fields = [
            *HouseholdSerializer.Meta.fields,
            "natural_village",
            "phone",
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
            "own_standard",
        ]

    def get_own_standard(self, household: Household) -> dict[str, Any]:
        own = own_standard(household)
        result = own.identification
        return {
            "code": own.standard.code if own.standard else None,
            "name": own.name,
            "line_text": own.line_text,
            "poor": None if result is None else result.poor,
            "line": None if result is None else result.line,
            "explanation": result.explain() if result is not None else own.problem,
        }


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


# --- registry work by the offices (issue #15 item 3) -------------------------------------------


class EventInSerializer(serializers.Serializer[dict[str, Any]]):
    event = serializers.ChoiceField(
        choices=EventChoice.choices,
        help_text="returned 返贫；wrong 清退（错评）；death、moved 自然减少（死亡、迁出）。"
        "脱贫走退出程序（/api/exits/），新识别走识别申请",
    )
    date = serializers.DateField()
    reason = serializers.CharField(max_length=200)


class StatusEventOutSerializer(serializers.ModelSerializer[StatusEvent]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    removal_kind_label = serializers.CharField(source="get_removal_kind_display", read_only=True)

    class Meta:
        model = StatusEvent
        fields = [
            "kind",
            "kind_label",
            "removal_kind",
            "removal_kind_label",
            "date",
            "year",
            "reason",
            "recorded_at",
        ]


class HouseholdEditSerializer(serializers.Serializer[dict[str, Any]]):
    """Only the fields sent are changed; `note` (the evidence) is required."""

    income_year = serializers.IntegerField(min_value=2010, max_value=2100, required=False)
    income_wages = serializers.FloatField(min_value=0, max_value=1e8, required=False)
    income_business = serializers.FloatField(min_value=0, max_value=1e8, required=False)
    income_property = serializers.FloatField(min_value=0, max_value=1e8, required=False)
    income_transfers = serializers.FloatField(min_value=0, max_value=1e8, required=False)
    income_policy_transfers = serializers.FloatField(min_value=0, max_value=1e8, required=False)
    food_ok = serializers.BooleanField(required=False)
    clothing_ok = serializers.BooleanField(required=False)
    education_ok = serializers.BooleanField(required=False)
    medical_ok = serializers.BooleanField(required=False)
    housing_ok = serializers.BooleanField(required=False)
    water_ok = serializers.BooleanField(required=False)
    attribute = serializers.ChoiceField(choices=Attribute.choices, required=False, allow_blank=True)
    main_cause = serializers.ChoiceField(choices=Cause.choices, required=False, allow_blank=True)
    at_risk_dibao = serializers.BooleanField(required=False)
    at_risk_illness = serializers.BooleanField(required=False)
    at_risk_housing = serializers.BooleanField(required=False)
    natural_village = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="联系电话：手机 11 位或带区号的座机，多个用“/”隔开",
    )
    note = serializers.CharField(max_length=300, help_text="修改依据（佐证说明）")
    file = serializers.FileField(required=False, help_text="佐证材料文件（multipart，可选）")


class PersonInSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=32)
    id_number = serializers.CharField(
        max_length=20, help_text="18 位身份证号；性别和出生日期由它得出；返回时只给脱敏号码"
    )
    relation = serializers.ChoiceField(choices=Relation.choices)
    person_no = serializers.CharField(max_length=24, required=False, allow_blank=True)
    ethnicity = serializers.CharField(
        max_length=16, required=False, allow_blank=True, help_text="56 个民族之一（如 汉族、回族）"
    )
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    school_status = serializers.ChoiceField(
        choices=SchoolStatus.choices, required=False, allow_blank=True
    )
    health = serializers.ChoiceField(choices=Health.choices, required=False, allow_blank=True)
    disability_grade = serializers.IntegerField(min_value=0, max_value=4, required=False)
    labour_ability = serializers.ChoiceField(
        choices=LabourAbility.choices, required=False, allow_blank=True
    )
    months_away = serializers.IntegerField(min_value=0, max_value=12, required=False)
    insured = serializers.BooleanField(required=False)


class PersonAddSerializer(PersonInSerializer):
    change = serializers.ChoiceField(choices=JOINING_CHOICES, help_text="出生、婚入、迁入或其他")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PersonChangeSerializer(PersonInSerializer):
    """Only the fields sent are changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, f in self.fields.items():
            if name != "note":
                f.required = False

    note = serializers.CharField(max_length=200, help_text="修改依据")


class PersonRemoveSerializer(serializers.Serializer[dict[str, Any]]):
    change = serializers.ChoiceField(
        choices=LEAVING_CHOICES, help_text="death 死亡（保留并标注已故）；婚出、迁出（删除该成员）"
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PersonRemovedSerializer(serializers.Serializer[dict[str, Any]]):
    removed = serializers.BooleanField(help_text="true：已从本户删除；false：保留并标注已故")
    member = PersonSerializer(allow_null=True)
    household_size = serializers.IntegerField()


class IdentificationStepSerializer(serializers.ModelSerializer[IdentificationStep]):
    from_label = serializers.CharField(read_only=True)
    to_label = serializers.CharField(read_only=True)

    class Meta:
        model = IdentificationStep
        fields = [
            "action",
            "from_status",
            "from_label",
            "to_status",
            "to_label",
            "date",
            "actor",
            "at",
            "opinion",
            "evidence",
            "appraisal_result",
            "notice_start",
            "notice_end",
            "objection",
            "objection_handling",
        ]


class IdentificationCaseSerializer(serializers.ModelSerializer[IdentificationCase]):
    household_no = serializers.CharField(source="household.household_no", read_only=True)
    village = serializers.CharField(source="household.village.code", read_only=True)
    village_name = serializers.CharField(source="household.village.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    household_status = serializers.CharField(source="household.status", read_only=True)
    steps = IdentificationStepSerializer(many=True, read_only=True)

    class Meta:
        model = IdentificationCase
        fields = [
            "id",
            "household_no",
            "village",
            "village_name",
            "status",
            "status_label",
            "opened_on",
            "reason",
            "household_status",
            "steps",
        ]


class IdentificationOpenSerializer(serializers.Serializer[dict[str, Any]]):
    household_no = serializers.CharField(max_length=20)
    village = serializers.RegexField(
        r"^[0-9]{12}$", required=False, help_text="新农户（户编号尚无记录）必填：村的 12 位代码"
    )
    date = serializers.DateField(required=False, help_text="申请日期，默认今天")
    reason = serializers.CharField(max_length=300, help_text="曾被清退的农户须写明重新识别的原因")


class IdentificationTransitionSerializer(serializers.Serializer[dict[str, Any]]):
    to = serializers.ChoiceField(choices=IdentificationStatus.choices, help_text="目标状态")
    date = serializers.DateField(required=False, help_text="办理日期，默认今天")
    opinion = serializers.CharField(help_text="办理情况（或不予识别的理由）")
    evidence = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list
    )
    appraisal_result = serializers.ChoiceField(
        choices=AppraisalResult.choices, required=False, allow_blank=True, default=""
    )
    notice_start = serializers.DateField(required=False, allow_null=True, default=None)
    notice_end = serializers.DateField(required=False, allow_null=True, default=None)
    objection = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    objection_handling = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    objection_upheld = serializers.BooleanField(required=False, default=False)
