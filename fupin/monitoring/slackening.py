"""The years after a county's exit (seed 004, DOMAIN.md §8): the four slackening signs, from records.

Seed 004 names four signs found in the 2018 assessment of counties that had exited:
1. 剩余贫困人口减贫的速度明显放缓 — remaining poor falling clearly slower than in earlier years;
2. 当年没有完成减贫任务、部分脱贫人口收入不增反降 — the year's reduction target missed, and
   exited people's incomes falling;
3. 干部培训力度大大低于去年 — cadre training far below last year (a county held none in 2019);
4. 把驻村工作队变成别的工作队 — work teams turned to other work.
Each sign is raised, clear, or cannot be judged (no record: never guessed), with its rule, the
numbers and the records behind them. A county is never scored or ranked. 四个不摘 is in keeps.py.

Only whole years after the exit year are judged, and only years the platform holds records for:
a year with no recorded status change, training or report is "no record", not "nothing happened".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fupin.assistance.models import WorkTeam, WorkTeamMember
from fupin.monitoring.models import MonitoringReport, ReductionTarget, Training
from fupin.regions.models import Region
from fupin.registry.models import EventKind, Household, Status, StatusEvent

RAISED, CLEAR, NO_DATA = "raised", "clear", "no_data"
SIGN_STATE_LABELS = {RAISED: "出现", CLEAR: "未出现", NO_DATA: "数据不足，无法判断"}
KEEP_STATE_LABELS = {RAISED: "未保持", CLEAR: "保持", NO_DATA: "数据不足，无法判断"}
POOR_LIKE = (Status.POOR.value, Status.RETURNED.value)
AFTER_EVENT = {
    EventKind.IDENTIFIED.value: Status.POOR.value,
    EventKind.EXITED.value: Status.EXITED.value,
    EventKind.RETURNED.value: Status.RETURNED.value,
    EventKind.REMOVED.value: Status.REMOVED.value,
}
# The rules, stated on the page and in the README (seed 004 gives examples, not thresholds).
SLOWER_SHARE = 0.5  # a year's reduction below half of the earlier pace is "clearly slower"
BASELINE_YEARS = 3  # the earlier pace: the yearly average of the three years up to the exit
FAR_BELOW_SHARE = 0.5  # trainings (sessions or participants) below half of last year: "far below"
MAX_RECORDS = 30

RULES = {
    "slow_reduction": (
        f"摘帽后某年剩余贫困人口的减少数，不足“摘帽前（含摘帽当年）{BASELINE_YEARS} 年平均每年减少数”"
        f"（若年初剩余更少，则以年初剩余数为准）的 {SLOWER_SHARE:.0%}，即为明显放缓。"
    ),
    "target_missed": (
        "摘帽后某年实际脱贫人数少于该县记录的当年计划减贫人数，即为未完成减贫任务；"
        "前后两年都有收入记录的脱贫户，当年平均人均纯收入低于上年，即为收入不增反降。"
    ),
    "training_far_below": (
        f"摘帽后某年本县干部培训的期数或参训人数不足上年的 {FAR_BELOW_SHARE:.0%}，"
        "或全年没有一期培训，即为培训力度大大低于去年。"
    ),
    "work_teams_diverted": (
        "摘帽当年末在岗的驻村工作队或队员，在过渡期结束前撤离或离队而没有接续的队伍或同职务队员，"
        "即为驻村工作队变成别的工作队（换频道）。"
    ),
}


@dataclass
class Finding:
    """One sign (or one of 四个不摘): its state, why, the numbers and the records behind them."""

    code: str
    label: str
    state: str
    explanation: str
    rule: str = ""
    numbers: dict[str, Any] = field(default_factory=dict)
    records: list[str] = field(default_factory=list)
    group: str = "sign"

    @property
    def state_label(self) -> str:
        return (SIGN_STATE_LABELS if self.group == "sign" else KEEP_STATE_LABELS)[self.state]


def capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_RECORDS:
        return lines
    return [*lines[:MAX_RECORDS], f"……另有 {len(lines) - MAX_RECORDS} 条"]


class CountyRecords:
    """A county's registry history replayed once: each household's status at each year's end,
    people (household size as now registered), exits per year, and incomes per year."""

    def __init__(self, county: Region) -> None:
        self.county = county
        households = Household.objects.filter(village__code__startswith=county.prefix)
        self.ids = households.values("pk")
        self.size: dict[int, int] = {}
        self.number: dict[int, str] = {}
        for pk, size, no in households.values_list("pk", "size", "household_no"):
            self.size[pk], self.number[pk] = size, no
        self.history: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.event_years: dict[int, int] = defaultdict(int)
        self.exits: dict[int, set[int]] = defaultdict(set)
        for hid, kind, year in (
            StatusEvent.objects.filter(household_id__in=self.ids)
            .order_by("household_id", "date", "id")
            .values_list("household_id", "kind", "year")
        ):
            self.history[hid].append((year, AFTER_EVENT[kind]))
            self.event_years[year] += 1
            if kind == EventKind.EXITED:
                self.exits[year].add(hid)
        self.incomes: dict[tuple[int, int], float] = {}
        for hid, year, income in households.exclude(income_year__isnull=True).values_list(
            "pk", "income_year", "income_per_capita"
        ):
            self.incomes[(hid, year)] = income
        for hid, year, income in (
            MonitoringReport.objects.filter(
                household_id__in=self.ids, income_per_capita__isnull=False
            )
            .order_by("date", "id")
            .values_list("household_id", "year", "income_per_capita")
        ):
            self.incomes[(hid, year)] = income

    def status_at(self, hid: int, year: int) -> str:
        status = ""
        for y, s in self.history.get(hid, []):
            if y > year:
                break
            status = s
        return status

    def remaining(self, year: int) -> tuple[int, int]:
        """Households and people poor (未脱贫 or 返贫) at the end of the year."""
        poor = [h for h in self.history if self.status_at(h, year) in POOR_LIKE]
        return len(poor), sum(self.size.get(h, 0) for h in poor)

    def exited_people(self, year: int) -> tuple[int, int]:
        hids = self.exits.get(year, set())
        return len(hids), sum(self.size.get(h, 0) for h in hids)

    def latest_year(self) -> int:
        return max([*self.event_years, *(y for _h, y in self.incomes)], default=0)


def sign_slow_reduction(
    records: CountyRecords, rows: list[dict[str, Any]], exit_year: int, after: list[int]
) -> Finding:
    code, label = "slow_reduction", "剩余贫困人口减贫速度明显放缓"
    by_year = {r["year"]: r for r in rows}

    def reduction(y: int) -> int | None:
        if y - 1 not in by_year or y not in by_year or not by_year[y]["events"]:
            return None
        return int(by_year[y - 1]["remaining_people"] - by_year[y]["remaining_people"])

    base_years = [
        y for y in range(exit_year - BASELINE_YEARS + 1, exit_year + 1) if reduction(y) is not None
    ]
    records_line = [
        f"{r['year']} 年：状态变更记录 {r['events']} 条，年末剩余贫困人口 "
        f"{r['remaining_people']} 人（{r['remaining_households']} 户），当年脱贫 "
        f"{r['exited_people']} 人"
        for r in rows
        if r["events"]
    ]
    records_line = capped(records_line)
    rule = RULES[code]
    if exit_year in by_year and by_year[exit_year]["remaining_people"] == 0:
        return Finding(
            code, label, CLEAR, f"{exit_year} 年末剩余贫困人口已清零", rule, {}, records_line
        )
    if not base_years:
        return Finding(
            code,
            label,
            NO_DATA,
            f"没有摘帽前（{exit_year - BASELINE_YEARS + 1}–{exit_year} 年）的状态变更记录，"
            "无法得出以往的减贫速度",
            rule,
            {},
            records_line,
        )
    base = sum(reduction(y) or 0 for y in base_years) / len(base_years)
    numbers: dict[str, Any] = {"baseline_years": base_years, "baseline": round(base, 1)}
    judged = []
    for y in after:
        start = by_year[y - 1]["remaining_people"] if y - 1 in by_year else 0
        r = reduction(y)
        if start == 0 or r is None:
            continue
        expected = min(base, start)
        judged.append(
            {
                "year": y,
                "remaining_at_start": start,
                "reduction": r,
                "expected": round(expected, 1),
                "slower": r < SLOWER_SHARE * expected,
            }
        )
    numbers["by_year"] = judged
    span = f"{base_years[0]}–{base_years[-1]}" if len(base_years) > 1 else str(base_years[0])
    head = f"摘帽前 {span} 年平均每年减少 {base:.0f} 人"
    if not judged:
        return Finding(
            code,
            label,
            NO_DATA,
            f"{head}；摘帽后 {after[0]}–{after[-1]} 年没有状态变更记录（或已清零），无法判断",
            rule,
            numbers,
            records_line,
        )
    slower = [j for j in judged if j["slower"]]
    text = "；".join(
        f"{j['year']} 年初剩余 {j['remaining_at_start']} 人，当年减少 {j['reduction']} 人"
        for j in (slower or judged)
    )
    if slower:
        return Finding(
            code, label, RAISED, f"{head}；明显放缓：{text}", rule, numbers, records_line
        )
    return Finding(code, label, CLEAR, f"{head}；{text}，未见明显放缓", rule, numbers, records_line)


def sign_target_missed(records: CountyRecords, county: Region, after: list[int]) -> Finding:
    code, label = "target_missed", "当年未完成减贫任务、脱贫人口收入不增反降"
    rule = RULES[code]
    targets = dict(
        ReductionTarget.objects.filter(county=county, year__in=after).values_list("year", "people")
    )
    parts: list[str] = []
    lines: list[str] = []
    states: list[str] = []
    target_rows = []
    for y in after:
        if y not in targets:
            continue
        _h, done = records.exited_people(y)
        target_rows.append({"year": y, "target": targets[y], "exited_people": done})
        lines.append(f"年度减贫任务：{y} 年计划减贫 {targets[y]} 人；当年脱贫 {done} 人")
    if not target_rows:
        states.append(NO_DATA)
        parts.append(f"{after[0]}–{after[-1]} 年没有记录年度减贫任务，无法判断是否完成")
    else:
        missed = [r for r in target_rows if r["exited_people"] < r["target"]]
        states.append(RAISED if missed else CLEAR)
        parts.append(
            "未完成减贫任务："
            + "；".join(
                f"{r['year']} 年计划 {r['target']} 人，完成 {r['exited_people']} 人" for r in missed
            )
            if missed
            else "有记录的年度均完成减贫任务（"
            + "；".join(
                f"{r['year']} 年计划 {r['target']} 人，完成 {r['exited_people']} 人"
                for r in target_rows
            )
            + "）"
        )
    income_rows = []
    for y in after:
        pairs = [
            (h, records.incomes[(h, y - 1)], records.incomes[(h, y)])
            for h in records.history
            if (h, y) in records.incomes
            and (h, y - 1) in records.incomes
            and records.status_at(h, y - 1) == Status.EXITED
            and records.status_at(h, y) == Status.EXITED
        ]
        if not pairs:
            continue
        prev = sum(p for _h, p, _c in pairs) / len(pairs)
        cur = sum(c for _h, _p, c in pairs) / len(pairs)
        fell = sorted(records.number[h] for h, p, c in pairs if c < p)
        income_rows.append(
            {
                "year": y,
                "households": len(pairs),
                "mean_previous": round(prev, 2),
                "mean_current": round(cur, 2),
                "fell": len(fell),
            }
        )
        lines.extend(
            f"收入记录：{no} 户 {y} 年人均纯收入低于 {y - 1} 年" for no in fell[:MAX_RECORDS]
        )
    if not income_rows:
        states.append(NO_DATA)
        parts.append("没有脱贫户连续两年的收入记录（登记数据或监测上报），无法比较收入")
    else:
        falling = [r for r in income_rows if r["mean_current"] < r["mean_previous"]]
        states.append(RAISED if falling else CLEAR)
        described = "；".join(
            f"{r['year']} 年 {r['households']} 户脱贫户平均人均纯收入由 {r['mean_previous']:.0f} 元"
            f"变为 {r['mean_current']:.0f} 元（{r['fell']} 户下降）"
            for r in income_rows
        )
        parts.append(("收入不增反降：" if falling else "脱贫户收入未见下降：") + described)
    state = RAISED if RAISED in states else NO_DATA if NO_DATA in states else CLEAR
    numbers = {"targets": target_rows, "incomes": income_rows}
    return Finding(code, label, state, "。".join(parts), rule, numbers, capped(lines))


def sign_training_far_below(county: Region, exit_year: int, after: list[int]) -> Finding:
    code, label = "training_far_below", "干部培训力度大大低于去年"
    rule = RULES[code]
    trainings = list(
        Training.objects.filter(county=county, withdrawn_at__isnull=True)
        .order_by("date", "id")
        .values_list("date", "topic", "organiser", "participants")
    )
    if not trainings:
        return Finding(
            code,
            label,
            NO_DATA,
            f"平台上没有{county.name}的任何干部培训记录，无法判断（请在“干部培训”页记录）",
            rule,
        )
    sessions: dict[int, int] = defaultdict(int)
    people: dict[int, int] = defaultdict(int)
    for day, _topic, _org, n in trainings:
        sessions[day.year] += 1
        people[day.year] += n
    first = min(sessions)
    rows = []
    for y in range(exit_year, after[-1] + 1):
        rows.append({"year": y, "sessions": sessions.get(y, 0), "participants": people.get(y, 0)})
    lines = [
        f"{day.isoformat()} {org}：{topic}（{n} 人）"
        for day, topic, org, n in trainings
        if exit_year <= day.year <= after[-1]
    ]
    judged = [y for y in after if y >= first]
    if not judged:
        return Finding(
            code,
            label,
            NO_DATA,
            f"{county.name}的培训记录从 {first} 年开始，摘帽后 {after[0]}–{after[-1]} 年之前无记录可比",
            rule,
            {"by_year": rows},
            capped(lines),
        )
    below = []
    for y in judged:
        s, p = sessions.get(y, 0), people.get(y, 0)
        ps, pp = sessions.get(y - 1, 0), people.get(y - 1, 0)
        if s == 0:
            below.append(f"{y} 年没有办过一期培训")
        elif y - 1 >= first and (s < FAR_BELOW_SHARE * ps or p < FAR_BELOW_SHARE * pp):
            below.append(f"{y} 年 {s} 期 {p} 人，上年 {ps} 期 {pp} 人")
    table = "、".join(f"{r['year']} 年 {r['sessions']} 期 {r['participants']} 人" for r in rows)
    if below:
        return Finding(
            code,
            label,
            RAISED,
            f"{'；'.join(below)}。各年：{table}",
            rule,
            {"by_year": rows},
            capped(lines),
        )
    return Finding(
        code,
        label,
        CLEAR,
        f"摘帽后各年培训未见大大低于上年。各年：{table}",
        rule,
        {"by_year": rows},
        capped(lines),
    )


def diverted_teams(
    county: Region, exit_year: int, transition: int, today: dt.date
) -> tuple[list[Any], list[str], list[str]]:
    """Teams in post at the end of the exit year, and those of them (or of their members) that
    left before the transition period ended with nobody taking over."""
    at_exit = dt.date(exit_year, 12, 31)
    horizon = min(dt.date(exit_year + transition + 1, 1, 1), today + dt.timedelta(days=1))
    teams = list(
        WorkTeam.objects.filter(village__code__startswith=county.prefix).select_related("village")
    )
    in_post = [t for t in teams if t.is_active(at_exit)]
    withdrawn, left = [], []
    for t in in_post:
        if t.end is not None and t.end < horizon:
            successor = [
                o
                for o in teams
                if o.pk != t.pk and o.village_id == t.village_id and o.is_active(t.end)
            ]
            if not successor:
                withdrawn.append(
                    f"{t.village.name}驻村工作队（{t.start.isoformat()} 起）于 {t.end.isoformat()} 撤离，无接续工作队"
                )
    village_teams = {t.pk: t.village_id for t in teams}
    members = list(
        WorkTeamMember.objects.filter(team__in=[t.pk for t in teams]).select_related(
            "team__village"
        )
    )
    for m in members:
        if not m.is_active(at_exit) or m.end is None or m.end >= horizon:
            continue
        if m.team.end is not None and m.team.end <= m.end:
            continue  # the whole team left: counted above
        successor = [
            o
            for o in members
            if o.pk != m.pk
            and village_teams[o.team_id] == village_teams[m.team_id]
            and o.role == m.role
            and o.is_active(m.end)
        ]
        if not successor:
            left.append(
                f"{m.team.village.name}工作队{m.get_role_display()}{m.name}于 {m.end.isoformat()} 离队，"
                "无同职务队员接替"
            )
    return in_post, withdrawn, left


def sign_work_teams_diverted(
    county: Region, exit_year: int, transition: int, today: dt.date
) -> Finding:
    code, label = "work_teams_diverted", "驻村工作队变成别的工作队（换频道）"
    rule = RULES[code]
    in_post, withdrawn, left = diverted_teams(county, exit_year, transition, today)
    if not in_post:
        return Finding(
            code,
            label,
            NO_DATA,
            f"没有{county.name}在 {exit_year} 年末在岗的驻村工作队记录，无法判断",
            rule,
        )
    numbers = {
        "teams_at_exit": len(in_post),
        "teams_withdrawn": len(withdrawn),
        "members_left": len(left),
        "transition_end": exit_year + transition,
    }
    head = (
        f"{exit_year} 年末在岗驻村工作队 {len(in_post)} 支；过渡期至 {exit_year + transition} 年末"
    )
    if withdrawn or left:
        return Finding(
            code,
            label,
            RAISED,
            f"{head}：{len(withdrawn)} 支撤离无接续，{len(left)} 名队员离队无人接替",
            rule,
            numbers,
            capped(withdrawn + left),
        )
    return Finding(
        code,
        label,
        CLEAR,
        f"{head}：至今没有工作队撤离或队员离队而无接续",
        rule,
        numbers,
        [f"{t.village.name}驻村工作队（{t.start.isoformat()} 起）" for t in in_post][:MAX_RECORDS],
    )
