"""Check any stored or hand-made assignment against every rule and list each violation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from fupin.assessments.engine.assignment_rules import (
    CountyTask,
    Expert,
    Institution,
    Rule,
    Team,
    Violation,
    enumerator_exclusions,
    expert_exclusions,
    province_name,
)


def check_assignment(
    *,
    counties: Sequence[CountyTask],
    institutions: Sequence[Institution] = (),
    institution_of: Mapping[str, str] | None = None,
    max_counties_per_institution: int | None = None,
    experts: Sequence[Expert] = (),
    experts_of: Mapping[str, Sequence[str]] | None = None,
    experts_per_county: int | None = None,
    require_experienced_lead: bool = False,
    teams: Sequence[Team] = (),
    county_of_team: Mapping[str, str] | None = None,
    team_of_household: Mapping[str, str] | None = None,
    households_by_county: Mapping[str, Sequence[str]] | None = None,
) -> list[Violation]:
    """Every broken rule, in a stable order; an empty list means the assignment is valid.

    Each part is checked only when given: institutions (`institution_of`, county → institution
    id), experts (`experts_of`, county → expert ids), teams (always, when given) and their
    counties (`county_of_team`), households (`team_of_household` with `households_by_county`).
    """
    by_code = {c.code: c for c in counties}
    out: list[Violation] = []
    if institution_of is not None:
        out += _institutions(
            counties, by_code, institutions, institution_of, max_counties_per_institution
        )
    if experts_of is not None:
        out += _experts(
            counties,
            by_code,
            experts,
            experts_of,
            experts_per_county,
            require_experienced_lead,
            institution_of,
        )
    out += _teams(by_code, teams, county_of_team or {}, institution_of)
    if team_of_household is not None:
        out += _households(team_of_household, households_by_county or {}, county_of_team or {})
    return out


def _v(rule: Rule, subject: str, county: str | None, zh: str, en: str) -> Violation:
    return Violation(rule, subject, county, zh, en)


def _institutions(
    counties: Sequence[CountyTask],
    by_code: Mapping[str, CountyTask],
    institutions: Sequence[Institution],
    institution_of: Mapping[str, str],
    cap: int | None,
) -> list[Violation]:
    out = []
    known = {i.id: i for i in institutions}
    for county in counties:
        inst_id = institution_of.get(county.code)
        if inst_id is None:
            out.append(
                _v(
                    Rule.COVERAGE,
                    county.code,
                    county.code,
                    f"县 {county.label} 没有评估机构",
                    f"county {county.code} has no institution",
                )
            )
            continue
        inst = known.get(inst_id)
        if inst is None:
            out.append(
                _v(
                    Rule.COVERAGE,
                    inst_id,
                    county.code,
                    f"县 {county.label} 的机构 {inst_id} 不存在",
                    f"county {county.code}: unknown institution {inst_id}",
                )
            )
        elif inst.province == county.province:
            p = province_name(county.province)
            out.append(
                _v(
                    Rule.OWN_PROVINCE,
                    inst.id,
                    county.code,
                    f"机构 {inst.name} 位于{p}，不能评估{p}的县 {county.label}",
                    f"institution {inst.name} is located in {p} and may not assess county {county.code}",
                )
            )
        if inst is not None and county.province in inst.took_part_in:
            p = province_name(county.province)
            out.append(
                _v(
                    Rule.TOOK_PART,
                    inst.id,
                    county.code,
                    f"机构 {inst.name} 参加过{p}的本省评估，不能评估{p}的县 {county.label}",
                    f"institution {inst.name} took part in {p}'s own assessment and may not "
                    f"assess county {county.code}",
                )
            )
    for code in institution_of:
        if code not in by_code:
            out.append(
                _v(
                    Rule.COVERAGE,
                    code,
                    code,
                    f"{code} 不是抽中的县",
                    f"{code} is not a sampled county",
                )
            )
    if cap is not None:
        counts = Counter(i for c, i in institution_of.items() if c in by_code)
        for inst_id, n in sorted(counts.items()):
            if n > cap:
                out.append(
                    _v(
                        Rule.CAPACITY,
                        inst_id,
                        None,
                        f"机构 {inst_id} 承担 {n} 个县，超过上限 {cap}",
                        f"institution {inst_id} holds {n} counties, more than {cap}",
                    )
                )
    return out


def _experts(
    counties: Sequence[CountyTask],
    by_code: Mapping[str, CountyTask],
    experts: Sequence[Expert],
    experts_of: Mapping[str, Sequence[str]],
    per: int | None,
    lead: bool,
    institution_of: Mapping[str, str] | None,
) -> list[Violation]:
    out = []
    known = {e.id: e for e in experts}
    holders = institution_of or {}
    for county in counties:
        team = list(experts_of.get(county.code, ()))
        if per is not None and len(team) != per:
            out.append(
                _v(
                    Rule.EXPERT_COUNT,
                    county.code,
                    county.code,
                    f"县 {county.label} 有 {len(team)} 名专家，应为 {per} 名",
                    f"county {county.code} has {len(team)} experts, not {per}",
                )
            )
        for ident, n in Counter(team).items():
            if n > 1:
                out.append(
                    _v(
                        Rule.ONE_PLACE,
                        ident,
                        county.code,
                        f"专家 {ident} 在县 {county.label} 出现 {n} 次",
                        f"expert {ident} is listed {n} times in county {county.code}",
                    )
                )
        members = [known[i] for i in dict.fromkeys(team) if i in known]
        for ident in team:
            if ident not in known:
                out.append(
                    _v(
                        Rule.EXPERT_COUNT,
                        ident,
                        county.code,
                        f"县 {county.label} 的专家 {ident} 不存在",
                        f"county {county.code}: unknown expert {ident}",
                    )
                )
        if lead and team and not any(e.experienced for e in members):
            out.append(
                _v(
                    Rule.EXPERIENCED_LEAD,
                    county.code,
                    county.code,
                    f"县 {county.label} 没有有经验的专家",
                    f"county {county.code} has no experienced expert",
                )
            )
        for expert in members:
            for rule in expert_exclusions(expert, county, holders.get(county.code)):
                out.append(_expert_violation(rule, expert, county, holders.get(county.code)))
    for code in experts_of:
        if code not in by_code:
            out.append(
                _v(
                    Rule.EXPERT_COUNT,
                    code,
                    code,
                    f"{code} 不是抽中的县",
                    f"{code} is not a sampled county",
                )
            )
    return out


def _expert_violation(
    rule: Rule, expert: Expert, county: CountyTask, holder: str | None
) -> Violation:
    p = province_name(county.province)
    zh, en = {
        Rule.EMPLOYER_PROVINCE: (f"受雇于{p}单位", f"is employed in {p}"),
        Rule.TOOK_PART: (f"参加过{p}的本省评估", f"took part in {p}'s own assessment"),
        Rule.EXPERT_INSTITUTION: (
            f"属于机构 {expert.institution_id}，而该县由机构 {holder} 承担",
            f"belongs to institution {expert.institution_id}, the county to {holder}",
        ),
    }[rule]
    return _v(
        rule,
        expert.id,
        county.code,
        f"专家 {expert.name} {zh}，不能评估县 {county.label}",
        f"expert {expert.name} {en} and may not assess county {county.code}",
    )


def _teams(
    by_code: Mapping[str, CountyTask],
    teams: Sequence[Team],
    county_of_team: Mapping[str, str],
    institution_of: Mapping[str, str] | None,
) -> list[Violation]:
    out = []
    seen: Counter[str] = Counter(m.id for t in teams for m in t.members)
    for ident, n in sorted(seen.items()):
        if n > 1:
            out.append(
                _v(
                    Rule.ONE_PLACE,
                    ident,
                    None,
                    f"调查员 {ident} 在 {n} 个调查组中",
                    f"enumerator {ident} is in {n} teams",
                )
            )
    for ident, n in sorted(Counter(t.id for t in teams).items()):
        if n > 1:
            out.append(
                _v(
                    Rule.ONE_PLACE,
                    ident,
                    None,
                    f"调查组编号 {ident} 重复 {n} 次",
                    f"team id {ident} is used {n} times",
                )
            )
    for team in teams:
        code = county_of_team.get(team.id)
        if not (team.mentor.experienced and not team.newcomer.experienced):
            out.append(
                _v(
                    Rule.MENTORING,
                    team.id,
                    code,
                    f"调查组 {team.id} 不是一名有经验的调查员带一名新调查员",
                    f"team {team.id} is not one experienced and one new enumerator",
                )
            )
        if not (team.mentor.institution_id == team.newcomer.institution_id == team.institution_id):
            out.append(
                _v(
                    Rule.SAME_INSTITUTION,
                    team.id,
                    code,
                    f"调查组 {team.id} 的成员不属于同一机构 {team.institution_id}",
                    f"team {team.id} mixes institutions",
                )
            )
        if code is None:
            continue
        county = by_code.get(code)
        if county is None:
            out.append(
                _v(
                    Rule.TEAM_COUNTY,
                    team.id,
                    code,
                    f"调查组 {team.id} 的县 {code} 不是抽中的县",
                    f"team {team.id}: {code} is not a sampled county",
                )
            )
            continue
        if institution_of is not None and institution_of.get(code) != team.institution_id:
            out.append(
                _v(
                    Rule.TEAM_COUNTY,
                    team.id,
                    code,
                    f"调查组 {team.id} 属于机构 {team.institution_id}，县 {county.label} 不由该机构承担",
                    f"team {team.id} of {team.institution_id} works in county {code}, held by {institution_of.get(code)}",
                )
            )
        for member in team.members:
            p = province_name(county.province)
            for rule in enumerator_exclusions(member, county):
                why = "家在" + p if rule is Rule.HOME_PROVINCE else f"参加过{p}的本省评估"
                why_en = (
                    f"is from {p}"
                    if rule is Rule.HOME_PROVINCE
                    else f"took part in {p}'s own assessment"
                )
                out.append(
                    _v(
                        rule,
                        member.id,
                        code,
                        f"调查员 {member.name} {why}，不能调查县 {county.label}",
                        f"enumerator {member.name} {why_en} and may not survey county {code}",
                    )
                )
    return out


def _households(
    team_of_household: Mapping[str, str],
    households_by_county: Mapping[str, Sequence[str]],
    county_of_team: Mapping[str, str],
) -> list[Violation]:
    out = []
    for code, households in households_by_county.items():
        for household in households:
            team = team_of_household.get(household)
            if team is None:
                out.append(
                    _v(
                        Rule.HOUSEHOLD_TEAM,
                        household,
                        code,
                        f"住户 {household} 没有分配调查组",
                        f"household {household} has no team",
                    )
                )
            elif county_of_team.get(team) != code:
                out.append(
                    _v(
                        Rule.HOUSEHOLD_TEAM,
                        household,
                        code,
                        f"住户 {household} 在县 {code}，调查组 {team} 不在该县",
                        f"household {household} is in county {code} but team {team} is not",
                    )
                )
    return out
