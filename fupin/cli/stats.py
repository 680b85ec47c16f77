"""`fupin estimate`: design-based estimates from a CSV file, for statisticians and for checks."""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fupin.cli import CommandError
from fupin.stats.design import LONELY_PSU_MODES, DesignError, FloatArray, svydesign
from fupin.stats.estimate import Estimate
from fupin.stats.estimators import mean, proportion, ratio, total
from fupin.stats.intervals import CI_METHODS

TRUE_VALUES = frozenset({"1", "yes", "true", "y", "t", "是"})
FALSE_VALUES = frozenset({"0", "no", "false", "n", "f", "否"})
MISSING_VALUES = frozenset({"", "na"})

DESCRIPTION = """\
Estimates a mean, total, ratio or proportion, with its standard error, design degrees of freedom,
confidence interval and design effect, by Taylor linearisation as R's survey package does.
The design options mirror R's svydesign(): --psu and --fpc take one column per stage
(e.g. --psu village,household --fpc villages_in_county,households_in_village); without --psu
each row is its own unit; with fpc at every stage and no --weights, the weights follow from it.
Empty cells (and NA) are missing and left out of the estimate, keeping the design (R's
na.rm=TRUE). --stat proportion counts rows where --var is true (1, yes, true; 0, no, false
are false). Intervals for proportions: logit (default, as R's svyciprop), beta (Korn-Graubard),
wilson or wald, with t quantiles on the design df; for other statistics wald with Normal
quantiles, as R's confint(). A ratio that is a proportion (0 <= numerator <= denominator) takes
--ci-method logit, beta or wilson with the assessment's small-sample rule (n_eff never above the
rows used, exact limits with few events): never a negative bound, never [0, 0] at a zero
numerator. Bad input ends with a one-line error and exit code 2.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "estimate",
        help="抽样估计：均值、总量、比率、比例及置信区间 (design-based survey estimates)",
        description=DESCRIPTION,
    )
    p.add_argument("data", metavar="DATA.csv", help="a CSV file with a header row (UTF-8)")
    p.add_argument("--stat", required=True, choices=["mean", "total", "ratio", "proportion"])
    p.add_argument(
        "--var", required=True, metavar="COL", help="the variable (numerator of a ratio)"
    )
    p.add_argument("--denominator", metavar="COL", help="denominator of --stat ratio")
    p.add_argument("--weights", metavar="COL", help="sampling weights (> 0)")
    p.add_argument("--strata", metavar="COL[,COL]", help="strata, per stage")
    p.add_argument("--psu", metavar="COL[,COL]", help="sampling unit ids, per stage")
    p.add_argument("--fpc", metavar="COL[,COL]", help="population sizes or sampling fractions")
    p.add_argument("--nest", action="store_true", help="PSU ids are reused across strata")
    p.add_argument("--domain", metavar="COL=VALUE", help="estimate for rows where COL is VALUE")
    p.add_argument("--by", metavar="COL", help="one estimate per value of COL")
    p.add_argument(
        "--lonely-psu",
        choices=LONELY_PSU_MODES,
        default="fail",
        help="strata with one sampled unit (as R's survey.lonely.psu; default fail)",
    )
    p.add_argument(
        "--ci-method",
        choices=CI_METHODS,
        help="interval method (default: logit for proportions, wald otherwise; "
        "logit, beta or wilson also for a ratio that is a proportion)",
    )
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)

    q = sub.add_parser(
        "plan-sample",
        help=PLAN_HELP,
        description=PLAN_DESCRIPTION,
    )
    q.add_argument(
        "--exited-households",
        type=int,
        required=True,
        metavar="N",
        help="已脱贫（退出）户数 (exited households in the county)",
    )
    q.add_argument(
        "--nonregistered-households",
        type=int,
        required=True,
        metavar="N",
        help="非建档立卡户数 (non-registered households in the county)",
    )
    q.add_argument(
        "--villages",
        type=int,
        required=True,
        metavar="N",
        help="全县行政村数 (villages in the county)",
    )
    q.add_argument(
        "--wrong-exit-rate",
        type=float,
        default=0.02,
        metavar="P",
        help="预期错退率 (expected wrong-exit rate, default 0.02)",
    )
    q.add_argument(
        "--missed-rate",
        type=float,
        default=0.02,
        metavar="P",
        help="预期漏评率 (expected missed rate, default 0.02)",
    )
    q.add_argument(
        "--half-width",
        type=float,
        default=0.01,
        metavar="H",
        help="目标精度：95%% 置信区间半宽 (target half-width, default 0.01)",
    )
    q.add_argument(
        "--per-village",
        type=int,
        default=30,
        metavar="M",
        help="每村每层抽取户数 (households per village and stratum, default 30)",
    )
    q.add_argument(
        "--icc",
        type=float,
        default=0.01,
        help="村内相关系数 (intra-village correlation, default 0.01)",
    )
    q.add_argument("--format", choices=["text", "json"], default="text")
    q.set_defaults(func=run_plan)

    f = sub.add_parser("estimate-figures", help=FIGURES_HELP, description=FIGURES_DESCRIPTION)
    f.add_argument("sample", metavar="SAMPLE.csv", help="one row per sampled household")
    f.add_argument(
        "--problems",
        required=True,
        metavar="PROBLEMS.csv",
        help="confirmed problems: household_no, problem (错退 / 漏评)",
    )
    f.add_argument(
        "--persons",
        required=True,
        metavar="poor=P,exited=E,nonregistered=U,rural=R",
        help="the county's persons: still poor, exited, non-registered, rural",
    )
    f.add_argument(
        "--zone",
        choices=["central", "west"],
        default="west",
        help="the county's zone for the thresholds (default west)",
    )
    f.add_argument("--format", choices=["text", "json"], default="text")
    f.set_defaults(func=run_figures)


FIGURES_HELP = "由样本文件与问题文件计算三率一度 (the four figures from your own survey files)"
FIGURES_DESCRIPTION = """The four figures (wrong-exit rate, missed rate, incidence, recognition) of one county from a
sample file and a confirmed-problems file, with the engine's design and honest intervals; see
fupin/assessments/engine/external.py for the columns.
"""


def run_figures(args: argparse.Namespace) -> int:
    """Run `fupin estimate-figures`; errors are one line on stderr and exit code 2."""
    from fupin.assessments.engine.external import ExternalError, figures_from_files
    from fupin.assessments.engine.figures import FiguresError

    try:
        persons: dict[str, int] = {}
        for part in args.persons.split(","):
            key, sep, value = part.partition("=")
            if not sep or not value.strip().isdigit():
                raise ExternalError("--persons 应为 poor=P,exited=E,nonregistered=U,rural=R")
            persons[key.strip()] = int(value)
        figures = figures_from_files(
            Path(args.sample), Path(args.problems), persons=persons, zone=args.zone
        )
    except (ExternalError, FiguresError) as exc:
        print(f"fupin estimate-figures: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(figures.as_dict(), ensure_ascii=False))
        return 0
    labels = {
        "wrong_exit_rate": "错退率",
        "missed_rate": "漏评率",
        "incidence": "综合贫困发生率",
        "recognition": "群众认可度",
    }
    clarity = {
        "clear": "置信区间在阈值一侧",
        "straddles": "置信区间跨越阈值",
        "sparse": "样本不足以给出可靠区间",
    }
    for fig in figures.figures:
        lo, hi = fig.ci
        print(
            f"{labels[fig.name]}: {fig.value:.4f}  95% CI [{lo:.4f}, {hi:.4f}]  "
            f"{'达标' if fig.verdict == 'pass' else '未达标'}（阈值 {fig.threshold:g}）  "
            f"{clarity[fig.clarity]}"
        )
    return 0


PLAN_HELP = "抽样方案测算：所需户数、村数与预期置信区间 (sample-size planner)"
PLAN_DESCRIPTION = """Households and villages a county's sample needs so that the 95% intervals of the wrong-exit and
missed rates are no wider than +/- --half-width at the expected rates, with the exact
(Clopper-Pearson) interval on n / deff households, deff = 1 + (per_village - 1) x icc, and the
finite population correction (see fupin/stats/planning.py, which also explains why about 1 000
households per county).  At-risk households of the sampled villages come on top.
"""

_DOMAIN_LABELS = {"exited": "已脱贫户（错退率）", "non_registered": "非建档立卡户（漏评率）"}


def run_plan(args: argparse.Namespace) -> int:
    """Run `fupin plan-sample`; errors are one line on stderr and exit code 2."""
    from fupin.stats.planning import PlanError, plan_sample

    try:
        plan = plan_sample(
            rates={"exited": args.wrong_exit_rate, "non_registered": args.missed_rate},
            populations={
                "exited": args.exited_households,
                "non_registered": args.nonregistered_households,
            },
            villages_in_county=args.villages,
            half_width=args.half_width,
            per_village=args.per_village,
            icc=args.icc,
        )
    except PlanError as exc:
        print(f"fupin plan-sample: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(plan.as_dict(), ensure_ascii=False))
        return 0
    print(
        f"抽取村数 villages: {plan.villages}；抽取户数 households: {plan.households}"
        f"（另加所抽村的重点户 plus at-risk households）"
    )
    for d in plan.domains:
        lo, hi = d.ci
        note = "" if d.reached else "（全部抽完也达不到目标精度 target not reachable）"
        print(
            f"{_DOMAIN_LABELS[d.name]}: {d.households} 户 / {d.population} 户，"
            f"每村 {d.per_village} 户，设计效应 {d.deff:.2f}；预期 {d.rate:.2%} 的 95% 置信区间 "
            f"[{lo:.2%}, {hi:.2%}]，半宽 {d.half_width:.2%}{note}"
        )
    return 0


class _Table:
    """The columns of a CSV file, as lists of stripped strings."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.reader(handle))
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {path}") from exc
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        if not rows:
            raise CommandError(f"{path} is empty")
        self.header = [h.strip() for h in rows[0]]
        body = [r for r in rows[1:] if any(cell.strip() for cell in r)]
        for number, row in enumerate(body, start=2):
            if len(row) != len(self.header):
                raise CommandError(
                    f"{path}: a row has {len(row)} fields, the header {len(self.header)} "
                    f"(around line {number})"
                )
        if not body:
            raise CommandError(f"{path} has no data rows")
        self.rows = body
        self.n = len(body)

    def column(self, name: str) -> list[str]:
        if name not in self.header:
            shown = ", ".join(self.header[:12]) + (", ..." if len(self.header) > 12 else "")
            raise CommandError(f"unknown column {name!r} in {self.path.name} (columns: {shown})")
        j = self.header.index(name)
        return [row[j].strip() for row in self.rows]

    def numbers(self, name: str) -> FloatArray:
        values = self.column(name)
        out = np.empty(self.n)
        for i, text in enumerate(values):
            if text.lower() in MISSING_VALUES:
                out[i] = math.nan
                continue
            try:
                out[i] = float(text)
            except ValueError:
                raise CommandError(
                    f"column {name!r}, line {i + 2}: {text!r} is not a number"
                ) from None
        return out

    def truth(self, name: str) -> FloatArray:
        values = self.column(name)
        out = np.empty(self.n)
        for i, text in enumerate(values):
            low = text.lower()
            if low in MISSING_VALUES:
                out[i] = math.nan
            elif low in TRUE_VALUES:
                out[i] = 1.0
            elif low in FALSE_VALUES:
                out[i] = 0.0
            else:
                try:
                    number = float(text)
                except ValueError:
                    number = math.nan
                if number not in (0.0, 1.0):
                    raise CommandError(
                        f"column {name!r}, line {i + 2}: {text!r} is neither true "
                        "(1, yes, true) nor false (0, no, false)"
                    )
                out[i] = number
        return out


