"""One role model (issue #13): every role is a Membership row; Groups carry no domain role.

- the assessment duties (lead expert, department, expert group, county officer) join the role
  choices, with the codes and names the Groups had;
- a role may be tied to a campaign: a campaign's working group becomes Membership rows
  (working_group, campaign) and the CampaignMember table goes;
- each user's membership of a Group named by a duty code becomes a Membership row (no region:
  the Groups had none), the move is written to the audit trail, and those Groups are deleted.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Frozen here: the Groups fupin.assessments' migration 0002 created, one per duty code.
DUTY_CODES = (
    "enumerator",
    "lead_expert",
    "department",
    "expert_group",
    "working_group",
    "county_officer",
)
WORKING_GROUP = "working_group"
SYSTEM = "系统"
LABELS = {
    "enumerator": "调查员",
    "lead_expert": "带队专家",
    "department": "部门核查人员",
    "expert_group": "专家组成员",
    "working_group": "评估工作组成员",
    "county_officer": "县级干部",
}

ROLE_CHOICES = [
    ("province_office", "省扶贫办"),
    ("city_office", "市(州)扶贫办"),
    ("county_office", "县扶贫办"),
    ("township_office", "乡(镇)扶贫工作站"),
    ("village_office", "村扶贫专干"),
    ("helping_cadre", "帮扶责任人"),
    ("institution_admin", "评估机构管理员"),
    ("expert", "评估专家"),
    ("enumerator", "调查员"),
    ("working_group", "评估工作组成员"),
    ("lead_expert", "带队专家"),
    ("department", "部门核查人员"),
    ("expert_group", "专家组成员"),
    ("county_officer", "县级干部"),
]


def _audit_grant(apps, membership, user, note):
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    after = {"user": user.username, "role": membership.role}
    if membership.campaign_id:
        after["campaign"] = membership.campaign.name
    AuditEntry.objects.create(
        actor=SYSTEM,
        action="grant",
        model="Membership",
        object_key=str(membership.pk),
        after=after,
        note=note[:200],
    )


def groups_to_memberships(apps):
    """Each member of a duty Group gets the role as a row; the duty Groups are deleted."""
    Group = apps.get_model("auth", "Group")
    Membership = apps.get_model("accounts", "Membership")
    for group in Group.objects.filter(name__in=DUTY_CODES).order_by("name"):
        for user in group.user_set.order_by("pk"):
            membership, created = Membership.objects.get_or_create(
                user=user, role=group.name, region=None, institution=None, campaign=None
            )
            if created:
                _audit_grant(
                    apps, membership, user, f"授予角色：{LABELS[group.name]}（由用户组迁移）"
                )
    Group.objects.filter(name__in=DUTY_CODES).delete()


def working_groups_to_memberships(apps):
    """A campaign's working group becomes role rows tied to the campaign; read, as scoping did,
    only for holders of the working-group role."""
    Membership = apps.get_model("accounts", "Membership")
    CampaignMember = apps.get_model("accounts", "CampaignMember")
    holders = set(Membership.objects.filter(role=WORKING_GROUP).values_list("user_id", flat=True))
    for member in CampaignMember.objects.select_related("user", "campaign").order_by("pk"):
        if member.user_id not in holders:
            continue
        membership, created = Membership.objects.get_or_create(
            user=member.user, role=WORKING_GROUP, campaign=member.campaign
        )
        if created:
            _audit_grant(
                apps,
                membership,
                member.user,
                f"授予角色：评估工作组成员（{member.campaign.name}，由工作组成员表迁移）",
            )


def forwards(apps, schema_editor):
    groups_to_memberships(apps)
    working_groups_to_memberships(apps)


def memberships_to_groups(apps, schema_editor):
    """Backwards: duty roles become Group memberships again, campaign rows CampaignMember rows."""
    Group = apps.get_model("auth", "Group")
    Membership = apps.get_model("accounts", "Membership")
    CampaignMember = apps.get_model("accounts", "CampaignMember")
    groups = {code: Group.objects.get_or_create(name=code)[0] for code in DUTY_CODES}
    for m in Membership.objects.filter(role__in=DUTY_CODES).select_related("user"):
        m.user.groups.add(groups[m.role])
    for m in Membership.objects.filter(campaign__isnull=False):
        if m.role == WORKING_GROUP:
            CampaignMember.objects.get_or_create(campaign_id=m.campaign_id, user_id=m.user_id)
        Membership.objects.get_or_create(
            user_id=m.user_id, role=m.role, region=None, institution=None, campaign=None
        )
    Membership.objects.filter(campaign__isnull=False).delete()
    Membership.objects.filter(
        role__in=[c for c in DUTY_CODES if c not in ("enumerator", WORKING_GROUP)]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_auditentry"),
        ("assessments", "0002_questionnaire_v1_and_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(choices=ROLE_CHOICES, max_length=20, verbose_name="角色"),
        ),
        migrations.AddField(
            model_name="membership",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="assessments.campaign",
                verbose_name="所属评估任务",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="membership",
            name="membership_unique_plain",
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("campaign__isnull", False)),
                fields=("user", "role", "campaign"),
                name="membership_unique_campaign",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("campaign__isnull", True),
                    ("institution__isnull", True),
                    ("region__isnull", True),
                ),
                fields=("user", "role"),
                name="membership_unique_plain",
            ),
        ),
        migrations.RunPython(forwards, memberships_to_groups),
        migrations.DeleteModel(name="CampaignMember"),
    ]
