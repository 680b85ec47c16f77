"""Who may grant which role where: the one table of people management (issue #22).

DHIS2's user management by organisation unit: an office manages people only within its region,
and only the roles below its own. The table says which roles each granting role may give; the
rule for where (`grant_refusal`) works on region codes and levels only, so it is checked without
the database. A campaign's working group gives evaluator roles in its own campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass

from fupin.accounts.models import OFFICE_LEVEL, Role
from fupin.regions.models import LEVEL_DIGITS, Level

# The granting role → the roles it may give. Nothing at or above the granter's own level.
GRANTS: dict[str, frozenset[str]] = {
    # A province's office also records who sits on its poverty-alleviation leading group (领导小组),
    # whose members 审定 the judgements of the province's own assessments.
    Role.PROVINCE_OFFICE: frozenset({Role.CITY_OFFICE, Role.COUNTY_OFFICE, Role.LEADING_GROUP}),
    Role.CITY_OFFICE: frozenset({Role.COUNTY_OFFICE}),
    Role.COUNTY_OFFICE: frozenset(
        {Role.TOWNSHIP_OFFICE, Role.VILLAGE_OFFICE, Role.HELPING_CADRE, Role.COUNTY_OFFICER}
    ),
    Role.TOWNSHIP_OFFICE: frozenset({Role.VILLAGE_OFFICE, Role.HELPING_CADRE}),
    # In its own campaigns (fupin.accounts.people checks the campaign and, through the
    # assessments app's hook, who may hold each verification role).
    Role.WORKING_GROUP: frozenset(
        {
            Role.EXPERT,
            Role.ENUMERATOR,
            Role.INSTITUTION_ADMIN,
            Role.LEAD_EXPERT,
            Role.EXPERT_GROUP,
            Role.DEPARTMENT,
        }
    ),
}

# Roles tied to a region that is not an office's: a helping cadre belongs to the region of the
# office that manages them (any region inside it, the office's own included). It gives no view of
# that region's households: a cadre sees the households paired with them (fupin.accounts.scoping).
REGION_MEMBER_ROLES = frozenset(
    {Role.HELPING_CADRE.value, Role.COUNTY_OFFICER.value, Role.LEADING_GROUP.value}
)
# Of those, the ones whose region must be of one level: a county officer (县级干部, who explains
# and rectifies the assessment's problems of their county) belongs to one county.
# A leading group member granted by a province office sits on that province's leading group (a
# member with no region, granted by a system administrator, sits on the national one).
MEMBER_LEVEL: dict[str, str] = {
    Role.COUNTY_OFFICER.value: Level.COUNTY,
    Role.LEADING_GROUP.value: Level.PROVINCE,
}


@dataclass(frozen=True)
class Place:
    """A region as the rules see it: its code and level."""

    code: str
    level: str

    @property
    def prefix(self) -> str:
        return self.code[: LEVEL_DIGITS[Level(self.level)]]

    def within(self, other: Place) -> bool:
        """This region is `other` or lies below it."""
        return self.code.startswith(other.prefix)


def grantable(granter_role: str) -> frozenset[str]:
    """The roles a holder of `granter_role` may give (none for a role that grants nothing)."""
    return GRANTS.get(granter_role, frozenset())


def role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def grant_refusal(
    *,
    granter_role: str,
    granter_place: Place | None,
    role: str,
    place: Place | None,
    to_self: bool = False,
) -> str | None:
    """Why a holder of `granter_role` at `granter_place` may not give `role` at `place`, as a
    Chinese sentence naming the rule; None when they may."""
    if to_self:
        return "不能给自己授予或撤销角色"
    if role not in Role.values:
        return f"未知的角色：{role}"
    if role not in grantable(granter_role):
        return f"{role_label(granter_role)}不能授予“{role_label(role)}”角色"
    if granter_role == Role.WORKING_GROUP:
        return None  # the campaign is checked by the service: only the group's own campaigns
    if granter_place is None:
        return f"{role_label(granter_role)}没有对应的区划"
    if role in OFFICE_LEVEL:
        need = OFFICE_LEVEL[role]
        if place is None or place.level != need:
            return f"“{role_label(role)}”须对应一个{Level(need).label}级区划"
    elif role in REGION_MEMBER_ROLES and place is None:
        return f"“{role_label(role)}”须选择所属区划"
    elif role in MEMBER_LEVEL and place is not None and place.level != MEMBER_LEVEL[role]:
        return f"“{role_label(role)}”须对应一个{Level(MEMBER_LEVEL[role]).label}级区划"
    if place is not None and not place.within(granter_place):
        return f"区划 {place.code} 不在本单位辖区内，不能在该区划授予角色"
    return None


def granting_roles() -> frozenset[str]:
    """Roles that may manage people at all."""
    return frozenset(GRANTS)