def _names(option: str | None, flag: str) -> list[str]:
    if option is None:
        return []
    names = [part.strip() for part in option.split(",")]
    if not 1 <= len(names) <= 2 or not all(names):
        raise CommandError(f"{flag} takes one or two column names separated by a comma")
    return names


def _natural_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _share_ratio(args: argparse.Namespace) -> bool:
    """A ratio that is a proportion, with a proportion's interval (logit, beta or wilson)."""
    return args.stat == "ratio" and args.ci_method not in (None, "wald")


def _interval(
    est: Estimate, level: float, method: str | None, events: int = 0
) -> tuple[float, float]:
    """The estimate's interval; a proportion-like ratio's by the engine's small-sample rule.

    As the assessment's rates (fupin.stats.parts): n_eff = r (1 - r) / var, never above the
    rows used (design effect >= 1); Korn-Graubard's df adjustment; the exact Clopper-Pearson
    limits (beta, or logit with fewer than MIN_EVENTS rows with a non-zero numerator on either
    side); never a negative bound, never [0, 0] at a zero numerator.
    """
    if est.statistic != "ratio" or method in (None, "wald"):
        return est.ci(level, method)
    from fupin.stats.parts import part_interval

    got = part_interval(
        full_share=0.0,
        full_value=0.0,
        q=est.value,
        var=est.var,
        n=est.n,
        events=events,
        df=est.df,
        level=level,
        method=method,
    )
    return got.ci


