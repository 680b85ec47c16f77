"""Roles of fupin's users (a Membership row per role), cadres' households, login throttling."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.policy import idnumber
from fupin.regions.models import Level, Region


class Role(models.TextChoices):
    """Every role a user can hold, each a Membership row: the one role model (issue #13).

    Scoping (`fupin.accounts.scoping`) and every permission check (`fupin.accounts.roles.has_role`)
    read the same rows. System admins are Django superusers, not a role.
    """

    PROVINCE_OFFICE = "province_office", _("省扶贫办")
    CITY_OFFICE = "city_office", _("市(州)扶贫办")
    COUNTY_OFFICE = "county_office", _("县扶贫办")
    TOWNSHIP_OFFICE = "township_office", _("乡(镇)扶贫工作站")
    VILLAGE_OFFICE = "village_office", _("村扶贫专干")
    HELPING_CADRE = "helping_cadre", _("帮扶责任人")
    INSTITUTION_ADMIN = "institution_admin", _("评估机构管理员")
    EXPERT = "expert", _("评估专家")
    ENUMERATOR = "enumerator", _("调查员")
    WORKING_GROUP = "working_group", _("评估工作组成员")
    # The assessment's verification and follow-up duties (五核, 整改).
    LEAD_EXPERT = "lead_expert", _("带队专家")
    DEPARTMENT = "department", _("部门核查人员")
    EXPERT_GROUP = "expert_group", _("专家组成员")
    COUNTY_OFFICER = "county_officer", _("县级干部")
    # Approves (审定) the working group's 综合研判 of a campaign's counties (seed 004).
    LEADING_GROUP = "leading_group", _("领导小组成员")


# The poverty-office roles and the level of the region each is tied to.
OFFICE_LEVEL: dict[str, str] = {
    Role.PROVINCE_OFFICE: Level.PROVINCE,
    Role.CITY_OFFICE: Level.CITY,
    Role.COUNTY_OFFICE: Level.COUNTY,
    Role.TOWNSHIP_OFFICE: Level.TOWNSHIP,
    Role.VILLAGE_OFFICE: Level.VILLAGE,
}

# Roles that may see a member's full ID number, on a single household of their own region
# (DOMAIN.md §2): the county and township offices keep the registry's paper files and must
# check identities; above them aggregates suffice, and evaluators and cadres work with names.
FULL_ID_ROLES = frozenset({Role.COUNTY_OFFICE.value, Role.TOWNSHIP_OFFICE.value})

# Roles that may be tied to one campaign: its working group and the staff who verify its problems.
# A row tied to a campaign lets its holder see that campaign and every county it assesses.
CAMPAIGN_ROLES = frozenset(
    {
        Role.WORKING_GROUP.value,
        Role.DEPARTMENT.value,
        Role.EXPERT_GROUP.value,
        Role.LEADING_GROUP.value,
    }
)


class Membership(models.Model):
    """One role of one user; poverty offices are tied to a region, institution admins to an
    institution, a campaign's working group and verification staff optionally to the campaign."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所辖区划"),
    )
    institution = models.ForeignKey(
        "assessments.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属评估机构"),
    )
    campaign = models.ForeignKey(
        "assessments.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("所属评估任务"),
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["user_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                name="membership_unique_region",
                condition=models.Q(region__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "institution"],
                name="membership_unique_institution",
                condition=models.Q(institution__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "campaign"],
                name="membership_unique_campaign",
                condition=models.Q(campaign__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                name="membership_unique_plain",
                condition=models.Q(
                    region__isnull=True, institution__isnull=True, campaign__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.region_id:
            where = self.region.name
        elif self.institution_id:
            where = self.institution.name
        elif self.campaign_id:
            where = self.campaign.name
        else:
            where = ""
        return f"{self.user} · {self.get_role_display()} {where}".strip()


class PersonProfile(models.Model):
    """What an office records about one of its people besides the login: the region they belong
    to (which office manages them), phone, unit and post (issue #22). Users made in /admin/ or by
    imports may have none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("用户"),
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属区划"),
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    unit = models.CharField(_("单位"), max_length=100, blank=True)
    post = models.CharField(_("职务"), max_length=64, blank=True)
    # Set when an office (or a roster, or an import) hands out a one-time password; cleared when
    # the user sets their own. While set, every page sends them to the password change and the
    # API refuses all but POST /api/people/me/password/ (fupin.accounts.first_login).
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False)

    class Meta:
        verbose_name = _("人员信息")
        verbose_name_plural = _("人员信息")

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} {self.post}".strip()


class CadreHousehold(models.Model):
    """A household a helping cadre answers for.

    Stands in for the 双到 pairings (issue #6), which will replace it as the source of truth.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("帮扶责任人"),
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="+", verbose_name=_("农户")
    )

    class Meta:
        verbose_name = _("帮扶户")
        verbose_name_plural = _("帮扶户")
        constraints = [
            models.UniqueConstraint(fields=["user", "household"], name="cadrehousehold_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.household.household_no}"


class LoginThrottle(models.Model):
    """Failed logins of one username from one address; a table so that every worker sees them."""

    username = models.CharField(_("用户名"), max_length=150)
    ip = models.CharField(_("地址"), max_length=45)
    failures = models.PositiveSmallIntegerField(_("连续失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")
        constraints = [
            models.UniqueConstraint(fields=["username", "ip"], name="loginthrottle_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip}: {self.failures}"


class _MaskedIds:
    """A field whose values have every ID number masked on the way into the database.

    Applied where audit values are stored, so every writer (services, imports' bulk inserts,
    bulk_create, the admin) stores masked values and no page or export can show a full number
    from the audit trail. `deconstruct` names the plain field: the columns are unchanged and
    migrations see no difference.
    """

    plain_path: str
    masks_ids = True  # fupin.registry.bulk converts such values as save() does

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        if isinstance(value, dict | list | str):
            value = idnumber.mask_all(value)
        return value

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        return name, self.plain_path, args, kwargs


class MaskedJSONField(_MaskedIds, models.JSONField):
    plain_path = "django.db.models.JSONField"


class MaskedCharField(_MaskedIds, models.CharField):
    plain_path = "django.db.models.CharField"


class AuditEntry(models.Model):
    """Who changed which record, when, and the values before and after: the one audit trail.

    Values are keyed by field names and internal ids, never by ID numbers, and any ID number
    that reaches `object_key`, `before`, `after` or `note` is masked when saved (_MaskedIds).
    Rows are written by `fupin.accounts.audit.audit_record` (and registry imports' bulk
    inserts). The table keeps its first name, `registry_auditentry`.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        EVENT = "event", _("状态变更")
        VIEW_ID = "view_id", _("查看完整身份证号")
        IMPORT = "import", _("导入")
        GRANT = "grant", _("授予角色")
        REVOKE = "revoke", _("撤销角色")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_fail", _("登录失败")
        SUBMIT = "submit", _("提交问卷")
        TOKEN = "token", _("API 令牌")

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = MaskedCharField(_("操作人"), max_length=64, help_text=_("用户名或命令名"))
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    model = models.CharField(_("对象类型"), max_length=32)
    object_key = MaskedCharField(_("对象"), max_length=32, db_index=True)
    # By name: accounts sits below registry and never imports it.
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
    )
    before = MaskedJSONField(_("修改前"), null=True, blank=True)
    after = MaskedJSONField(_("修改后"), null=True, blank=True)
    note = MaskedCharField(_("说明"), max_length=200, blank=True)

    def _masked(self, values: dict[str, object] | None) -> dict[str, object] | None:
        """ID numbers masked at any depth: imports nest members' numbers in lists."""
        return idnumber.mask_all(values) if values else values  # type: ignore[return-value]

    @property
    def before_display(self) -> dict[str, object] | None:
        """The before values with ID numbers masked, for pages and exports."""
        return self._masked(self.before)

    @property
    def after_display(self) -> dict[str, object] | None:
        return self._masked(self.after)

    class Meta:
        db_table = "registry_auditentry"
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]


class PostKind(models.TextChoices):
    """The named posts of the 3342 sign-off chain (DOMAIN.md §5): each is held by one person at a
    time in one region. The codes are those of the exits' signing capacities (the village's
    party secretary and committee head sign together, as one capacity, but are two posts)."""

    VILLAGE_SECRETARY = "village_secretary", _("村党支部书记")
    VILLAGE_HEAD = "village_head", _("村委会主任")
    WORK_TEAM_LEADER = "work_team_leader", _("驻村帮扶工作队队长")
    TOWNSHIP_SECRETARY = "township_secretary", _("乡镇党委书记")
    TOWNSHIP_HEAD = "township_head", _("乡镇长")
    TOWNSHIP_STATION_HEAD = "township_station_head", _("乡镇扶贫工作站站长")
    COUNTY_SECRETARY = "county_secretary", _("县委书记")
    COUNTY_HEAD = "county_head", _("县长")
    COUNTY_OFFICE_HEAD = "county_office_head", _("县扶贫办主任")
    COUNTY_STATISTICS_HEAD = "county_statistics_head", _("县统计局局长")
    CITY_SECRETARY = "city_secretary", _("市(州)委书记")
    CITY_HEAD = "city_head", _("市(州)长")


# The level of the region each post belongs to.
POST_LEVEL: dict[str, str] = {
    PostKind.VILLAGE_SECRETARY: Level.VILLAGE,
    PostKind.VILLAGE_HEAD: Level.VILLAGE,
    PostKind.WORK_TEAM_LEADER: Level.VILLAGE,
    PostKind.TOWNSHIP_SECRETARY: Level.TOWNSHIP,
    PostKind.TOWNSHIP_HEAD: Level.TOWNSHIP,
    PostKind.TOWNSHIP_STATION_HEAD: Level.TOWNSHIP,
    PostKind.COUNTY_SECRETARY: Level.COUNTY,
    PostKind.COUNTY_HEAD: Level.COUNTY,
    PostKind.COUNTY_OFFICE_HEAD: Level.COUNTY,
    PostKind.COUNTY_STATISTICS_HEAD: Level.COUNTY,
    PostKind.CITY_SECRETARY: Level.CITY,
    PostKind.CITY_HEAD: Level.CITY,
}


class Post(models.Model):
    """One term of a named post (县委书记 of 岷县 …) held by one user: not a role (it grants no
    view of data), but the capacity in which its holder alone signs (fupin.exits.signoff).

    The term runs from `start_date` up to, not including, `end_date` (the day the holder left;
    empty while in office). Terms of one post never overlap (fupin.accounts.posts); written only
    by posts.post_assign and posts.post_end, managed by the poverty office above the post's level.
    """

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区划")
    )
    kind = models.CharField(_("职务"), max_length=32, choices=PostKind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("任职人"),
    )
    start_date = models.DateField(_("任职日期"))
    end_date = models.DateField(_("离任日期"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("任命登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("职务任期")
        verbose_name_plural = _("职务任期")
        ordering = ["region_id", "kind", "-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind"],
                name="post_one_open_term",
                condition=models.Q(end_date__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.name}{self.get_kind_display()} {self.holder}"

    @property
    def label(self) -> str:
        """The post in words: 岷县县委书记."""
        return f"{self.region.name}{self.get_kind_display()}"

    def holds_on(self, day: Any) -> bool:
        """Whether the term covers `day`."""
        return self.start_date <= day and (self.end_date is None or day < self.end_date)