def _record(est: Estimate, level: float, method: str | None, events: int = 0) -> dict[str, Any]:
    lo, hi = _interval(est, level, method, events)
    return {
        "estimate": _finite(est.value),
        "se": _finite(est.se),
        "df": est.df,
        "ci": [_finite(lo), _finite(hi)],
        "deff": _finite(est.deff),
    }


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "NA"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    return f"{x:.6g}"


def _estimate(
    args: argparse.Namespace, table: _Table
) -> tuple[list[tuple[str | None, Estimate, int]], str]:
    if args.stat == "ratio" and not args.denominator:
        raise CommandError("--stat ratio needs --denominator")
    if args.stat != "ratio" and args.denominator:
        raise CommandError("--denominator is only for --stat ratio")
    if not 0 < args.level < 1:
        raise CommandError(f"--level must be between 0 and 1, got {args.level:g}")
    if args.ci_method not in (None, "wald") and args.stat not in ("proportion", "ratio"):
        raise CommandError(
            f"--ci-method {args.ci_method} applies to --stat proportion and ratio only"
        )

    psu = [np.array(table.column(c), dtype=object) for c in _names(args.psu, "--psu")]
    strata = [np.array(table.column(c), dtype=object) for c in _names(args.strata, "--strata")]
    fpc = [table.numbers(c) for c in _names(args.fpc, "--fpc")]
    weights = table.numbers(args.weights) if args.weights else None
    design = svydesign(
        ids=tuple(psu) if psu else None,
        strata=tuple(strata) if strata else None,
        fpc=tuple(fpc) if fpc else None,
        weights=weights,
        nest=args.nest,
        lonely_psu=args.lonely_psu,
        n=table.n,
    )

    y = table.truth(args.var) if args.stat == "proportion" else table.numbers(args.var)
    x = table.numbers(args.denominator) if args.denominator else None
    if _share_ratio(args):
        assert x is not None
        both = ~np.isnan(y) & ~np.isnan(x)
        if ((y[both] < 0) | (x[both] <= 0) | (y[both] > x[both])).any():
            raise CommandError(
                f"--ci-method {args.ci_method} needs a ratio that is a proportion: "
                f"0 <= {args.var} <= {args.denominator} and {args.denominator} > 0 on every row"
            )

    domain = np.ones(table.n, dtype=bool)
    if args.domain is not None:
        match = re.fullmatch(r"\s*([^=]+?)\s*=(.*)", args.domain)
        if not match:
            raise CommandError("--domain takes COL=VALUE")
        column = np.array(table.column(match.group(1)), dtype=object)
        domain = column == match.group(2).strip()
        if not domain.any():
            raise CommandError(f"--domain {args.domain}: no rows match")

    def one(rows: np.ndarray[Any, np.dtype[np.bool_]]) -> Estimate:
        dom = None if rows.all() else rows
        if args.stat == "mean":
            return mean(design, y, domain=dom, na_rm=True)
        if args.stat == "total":
            return total(design, y, domain=dom, na_rm=True)
        if args.stat == "proportion":
            return proportion(design, y, domain=dom, na_rm=True)
        assert x is not None
        return ratio(design, y, x, domain=dom, na_rm=True)

    def events(rows: np.ndarray[Any, np.dtype[np.bool_]]) -> int:
        """Rows with a non-zero numerator, or with a zero one, whichever is fewer."""
        used = rows & ~np.isnan(y) & (np.ones(table.n, dtype=bool) if x is None else ~np.isnan(x))
        k = int((y[used] > 0).sum())
        return min(k, int(used.sum()) - k)

    results: list[tuple[str | None, Estimate, int]] = []
    if args.by:
        groups = np.array(table.column(args.by), dtype=object)
        labels = sorted(
            {g for g, d in zip(groups.tolist(), domain.tolist(), strict=True) if d and g},
            key=_natural_key,
        )
        if not labels:
            raise CommandError(f"--by {args.by}: no rows with a value")
        for label in labels:
            try:
                rows = domain & (groups == label)
                results.append((label, one(rows), events(rows)))
            except DesignError as exc:
                raise CommandError(f"group {label!r}: {exc}") from None
    else:
        results.append((None, one(domain), events(domain)))
    return results, design.describe()


def run(args: argparse.Namespace) -> int:
    """Run `fupin estimate`; errors are one line on stderr and exit code 2."""
    try:
        table = _Table(Path(args.data))
        results, described = _estimate(args, table)
        method = args.ci_method
        if args.format == "json":
            records = []
            for label, est, k in results:
                record = _record(est, args.level, method, k)
                records.append(record if label is None else {"group": label, **record})
            payload: Any = records if args.by else records[0]
            print(json.dumps(payload, ensure_ascii=False))
        else:
            _print_text(args, described, results)
    except (CommandError, DesignError, ValueError) as exc:
        # Returned rather than re-raised: design and value errors are the user's input too, and
        # only the first line of their message is for the user.
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"fupin estimate: error: {message}", file=sys.stderr)
        return 2
    return 0


def _print_text(
    args: argparse.Namespace,
    described: str,
    results: Sequence[tuple[str | None, Estimate, int]],
) -> None:
    what = f"{args.stat} of {args.var}" + (f" / {args.denominator}" if args.denominator else "")
    if args.domain:
        what += f" where {args.domain}"
    method = args.ci_method or ("logit" if args.stat == "proportion" else "wald")
    if _share_ratio(args):
        method += ", n_eff <= n"
    pct = f"{args.level * 100:g}%"
    print(f"{what}  ({Path(args.data).name})")
    print(described)
    header = ["estimate", "SE", f"{pct} CI ({method})", "DEff", "df", "n"]
    lines = []
    for label, est, k in results:
        lo, hi = _interval(est, args.level, args.ci_method, k)
        lines.append(
            [
                label or "",
                _fmt(est.value),
                _fmt(est.se),
                f"[{_fmt(lo)}, {_fmt(hi)}]",
                _fmt(est.deff),
                str(est.df),
                str(est.n),
            ]
        )
    first = args.by or ""
    widths = [max(len(first), *(len(line[0]) for line in lines))]
    widths += [max(len(h), *(len(line[j + 1]) for line in lines)) for j, h in enumerate(header)]
    print(
        "  ".join(
            [first.ljust(widths[0])] + [h.rjust(w) for h, w in zip(header, widths[1:], strict=True)]
        ).rstrip()
    )
    for line in lines:
        print(
            "  ".join(
                [line[0].ljust(widths[0])]
                + [c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)]
            ).rstrip()
        )
